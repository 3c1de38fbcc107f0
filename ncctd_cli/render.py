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


SCREENFUL = 20  # individual problems listed on a terminal; the full list goes to --problems
EXAMPLES = 3  # examples of each problem code in the summary


def ingest_renderables(
    report: IngestReport, catalog: Catalog, *, quiet: bool = False, problems_file: Path | None = None
) -> list[Any]:
    """What the clerk reads after an import, laid out for an 80-column terminal: the count of
    each status; then, when there are many problems, a summary by problem code (how many, in
    how many returns and communes, a few examples with file and cell); then at most a
    screenful of individual problems (errors first), grouped by file with each return under
    it; and where the whole list is (``--problems FILE``)."""
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

    found = [
        (ret, problem)
        for ret in report.returns
        for problem in ret.problems
        if not (quiet and problem.severity != "error")
    ]
    if not found:
        return out
    files = len({ret.file for ret, _ in found})
    if len(found) > SCREENFUL:
        out.extend(_problem_summary(found, catalog))
    shown = sorted(found, key=lambda item: item[1].severity != "error")[:SCREENFUL]
    keep = {id(problem) for _, problem in shown}
    out.append(
        Text(
            tr(
                f"\nCần xem lại: {files} tệp (✗ lỗi: bị từ chối; ! cảnh báo: vẫn nhận)",
                f"\nTo look at: {files} file(s) (✗ error: refused; ! warning: taken)",
            ),
            style="bold",
        )
    )
    by_file: dict[str, list[tuple[Any, list[Problem]]]] = {}
    for ret in report.returns:
        problems = [p for p in ret.problems if id(p) in keep]
        if problems:
            by_file.setdefault(ret.file or "?", []).append((ret, problems))
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
    left = len(found) - len(shown)
    if left:
        where = (
            tr(f"danh sách đầy đủ đã ghi vào {problems_file}", f"the full list is in {problems_file}")
            if problems_file is not None
            else tr("ghi danh sách đầy đủ bằng --problems TỆP.csv (hoặc .json)",
                    "write the full list with --problems FILE.csv (or .json)")
        )
        out.append(Text(tr(f"\n… và {left} vấn đề khác: {where}.", f"\n… and {left} more: {where}."), style="bold"))
    return out


def _problem_summary(found: list[tuple[Any, Problem]], catalog: Catalog) -> list[Any]:
    """Problems by code: how many, in how many returns and communes, a few examples."""
    from rich import box
    from rich.table import Table

    from .i18n import tr

    by_code: dict[str, list[tuple[Any, Problem]]] = {}
    for ret, problem in found:
        by_code.setdefault(problem.code, []).append((ret, problem))
    table = Table(
        title=tr(f"Các vấn đề ({len(found)})", f"Problems ({len(found)})"),
        title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
    )
    table.add_column("", width=1)
    table.add_column(tr("Mã", "Code"), overflow="fold", max_width=22)
    table.add_column(tr("Số", "Count"), justify="right")
    table.add_column(tr("Báo cáo", "Returns"), justify="right")
    table.add_column(tr("Xã", "Communes"), justify="right")
    table.add_column(tr("Ví dụ", "Examples"), overflow="fold")
    order = sorted(by_code.items(), key=lambda kv: (kv[1][0][1].severity != "error", -len(kv[1]), kv[0]))
    for code, items in order:
        error = items[0][1].severity == "error"
        examples = []
        for ret, problem in items[:EXAMPLES]:
            where = Path(ret.file).name if ret.file else "?"
            if problem.cell:
                where += f" {problem.cell}"
            examples.append(where)
        table.add_row(
            "✗" if error else "!",
            code,
            str(len(items)),
            str(len({id(ret) for ret, _ in items})),
            str(len({ret.commune or ret.commune_label for ret, _ in items})),
            ", ".join(examples),
            style="red" if error else "yellow",
        )
    return [table]


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
