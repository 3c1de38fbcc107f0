"""A value far above the commune's own history for that indicator (more than 10 times the
median of at least 6 other months): a typing slip such as 25000 for 2500. A warning."""

from __future__ import annotations

from ..history import OUTLIER_FACTOR, OUTLIER_MIN_HISTORY
from .base import HISTORY, RULES, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    known = batch.known
    frame = batch.frame
    values = batch.values[known.points]
    with np.errstate(invalid="ignore"):
        far = (known.count >= OUTLIER_MIN_HISTORY) & (known.median > 0) & (values > OUTLIER_FACTOR * known.median)
    for k in np.flatnonzero(far).tolist():
        v = int(known.points[k])
        indicator = batch.catalog.indicators[int(frame.indicator[v])]
        median = float(known.median[k])
        batch.report(
            int(frame.ret[v]), HISTORY, "outlier", order=2 * v + 1, cell=frame.cell(v),
            indicator=indicator.code, label=indicator.label, value=float(values[k]), median=median,
            ratio=float(values[k]) / median, decimals=indicator.decimals,
        )


CHECK = Check("outlier", ("outlier",), HISTORY, run, clean_before=RULES)
