"""Which month the return is for: it must name one, readable, not later than this month."""

from __future__ import annotations

from ..cellfacts import CellError, NoValue
from .base import PERIOD, Check, Checking


def run(batch: Checking) -> None:
    periods, read = batch.periods, batch.parsed_periods
    today = batch.options.today
    for r, ret in enumerate(batch.frame.returns):
        if not batch.gate[r] or periods[r] is not None:
            continue
        if isinstance(ret.period_text, CellError | NoValue):
            code = "error-cell" if isinstance(ret.period_text, CellError) else "formula-no-value"
            text = str(ret.period_text)
            batch.report(r, PERIOD, code, cell=ret.period_cell, text=text, formula=text)
        elif ret.period_text is None:
            batch.report(r, PERIOD, "missing-period", cell=ret.period_cell)
        elif read[r] is None:
            batch.report(r, PERIOD, "invalid-period", cell=ret.period_cell, text=ret.period_label)
        else:
            batch.report(
                r, PERIOD, "future-period", cell=ret.period_cell, period=str(read[r]), today=str(today)
            )


CHECK = Check("period", ("missing-period", "invalid-period", "future-period"), PERIOD, run)
