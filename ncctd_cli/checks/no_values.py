"""A return whose every value cell is empty says nothing: it is refused (empty is "not
reported", which is not zero)."""

from __future__ import annotations

from .base import COMPLETE, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    counts = np.bincount(frame.ret[batch.reported], minlength=batch.n_returns)
    for r in np.flatnonzero(batch.gate & (counts == 0)).tolist():
        batch.report(r, COMPLETE, "no-values")


CHECK = Check("no-values", ("no-values",), COMPLETE, run, clean_before=COMPLETE)
