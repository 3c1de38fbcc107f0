"""Which commune sent the return: it must name one, the catalog must know it, and when the
return names it twice (a code and a name: ``04462 - Xã Nậm Có``, or a code column and a name
column) both must name the same commune."""

from __future__ import annotations

import re

from ..cellfacts import CellError, NoValue
from ..model import cell_text
from .base import COMMUNE, Check, Checking

_CODE_AND_NAME = re.compile(r"\s*(\d{4,6})\s*[-–—:]\s*(\S.*)")


def run(batch: Checking) -> None:
    communes = batch.communes
    catalog = batch.catalog
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
            shown = str(text)
            batch.report(
                r, COMMUNE, "unknown-commune", cell=ret.commune_cell, text=shown,
                hints=catalog.suggest_communes(shown),
            )
            continue
        # a code written with a name: both must name the commune the code names
        pairs = []
        match = _CODE_AND_NAME.fullmatch(cell_text(text)) if isinstance(text, str) else None
        if match:
            pairs.append((match.group(1), match.group(2), ret.commune_cell))
        if ret.commune_alt is not None and ret.commune_alt[0] is not None:
            pairs.append((cell_text(text), cell_text(ret.commune_alt[0]), ret.commune_alt[1]))
        for code_text, name_text, cell in pairs:
            by_code, by_name = catalog.commune(code_text), catalog.commune(name_text)
            if by_code is not None and by_name is not None and by_code != by_name:
                batch.report(
                    r, COMMUNE, "conflicting-identity", cell=cell, given=code_text,
                    given_name=catalog.commune_name(by_code), name=name_text, name_name=catalog.commune_name(by_name),
                )
                break


CHECK = Check("commune", ("missing-commune", "unknown-commune", "conflicting-identity"), COMMUNE, run)
