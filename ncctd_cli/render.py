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
from .vietnamese import bucket_label, format_number

if TYPE_CHECKING:
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
    header: Sequence[str], rows: Iterable[Sequence[Any]], stream: IO[str], *, excel: str | None = None
) -> None:
    """UTF-8 CSV, ``.`` decimals, ISO periods: for programs. With ``excel`` (``"vi"`` or
    ``"en"``), a CSV for a person who opens it in Excel or LibreOffice on a computer set to
    Vietnamese or English: see :func:`excel_cell`."""
    if excel:
        stream.write("\ufeff")  # the BOM: Excel then reads UTF-8, not the computer's code page
        writer = csv.writer(stream, delimiter=";" if excel == "vi" else ",", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([excel_cell(v, excel) for v in row])
        return
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])


_EXCEL_WOULD_CONVERT = re.compile(r"[0-9][0-9\-/.:,]*")  # 04456 → 4456, 2024-01 → a date


def excel_cell(value: Any, lang: str) -> str:
    """A cell of a CSV for Excel (or LibreOffice) set to Vietnamese (``vi``: the columns are
    separated by ``;``, the list separator there, and decimals written with a comma) or
    English (``en``: ``,`` and a point). Numbers have no thousands separator (either settings
    read ``4612``); a text Excel would turn into a number or a date (a commune code such as
    ``04456``, a month such as ``2024-01``) is written ``="04456"``, which both programs show
    as the text ``04456``; other text is neutralised like every cell (:func:`safe_cell`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".") if value == value else ""
        if text in ("-0", ""):
            text = "0" if text else ""
        return text.replace(".", ",") if lang == "vi" else text
    text = str(value)
    if _EXCEL_WOULD_CONVERT.fullmatch(text):
        return '="' + text + '"'
    return str(safe_cell(text))


def write_problems(problems: Sequence[Problem], path: Path) -> None:
    """``--problems FILE``: every problem, as CSV or JSON by the file's extension."""
    if path.suffix.lower() == ".json":
        with path.open("w", encoding="utf-8") as fh:
            write_json([p.to_json() for p in problems], fh)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        write_csv(PROBLEM_FIELDS, ([getattr(p, f) for f in PROBLEM_FIELDS] for p in problems), fh)


# ------------------------------------------------------------------ terminal tables


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_label(key: str, lang: str = "vi") -> str:
    """A breakdown key as the workbook names it, short enough for a column: ``2023-01`` →
    ``T1/2023`` (``Jan 2023``), ``2023-Q2`` → ``Quý II/2023`` (``Q2 2023``), ``2023-H1`` →
    ``6 tháng đầu năm 2023`` (``H1 2023``), ``2023`` → ``Năm 2023`` (``2023``)."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?", key)
    if not match:
        return key
    year, month, quarter, half = match.groups()
    if lang == "en":
        if month:
            return f"{_MONTHS_EN[int(month) - 1]} {year}"
        if quarter:
            return f"Q{quarter} {year}"
        if half:
            return f"H{half} {year}"
        return year
    if month:
        return f"T{int(month)}/{year}"
    return bucket_label(key)  # a quarter, a half, a year: as the workbook's tables name them


def window_label_en(first: Any, last: Any) -> str:
    """A window in English words: ``2023``, ``2021–2023``, ``H1 2024``, ``Q2 2024``,
    ``Mar 2024``, ``Apr–Aug 2024``, ``Apr 2022 – Sep 2023``."""
    if first.month == 1 and last.month == 12:
        return str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
    if first.year != last.year:
        return f"{_MONTHS_EN[first.month - 1]} {first.year} – {_MONTHS_EN[last.month - 1]} {last.year}"
    if first == last:
        return f"{_MONTHS_EN[first.month - 1]} {first.year}"
    if last.month - first.month == 2 and first.month % 3 == 1:
        return f"Q{(first.month + 2) // 3} {first.year}"
    if last.month - first.month == 5 and first.month in (1, 7):
        return f"H{1 if first.month == 1 else 2} {first.year}"
    return f"{_MONTHS_EN[first.month - 1]}–{_MONTHS_EN[last.month - 1]} {first.year}"


def district_total(result: Rollup) -> dict[str, float | int | None]:
    """The district row of a by-commune roll-up: the sum of the communes' rows. Right for stocks
    too: the district's stock is the sum of each commune's latest value."""
    from .rollup import clean_figure

    totals: dict[str, float | int | None] = {}
    for indicator in result.indicators:
        present = [v for r in result.rows if (v := r.values.get(indicator.code)) is not None]
        totals[indicator.code] = clean_figure(sum(present), indicator) if present else None
    return totals


def format_figure(value: float | int | None, indicator: Indicator, lang: str = "vi") -> str:
    """:func:`format_value`, or in English ``4,612`` and ``149.6``."""
    text = format_value(value, indicator)
    if lang != "en":
        return text
    return text.replace(".", "\x00").replace(",", ".").replace("\x00", ",")


LABEL_SHARE = 0.28  # of the width, at most, for the label column (it wraps at spaces)


def rollup_tables(result: Rollup, width: int = 100) -> list[Any]:
    """Indicators as rows (label, unit), one column per breakdown key, laid out for a terminal
    ``width`` columns wide: as many key columns side by side as fit, each as wide as its name
    or period and its figures (a name is never broken: «Mồ Dề», not «Mồ / Dề»); a breakdown
    wider than that is cut into several tables, stacked. A by-commune roll-up ends with the
    district's column. Worded in the current language (catalog labels are data: as written)."""
    from rich import box
    from rich.table import Table

    from .i18n import language, tr
    from .vietnamese import window_label

    lang = language()
    window = window_label_en(result.first, result.last) if lang == "en" else window_label(result.first, result.last)
    district = tr("Toàn huyện", "District")
    columns: list[tuple[str, dict[str, float | int | None], str, bool]] = []  # heading, values, count, a name
    if result.by == "district":
        row = result.rows[0]
        columns.append((district, row.values, f"{row.received}/{row.expected}", True))
    else:
        periods = result.by in ("month", "quarter", "half", "year")
        for row in result.rows:
            if periods:
                columns.append((period_label(row.key, lang), row.values, f"{row.received}/{row.expected}", False))
            else:  # communes (or any other units): by name
                columns.append((_short_name(row.name), row.values, f"{row.received}/{row.expected}", True))
        if result.by == "commune":
            columns.append((district, district_total(result), f"{result.received}/{result.expected}", True))

    indicators = result.indicators
    returns_label = tr("Báo cáo đã nhận / phải có", "Returns received / expected")
    # a unit wraps at spaces too («doanh / nghiệp»): its column is as wide as its longest word
    unit_words = [w for i in indicators for w in i.unit.split()] + tr("ĐVT báo cáo", "Unit returns").split()
    unit_width = max(len(w) for w in unit_words)
    label_width = max(18, min(max([len(i.label) for i in indicators] + [len(returns_label)]),
                              int(width * LABEL_SHARE)))

    def column_width(heading: str, values: dict[str, float | int | None], count: str, is_name: bool) -> int:
        figures = [len(format_figure(values.get(i.code), i, lang)) for i in indicators] + [len(count)]
        return max(len(heading), *figures)  # a heading never wraps

    # A column costs its width and 2: the space between columns and one of padding (the
    # padding of neighbouring cells collapses into one).
    room = width - (label_width + 2) - (unit_width + 2)
    chunks: list[list[tuple[str, dict[str, float | int | None], str, bool]]] = [[]]
    used = [0]
    for column in columns:
        cost = column_width(*column) + 2
        if chunks[-1] and used[-1] + cost > room:
            chunks.append([])
            used.append(0)
        chunks[-1].append(column)
        used[-1] += cost
    longest = max([len(i.label) for i in indicators] + [len(returns_label)])
    longest_unit = max([len(i.unit) for i in indicators] + [len(tr("báo cáo", "returns"))])

    tables: list[Any] = []
    for n, chunk in enumerate(chunks, start=1):
        title = f"{tr('Tổng hợp', 'Roll-up')}: {window}"
        if len(chunks) > 1:
            title += f" ({n}/{len(chunks)})"
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                      title_style="bold", collapse_padding=True, pad_edge=False)
        # what the table's columns leave of the width goes to the units, then to the labels
        # (fewer wrapped lines)
        spare = room - used[n - 1]
        unit_here = min(longest_unit, unit_width + spare)
        label_here = min(longest, label_width + spare - (unit_here - unit_width))
        table.add_column(tr("Chỉ tiêu", "Indicator"), overflow="fold", min_width=min(label_here, 18),
                         max_width=label_here)
        table.add_column(tr("ĐVT", "Unit"), min_width=unit_width, max_width=unit_here)
        for heading, values, count, is_name in chunk:
            size = column_width(heading, values, count, is_name)  # exactly: the layout is ours
            table.add_column(heading, justify="right", no_wrap=True, min_width=size, max_width=size)
        for indicator in indicators:
            table.add_row(
                indicator.label,
                indicator.unit,
                *(format_figure(values.get(indicator.code), indicator, lang) for _, values, _, _ in chunk),
            )
        table.add_section()
        table.add_row(returns_label, tr("báo cáo", "returns"), *(count for _, _, count, _ in chunk))
        tables.append(table)
    note = completeness_words(result)
    if note:
        from rich.text import Text

        tables.append(Text(note, style="bold"))
    return tables


def completeness_words(result: Rollup) -> str:
    """Under a roll-up: an incomplete window said plainly, and stocks carried from before it
    (:mod:`ncctd_cli.honesty`); "" for a complete window with nothing carried."""
    from .honesty import carried_sentence, incomplete_note

    months = [c.period for c in result.carried]
    return incomplete_note(result.received, result.expected, months) or carried_sentence(
        len({c.unit for c in result.carried}), months
    )


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


def word_wrap_lines(text: str, room: int) -> int:
    """How many lines ``text`` wraps onto, ``room`` characters a line, broken at spaces (a
    word longer than a line is cut): what a spreadsheet cell set to wrap shows, for the
    row heights the workbooks and the forms set (spreadsheets do not grow a row themselves)."""
    lines, used = 1, 0
    for word in text.split():
        size = len(word)
        if used and used + 1 + size > room:
            lines, used = lines + 1, size
        else:
            used = used + 1 + size if used else size
        while used > room:
            lines, used = lines + 1, used - room
    return lines
