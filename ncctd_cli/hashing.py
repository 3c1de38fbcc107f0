"""Content hashes: what tells "the same return again" from "other values".

A return's hash is the SHA-256 of its values' canonical JSON: ``{"code": 1.5, ...}``, keys
sorted, values rounded to 9 decimals (``json.dumps(..., sort_keys=True)`` of those values).
:func:`content_hash` hashes one return's values; :func:`content_hashes` hashes the returns of
a batch from its value columns, each distinct (indicator, value) part written once (a national
file hashes 120,000 returns whose values repeat). Both give the same hash for the same values.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_INF = float("inf")
_PARTS: dict[tuple[str, float], str] = {}  # (code, value) → '"code": value'


def canonical_part(code: str, value: float) -> str:
    """One finite float value's part of the canonical JSON: ``"code": 1.5``."""
    return f"{json.dumps(code)}: {round(value, 9)!r}"


def hash_of_parts(parts: list[str]) -> str:
    """The hash of a return whose values' parts are ``parts``, sorted by code."""
    return hashlib.sha256(("{" + ", ".join(parts) + "}").encode()).hexdigest()


def content_hash(values: dict[str, float]) -> str:
    """The SHA-256 of the values' canonical JSON."""
    return hashlib.sha256(canonical_json(values).encode()).hexdigest()


def canonical_json(values: dict[str, float]) -> str:
    """``json.dumps({k: round(v, 9) for k, v in sorted(values.items())}, sort_keys=True)``,
    written out directly, each (code, value) pair formatted once."""
    parts = []
    for pair in sorted(values.items()):
        if type(pair[1]) is not float:  # 1 and 1.0 are one key, two texts
            return _plain(values)
        part = _PARTS.get(pair)
        if part is None:
            key, value = pair
            if value != value or value in (_INF, -_INF):
                return _plain(values)
            part = canonical_part(key, value)
            if value != 0:  # 0.0 and -0.0 are one key, two texts
                if len(_PARTS) > 200_000:
                    _PARTS.clear()
                _PARTS[pair] = part
        parts.append(part)
    return "{" + ", ".join(parts) + "}"


def _plain(values: dict[str, float]) -> str:
    return json.dumps({k: round(v, 9) for k, v in sorted(values.items())}, sort_keys=True)


def content_hashes(
    ret: np.ndarray, indicator: np.ndarray, value: np.ndarray, codes: list[str], n: int
) -> list[str]:
    """The hash of each of ``n`` returns from their reported values (``ret``: each value's
    return, 0..n-1; ``indicator``: positions in ``codes``; a return with no value gets the
    hash of ``{}``)."""
    import numpy as np

    if not len(ret):
        return [hash_of_parts([])] * n
    width = len(codes)
    rank = np.argsort(np.argsort(np.array(codes, dtype=object)))  # of each code, sorted
    # a return's parts in the order of their codes: each (return, code) a slot of its own
    key = ret.astype(np.int64) * width + rank[indicator]
    slots = np.full(n * width, -1, dtype=np.int64)
    slots[key] = np.arange(len(key))
    order = slots[slots >= 0]
    if len(order) != len(key):  # a code twice in a return: a stable sort
        order = np.argsort(key, kind="stable")
    # each distinct value's text and each code's key written once (canonical_part's parts),
    # a value's part found by its (value, code) pair
    bits = np.ascontiguousarray(value, dtype=np.float64).view(np.int64)[order]  # -0.0 is not 0.0 here
    # the distinct values, sorted (np.unique would import numpy.ma for a check of masked
    # arrays: 15 ms of every batch)
    ordered = np.sort(bits)
    distinct = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    pair = np.searchsorted(distinct, bits) * width + indicator[order]
    if len(distinct) * width <= 4 * len(pair) + 4096:  # few distinct values: no sort of the pairs
        present = np.zeros(len(distinct) * width, dtype=bool)
        present[pair] = True
        distinct_pairs = np.flatnonzero(present)
        pair_id = (np.cumsum(present) - 1)[pair]
    else:
        distinct_pairs, pair_id = np.unique(pair, return_inverse=True)
    keys = [f"{json.dumps(code)}: " for code in codes]
    texts = [repr(round(v, 9)) for v in distinct.view(np.float64).tolist()]
    part_of_pair = [keys[p % width] + texts[p // width] for p in distinct_pairs.tolist()]
    parts = np.array(part_of_pair, dtype=object)[pair_id.reshape(-1)].tolist()
    starts = np.searchsorted(ret[order], np.arange(n + 1)).tolist()
    return [hash_of_parts(parts[starts[r] : starts[r + 1]]) for r in range(n)]
