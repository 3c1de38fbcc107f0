"""Which commune sent the return: it must name one, and the catalog must know it."""

from __future__ import annotations

from .base import COMMUNE, Check, Checking


def run(batch: Checking) -> None:
    communes = batch.communes
    for r, ret in enumerate(batch.frame.returns):
        if not batch.gate[r] or communes[r] is not None:
            continue
        if ret.commune_text is None:
            batch.report(r, COMMUNE, "missing-commune", cell=ret.commune_cell)
            continue
        text = str(ret.commune_text)
        batch.report(
            r, COMMUNE, "unknown-commune", cell=ret.commune_cell, text=text,
            hints=batch.catalog.suggest_communes(text),
        )


CHECK = Check("commune", ("missing-commune", "unknown-commune"), COMMUNE, run)
