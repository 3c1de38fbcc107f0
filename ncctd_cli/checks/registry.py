"""The registered checks, in the order they run (the order a return's problems are listed
in follows their stages). A new check: one module in this package with ``CHECK = Check(...)``,
its codes in :mod:`ncctd_cli.problems`, and its module named here."""

from __future__ import annotations

import importlib

from .base import Check

ORDER = (
    "unknown_indicator",
    "duplicate_indicator",
    "commune",
    "period",
    "numbers",
    "negative",
    "fraction",
    "no_values",
    "rules",
    "stock_decreased",
    "outlier",
)

CHECKS: tuple[Check, ...] = tuple(importlib.import_module(f"{__package__}.{name}").CHECK for name in ORDER)
