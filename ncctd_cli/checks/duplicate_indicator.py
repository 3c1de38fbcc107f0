"""The same indicator twice in one return: the same number is counted once; two different
ones refuse the return (which one is right?)."""

from __future__ import annotations

from typing import Any

from .base import EMPTY, NOT_FINITE, NUMBER, STRUCTURE, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    later = np.flatnonzero((frame.indicator >= 0) & ~batch.kept & batch.gate[frame.ret])
    if not len(later):
        return
    # each later cell against the first cell of its return naming the same indicator
    width = len(batch.codes)
    slot = frame.ret * width + frame.indicator
    kept = np.flatnonzero(batch.kept)
    first_of = dict(zip(slot[kept].tolist(), kept.tolist(), strict=True))
    reads, numbers = batch.reads, batch.numbers

    def same(value: int) -> Any:
        raw = int(frame.raw[value])
        how = int(reads[value])
        if how in (NUMBER, NOT_FINITE):
            return float(numbers[value]) if how == NUMBER else float(frame.raws[raw])
        if how == EMPTY:
            return None
        return str(frame.raws[raw]).strip()

    for v in later.tolist():
        first = first_of[int(slot[v])]
        if same(first) == same(v):
            continue
        indicator = batch.catalog.indicators[int(frame.indicator[v])]
        batch.report(
            int(frame.ret[v]), STRUCTURE, "duplicate-indicator", order=v, cell=frame.cell(v),
            indicator=indicator.code, label=indicator.label, first_cell=frame.cell(first),
        )


CHECK = Check("duplicate-indicator", ("duplicate-indicator",), STRUCTURE, run)
