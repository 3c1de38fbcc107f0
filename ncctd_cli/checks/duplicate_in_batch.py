"""One commune and month twice in one batch (two sheets, two files, two rows of a table)
with different figures: which is right? Every such return is refused, naming the other. The
same figures twice are fine: the store keeps one (``unchanged`` for the other). A return
whose twin came in an earlier chunk of a big batch (already stored) is refused, naming it."""

from __future__ import annotations

from .base import DUPLICATES, Check, Checking


def _where(batch: Checking, r: int) -> str:
    ret = batch.frame.returns[r]
    return " › ".join(p for p in (ret.file, ret.sheet) if p)


def run(batch: Checking) -> None:
    import numpy as np

    communes, month = batch.communes, batch.month
    groups: dict[tuple[str, int], list[int]] = {}
    for r in np.flatnonzero(batch.gate & (month >= 0)).tolist():
        commune = communes[r]
        if commune is not None:
            groups.setdefault((commune, int(month[r])), []).append(r)
    seen = batch.seen
    keys = [k for k, members in groups.items() if len(members) > 1 or (seen is not None and k in seen)]
    # every digest wanted in one pass over the batch (the store asks for the same ones, cached)
    wanted = groups if seen is not None else {k: groups[k] for k in keys}
    digests = batch.digests([r for members in wanted.values() for r in members]) if wanted else {}
    for key in keys:
        members = groups[key]
        earlier = seen.get(key) if seen is not None else None
        distinct = {digests[r] for r in members}
        if len(distinct) > 1:
            for r in members:
                other = next(m for m in members if digests[m] != digests[r])
                batch.report(r, DUPLICATES, "duplicate-in-batch", other=_where(batch, other))
        elif earlier is not None and earlier[0] not in distinct:
            for r in members:
                batch.report(r, DUPLICATES, "duplicate-in-batch", other=earlier[1], variant="earlier")
    if seen is not None:
        for key, members in groups.items():
            if key not in seen and len({digests[m] for m in members}) == 1:
                first = members[0]
                seen[key] = (digests[first], _where(batch, first))


CHECK = Check("duplicate-in-batch", ("duplicate-in-batch",), DUPLICATES, run, clean_before=DUPLICATES)
