"""What the layout parser found while locating a return's cells: a value header split into
sub-columns none of which is the month's, a row whose code and label name two indicators,
numbers in hidden rows or columns, a number typed in the note column (see ``layouts.py``)."""

from __future__ import annotations

from .base import STRUCTURE, Check, Checking


def run(batch: Checking) -> None:
    for r, ret in enumerate(batch.frame.returns):
        if not batch.gate[r]:
            continue
        for code, cell, params in ret.findings:
            batch.report(r, STRUCTURE, code, cell=cell, indicator=params.get("indicator"), **{
                k: v for k, v in params.items() if k != "indicator"
            })


CHECK = Check(
    "layout-findings", ("ambiguous-column", "conflicting-identity", "hidden-cell", "number-in-note"),
    STRUCTURE, run,
)
