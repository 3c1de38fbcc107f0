"""Excel workbooks for the analyst: a roll-up as a sheet, and the year-end report workbook.

Every figure is written as a value (never a formula), with a grouped number format
(``#,##0``, or ``#,##0.0`` for decimal indicators: km, ha, tonnes, million đồng, with as many
decimals as the figures have, up to three: 0,25 km is not 0,3); header rows are frozen, widths
fit the content, pages are A4 landscape, and each sheet carries a title, the period, and the
source and date it was made. Text that comes from users (catalog labels, commune names, file
names, problem messages) goes through :func:`render.safe_cell`.

Workbooks are written by XlsxWriter in constant-memory mode (:class:`Book`): the national
report (10,000 communes) took 45 s to write with openpyxl, whose styles are objects compared
cell by cell, and takes about 2 s. XlsxWriter is imported inside the functions: ``ncctd
--help`` must not pay for it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .catalog import Catalog, Commune, Indicator
from .model import Problem
from .render import district_total, safe_cell, word_wrap_lines
from .rollup import Carried, Rollup, RollupRow, bucket_of, carried_before, clean_figure, rollup
from .vietnamese import Period, bucket_label, months_between, parse_period, roman, window_label

if TYPE_CHECKING:
    from .status import Completeness
    from .store import Store

# Grouped formats tagged Vietnamese ([$-42A]): LibreOffice then shows 1.673 and 53,8 whatever
# its own locale; Excel keeps the separators of the computer's regional settings.
INTEGER_FORMAT = "[$-42A]#,##0"
DECIMAL_FORMAT = "[$-42A]#,##0.0"
PERCENT_FORMAT = "[$-42A]+0.0%;-0.0%;0.0%"
FONT_NAME = "Times New Roman"
HEADER_FILL = "DCE6F1"
TOTAL_FILL = "F2F2F2"
TITLE_ROWS = 3  # title, period, source line; a blank row; then the header
HEADER_ROW = TITLE_ROWS + 2

STATE_VI = {
    "on_time": "Đúng hạn",
    "late": "Muộn",
    "unknown": "Không rõ",
    "missing": "Thiếu",
    "not_due": "Chưa đến hạn",
}
STATE_FILL = {"on_time": "C6EFCE", "late": "FFEB9C", "unknown": "DDEBF7", "missing": "FFC7CE", "not_due": "FFFFFF"}
CARRIED_FILL = "EDEDED"  # a figure that holds stocks carried from before its period
WARNING_COLOR = "#9C0006"  # the line saying a window is incomplete
SEVERITY_VI = {"warning": "Cảnh báo", "error": "Lỗi"}


MAX_DECIMALS = 3  # what a form's decimal cell shows (#,##0.0##)


def number_format(indicator: Indicator, decimals: int | None = None) -> str:
    """``#,##0`` for an integer indicator; for a decimal one, ``decimals`` places (default 1)."""
    if indicator.is_integer:
        return INTEGER_FORMAT
    return DECIMAL_FORMAT + "0" * (max(1, decimals or 1) - 1)


def decimals_needed(values: Iterable[float | int | None]) -> int:
    """The fewest decimals, 1 to 3, that show every figure as it is to three places: 0,25
    needs 2, 149,6 and 12 need 1."""
    need = 1
    for value in values:
        if value is None or need == MAX_DECIMALS:
            continue
        target = round(value, MAX_DECIMALS)
        while need < MAX_DECIMALS and abs(round(value, need) - target) > 1e-9:
            need += 1
    return need


def rollup_decimals(results: Iterable[Rollup]) -> dict[str, int]:
    """Each decimal indicator's decimals over every row of ``results``."""
    found: dict[str, int] = {}
    results = list(results)
    if not results:
        return found
    for indicator in results[0].indicators:
        if not indicator.is_integer:
            code = indicator.code
            found[code] = decimals_needed(r.values.get(code) for result in results for r in result.rows)
    return found


def indicator_heading(indicator: Indicator) -> str:
    return f"{indicator.label} ({indicator.unit})" if indicator.unit else indicator.label


def how_counted(indicator: Indicator) -> str:
    return "Số cuối kỳ" if indicator.is_stock else "Cộng dồn"


# ------------------------------------------------------------------ sheet writing


@dataclass
class Column:
    heading: str
    number_format: str | None = None  # None: text
    width: float | None = None  # None: fitted to the content
    wrap: bool = False
    align: str | None = None
    size: float | None = None  # the font size of its data cells (None: the sheet's, 11 pt)


@dataclass
class SheetSpec:
    """A table sheet: title block, one header row, data rows, optional total rows."""

    name: str
    title: str
    subtitle: str
    source: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    total_rows: list[list[Any]] = field(default_factory=list)
    bold_rows: set[int] = field(default_factory=set)  # indices into rows (group headings)
    freeze_columns: int = 1
    pages_wide: int = 1
    note: str | None = None  # a line under the table
    fills: dict[tuple[int, int], str] = field(default_factory=dict)  # (row index, column) → colour
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # per-cell number format
    # Printed pages across, by the columns that start a new page (after the first): pages
    # broken there at a scale that fits the widest, instead of ``pages_wide`` fitted pages.
    page_columns: list[int] = field(default_factory=list)
    # Rows under the table, printed with it: (word, its fill colour, what it means).
    legend: list[tuple[str, str, str]] = field(default_factory=list)
    warning: str | None = None  # said under the title block (an incomplete window)


def _decimals_of(number_format: str | None) -> int:
    """``[$-42A]#,##0.00`` → 2."""
    if not number_format or "." not in number_format:
        return 0
    return len(re.match(r"0*", number_format.split(".", 1)[1]).group())  # type: ignore[union-attr]


def _fit_width(values: Sequence[Any], column: Column) -> float:
    if column.width is not None:
        return column.width
    longest = 0
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers:  # the longest number written is the largest or the smallest
        decimals = _decimals_of(column.number_format)
        for value in (max(numbers), min(numbers)):
            if column.number_format == PERCENT_FORMAT:
                text = f"{value * 100:+.1f}%"
            else:
                text = f"{value:,.{decimals}f}"
            longest = max(longest, len(text))
    longest = max([longest, *(len(v) for v in values if isinstance(v, str))])
    words = max((len(w) for w in column.heading.split()), default=4)
    # Headings wrap onto up to four lines; data fits on one line.
    width = max(longest, words, min(len(column.heading), 4 * max(words, 10)) / 4)
    return min(max(width + 2, 6.0), 60.0)


# A4 landscape, 0.5" margins: 10.69" = 1026 pixels at 96 dpi. A column w wide is stored as
# w + 0.71 digits of the sheet's font (Times New Roman 11: 7.33 pixels a digit, as
# LibreOffice measures it; Excel rounds it to 7, so a page that fits here fits there).
A4_LANDSCAPE_PIXELS = 1026
DIGIT_PIXELS = 7.4


def _pixels(widths: Sequence[float]) -> float:
    return sum(DIGIT_PIXELS * (w + 0.71) for w in widths)


class Book:
    """An xlsx workbook being written with XlsxWriter in constant-memory mode: each row goes
    to disk as soon as the next one starts, so a sheet of 10,000 communes costs no more
    memory than one row. Written beside its path and renamed on :meth:`close`: a failed
    write never leaves half a workbook. Cell formats are made once per combination."""

    def __init__(self, path: Path, title: str) -> None:
        import xlsxwriter

        self.path = Path(path)
        self.temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self.wb = xlsxwriter.Workbook(
            str(self.temp),
            {
                "constant_memory": True,
                # text stays text: a commune's «=…» or «0123» is never a formula or a number
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                # The sheet's own font is Times New Roman, as every cell: column widths are
                # counted in its digits, which LibreOffice measures alike wherever Calibri
                # is missing (a Calibri stand-in such as DejaVu Sans is a third wider).
                "default_format_properties": {"font_name": FONT_NAME, "font_size": 11},
            },
        )
        self.wb.set_properties({"title": title, "author": f"ncctd {__version__}"})
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}

    def fmt(self, **props: Any) -> Any:
        """The cell format with these properties (font Times New Roman unless given)."""
        props.setdefault("font_name", FONT_NAME)
        key = tuple(sorted(props.items()))
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self.wb.add_format(props)
        return found

    def add_sheet(self, name: str) -> Any:
        return self.wb.add_worksheet(name[:31])

    def close(self) -> None:
        try:
            self.wb.close()
            os.replace(self.temp, self.path)
        except BaseException:
            self.temp.unlink(missing_ok=True)
            raise

    def __enter__(self) -> Book:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:  # the write failed: nothing is left behind
            with contextlib.suppress(Exception):
                self.wb.close()
            self.temp.unlink(missing_ok=True)


_BORDER = {"border": 1, "border_color": "#808080"}


def _title_block(book: Book, ws: Any, title: str, subtitle: str, source: str) -> None:
    ws.write_string(0, 0, safe_cell(title), book.fmt(font_size=14, bold=True))
    ws.write_string(1, 0, safe_cell(subtitle), book.fmt(font_size=12, bold=True))
    ws.write_string(2, 0, safe_cell(source), book.fmt(font_size=10, italic=True, font_color="#595959"))


def write_sheet(book: Book, spec: SheetSpec) -> str:
    """Add a sheet to ``book`` from a :class:`SheetSpec`; returns the sheet's name (what
    charts point at). Rows are written top to bottom, once (constant memory)."""
    ws = book.add_sheet(spec.name)
    all_rows = [*spec.rows, *spec.total_rows]
    widths = [_fit_width([r[col] for r in all_rows], column) for col, column in enumerate(spec.columns)]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    _title_block(book, ws, spec.title, spec.subtitle, spec.source)
    if spec.warning:
        ws.write_string(TITLE_ROWS, 0, safe_cell(spec.warning),
                        book.fmt(font_size=11, bold=True, font_color=WARNING_COLOR))

    # Row heights: spreadsheets do not grow a row for wrapped text written by a program.
    header = HEADER_ROW - 1  # rows are counted from 0 here
    heading_lines = max(_lines(c.heading, w) for c, w in zip(spec.columns, widths, strict=True))
    ws.set_row(header, min(15 * heading_lines + 6, 160))
    header_format = book.fmt(bold=True, font_size=11, pattern=1, bg_color=f"#{HEADER_FILL}",
                             align="center", valign="vcenter", text_wrap=True, **_BORDER)
    for col, column in enumerate(spec.columns):
        ws.write_string(header, col, safe_cell(column.heading), header_format)

    wrapped = [col for col, c in enumerate(spec.columns) if c.wrap]
    cache: dict[tuple[Any, ...], Any] = {}

    def cell_format(col: int, kind: str, bold: bool, fill: str | None, number: str | None) -> Any:
        key = (col, kind, bold, fill, number)
        found = cache.get(key)
        if found is None:
            column = spec.columns[col]
            props: dict[str, Any] = {"font_size": column.size or 11, "valign": "vcenter", **_BORDER}
            if bold:
                props["bold"] = True
            if kind == "number":
                props["num_format"] = number
                props["align"] = column.align or "right"
            elif kind == "figure-text":  # "168/168" in a column of figures
                props["align"] = "right"
            else:
                props["align"] = column.align or "left"
                if column.wrap:
                    props["text_wrap"] = True
            colour = fill or (TOTAL_FILL if bold else None)
            if colour:
                props.update(pattern=1, bg_color=f"#{colour}")
            found = cache[key] = book.fmt(**props)
        return found

    def formats_of(index: int, col: int, bold: bool) -> tuple[Any, Any, Any]:
        """The formats of a cell holding a number, a text, nothing."""
        fill = spec.fills.get((index, col))
        number = spec.formats.get((index, col), spec.columns[col].number_format)
        return (cell_format(col, "number" if number else "text", bold, fill, number),
                cell_format(col, "figure-text" if number else "text", bold, fill, None),
                cell_format(col, "number" if number else "text", bold, fill, number))

    # Most cells have no format of their own: their formats are the column's.
    plain = {bold: [formats_of(-1, col, bold) for col in range(len(spec.columns))] for bold in (False, True)}
    special: dict[int, set[int]] = {}
    for index, col in [*spec.fills, *spec.formats]:
        special.setdefault(index, set()).add(col)
    write_number, write_string, write_blank = ws.write_number, ws.write_string, ws.write_blank
    n_columns = len(spec.columns)
    for index, values in enumerate(all_rows):
        if len(values) != n_columns:
            raise ValueError(f"{spec.name}: a row of {len(values)} cells for {n_columns} columns")
        row = HEADER_ROW + index
        is_bold = index >= len(spec.rows) or index in spec.bold_rows
        if wrapped:
            lines = max((_lines(v, widths[col]) for col in wrapped if isinstance(v := values[col], str)),
                        default=1)
            if lines > 1:
                ws.set_row(row, 15 * lines + 2)
        cells = plain[is_bold]
        if index in special:
            cells = list(cells)
            for col in special[index]:
                cells[col] = formats_of(index, col, is_bold)
        for col, value in enumerate(values):
            if value is None or value == "":
                write_blank(row, col, None, cells[col][2])
            elif isinstance(value, str):
                write_string(row, col, safe_cell(value), cells[col][1])
            else:
                write_number(row, col, value, cells[col][0])
    last_row = HEADER_ROW + len(all_rows)  # (counted from 1)
    note_format = book.fmt(font_size=10, italic=True, font_color="#595959")
    below = last_row + 1  # the first row under the table, counted from 0
    if spec.note:
        ws.write_string(below, 0, safe_cell(spec.note), note_format)
        below += 1
    for word, colour, meaning in spec.legend:
        ws.write_string(below, 1, word, book.fmt(font_size=10, pattern=1, bg_color=f"#{colour}",
                                                 align="center", **_BORDER))
        ws.write_string(below, 2, meaning, book.fmt(font_size=10))
        below += 1

    ws.freeze_panes(HEADER_ROW, spec.freeze_columns)
    print_setup(ws, pages_wide=spec.pages_wide, title_row=header)
    ws.set_default_row(hide_unused_rows=False)
    if spec.page_columns:
        _break_pages(ws, spec, widths)
    if spec.pages_wide > 1 or spec.page_columns:
        # A table several pages wide repeats its first columns on every page, where the title
        # block (text overflowing from column A) would be cut: the title is printed in the
        # page header of every page instead, and the print area starts at the header row.
        # (the note is in the page footer; a legend is printed under the table)
        ws.print_area(header, 0, below - 1 if spec.legend else last_row - 1, len(spec.columns) - 1)
        ws.repeat_columns(0, spec.freeze_columns - 1)
        ws.set_header(
            f'&L&"{FONT_NAME},Bold"&11{_header_text(spec.title)}'
            f'&R&"{FONT_NAME},Regular"&10{_header_text(spec.subtitle)}',
            {"margin": 0.3},
        )
        ws.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.6)
        footer = spec.source + (" Ô trống: chưa có số liệu." if spec.note and not spec.legend else "")
        ws.set_footer(f"&L&8{_header_text(footer)}&R&9Trang &P/&N")
    return str(spec.name[:31])


def _break_pages(ws: Any, spec: SheetSpec, widths: list[float]) -> None:
    """Pages broken before ``spec.page_columns``, each repeating the frozen columns, at the
    largest scale (at most 100 %) at which the widest page fits A4 landscape. Excel ignores
    page breaks on a sheet fitted to a number of pages: a scale it is."""
    starts = [spec.freeze_columns, *spec.page_columns, len(widths)]
    fixed = _pixels(widths[: spec.freeze_columns])
    widest = max(fixed + _pixels(widths[a:b]) for a, b in itertools.pairwise(starts) if b > a)
    scale = max(10, min(100, int(100 * A4_LANDSCAPE_PIXELS / widest)))
    ws.fit_to_pages(0, 0)
    ws.set_print_scale(scale)
    ws.set_v_pagebreaks(spec.page_columns)


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps onto in a column ``width`` characters wide (word wrap)."""
    return word_wrap_lines(text, max(1, int(width * 1.25) - 1))  # Times is narrower than the width unit


def _header_text(text: str) -> str:
    """Page header/footer text: ``&`` is a code there; Excel allows 255 characters."""
    return text.replace("&", "&&")[:200]


def print_setup(ws: Any, *, pages_wide: int = 1, title_row: int | None = None) -> None:
    """A4 landscape, fitted to ``pages_wide`` pages across, header row repeated, page numbers."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(pages_wide, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.center_horizontally()
    if title_row is not None:
        ws.repeat_rows(title_row)
    ws.set_footer("&R&9Trang &P/&N")


# ------------------------------------------------------------------ roll-up tables


def row_label(result: Rollup, row: RollupRow) -> str:
    """The first column of a breakdown row: the commune's name, or the period in words."""
    if result.by_units:
        return row.name
    if result.by == "district":
        return "Toàn huyện"
    return bucket_label(row.key)


KEY_HEADING = {
    "district": "Đơn vị",
    "commune": "Xã, thị trấn",
    "area": "Địa bàn",
    "month": "Tháng",
    "quarter": "Quý",
    "half": "6 tháng",
    "year": "Năm",
}


def breakdown_spec(
    result: Rollup, *, name: str, title: str, subtitle: str, source: str,
    window_total: Rollup | None = None, decimals: dict[str, int] | None = None,
) -> SheetSpec:
    """Rows are the breakdown's keys (communes, months, quarters…), columns the indicators.

    A by-commune breakdown gets a district total row; a period breakdown gets the whole
    window's row from ``window_total`` (a district roll-up: stocks are not summed over months).
    ``decimals``: each decimal indicator's places (default: as many as its figures here need)."""
    if decimals is None:
        decimals = rollup_decimals([result] + ([window_total] if window_total else []))
    columns = [Column("STT", INTEGER_FORMAT, width=5, align="center"), Column(KEY_HEADING.get(result.by, ""))]
    columns += [Column(indicator_heading(i), number_format(i, decimals.get(i.code)), wrap=True)
                for i in result.indicators]
    columns += [Column("Báo cáo đã nhận", INTEGER_FORMAT), Column("Báo cáo phải có", INTEGER_FORMAT)]
    spec = SheetSpec(name, title, subtitle, source, columns, freeze_columns=2)
    codes = [i.code for i in result.indicators]
    for n, row in enumerate(result.rows, start=1):
        spec.rows.append([n, row_label(result, row), *(row.values.get(c) for c in codes),
                          row.received, row.expected])
    if result.by_units:
        totals = district_total(result)
        spec.total_rows.append(["", "Toàn huyện", *(totals[c] for c in codes),
                                result.received, result.expected])
    elif window_total is not None and result.by != "district":
        w = window_total.rows[0]
        spec.total_rows.append(["", "Cả kỳ", *(w.values.get(c) for c in codes), w.received, w.expected])
    if len(columns) > 16:
        spec.pages_wide = 2
    spec.note = (
        "Ô trống: chưa có số liệu. Chỉ tiêu cộng dồn được cộng qua các tháng; chỉ tiêu tồn "
        "(số cuối kỳ) lấy số mới nhất của mỗi xã trong kỳ rồi cộng các xã."
    )
    for n, row in enumerate(result.rows):
        for c in result.carried_in(row):
            spec.fills[(n, 2 + codes.index(c.indicator))] = CARRIED_FILL
    _carried_legend(spec, result.carried)
    spec.warning = _incomplete(result)
    return spec


def _incomplete(result: Rollup) -> str | None:
    """The sentence an incomplete window's sheets carry (the workbook speaks Vietnamese)."""
    from .honesty import incomplete_note
    from .i18n import use_language

    with use_language("vi"):
        return incomplete_note(result.received, result.expected, [c.period for c in result.carried]) or None


def _carried_legend(spec: SheetSpec, carried: list[Carried]) -> None:
    """The legend line of the grey cells: stocks carried from before their period."""
    from .honesty import carried_words
    from .i18n import use_language

    if not carried:
        return
    with use_language("vi"):
        words = carried_words(c.period for c in carried)
    spec.legend.append(("Mang sang", CARRIED_FILL,
                        f"gồm chỉ tiêu tồn của xã chưa báo cáo, lấy theo số đã báo cáo gần nhất ({words})"))


def carried_note(result: Rollup, indicator: Indicator) -> str:
    """Of one stock in a district roll-up: how many units' figures were carried, from when."""
    from .honesty import carried_words
    from .i18n import use_language

    found = [c for c in result.carried if c.indicator == indicator.code]
    if not found:
        return ""
    with use_language("vi"):
        words = carried_words(c.period for c in found)
    units = len({c.unit for c in found})
    return f"{units} xã chưa báo cáo: {words}"


def write_rollup_xlsx(result: Rollup, path: Path, *, store_name: str | None = None,
                      today: _dt.date | None = None) -> None:
    """``ncctd rollup --format xlsx -o FILE``: the roll-up as one sheet."""
    today = today or _dt.date.today()
    label = window_label(result.first, result.last)
    source = _source_line(result.received, result.expected, store_name, today)
    if result.by == "district":
        spec = district_spec(result, label, source)
    else:
        spec = breakdown_spec(
            result,
            name=f"Theo {KEY_HEADING[result.by].lower()}",
            title=f"TỔNG HỢP SỐ LIỆU THEO {KEY_HEADING[result.by].upper()}",
            subtitle=f"Kỳ: {label} ({_range_text(result.first, result.last)})"
            + units_note(result.over_time, result.units, result.last),
            source=source,
        )
    with Book(path, f"Tổng hợp số liệu – {label}") as book:
        write_sheet(book, spec)


def district_spec(result: Rollup, label: str, source: str) -> SheetSpec:
    """A district roll-up: one indicator per row."""
    columns = [
        Column("STT", INTEGER_FORMAT, width=5, align="center"),
        Column("Chỉ tiêu", wrap=True, width=60),
        Column("Đơn vị tính"),
        Column("Cách tính"),
        Column(label, INTEGER_FORMAT),
    ]
    spec = SheetSpec("Toàn huyện", "TỔNG HỢP SỐ LIỆU TOÀN HUYỆN",
                     f"Kỳ: {label} ({_range_text(result.first, result.last)})", source, columns,
                     freeze_columns=2)
    row = result.rows[0]
    for n, indicator in enumerate(result.indicators, start=1):
        spec.rows.append([n, indicator.label, indicator.unit, how_counted(indicator),
                          row.values.get(indicator.code)])
    spec.total_rows.append(["", "Báo cáo đã nhận / phải có", "báo cáo", "",
                            f"{row.received}/{row.expected}"])
    for n, indicator in enumerate(result.indicators):
        if carried_note(result, indicator):
            spec.fills[(n, 4)] = CARRIED_FILL
    _carried_legend(spec, result.carried)
    spec.warning = _incomplete(result)
    _per_row_formats(spec, dict(enumerate(result.indicators)), value_columns=[4],
                     decimals=rollup_decimals([result]))
    return spec


def _per_row_formats(spec: SheetSpec, indicators: dict[int, Indicator], value_columns: list[int],
                     decimals: dict[str, int]) -> None:
    """Sheets with one indicator per row: the number format follows the row's indicator."""
    for index, indicator in indicators.items():
        for col in value_columns:
            spec.formats[(index, col)] = number_format(indicator, decimals.get(indicator.code))


def _range_text(first: Period, last: Period) -> str:
    return f"{first.month:02d}/{first.year} – {last.month:02d}/{last.year}"


def _source_line(received: int, expected: int, store_name: str | None, today: _dt.date) -> str:
    where = f"kho dữ liệu {store_name}, " if store_name else ""
    return (
        f"Nguồn: {where}{received}/{expected} báo cáo tháng của các xã đã nhận. "
        f"Lập ngày {today:%d/%m/%Y} bằng ncctd {__version__}."
    )


# ------------------------------------------------------------------ the year-end report


@dataclass
class ReportData:
    """Everything the report workbook shows, computed from the store."""

    first: Period
    last: Period
    today: _dt.date
    catalog: Catalog
    store_name: str | None
    window: Rollup  # the period's district figures
    previous: Rollup  # the period of equal length just before
    cumulative: Rollup  # since the first stored month
    by_commune: Rollup
    by_month: Rollup
    by_quarter: Rollup
    completeness: Completeness
    problems: list[Problem]
    units: str = "current"  # the roll-ups' units: today's ("current") or as reported

    @property
    def label(self) -> str:
        return window_label(self.first, self.last)

    @property
    def units_note(self) -> str:
        return units_note(self.catalog.has_validity, self.units, self.last)

    @cached_property
    def decimals(self) -> dict[str, int]:
        """Each decimal indicator's places, the same on every sheet and chart."""
        return rollup_decimals([self.window, self.previous, self.cumulative, self.by_commune,
                                self.by_month, self.by_quarter])


def units_note(over_time: bool, units: str, last: Period) -> str:
    """Which units the figures are in, said under the title of the sheets of a catalog with
    units over time (nothing for one without)."""
    if not over_time:
        return ""
    if units == "reported":
        return "; đơn vị: như các đơn vị đã báo cáo (đơn vị cũ giữ các tháng trước khi sắp xếp)"
    return (
        f"; đơn vị: theo đơn vị hành chính của tháng {last.month:02d}/{last.year} "
        "(số liệu của đơn vị cũ tính cho đơn vị đã nhận địa bàn)"
    )


def report_decimals(data: ReportData) -> dict[str, int]:
    return data.decimals


def previous_window(first: Period, last: Period) -> tuple[Period, Period]:
    """The window of equal length just before ``first``..``last``."""
    length = last.index - first.index + 1
    return first.shift(-length), first.shift(-1)


def cumulative_start(store: Store, first: Period) -> Period:
    """The first stored month (or ``first`` when nothing earlier is stored)."""
    stored = store.stored_range()
    return min(stored[0], first) if stored else first


def collect_report(
    store: Store, first: Period, last: Period, *, today: _dt.date | None = None, units: str = "current"
) -> ReportData:
    """Compute every table of the report workbook for ``first``..``last``, in today's units
    (``units="current"``) or as reported (see :func:`ncctd_cli.rollup.rollup`).

    The figures are those of :func:`ncctd_cli.rollup.rollup` (the window, the previous window,
    the cumulative window, by commune, by month, by quarter). For a catalog without units over
    time they are computed in one pass over the stored months (:class:`FigureTally`) instead
    of six roll-ups: on the national benchmark store (10,000 communes, 2.9 million values a
    year) the six took 21 s, the pass takes 3. :func:`collect_report_by_rollups` is the same
    through six roll-ups (tests hold the two equal), and the way for units over time."""
    from .status import completeness

    catalog = store.catalog
    if catalog.has_validity:
        return collect_report_by_rollups(store, first, last, today=today, units=units)
    today = today or _dt.date.today()
    prev_first, prev_last = previous_window(first, last)
    cum_first = cumulative_start(store, first)
    windows = {"window": (first, last), "previous": (prev_first, prev_last), "cumulative": (cum_first, last)}
    figures = tally_figures(store, min(prev_first, cum_first), last, windows=windows,
                            breakdowns=("commune", "month", "quarter"), within=(first, last))
    return ReportData(
        first=first,
        last=last,
        today=today,
        catalog=catalog,
        store_name=store.path.name if store.path and store.persistent else None,
        window=figures["window"],
        previous=figures["previous"],
        cumulative=figures["cumulative"],
        by_commune=figures["commune"],
        by_month=figures["month"],
        by_quarter=figures["quarter"],
        completeness=completeness(store, first, last, today=today),
        problems=store.stored_problems(first, last),
        units=units,
    )


def collect_report_by_rollups(
    store: Store, first: Period, last: Period, *, today: _dt.date | None = None, units: str = "current"
) -> ReportData:
    """:func:`collect_report` through six calls of :func:`~ncctd_cli.rollup.rollup`: the
    reference the one-pass figures are tested against, and the way to the report's figures
    for units over time (today's units or as reported), which the pass does not know."""
    from .status import completeness

    today = today or _dt.date.today()
    prev_first, prev_last = previous_window(first, last)
    return ReportData(
        first=first,
        last=last,
        today=today,
        catalog=store.catalog,
        store_name=store.path.name if store.path and store.persistent else None,
        window=rollup(store, first, last, units=units),
        previous=rollup(store, prev_first, prev_last, units=units),
        cumulative=rollup(store, cumulative_start(store, first), last, units=units),
        by_commune=rollup(store, first, last, by="commune", units=units),
        by_month=rollup(store, first, last, by="month", units=units),
        by_quarter=rollup(store, first, last, by="quarter", units=units),
        completeness=completeness(store, first, last, today=today),
        problems=store.stored_problems(first, last),
        units=units,
    )


# ------------------------------------------------------------------ the report's figures in one pass


class FigureTally:
    """Running figures of a roll-up, fed one month at a time: a whole window's (``per_commune``
    False: one row) or each commune's. Flows are summed; a stock keeps each commune's latest
    value (a later month overwrites an earlier one) and is summed over communes at the end:
    :func:`~ncctd_cli.rollup.rollup`'s rules. Arrays are communes × indicators (numpy)."""

    def __init__(self, communes: int, indicators: int, *, per_commune: bool) -> None:
        import numpy as np

        self.per_commune = per_commune
        shape = (communes, indicators) if per_commune else (indicators,)
        self.flows = np.zeros(shape)
        self.seen = np.zeros(shape, dtype=bool)
        self.latest = np.full((communes, indicators), np.nan)
        self.received = np.zeros(communes, dtype=np.int64)

    def grow(self, communes: int) -> None:
        """Room for communes met after the tally began (codes the catalog does not have)."""
        import numpy as np

        more = communes - self.latest.shape[0]
        if more <= 0:
            return
        self.latest = np.vstack([self.latest, np.full((more, self.latest.shape[1]), np.nan)])
        self.received = np.concatenate([self.received, np.zeros(more, dtype=np.int64)])
        if self.per_commune:
            self.flows = np.vstack([self.flows, np.zeros((more, self.flows.shape[1]))])
            self.seen = np.vstack([self.seen, np.zeros((more, self.seen.shape[1]), dtype=bool)])

    def add(self, values: Any, present: Any, zeroed: Any, returns: Any) -> None:
        """One month: ``values`` communes × indicators (NaN: not reported), ``present`` its
        mask, ``zeroed`` the values with 0 for NaN, ``returns`` the communes with a return."""
        import numpy as np

        if self.per_commune:
            self.flows += zeroed
            self.seen |= present
        else:
            self.flows += zeroed.sum(axis=0)
            self.seen |= present.any(axis=0)
        np.copyto(self.latest, values, where=present)
        self.received += returns

    def carry(self, store: Store, bucket: str, before: Period, units: list[str],
              indicators: list[Indicator]) -> list[Carried]:
        """Stocks the first ``len(units)`` communes did not give in the tally's months, taken
        from before them by the roll-up's rule (:func:`~ncctd_cli.rollup.carried_before`)
        and counted as if given."""
        import numpy as np

        stocks = [k for k, i in enumerate(indicators) if i.is_stock]
        if not stocks:
            return []
        missing = np.argwhere(np.isnan(self.latest[: len(units)][:, stocks]))
        wanted = [(units[c], indicators[stocks[k]].code) for c, k in missing.tolist()]
        carried = carried_before(store, bucket, wanted, before)
        where = {key: n for n, key in enumerate(units)}
        column = {i.code: k for k, i in enumerate(indicators)}
        for c in carried:
            self.latest[where[c.unit], column[c.indicator]] = c.value
        return carried

    def values(self, indicators: list[Indicator]) -> dict[str, float | int | None]:
        """The whole window's figures, cleaned as a roll-up cleans them (integers rounded,
        decimals to 6 places, None: no value)."""
        import numpy as np

        have = ~np.isnan(self.latest)
        stocks = np.where(have, self.latest, 0.0).sum(axis=0).tolist()
        any_stock = have.any(axis=0).tolist()
        flows, seen = self.flows.tolist(), self.seen.tolist()
        return {
            indicator.code: clean_figure(
                (stocks[i] if any_stock[i] else None) if indicator.is_stock
                else (flows[i] if seen[i] else None),
                indicator,
            )
            for i, indicator in enumerate(indicators)
        }

    def rows(self, indicators: list[Indicator], communes: int) -> list[dict[str, float | int | None]]:
        """Each of the first ``communes`` communes' figures (a ``per_commune`` tally)."""
        import numpy as np

        stock = np.array([i.is_stock for i in indicators])
        chosen = np.where(stock[None, :], self.latest, np.where(self.seen, self.flows, np.nan))
        out = []
        for row in chosen[:communes].tolist():
            out.append({
                indicator.code: None if value != value else clean_figure(value, indicator)  # NaN: none
                for indicator, value in zip(indicators, row, strict=True)
            })
        return out


_SEPARATOR = "\x1f"  # between the codes and between the values of one commune's month (SQL)


def tally_figures(
    store: Store,
    first: Period,
    last: Period,
    *,
    windows: dict[str, tuple[Period, Period]],
    breakdowns: Sequence[str] = (),
    within: tuple[Period, Period] | None = None,
) -> dict[str, Rollup]:
    """Roll-ups of several windows and breakdowns from one pass over the stored months
    ``first``..``last``: ``windows`` (name → months) become district roll-ups; each of
    ``breakdowns`` (``commune``, ``month``, ``quarter``, ``half``, ``year``) a roll-up of
    ``within`` by it. The same figures as :func:`~ncctd_cli.rollup.rollup`.

    Why one pass: a roll-up is one SQL ``GROUP BY`` over the window's values, and SQLite
    sorts every value to group them (3–5 s for a year of 10,000 communes); the report needs
    six. Here SQLite groups each commune's month in the order the ``facts`` table is kept
    (no sort: the codes and values of a month come as two strings), and the months are
    added up in numpy."""
    import numpy as np

    catalog = store.catalog
    indicators = list(catalog.indicators)
    position = {i.code: n for n, i in enumerate(indicators)}
    communes = {c.code: n for n, c in enumerate(catalog.communes)}
    n_ind = len(indicators)
    within = within or (first, last)

    tallies: dict[str, tuple[tuple[Period, Period], FigureTally]] = {
        name: (span, FigureTally(len(communes), n_ind, per_commune=False)) for name, span in windows.items()
    }
    per_commune = FigureTally(len(communes), n_ind, per_commune=True) if "commune" in breakdowns else None
    buckets: dict[str, dict[str, FigureTally]] = {by: {} for by in breakdowns if by != "commune"}
    for by, found in buckets.items():
        for month in months_between(*within):
            key = bucket_of(month, by)
            if key not in found:
                found[key] = FigureTally(len(communes), n_ind, per_commune=False)
    everything = [t for _, t in tallies.values()] + ([per_commune] if per_commune else [])
    everything += [t for found in buckets.values() for t in found.values()]

    def code_of(commune: str) -> int:
        n = communes.get(commune)
        if n is None:  # a commune the catalog no longer has: in the totals, in no row
            n = communes[commune] = len(communes)
            for tally in everything:
                tally.grow(len(communes))
        return n

    received: dict[str, list[int]] = {}
    for period, commune in store.conn.execute(
        "SELECT period, commune FROM returns WHERE is_current = 1 AND period BETWEEN ? AND ? "
        "ORDER BY period, commune",
        (str(first), str(last)),
    ):
        received.setdefault(period, []).append(code_of(commune))

    columns_of: dict[str, Any] = {}  # a month's string of codes → (kept positions, their columns)

    def add_month(period: str, rows: list[tuple[int, str, str]]) -> None:
        month = Period.parse_iso(period)
        values = np.full((len(communes), n_ind), np.nan)
        for codes, group in _by_codes(rows).items():
            found = columns_of.get(codes)
            if found is None:
                names = codes.split(_SEPARATOR)
                kept = [k for k, name in enumerate(names) if name in position]
                found = columns_of[codes] = (np.array(kept, dtype=np.intp),
                                             np.array([position[names[k]] for k in kept], dtype=np.intp),
                                             len(names))
            keep, columns, width = found
            where = np.array([c for c, _ in group], dtype=np.intp)
            numbers = np.array(_SEPARATOR.join(v for _, v in group).split(_SEPARATOR), dtype=np.float64)
            numbers = numbers.reshape(len(group), width)[:, keep]
            values[where[:, None], columns[None, :]] = numbers
        present = ~np.isnan(values)
        zeroed = np.where(present, values, 0.0)
        returns = np.zeros(len(communes), dtype=np.int64)
        np.add.at(returns, np.array(received.pop(period, []), dtype=np.intp), 1)
        for (a, b), tally in tallies.values():
            if a <= month <= b:
                tally.add(values, present, zeroed, returns)
        if within[0] <= month <= within[1]:
            if per_commune is not None:
                per_commune.add(values, present, zeroed, returns)
            for by, found in buckets.items():
                found[bucket_of(month, by)].add(values, present, zeroed, returns)

    rows: list[tuple[int, str, str]] = []
    current: str | None = None
    cursor = store.conn.execute(
        f"SELECT period, commune, group_concat(indicator, '{_SEPARATOR}'), "
        f"group_concat(printf('%!.17g', value), '{_SEPARATOR}') "
        "FROM facts WHERE period BETWEEN ? AND ? GROUP BY period, commune",
        (str(first), str(last)),
    )
    for period, commune, codes, numbers in cursor:
        if period != current:
            if current is not None:
                add_month(current, rows)
            current, rows = period, []
        rows.append((code_of(commune), codes, numbers))
    if current is not None:
        add_month(current, rows)
    for period in list(received):  # months with returns and no values at all
        add_month(period, [])

    n_catalog = len(catalog.communes)
    units = [c.key for c in catalog.communes]
    out: dict[str, Rollup] = {}
    for name, ((a, b), tally) in tallies.items():
        result = Rollup(a, b, "district", indicators)
        result.carried = tally.carry(store, "", a, units, indicators)
        result.rows.append(RollupRow("", "Toàn huyện", tally.values(indicators),
                                     n_catalog * len(months_between(a, b)), int(tally.received.sum())))
        out[name] = result
    if per_commune is not None:
        result = Rollup(within[0], within[1], "commune", indicators)
        result.carried = per_commune.carry(store, "", within[0], units, indicators)
        n_months = len(months_between(*within))
        received_by = per_commune.received.tolist()
        for n, (commune, values) in enumerate(zip(catalog.communes, per_commune.rows(indicators, n_catalog),
                                                  strict=True)):
            result.rows.append(RollupRow(commune.code, commune.name, values, n_months, received_by[n],
                                         members=(commune.key,)))
        out["commune"] = result
    for by, found in buckets.items():
        result = Rollup(within[0], within[1], by, indicators)
        counts: dict[str, int] = {}
        starts: dict[str, Period] = {}
        for month in months_between(*within):
            counts[bucket_of(month, by)] = counts.get(bucket_of(month, by), 0) + 1
            starts.setdefault(bucket_of(month, by), month)
        for key, tally in found.items():
            result.carried += tally.carry(store, key, starts[key], units, indicators)
            result.rows.append(RollupRow(key, key, tally.values(indicators), counts[key] * n_catalog,
                                         int(tally.received.sum())))
        out[by] = result
    return out


def _by_codes(rows: list[tuple[int, str, str]]) -> dict[str, list[tuple[int, str]]]:
    """A month's communes grouped by the string of codes they reported (nearly always one)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for commune, codes, numbers in rows:
        groups.setdefault(codes, []).append((commune, numbers))
    return groups


def change(current: float | int | None, previous: float | int | None) -> float | None:
    """The change from ``previous`` to ``current`` as a fraction (0.1 is +10 %); None when
    either is missing or the previous figure is zero."""
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / previous, 6)


def main_indicators(catalog: Catalog, n: int = 4) -> list[Indicator]:
    """The indicators the charts show: the ``main_indicators`` setting (codes separated by
    ``|``), else the first cumulative indicator of each form group, then the next ones."""
    setting = catalog.settings.get("main_indicators", "").replace(",", "|")
    chosen = [catalog.indicator_by_code[c.strip()] for c in setting.split("|")
              if c.strip() in catalog.indicator_by_code]
    if chosen:
        return chosen[:n]
    flows = [i for i in catalog.indicators if not i.is_stock]
    seen_groups: set[str] = set()
    for indicator in flows:
        if indicator.group and indicator.group not in seen_groups:
            seen_groups.add(indicator.group)
            chosen.append(indicator)
    for indicator in flows:
        if indicator not in chosen:
            chosen.append(indicator)
    return chosen[:n]



SHEET_SUMMARY = "Tổng hợp"
SHEET_COMMUNES = "Theo xã"
SHEET_MONTHS = "Theo tháng"
SHEET_QUARTERS = "Theo quý"
SHEET_COMPLETENESS = "Tình hình nộp báo cáo"
SHEET_PROBLEMS = "Cảnh báo tồn đọng"
SHEET_CHART_MONTHS = "Biểu đồ theo tháng"
SHEET_CHART_COMMUNES = "Biểu đồ theo xã"


def summary_spec(data: ReportData, title: str, source: str) -> SheetSpec:
    prev_first, prev_last = previous_window(data.first, data.last)
    cum_first = data.cumulative.first
    columns = [
        Column("STT", width=6, align="center"),
        Column("Chỉ tiêu", wrap=True, width=60),
        Column("Đơn vị tính"),
        Column("Cách tính"),
        Column(f"{data.label}", INTEGER_FORMAT, width=14),
        Column(f"{window_label(prev_first, prev_last)} (kỳ trước)", INTEGER_FORMAT, width=14),
        Column("Tăng/giảm so với kỳ trước", PERCENT_FORMAT, width=13),
        Column(f"Luỹ kế từ {cum_first.month:02d}/{cum_first.year} đến "
               f"{data.last.month:02d}/{data.last.year}", INTEGER_FORMAT, width=16),
    ]
    carried = bool(data.window.carried or data.previous.carried)
    if carried:
        columns.append(Column("Số mang sang (xã chưa báo cáo)", wrap=True, width=24))
    comparable = changes_shown(data)
    spec = SheetSpec(
        SHEET_SUMMARY,
        title,
        f"Kỳ báo cáo: {data.label} ({_range_text(data.first, data.last)}); kỳ trước: "
        f"{window_label(prev_first, prev_last)} ({_range_text(prev_first, prev_last)}){data.units_note}",
        source,
        columns,
        freeze_columns=2,
    )
    now, before, since = data.window.totals, data.previous.totals, data.cumulative.totals
    groups = data.catalog.has_groups
    group = None
    n_group = 0
    per_row: dict[int, Indicator] = {}
    for n, indicator in enumerate(data.window.indicators, start=1):
        if groups and indicator.group != group:
            group = indicator.group
            spec.bold_rows.add(len(spec.rows))
            spec.rows.append([roman(n_group + 1), group or "Khác", "", "", None, None, None, None]
                             + ([""] if carried else []))
            n_group += 1
        per_row[len(spec.rows)] = indicator
        code = indicator.code
        spec.rows.append([
            n, indicator.label, indicator.unit, how_counted(indicator),
            now.get(code), before.get(code), change(now.get(code), before.get(code)) if comparable else None,
            since.get(code),
        ])
        if carried:
            notes = [f"{label}: {note}" for label, note in (
                ("Kỳ này", carried_note(data.window, indicator)), ("Kỳ trước", carried_note(data.previous, indicator)))
                if note]
            spec.rows[-1].append("; ".join(notes))
            if carried_note(data.window, indicator):
                spec.fills[(len(spec.rows) - 1, 4)] = CARRIED_FILL
            if carried_note(data.previous, indicator):
                spec.fills[(len(spec.rows) - 1, 5)] = CARRIED_FILL
    _per_row_formats(spec, per_row, value_columns=[4, 5, 7], decimals=report_decimals(data))
    reporting = [
        "", "Số báo cáo tháng đã nhận / phải có", "báo cáo", "",
        f"{data.window.received}/{data.window.expected}",
        f"{data.previous.received}/{data.previous.expected}",
        None,
        f"{data.cumulative.received}/{data.cumulative.expected}",
    ] + ([""] if carried else [])
    spec.total_rows.append(reporting)
    spec.note = (
        "Ô trống: chưa có số liệu. «Cộng dồn»: cộng qua các tháng; «Số cuối kỳ»: số mới nhất của "
        "mỗi xã trong kỳ, cộng các xã (xã chưa báo cáo trong kỳ: số gần nhất trước đó, ô xám). "
        "Tăng/giảm = (kỳ này − kỳ trước) / kỳ trước." + ("" if comparable else " " + withheld_words(data))
    )
    spec.warning = _incomplete(data.window)
    return spec


def changes_shown(data: ReportData) -> bool:
    """Whether the report shows the change from the previous period: the two periods are
    about as complete (:func:`ncctd_cli.honesty.comparable`)."""
    from .honesty import comparable

    return comparable((data.window.received, data.window.expected),
                      (data.previous.received, data.previous.expected))


def withheld_words(data: ReportData) -> str:
    """Why the change column is empty (Vietnamese, as the workbook)."""
    from .honesty import change_withheld_note
    from .i18n import use_language

    with use_language("vi"):
        return change_withheld_note((data.window.received, data.window.expected),
                                    (data.previous.received, data.previous.expected))


def completeness_spec(data: ReportData, title: str, source: str) -> SheetSpec:
    grid = data.completeness
    months = grid.months
    present = {e.state for e in grid.entries.values()}
    states = ["on_time", "late", *(["unknown"] if "unknown" in present else []), "missing",
              *(["not_due"] if "not_due" in present else [])]
    columns = [Column("STT", INTEGER_FORMAT, width=5, align="center"), Column("Xã, thị trấn")]
    # «Đúng hạn» at 10 pt fits 7.2 wide: a year of months and the names fit an A4 page; a month
    # not due yet (the last ones) needs 10.5 for «Chưa đến hạn»
    waiting = {e.period for e in grid.entries.values() if e.state == "not_due"}
    columns += [Column(f"{p.month:02d}/{p.year}", width=10.5 if p in waiting else 7.2, align="center", size=10)
                for p in months]
    columns += [Column(STATE_VI[s], INTEGER_FORMAT, width=6.5) for s in states]
    spec = SheetSpec(
        SHEET_COMPLETENESS,
        title,
        f"Kỳ: {data.label} ({_range_text(data.first, data.last)}); hạn nộp: ngày "
        f"{grid.deadline_day} tháng sau; tính đến ngày {grid.today:%d/%m/%Y}",
        source,
        columns,
        freeze_columns=2,
    )
    for n, commune in enumerate(grid.communes, start=1):
        entries = grid.commune(commune.key)
        by_month = {e.period: e for e in entries}
        # a month the unit is not valid in (before it was created, after it merged): empty
        row: list[Any] = [n, commune.name, *(STATE_VI[e.state] if (e := by_month.get(p)) else None for p in months)]
        row += [sum(1 for e in entries if e.state == s) for s in states]
        for k, p in enumerate(months):
            if p in by_month:
                spec.fills[(n - 1, 2 + k)] = STATE_FILL[by_month[p].state]
        spec.rows.append(row)
    total: list[Any] = ["", "Số báo cáo đã nhận"]
    total += [sum(1 for e in grid.month(p) if e.received) for p in months]
    total += [sum(1 for e in grid.entries.values() if e.state == s) for s in states]
    spec.total_rows.append(total)
    for k in range(len(months)):
        spec.formats[(len(spec.rows), 2 + k)] = INTEGER_FORMAT
    meaning = {
        "on_time": f"bản đầu tiên nhận được trước hết ngày {grid.deadline_day} tháng sau",
        "late": "bản đầu tiên nhận được sau hạn đó",
        "unknown": "đã nhận, không rõ ngày đến (nhập từ lưu trữ): không tính đúng hạn hay muộn",
        "missing": "chưa nhận mà đã quá hạn",
        "not_due": "chưa nhận, chưa quá hạn",
    }
    spec.legend = [(STATE_VI[s], STATE_FILL[s], meaning[s]) for s in states]
    spec.page_columns = year_pages(spec, months)
    return spec


def unit_name(catalog: Catalog, code: str, period: str | None) -> str:
    """The name of the unit a problem names: by its code in the problem's month (a code is
    reused across a change), else by key."""
    month = parse_period(period) if period else None
    if month is not None:
        found = catalog.resolve(code, month)
        if isinstance(found, Commune):
            return found.name
    return catalog.commune_name(code)


def year_pages(spec: SheetSpec, months: list[Period]) -> list[int]:
    """Where the printed pages of a months × communes sheet break: none when it all fits one
    A4 landscape page at 90 % or more; else a page per calendar year (the names repeated on
    each), the counts after the last year's months if they fit there, else on a page of
    their own."""
    widths = [_fit_width([r[col] for r in [*spec.rows, *spec.total_rows]], column)
              for col, column in enumerate(spec.columns)]
    first_month = spec.freeze_columns
    counts = first_month + len(months)
    fixed = _pixels(widths[:first_month])

    def fits(a: int, b: int) -> bool:
        return fixed + _pixels(widths[a:b]) <= A4_LANDSCAPE_PIXELS / 0.9

    if fits(first_month, len(widths)):
        return []
    breaks = [first_month + k for k, p in enumerate(months) if k and p.month == 1]
    last_year = breaks[-1] if breaks else first_month
    if counts < len(widths) and not fits(last_year, len(widths)):
        breaks.append(counts)
    return breaks


def problems_spec(data: ReportData, title: str, source: str) -> SheetSpec:
    catalog = data.catalog
    columns = [
        Column("STT", INTEGER_FORMAT, width=5, align="center"),
        Column("Xã, thị trấn"),
        Column("Kỳ", width=9, align="center"),
        Column("Mức", width=9),
        Column("Mã"),
        Column("Nội dung", wrap=True, width=50),
        Column("Chỉ tiêu", wrap=True, width=24),
        Column("Tệp", wrap=True, width=24),
        Column("Trang", wrap=True, width=10),
        Column("Ô", width=6),
    ]
    spec = SheetSpec(
        SHEET_PROBLEMS, title,
        f"Kỳ: {data.label} ({_range_text(data.first, data.last)}); cảnh báo kèm theo các báo cáo "
        "đang dùng", source, columns, freeze_columns=2,
    )
    for n, p in enumerate(data.problems, start=1):
        period = Period.parse_iso(p.period) if p.period else None
        indicator = catalog.indicator_by_code.get(p.indicator or "")
        spec.rows.append([
            n,
            unit_name(catalog, p.commune, p.period) if p.commune else "",
            f"{period.month:02d}/{period.year}" if period else "",
            SEVERITY_VI.get(p.severity, p.severity),
            p.code,
            p.message,
            indicator.label if indicator else (p.indicator or ""),
            p.file or "",
            p.sheet or "",
            p.cell or "",
        ])
    if not data.problems:
        spec.rows.append(["", "Không có cảnh báo nào còn tồn đọng.", "", "", "", "", "", "", "", ""])
    return spec


def _chart_sheet(book: Book, name: str, title: str, subtitle: str, source: str) -> Any:
    ws = book.add_sheet(name)
    ws.set_column(0, 17, 9)  # fixed widths, so that the charts' anchors fall the same everywhere
    _title_block(book, ws, title, subtitle, source)
    print_setup(ws)
    ws.fit_to_pages(1, 1)
    return ws


# Two charts across an A4 landscape page, two down (columns 9 wide, rows 15 points).
CHART_ANCHORS = ("A5", "I5", "A24", "I24")
CHART_SIZE = {"width": 522, "height": 340}  # pixels: 13.8 × 9 cm


def _add_charts(book: Book, ws: Any, table: str, result: Rollup, catalog: Catalog, kind: str,
                decimals: dict[str, int]) -> None:
    """One chart per main indicator, each pointing at its column of the sheet ``table``."""
    codes = [i.code for i in result.indicators]
    n_rows = len(result.rows)
    if not n_rows:
        return
    first, last = HEADER_ROW, HEADER_ROW + n_rows - 1  # the data rows, counted from 0
    for anchor, indicator in zip(CHART_ANCHORS, main_indicators(catalog), strict=False):
        column = 2 + codes.index(indicator.code)
        chart = book.wb.add_chart({"type": kind})
        series: dict[str, Any] = {
            "name": [table, HEADER_ROW - 1, column],
            "categories": [table, first, 1, last, 1],
            "values": [table, first, column, last, column],
        }
        axis_format = number_format(indicator, decimals.get(indicator.code))
        if kind == "line":
            series["marker"] = {"type": "circle"}
            series["smooth"] = False
            chart.set_x_axis({"num_font": {"size": 8}})
            chart.set_y_axis({"num_format": axis_format, "num_font": {"size": 8}})
        else:  # horizontal bars: XlsxWriter's x axis is then the axis of values
            series["gap"] = 50
            # the first commune on top, as in the table, and the values along the bottom
            chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"size": 8}})
            chart.set_x_axis({"num_format": axis_format, "num_font": {"size": 8}})
        chart.add_series(series)
        chart.set_title({"name": indicator_heading(indicator), "name_font": {"size": 11, "bold": True}})
        chart.set_legend({"none": True})
        chart.set_size(CHART_SIZE)
        ws.insert_chart(anchor, chart)


def add_month_charts(book: Book, months: str, data: ReportData, title: str, source: str) -> None:
    """Line charts of the main indicators, month by month (from the «Theo tháng» sheet)."""
    ws = _chart_sheet(book, SHEET_CHART_MONTHS, title,
                      f"Diễn biến theo tháng của các chỉ tiêu chính — {data.label}", source)
    _add_charts(book, ws, months, data.by_month, data.catalog, "line", report_decimals(data))


def add_commune_charts(book: Book, communes: str, data: ReportData, title: str, source: str) -> None:
    """Bar charts comparing the communes on the main indicators (from the «Theo xã» sheet)."""
    ws = _chart_sheet(book, SHEET_CHART_COMMUNES, title,
                      f"So sánh giữa các xã, thị trấn — {data.label}", source)
    _add_charts(book, ws, communes, data.by_commune, data.catalog, "bar", report_decimals(data))


def write_report_xlsx(data: ReportData, path: Path) -> None:
    """The year-end report workbook (``ncctd report``)."""
    form_title = data.catalog.settings.get("form_title") or "BÁO CÁO TỔNG HỢP SỐ LIỆU"
    label_upper = data.label.upper()
    source = _source_line(data.window.received, data.window.expected, data.store_name, data.today)
    subtitle = f"Kỳ: {data.label} ({_range_text(data.first, data.last)}){data.units_note}"
    decimals = report_decimals(data)

    with Book(path, f"{form_title} – {data.label}") as book:
        write_sheet(book, summary_spec(data, f"{form_title} {label_upper}", source))
        communes = write_sheet(book, breakdown_spec(
            data.by_commune, name=SHEET_COMMUNES, title=f"KẾT QUẢ THEO XÃ, THỊ TRẤN – {label_upper}",
            subtitle=subtitle, source=source, decimals=decimals))
        months = write_sheet(book, breakdown_spec(
            data.by_month, name=SHEET_MONTHS, title=f"KẾT QUẢ THEO THÁNG – {label_upper}",
            subtitle=subtitle, source=source, window_total=data.window, decimals=decimals))
        write_sheet(book, breakdown_spec(
            data.by_quarter, name=SHEET_QUARTERS, title=f"KẾT QUẢ THEO QUÝ – {label_upper}",
            subtitle=subtitle, source=source, window_total=data.window, decimals=decimals))
        add_month_charts(book, months, data, f"BIỂU ĐỒ THEO THÁNG – {label_upper}", source)
        add_commune_charts(book, communes, data, f"BIỂU ĐỒ THEO XÃ, THỊ TRẤN – {label_upper}", source)
        write_sheet(book, completeness_spec(data, f"TÌNH HÌNH NỘP BÁO CÁO – {label_upper}", source))
        write_sheet(book, problems_spec(data, f"CẢNH BÁO CÒN TỒN ĐỌNG – {label_upper}", source))
