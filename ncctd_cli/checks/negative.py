"""Counts and amounts are never negative."""

from __future__ import annotations

from .base import NUMBER, VALUES, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    negative = batch.kept & (batch.reads == NUMBER) & (batch.numbers < 0) & batch.gate[frame.ret]
    for v in np.flatnonzero(negative).tolist():
        indicator = batch.catalog.indicators[int(frame.indicator[v])]
        batch.report(
            int(frame.ret[v]), VALUES, "negative-value", order=v, cell=frame.cell(v),
            indicator=indicator.code, label=indicator.label, value=float(batch.numbers[v]),
        )


CHECK = Check("negative-value", ("negative-value",), VALUES, run)
