"""Renderers: terminal tables, CSV and JSON, from the library's report objects.

Whatever user text goes into a CSV or spreadsheet is neutralised (OWASP CSV injection):
a text starting with ``= + - @``, tab or CR gets a leading apostrophe, unless it is a
genuine number such as ``-5``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .catalog import Catalog, Indicator
from .model import PROBLEM_FIELDS, Problem
from .vietnamese import format_number

if TYPE_CHECKING:
    from rich.table import Table

    from .ingest import IngestReport
    from .rollup import Rollup

_DANGEROUS_LEAD = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*")


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula; numbers pass untouched."""
    if isinstance(value, str) and value.startswith(_DANGEROUS_LEAD):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def format_value(value: float | int | None, indicator: Indicator) -> str:
    """``4612`` → ``4.612``; a decimal indicator with at least one decimal: ``149,6``."""
    if value is None:
        return "–"
    if indicator.is_integer:
        return format_number(value, 0)
    text = format_number(value, 3).rstrip("0")
    if text.endswith(","):
        text += "0"
    return text


def write_json(data: Any, stream: IO[str]) -> None:
    json.dump(data, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def write_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], stream: IO[str], *, excel: bool = False
) -> None:
    """UTF-8 CSV (with a BOM for Excel when ``excel``), ``.`` decimals, ISO periods."""
    if excel:
        stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n" if excel else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])


def write_problems(problems: Sequence[Problem], path: Path) -> None:
    """``--problems FILE``: every problem, as CSV or JSON by the file's extension."""
    if path.suffix.lower() == ".json":
        with path.open("w", encoding="utf-8") as fh:
            write_json([p.to_json() for p in problems], fh)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        write_csv(PROBLEM_FIELDS, ([getattr(p, f) for f in PROBLEM_FIELDS] for p in problems), fh)


# ------------------------------------------------------------------ terminal tables


def rollup_tables(result: Rollup, width: int = 100) -> list[Table]:
    """Indicators as rows (label, unit), one column per breakdown key; a breakdown with more
    keys than fit the width is cut into several tables, stacked, like a wide printed table."""
    from rich.table import Table

    window = f"{result.first} → {result.last}" if result.first != result.last else str(result.first)
    values_width = max(len(format_value(v, i)) for r in result.rows for i in result.indicators
                       for v in [r.values.get(i.code)]) if result.rows else 6
    per_table = max(1, (width - 48) // (max(values_width, 9) + 3))
    chunks = [result.rows[i : i + per_table] for i in range(0, len(result.rows), per_table)]
    tables = []
    for n, rows in enumerate(chunks, start=1):
        title = f"Tổng hợp {window}"
        if len(chunks) > 1:
            title += f" ({n}/{len(chunks)})"
        table = Table(title=title, title_justify="left")
        table.add_column("Chỉ tiêu", overflow="fold", min_width=28)
        table.add_column("ĐVT", overflow="fold", max_width=12)
        for row in rows:
            table.add_column(_short_name(row.name) if result.by != "district" else "Toàn huyện", justify="right")
        for indicator in result.indicators:
            table.add_row(
                indicator.label,
                indicator.unit,
                *(format_value(row.values.get(indicator.code), indicator) for row in rows),
            )
        table.add_section()
        table.add_row(
            "Báo cáo đã nhận / phải có",
            "báo cáo",
            *(f"{row.received}/{row.expected}" for row in rows),
        )
        tables.append(table)
    return tables


def _short_name(name: str) -> str:
    """Column headers: «Xã Nậm Có» → «Nậm Có», «Thị trấn Mù Căng Chải» → «TT Mù Căng Chải»."""
    for prefix, short in (("Xã ", ""), ("Thị trấn ", "TT "), ("Phường ", "P. ")):
        if name.startswith(prefix):
            return short + name[len(prefix) :]
    return name


STATUS_VI = {
    "stored": "đã lưu",
    "replaced": "đã thay",
    "unchanged": "không đổi",
    "rejected": "bị từ chối",
    "cancelled": "huỷ (--atomic)",
    "valid": "hợp lệ",
    "skipped_files": "tệp bỏ qua",
}


def ingest_renderables(report: IngestReport, catalog: Catalog, *, quiet: bool = False) -> list[Any]:
    """The summary table, then the problems grouped by file with the cell to look at."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    if not quiet:
        summary = Table(title="Kết quả", title_justify="left", show_header=False)
        summary.add_column("")
        summary.add_column("", justify="right")
        for key, count in report.summary.items():
            summary.add_row(STATUS_VI.get(key, key), str(count))
        out.append(summary)
    by_file: dict[str, list[tuple[str, Problem]]] = {}
    for ret in report.returns:
        label = _return_label(ret, catalog)
        for problem in ret.problems:
            if quiet and problem.severity != "error":
                continue
            by_file.setdefault(problem.file or "?", []).append((label, problem))
    for file, items in by_file.items():
        out.append(Text(f"\n{file}", style="bold"))
        for label, problem in items:
            mark = "✗" if problem.severity == "error" else "!"
            style = "red" if problem.severity == "error" else "yellow"
            where = " › ".join(x for x in (problem.sheet, problem.cell) if x)
            line = Text(f"  {mark} ", style=style)
            line.append(f"[{problem.code}] ", style=style)
            if label:
                line.append(f"{label}: ")
            if where:
                line.append(f"ô {where}: " if problem.cell else f"{where}: ", style="cyan")
            line.append(problem.message)
            out.append(line)
    return out


def _return_label(ret: Any, catalog: Catalog) -> str:
    commune = catalog.commune_name(ret.commune) if ret.commune else None
    period = str(ret.period) if ret.period else None
    return " ".join(x for x in (commune, period) if x)
