"""A return that lists its indicators (a form, a wide table's row) with most value cells
empty: perhaps not finished. A warning, since empty means "not reported", which is allowed."""

from __future__ import annotations

from .base import COMPLETE, EMPTY, Check, Checking

LISTED_AT_LEAST = 8  # a return listing fewer indicators is not judged
EMPTY_SHARE = 0.75  # more than this share of them empty


def run(batch: Checking) -> None:
    import numpy as np

    frame = batch.frame
    n = batch.n_returns
    listed = np.bincount(frame.ret[batch.kept], minlength=n)
    empty = np.bincount(frame.ret[batch.kept & (batch.reads == EMPTY)], minlength=n)
    found = batch.gate & (listed >= LISTED_AT_LEAST) & (empty > EMPTY_SHARE * listed) & (empty < listed)
    for r in np.flatnonzero(found).tolist():
        batch.report(r, COMPLETE, "mostly-empty", empty=int(empty[r]), total=int(listed[r]))


CHECK = Check("mostly-empty", ("mostly-empty",), COMPLETE, run, clean_before=COMPLETE)
