"""A value above the indicator's maximum in the catalog (``indicators.csv``, column ``max``):
1e300 trees is a typing slip, not a figure."""

from __future__ import annotations

from .base import VALUES, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    limits = np.array([np.inf if i.max is None else i.max for i in batch.catalog.indicators] + [np.inf])
    frame = batch.frame
    over = batch.reported & (batch.values > limits[frame.indicator]) & batch.gate[frame.ret]
    for v in np.flatnonzero(over).tolist():
        indicator = batch.catalog.indicators[int(frame.indicator[v])]
        batch.report(
            int(frame.ret[v]), VALUES, "over-maximum", order=v, cell=frame.cell(v), indicator=indicator.code,
            label=indicator.label, value=float(batch.values[v]), max=float(limits[int(frame.indicator[v])]),
            unit=indicator.unit,
        )


CHECK = Check("over-maximum", ("over-maximum",), VALUES, run)
