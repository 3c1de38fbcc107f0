"""The registered checks, in the order they run (the order a return's problems are listed
in follows their stages). A new check: one module in this package with ``CHECK = Check(...)``,
its codes in :mod:`ncctd_cli.problems`, and its module named here."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from .base import Check, Checking

ORDER = (
    "layout_findings",
    "unknown_indicator",
    "duplicate_indicator",
    "commune",
    "period",
    "number_style",
    "numbers",
    "negative",
    "fraction",
    "over_maximum",
    "no_values",
    "mostly_empty",
    "duplicate_in_batch",
    "rules",
    "stock_decreased",
    "outlier",
)

CHECKS: tuple[Check, ...] = tuple(importlib.import_module(f"{__package__}.{name}").CHECK for name in ORDER)


def run_checks(batch: Checking, checks: Iterable[Check] | None = None) -> Checking:
    """Run the registered checks (or ``checks``) over a batch; the problems go to the returns."""
    batch.communes, batch.periods  # noqa: B018 (resolved first: every problem names them)
    for check in checks if checks is not None else CHECKS:
        batch.gate = batch.clean_before(check.clean_before) if check.clean_before else batch.active
        check.run(batch)
    batch.finish()
    return batch
