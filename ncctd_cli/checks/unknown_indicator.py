"""A value under a row or column that names no indicator of the catalog: data that would be
silently dropped. A form's row counts only when its value cell holds a number (headings, notes
and the signature block are not data); a table's column or row when it holds anything."""

from __future__ import annotations

from ..frame import NUMBER_ONLY
from .base import EMPTY, NOT_FINITE, NUMBER, STRUCTURE, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    reads = batch.reads
    unknown = (frame.indicator < 0) & (reads != EMPTY) & batch.gate[frame.ret]
    number_only = frame.unknown_rule == NUMBER_ONLY
    unknown &= ~number_only | (reads == NUMBER) | (reads == NOT_FINITE)
    for v in np.flatnonzero(unknown).tolist():
        named = frame.named.get(v, "")
        batch.report(
            int(frame.ret[v]),
            STRUCTURE,
            "unknown-indicator",
            order=v,
            cell=frame.cell(v),
            named=named,
            hints=batch.catalog.suggest_indicators(named) if named else [],
            variant=None if named else "unnamed",
        )


CHECK = Check("unknown-indicator", ("unknown-indicator",), STRUCTURE, run)
