"""Which commune sent the return: it must name one, the catalog must know it, and it must be
a unit valid in the return's month (codes and names are reused across an administrative
change: a code and a month name a unit)."""

from __future__ import annotations

from typing import Any

from .base import COMMUNE, Check, Checking


def run(batch: Checking) -> None:
    communes, inactive = batch.communes, batch.not_active
    for r, ret in enumerate(batch.frame.returns):
        if not batch.gate[r] or communes[r] is not None:
            continue
        if ret.commune_text is None:
            batch.report(r, COMMUNE, "missing-commune", cell=ret.commune_cell)
            continue
        found = inactive.get(r)
        if found is not None:
            batch.report(r, COMMUNE, "unit-not-active", cell=ret.commune_cell, **not_active_params(found))
            continue
        text = str(ret.commune_text)
        batch.report(
            r, COMMUNE, "unknown-commune", cell=ret.commune_cell, text=text,
            hints=batch.catalog.suggest_communes(text),
        )


def not_active_params(found: object) -> dict[str, Any]:
    """The parameters of ``unit-not-active`` for what :meth:`Catalog.resolve` said."""
    from ..units import NotActive

    assert isinstance(found, NotActive)
    others = found.successors if found.ended else found.predecessors
    if found.ended:
        variant = "merged" if others else "ended"
    else:
        variant = "not-begun" if others else "not-begun-alone"
    return {
        "variant": variant,
        "unit": found.unit.name,
        "unit_code": found.unit.code,
        "since": str(found.since),
        "month": str(found.period),
        "others": [u.name for u in others],
        "other_codes": [u.code for u in others],
    }


CHECK = Check("commune", ("missing-commune", "unknown-commune", "unit-not-active"), COMMUNE, run)
