"""An indicator counted in whole units (visits, houses, trees) takes no fraction."""

from __future__ import annotations

from .base import NUMBER, VALUES, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    numbers = batch.numbers
    with np.errstate(invalid="ignore"):
        fraction = np.abs(numbers - np.round(numbers)) > 1e-9
    found = batch.kept & (batch.reads == NUMBER) & (numbers >= 0) & batch.integer & fraction
    found &= batch.gate[frame.ret]
    for v in np.flatnonzero(found).tolist():
        indicator = batch.catalog.indicators[int(frame.indicator[v])]
        batch.report(
            int(frame.ret[v]), VALUES, "fraction-for-integer", order=v, cell=frame.cell(v),
            indicator=indicator.code, label=indicator.label, unit=indicator.unit, value=float(numbers[v]),
        )


CHECK = Check("fraction-for-integer", ("fraction-for-integer",), VALUES, run)
