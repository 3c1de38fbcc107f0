"""How a file writes text numbers, decided from all its value cells: the Vietnamese way
(``12,5``; ``1.234,5``; the default) or the English way (``12.5``; ``1,234,567``). A text
that reads differently in the two (``2,110``: two thousand one hundred and ten, or two point
one one) is read the file's way, with a warning when that is the English way; in a file that
writes both ways it cannot be decided, and the return is refused."""

from __future__ import annotations

from typing import Any

from ..vietnamese import COMMA_DECIMAL, COMMA_GROUPS, DOT_DECIMAL, EITHER
from .base import ENGLISH, MIXED, NUMBER, VALUES, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    file_of_return, _ = batch.file_numbers
    style = batch.styles[file_of_return[frame.ret]]
    shown = batch.text_styles[frame.raw]
    either = batch.kept & ((shown & EITHER) > 0) & batch.gate[frame.ret]
    pick = np.flatnonzero(either & ((style == ENGLISH) | (style == MIXED)))
    if not len(pick):
        return
    evidence = batch.style_evidence  # (file, bit) → a text showing the style
    for v in pick.tolist():
        r, f = int(frame.ret[v]), int(file_of_return[frame.ret[v]])
        text = str(frame.raws[int(frame.raw[v])]).strip()
        indicator = batch.catalog.indicators[int(frame.indicator[v])]
        where: dict[str, Any] = {"order": v, "cell": frame.cell(v), "indicator": indicator.code, "label": indicator.label}
        if style[v] == MIXED:
            batch.report(
                r, VALUES, "mixed-number-style", **where, text=text,
                comma=evidence.get((f, COMMA_DECIMAL), ""), dot=evidence.get((f, DOT_DECIMAL), ""),
            )
        elif batch.reads[v] == NUMBER:
            batch.report(
                r, VALUES, "number-style", **where, text=text, value=float(batch.numbers[v]),
                evidence=evidence.get((f, DOT_DECIMAL)) or evidence.get((f, COMMA_GROUPS), ""),
            )


CHECK = Check("number-style", ("mixed-number-style", "number-style"), VALUES, run)
