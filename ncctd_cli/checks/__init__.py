"""The checks: every rule a return is judged by, each defined once, over a batch's columns.

A check is one module of this package holding ``CHECK = Check(...)``: its name, the problem
codes it raises (registered in :mod:`ncctd_cli.problems`), the stage it belongs to, and a
function that reads the batch (:class:`~ncctd_cli.checks.base.Checking`: the frame, the
catalog, and what earlier steps derived from them) and reports problems. :data:`ORDER` (in
:mod:`.registry`) lists the modules in the order they run. docs/ARCHITECTURE.md says how to add one.
"""

from __future__ import annotations

from .base import Check, Checking, CheckOptions
from .registry import CHECKS, run_checks

__all__ = ["CHECKS", "Check", "CheckOptions", "Checking", "run_checks"]
