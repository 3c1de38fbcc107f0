"""A stock (the number of enterprises, km of lit road) lower than the commune's latest earlier
month: stocks do not usually fall. A warning: the clerk checks it."""

from __future__ import annotations

from ..vietnamese import Period
from .base import HISTORY, RULES, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    known = batch.known
    frame = batch.frame
    indicators = batch.catalog.indicators
    stock = np.array([i.is_stock for i in indicators], dtype=bool)[frame.indicator[known.points]]
    values = batch.values[known.points]
    fell = stock & (known.before_month >= 0) & (values < known.before_value - 1e-9)
    for k in np.flatnonzero(fell).tolist():
        v = int(known.points[k])
        indicator = indicators[int(frame.indicator[v])]
        batch.report(
            int(frame.ret[v]), HISTORY, "stock-decreased", order=2 * v, cell=frame.cell(v),
            indicator=indicator.code, label=indicator.label, value=float(values[k]),
            earlier=float(known.before_value[k]), earlier_period=str(Period.from_index(int(known.before_month[k]))),
            decimals=indicator.decimals,
        )


CHECK = Check("stock-decreased", ("stock-decreased",), HISTORY, run, clean_before=RULES)
