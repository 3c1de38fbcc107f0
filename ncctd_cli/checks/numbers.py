"""A value cell must hold a number: text that is not one, text written like a formula, a
date or a boolean, or a number that is not finite, refuses the return."""

from __future__ import annotations

from typing import Any

from .base import (
    EMPTY,
    ERROR_CELL,
    FORMULA_TEXT,
    NO_VALUE,
    NOT_FINITE,
    NUMBER,
    OTHER_TYPE,
    VALUES,
    Check,
    Checking,
)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    reads = batch.reads
    bad = batch.kept & (reads != EMPTY) & (reads != NUMBER) & batch.gate[frame.ret]
    texts = batch.raw_reads[2]
    for v in np.flatnonzero(bad).tolist():
        how, raw = int(reads[v]), int(frame.raw[v])
        indicator = batch.catalog.indicators[int(frame.indicator[v])]
        where: dict[str, Any] = {"order": v, "cell": frame.cell(v), "indicator": indicator.code, "label": indicator.label}
        r = int(frame.ret[v])
        if how == ERROR_CELL:
            batch.report(r, VALUES, "error-cell", **where, text=texts[raw])
        elif how == NO_VALUE:
            batch.report(r, VALUES, "formula-no-value", **where, formula=texts[raw])
        elif how == FORMULA_TEXT:
            batch.report(r, VALUES, "formula-text", **where, text=_short(texts[raw]))
        elif how == OTHER_TYPE:
            batch.report(r, VALUES, "invalid-number", **where, text=texts[raw], variant="type")
        elif how == NOT_FINITE:
            batch.report(r, VALUES, "invalid-number", **where, variant="infinite")
        else:
            batch.report(r, VALUES, "invalid-number", **where, text=_short(texts[raw]))


CHECK = Check("numbers", ("invalid-number", "formula-text", "error-cell", "formula-no-value"), VALUES, run)
