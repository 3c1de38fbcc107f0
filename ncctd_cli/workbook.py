"""Excel workbooks for the analyst: a roll-up as a sheet, and the year-end report workbook.

Every figure is written as a value (never a formula), with a grouped number format
(``#,##0``, or ``#,##0.0`` for decimal indicators: km, ha, tonnes, million đồng); header rows
are frozen, widths fit the content, pages are A4 landscape, and each sheet carries a title, the
period, and the source and date it was made. Text that comes from users (catalog labels,
commune names, file names, problem messages) goes through :func:`render.safe_cell`.

openpyxl is imported inside the functions: ``ncctd --help`` must not pay for it.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .catalog import Catalog, Commune, Indicator
from .model import Problem
from .render import safe_cell
from .rollup import Rollup, RollupRow, rollup
from .vietnamese import Period, bucket_label, parse_period, window_label

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

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
    "missing": "Thiếu",
    "not_due": "Chưa đến hạn",
}
STATE_FILL = {"on_time": "C6EFCE", "late": "FFEB9C", "missing": "FFC7CE", "not_due": "FFFFFF"}
SEVERITY_VI = {"warning": "Cảnh báo", "error": "Lỗi"}


def number_format(indicator: Indicator) -> str:
    return INTEGER_FORMAT if indicator.is_integer else DECIMAL_FORMAT


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


def _fit_width(values: Sequence[Any], column: Column) -> float:
    if column.width is not None:
        return column.width
    longest = 0
    for value in values:
        if value is None:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            if column.number_format == PERCENT_FORMAT:
                text = f"{value * 100:+.1f}%"
            else:
                decimals = 1 if column.number_format == DECIMAL_FORMAT else 0
                text = f"{value:,.{decimals}f}"
        else:
            text = str(value)
        longest = max(longest, len(text))
    words = max((len(w) for w in column.heading.split()), default=4)
    # Headings wrap onto up to four lines; data fits on one line.
    width = max(longest, words, min(len(column.heading), 4 * max(words, 10)) / 4)
    return min(max(width + 2, 6.0), 60.0)


def write_sheet(wb: Workbook, spec: SheetSpec) -> Worksheet:
    """Add a sheet to ``wb`` from a :class:`SheetSpec` and return it."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(spec.name[:31])
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    base = Font(name=FONT_NAME, size=11)
    bold = Font(name=FONT_NAME, size=11, bold=True)

    ws.cell(row=1, column=1, value=safe_cell(spec.title)).font = Font(name=FONT_NAME, size=14, bold=True)
    ws.cell(row=2, column=1, value=safe_cell(spec.subtitle)).font = Font(name=FONT_NAME, size=12, bold=True)
    ws.cell(row=3, column=1, value=safe_cell(spec.source)).font = Font(
        name=FONT_NAME, size=10, italic=True, color="595959"
    )

    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for col, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=safe_cell(column.heading))
        cell.font = bold
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    total_fill = PatternFill("solid", fgColor=TOTAL_FILL)
    all_rows = [*spec.rows, *spec.total_rows]
    for index, values in enumerate(all_rows):
        row = HEADER_ROW + 1 + index
        is_total = index >= len(spec.rows)
        is_bold = is_total or index in spec.bold_rows
        for col, (column, value) in enumerate(zip(spec.columns, values, strict=True), start=1):
            cell = ws.cell(row=row, column=col, value=safe_cell(value))
            cell.border = border
            cell.font = bold if is_bold else base
            fmt = spec.formats.get((index, col - 1), column.number_format)
            if fmt and (value is None or isinstance(value, int | float)):
                cell.number_format = fmt
                cell.alignment = Alignment(horizontal=column.align or "right", vertical="center")
            elif fmt and isinstance(value, str):  # "168/168" in a column of figures
                cell.alignment = Alignment(horizontal="right", vertical="center")
            else:
                cell.alignment = Alignment(
                    horizontal=column.align or "left", vertical="center", wrap_text=column.wrap
                )
            colour = spec.fills.get((index, col - 1))
            if colour:
                cell.fill = PatternFill("solid", fgColor=colour)
            elif is_bold:
                cell.fill = total_fill
    last_row = HEADER_ROW + len(all_rows)
    if spec.note:
        ws.cell(row=last_row + 2, column=1, value=safe_cell(spec.note)).font = Font(
            name=FONT_NAME, size=10, italic=True, color="595959"
        )

    widths = [_fit_width([r[col] for r in all_rows], column) for col, column in enumerate(spec.columns)]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    # Row heights: spreadsheets do not grow a row for wrapped text written by a program.
    heading_lines = max(_lines(c.heading, w) for c, w in zip(spec.columns, widths, strict=True))
    ws.row_dimensions[HEADER_ROW].height = min(15 * heading_lines + 6, 160)
    for index, values in enumerate(all_rows):
        lines = max(
            (_lines(str(v), w) for c, v, w in zip(spec.columns, values, widths, strict=True)
             if c.wrap and isinstance(v, str)),
            default=1,
        )
        if lines > 1:
            ws.row_dimensions[HEADER_ROW + 1 + index].height = 15 * lines + 2

    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=spec.freeze_columns + 1)
    print_setup(ws, pages_wide=spec.pages_wide, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    if spec.pages_wide > 1:
        # A table two pages wide repeats its first columns on the second page, where the title
        # block (text overflowing from column A) would be cut: the title is printed in the page
        # header of every page instead, and the print area starts at the header row.
        last_column = get_column_letter(len(spec.columns))
        ws.print_area = f"A{HEADER_ROW}:{last_column}{last_row}"
        ws.print_title_cols = f"A:{get_column_letter(spec.freeze_columns)}"
        ws.oddHeader.left.text = _header_text(spec.title)
        ws.oddHeader.left.size = 11
        ws.oddHeader.left.font = f"{FONT_NAME},Bold"
        ws.oddHeader.right.text = _header_text(spec.subtitle)
        ws.oddHeader.right.size = 10
        ws.oddHeader.right.font = f"{FONT_NAME},Regular"
        ws.page_margins.top = 0.8
        ws.oddFooter.left.text = _header_text(
            spec.source + (" Ô trống: chưa có số liệu." if spec.note else "")
        )
        ws.oddFooter.left.size = 8
    return ws


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps onto in a column ``width`` characters wide (word wrap)."""
    room = max(1, int(width * 1.25) - 1)  # Times is narrower than the width unit
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


def _header_text(text: str) -> str:
    """Page header/footer text: ``&`` is a code there; Excel allows 255 characters."""
    return text.replace("&", "&&")[:240]


def print_setup(ws: Worksheet, *, pages_wide: int = 1, title_rows: str | None = None) -> None:
    """A4 landscape, fitted to ``pages_wide`` pages across, header row repeated, page numbers."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.right.text = "Trang &P/&N"
    ws.oddFooter.right.size = 9


def _save(wb: Workbook, path: Path) -> None:
    """Write next to ``path`` and rename: a failed write never leaves half a workbook."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        wb.save(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _new_workbook(title: str) -> Workbook:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = title
    wb.properties.creator = f"ncctd {__version__}"
    wb.properties.language = "vi-VN"
    return wb


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


def district_total(result: Rollup) -> dict[str, float | int | None]:
    """The district row of a by-commune roll-up: the sum of the communes' rows. Right for stocks
    too: the district's stock is the sum of each commune's latest value."""
    totals: dict[str, float | int | None] = {}
    for indicator in result.indicators:
        values = [r.values.get(indicator.code) for r in result.rows]
        present = [v for v in values if v is not None]
        if not present:
            totals[indicator.code] = None
        elif indicator.is_integer:
            totals[indicator.code] = round(sum(present))
        else:
            totals[indicator.code] = round(sum(present), 6)
    return totals


def breakdown_spec(
    result: Rollup, *, name: str, title: str, subtitle: str, source: str,
    window_total: Rollup | None = None,
) -> SheetSpec:
    """Rows are the breakdown's keys (communes, months, quarters…), columns the indicators.

    A by-commune breakdown gets a district total row; a period breakdown gets the whole
    window's row from ``window_total`` (a district roll-up: stocks are not summed over months)."""
    columns = [Column("STT", INTEGER_FORMAT, width=5, align="center"), Column(KEY_HEADING.get(result.by, ""))]
    columns += [Column(indicator_heading(i), number_format(i), wrap=True) for i in result.indicators]
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
    return spec


def write_rollup_xlsx(result: Rollup, path: Path, *, store_name: str | None = None,
                      today: _dt.date | None = None) -> None:
    """``ncctd rollup --format xlsx -o FILE``: the roll-up as one sheet."""
    today = today or _dt.date.today()
    label = window_label(result.first, result.last)
    source = _source_line(result.received, result.expected, store_name, today)
    wb = _new_workbook(f"Tổng hợp số liệu – {label}")
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
    write_sheet(wb, spec)
    _save(wb, path)


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
    _per_row_formats(spec, dict(enumerate(result.indicators)), value_columns=[4])
    return spec


def _per_row_formats(spec: SheetSpec, indicators: dict[int, Indicator], value_columns: list[int]) -> None:
    """Sheets with one indicator per row: the number format follows the row's indicator."""
    for index, indicator in indicators.items():
        for col in value_columns:
            spec.formats[(index, col)] = number_format(indicator)


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
    (``units="current"``) or as reported (see :func:`ncctd_cli.rollup.rollup`)."""
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


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

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
            spec.rows.append([_ROMAN[n_group % len(_ROMAN)], group or "Khác", "", "", None, None, None, None])
            n_group += 1
        per_row[len(spec.rows)] = indicator
        code = indicator.code
        spec.rows.append([
            n, indicator.label, indicator.unit, how_counted(indicator),
            now.get(code), before.get(code), change(now.get(code), before.get(code)), since.get(code),
        ])
    _per_row_formats(spec, per_row, value_columns=[4, 5, 7])
    reporting = [
        "", "Số báo cáo tháng đã nhận / phải có", "báo cáo", "",
        f"{data.window.received}/{data.window.expected}",
        f"{data.previous.received}/{data.previous.expected}",
        None,
        f"{data.cumulative.received}/{data.cumulative.expected}",
    ]
    spec.total_rows.append(reporting)
    spec.note = (
        "Ô trống: chưa có số liệu. «Cộng dồn»: cộng qua các tháng; «Số cuối kỳ»: số mới nhất của "
        "mỗi xã trong kỳ, cộng các xã. Tăng/giảm = (kỳ này − kỳ trước) / kỳ trước."
    )
    return spec


def completeness_spec(data: ReportData, title: str, source: str) -> SheetSpec:
    grid = data.completeness
    months = grid.months
    states = ["on_time", "late", "missing"] + (
        ["not_due"] if any(e.state == "not_due" for e in grid.entries.values()) else []
    )
    columns = [Column("STT", INTEGER_FORMAT, width=5, align="center"), Column("Xã, thị trấn")]
    columns += [Column(f"{p.month:02d}/{p.year}", width=9, align="center") for p in months]
    columns += [Column(STATE_VI[s], INTEGER_FORMAT, width=9) for s in states]
    spec = SheetSpec(
        SHEET_COMPLETENESS,
        title,
        f"Kỳ: {data.label} ({_range_text(data.first, data.last)}); hạn nộp: ngày "
        f"{grid.deadline_day} tháng sau; tính đến ngày {grid.today:%d/%m/%Y}",
        source,
        columns,
        freeze_columns=2,
        pages_wide=max(1, -(-len(months) // 18)),
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
    spec.note = (
        f"Đúng hạn: bản đầu tiên nhận được trước hết ngày {grid.deadline_day} tháng sau; Muộn: "
        "nhận sau hạn đó; Thiếu: chưa nhận mà đã quá hạn; Chưa đến hạn: chưa nhận, chưa quá hạn."
    )
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


def _chart_sheet(wb: Workbook, name: str, title: str, subtitle: str, source: str) -> Worksheet:
    from openpyxl.styles import Font

    ws = wb.create_sheet(name)
    ws.cell(row=1, column=1, value=safe_cell(title)).font = Font(name=FONT_NAME, size=14, bold=True)
    ws.cell(row=2, column=1, value=safe_cell(subtitle)).font = Font(name=FONT_NAME, size=12, bold=True)
    ws.cell(row=3, column=1, value=safe_cell(source)).font = Font(
        name=FONT_NAME, size=10, italic=True, color="595959"
    )
    from openpyxl.utils import get_column_letter

    for col in range(1, 19):  # fixed widths, so that the charts' anchors fall the same everywhere
        ws.column_dimensions[get_column_letter(col)].width = 9
    print_setup(ws)
    ws.page_setup.fitToHeight = 1
    return ws


def _rich(size: int, bold: bool = False) -> Any:
    """Text properties for a chart element (size in points)."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties

    props = CharacterProperties(sz=size * 100, b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def _chart_title(text: str, size: int = 11) -> Any:
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import (
        CharacterProperties,
        Paragraph,
        ParagraphProperties,
        RegularTextRun,
    )

    props = CharacterProperties(sz=size * 100, b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def _style_chart(chart: Any, indicator: Indicator, width: float, height: float) -> None:
    chart.title = _chart_title(indicator_heading(indicator))
    chart.y_axis.numFmt = INTEGER_FORMAT if indicator.is_integer else DECIMAL_FORMAT
    chart.y_axis.number_format = chart.y_axis.numFmt
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.x_axis.txPr = _rich(8)
    chart.y_axis.txPr = _rich(8)
    chart.legend = None
    chart.width = width
    chart.height = height


# Two charts across an A4 landscape page, two down (columns 9 wide, rows 15 points).
CHART_ANCHORS = ("A5", "I5", "A24", "I24")


def _add_charts(ws: Worksheet, table_ws: Worksheet, result: Rollup, catalog: Catalog,
                make_chart: Callable[[], Any]) -> None:
    """One chart per main indicator, each pointing at its column of ``table_ws``."""
    from openpyxl.chart import Reference

    codes = [i.code for i in result.indicators]
    n_rows = len(result.rows)
    categories = Reference(table_ws, min_col=2, min_row=HEADER_ROW + 1, max_row=HEADER_ROW + n_rows)
    for anchor, indicator in zip(CHART_ANCHORS, main_indicators(catalog), strict=False):
        column = 3 + codes.index(indicator.code)
        chart = make_chart()
        chart.add_data(Reference(table_ws, min_col=column, min_row=HEADER_ROW, max_row=HEADER_ROW + n_rows),
                       titles_from_data=True)
        chart.set_categories(categories)
        _style_chart(chart, indicator, 13.8, 9.0)
        if chart.tagname == "lineChart":
            chart.series[0].marker.symbol = "circle"
            chart.series[0].smooth = False
        ws.add_chart(chart, anchor)


def add_month_charts(wb: Workbook, months_ws: Worksheet, data: ReportData, title: str,
                     source: str) -> Worksheet:
    """Line charts of the main indicators, month by month (from the «Theo tháng» sheet)."""
    from openpyxl.chart import LineChart

    ws = _chart_sheet(wb, SHEET_CHART_MONTHS, title,
                      f"Diễn biến theo tháng của các chỉ tiêu chính — {data.label}", source)
    _add_charts(ws, months_ws, data.by_month, data.catalog, LineChart)
    return ws


def add_commune_charts(wb: Workbook, communes_ws: Worksheet, data: ReportData, title: str,
                       source: str) -> Worksheet:
    """Bar charts comparing the communes on the main indicators (from the «Theo xã» sheet)."""
    from openpyxl.chart import BarChart

    def horizontal_bars() -> BarChart:
        chart = BarChart()
        chart.type = "bar"
        chart.x_axis.scaling.orientation = "maxMin"  # first commune on top, as in the table
        chart.y_axis.crosses = "max"  # …and the value axis at the bottom
        chart.gapWidth = 50
        return chart

    ws = _chart_sheet(wb, SHEET_CHART_COMMUNES, title,
                      f"So sánh giữa các xã, thị trấn — {data.label}", source)
    _add_charts(ws, communes_ws, data.by_commune, data.catalog, horizontal_bars)
    return ws


def write_report_xlsx(data: ReportData, path: Path) -> None:
    """The year-end report workbook (``ncctd report``)."""
    form_title = data.catalog.settings.get("form_title") or "BÁO CÁO TỔNG HỢP SỐ LIỆU"
    label_upper = data.label.upper()
    source = _source_line(data.window.received, data.window.expected, data.store_name, data.today)
    wb = _new_workbook(f"{form_title} – {data.label}")
    subtitle = f"Kỳ: {data.label} ({_range_text(data.first, data.last)}){data.units_note}"

    write_sheet(wb, summary_spec(data, f"{form_title} {label_upper}", source))
    communes_ws = write_sheet(wb, breakdown_spec(
        data.by_commune, name=SHEET_COMMUNES, title=f"KẾT QUẢ THEO XÃ, THỊ TRẤN – {label_upper}",
        subtitle=subtitle, source=source))
    months_ws = write_sheet(wb, breakdown_spec(
        data.by_month, name=SHEET_MONTHS, title=f"KẾT QUẢ THEO THÁNG – {label_upper}",
        subtitle=subtitle, source=source, window_total=data.window))
    write_sheet(wb, breakdown_spec(
        data.by_quarter, name=SHEET_QUARTERS, title=f"KẾT QUẢ THEO QUÝ – {label_upper}",
        subtitle=subtitle, source=source, window_total=data.window))
    add_month_charts(wb, months_ws, data, f"BIỂU ĐỒ THEO THÁNG – {label_upper}", source)
    add_commune_charts(wb, communes_ws, data, f"BIỂU ĐỒ THEO XÃ, THỊ TRẤN – {label_upper}", source)
    write_sheet(wb, completeness_spec(data, f"TÌNH HÌNH NỘP BÁO CÁO – {label_upper}", source))
    write_sheet(wb, problems_spec(data, f"CẢNH BÁO CÒN TỒN ĐỌNG – {label_upper}", source))
    _save(wb, path)
