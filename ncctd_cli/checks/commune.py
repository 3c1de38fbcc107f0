"""Which commune sent the return: it must name one, the catalog must know it, it must be a
unit valid in the return's month (codes and names are reused across an administrative change:
a code and a month name a unit), and when the return names it twice (a code and a name:
``04462 - Xã Nậm Có``, or a code column and a name column) both must name the same unit."""

from __future__ import annotations

import re
from typing import Any

from ..cellfacts import CellError, NoValue
from ..model import cell_text
from .base import COMMUNE, Check, Checking

_CODE_AND_NAME = re.compile(r"\s*(\d{4,6})\s*[-–—:]\s*(\S.*)")


def run(batch: Checking) -> None:
    communes, inactive = batch.communes, batch.not_active
    catalog = batch.catalog
    periods = batch.parsed_periods
    for r, ret in enumerate(batch.frame.returns):
        if not batch.gate[r]:
            continue
        text = ret.commune_text
        if isinstance(text, CellError | NoValue):
            code = "error-cell" if isinstance(text, CellError) else "formula-no-value"
            batch.report(r, COMMUNE, code, cell=ret.commune_cell, text=str(text), formula=str(text))
            continue
        if communes[r] is None:
            if text is None:
                batch.report(r, COMMUNE, "missing-commune", cell=ret.commune_cell)
                continue
            found = inactive.get(r)
            if found is not None:
                batch.report(r, COMMUNE, "unit-not-active", cell=ret.commune_cell, **not_active_params(found))
                continue
            shown = str(text)
            batch.report(
                r, COMMUNE, "unknown-commune", cell=ret.commune_cell, text=shown,
                hints=catalog.suggest_communes(shown),
            )
            continue
        # a code written with a name: both must name the unit the code names
        pairs = []
        match = _CODE_AND_NAME.fullmatch(cell_text(text)) if isinstance(text, str) else None
        if match:
            pairs.append((match.group(1), match.group(2), ret.commune_cell))
        if ret.commune_alt is not None and ret.commune_alt[0] is not None:
            pairs.append((cell_text(text), cell_text(ret.commune_alt[0]), ret.commune_alt[1]))
        period = periods[r]
        for code_text, name_text, cell in pairs:
            by_code, by_name = _unit(batch, code_text, period), _unit(batch, name_text, period)
            if by_code is not None and by_name is not None and by_code != by_name:
                batch.report(
                    r, COMMUNE, "conflicting-identity", cell=cell, given=code_text,
                    given_name=catalog.commune_name(by_code), name=name_text,
                    name_name=catalog.commune_name(by_name),
                )
                break


def _unit(batch: Checking, text: str, period: Any) -> str | None:
    """The unit (its key) a text names in the return's month (any month when unknown)."""
    if period is not None:
        found = batch.catalog.resolve(text, period)
        key = getattr(found, "key", None)
        if isinstance(key, str):
            return key
    return batch.catalog.commune(text)


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


CHECK = Check(
    "commune", ("missing-commune", "unknown-commune", "unit-not-active", "conflicting-identity"), COMMUNE, run
)
