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


LONG_LIST = 100  # a list of more records than this is written a record per line


def write_json(data: Any, stream: IO[str]) -> None:
    """JSON indented by two spaces. In an object, a long list of records (the returns of a
    national file) is written a record per line, by json's C encoder: its indenting encoder
    is pure Python, and took seconds for 120,000 returns. Same data, same keys."""
    if not (isinstance(data, dict) and any(_long_list(v) for v in data.values())):
        json.dump(data, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return
    encode = json.JSONEncoder(ensure_ascii=False).encode
    stream.write("{\n")
    for n, (key, value) in enumerate(data.items()):
        stream.write(f"  {encode(key)}: ")
        if _long_list(value):
            stream.write("[\n    " + ",\n    ".join(map(encode, value)) + "\n  ]")
        else:
            stream.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        stream.write(",\n" if n < len(data) - 1 else "\n")
    stream.write("}\n")


def _long_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) > LONG_LIST and all(isinstance(v, dict) for v in value)


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


STATUS_EN = {
    "stored": "stored",
    "replaced": "replaced",
    "unchanged": "unchanged",
    "rejected": "refused",
    "cancelled": "cancelled (--atomic)",
    "valid": "valid",
    "skipped_files": "files skipped",
}


def ingest_renderables(report: IngestReport, catalog: Catalog, *, quiet: bool = False) -> list[Any]:
    """The summary table, then the problems grouped by file, each return under its file with
    the cell to look at; laid out for an 80-column terminal (messages wrap under themselves)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from .i18n import language, tr

    words = STATUS_EN if language() == "en" else STATUS_VI
    out: list[Any] = []
    if not quiet:
        summary = Table(
            title=tr("Kết quả", "Result"), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False
        )
        summary.add_column(tr("Báo cáo", "Returns"))
        summary.add_column(tr("Số", "Count"), justify="right")
        for key, count in report.summary.items():
            style = None
            if count and key in ("rejected", "cancelled"):
                style = "bold red"
            elif count and key in ("stored", "replaced", "valid"):
                style = "green"
            summary.add_row(words.get(key, key), str(count), style=style)
        out.append(summary)

    by_file: dict[str, list[tuple[Any, list[Problem]]]] = {}
    for ret in report.returns:
        problems = [p for p in ret.problems if not (quiet and p.severity != "error")]
        if problems:
            by_file.setdefault(ret.file or "?", []).append((ret, problems))
    if by_file:
        out.append(
            Text(
                tr(
                    f"\nCần xem lại: {len(by_file)} tệp (✗ lỗi: bị từ chối; ! cảnh báo: vẫn nhận)",
                    f"\nTo look at: {len(by_file)} file(s) (✗ error: refused; ! warning: taken)",
                ),
                style="bold",
            )
        )
    for file, items in by_file.items():
        out.append(Text(f"\n{file}", style="bold underline"))
        for ret, problems in items:
            refused = ret.status in ("rejected", "cancelled")
            head = Text("  ")
            label = _return_label(ret, catalog)
            if label:
                head.append(label + " — ")
            head.append(
                words.get(ret.status, ret.status)
                + ("" if refused else tr(", có cảnh báo", ", with warnings")),
                style="bold red" if refused else "yellow",
            )
            out.append(head)
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=3, justify="right")
            grid.add_column(no_wrap=True, style="cyan")
            grid.add_column(overflow="fold")
            for problem in problems:
                error = problem.severity == "error"
                message = Text(problem.message)
                message.append(f" [{problem.code}]", style="dim")
                grid.add_row(
                    Text("✗" if error else "!", style="bold red" if error else "yellow"),
                    tr(f"ô {problem.cell}", f"cell {problem.cell}") if problem.cell else "",
                    message,
                )
            out.append(grid)
    return out


def _return_label(ret: Any, catalog: Catalog) -> str:
    """``Xã Nậm Có, tháng 01/2024, trang «T01»``: what the clerk knows the return by."""
    from .i18n import tr

    parts = []
    if ret.commune:
        parts.append(catalog.commune_name(ret.commune))
    elif ret.commune_text is not None:
        parts.append(f"«{ret.commune_label}»")
    if ret.period:
        parts.append(tr(f"tháng {ret.period.month:02d}/{ret.period.year}", str(ret.period)))
    elif ret.period_text is not None:
        parts.append(tr(f"kỳ «{ret.period_label}»", f"period {ret.period_label!r}"))
    if ret.sheet:
        parts.append(tr(f"trang «{ret.sheet}»", f"sheet {ret.sheet!r}"))
    return ", ".join(parts)
