"""Test helpers over the pipeline's public steps: a sheet through the layout parser (and the
checks), as the ingest runs them."""

from __future__ import annotations

from ncctd_cli import layouts
from ncctd_cli.catalog import Catalog
from ncctd_cli.checks import CHECKS, Checking, CheckOptions, run_checks
from ncctd_cli.checks.base import STRUCTURE
from ncctd_cli.frame import FrameBuilder
from ncctd_cli.ingest import check_frame, materialize_values
from ncctd_cli.model import Return
from ncctd_cli.sheets import ColumnTable, Sheet
from ncctd_cli.vietnamese import Period

TODAY = Period(2026, 11)


def parse_sheet(sheet: Sheet | ColumnTable, catalog: Catalog, *, decimal_point: bool = False) -> list[Return]:
    """The returns a sheet holds, with their values (raw cell, cell) and what the layout
    found wrong (the structure checks: unknown and duplicate indicators)."""
    builder = FrameBuilder()
    layouts.parse(sheet, catalog, builder)
    frame = builder.build()
    checking = Checking(frame, catalog, CheckOptions(today=TODAY, decimal_point=decimal_point))
    run_checks(checking, [c for c in CHECKS if c.stage == STRUCTURE])
    materialize_values(checking)
    return frame.returns


def check_sheet(sheet: Sheet, catalog: Catalog, *, decimal_point: bool = False) -> list[Return]:
    """The returns a sheet holds, fully checked (no store)."""
    builder = FrameBuilder()
    layouts.parse(sheet, catalog, builder)
    return check_frame(builder.build(), catalog, today=TODAY, decimal_point=decimal_point)
