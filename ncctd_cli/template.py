"""Blank return forms (biểu mẫu) for the communes: the form layout of the return contract.

One xlsx workbook per commune and month, pre-filled with the commune, the period and every
indicator of the catalog (code, label, unit), grouped under headings. Only the value and note
cells are unlocked; the sheet is protected without a password; value cells carry input rules
(whole numbers ≥ 0 for integer indicators, numbers ≥ 0 for decimals) with a Vietnamese input
message. A4 portrait, a title block and a signature block, so it prints too: one page, body
text at 11 pt printed at 10 pt or more (the columns add up to an A4 page's width, and the rows'
heights to about its height), the code column narrow (codes are for the program: 8 pt, shrunk
to fit), every row as tall as its wrapped label. No row is frozen: on a laptop the title block
and the header would take half the window from the cells to fill in.

What the form says is read back by ``layouts.py`` (header names ``Mã chỉ tiêu``, ``Chỉ tiêu``,
``Đơn vị tính``, ``Số lượng``, ``Ghi chú``; cells ``Xã/Thị trấn:`` and ``Kỳ báo cáo:`` above
the header row): a filled form goes through ``ingest`` with no problem at all.

Groups come from the catalog (the optional ``group`` column of ``indicators.csv``), numbered
I, II, III… in the order they first appear; indicators without a group go under one last
heading, or under none if no indicator has a group.

openpyxl is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalog import Catalog, Commune, Indicator
from .render import safe_cell, word_wrap_lines
from .status import deadline
from .vietnamese import Period, fold, roman, strip_commune_prefix

if TYPE_CHECKING:
    from openpyxl import Workbook

DEFAULT_TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN MÔ HÌNH “NGÀY CUỐI TUẦN CÙNG DÂN”"
OTHER_GROUP = "Chỉ tiêu khác"
SHEET_TITLE = "Báo cáo"
FONT = "Times New Roman"

# Columns of the table (the header names are the contract's). The widths, in digits of the
# sheet's font (Times New Roman 11, 5.26 points a digit as LibreOffice prints it), add up to
# about the 7.27 inches between an A4 page's margins: the form prints at its own size. The
# unit, value and note columns together hold the state's name at 11 pt bold on one line.
HEADERS = ("STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú")
WIDTHS = (5, 11, 37, 12, 11, 20)
COL_STT, COL_CODE, COL_LABEL, COL_UNIT, COL_VALUE, COL_NOTE = range(1, 7)
BODY_SIZE = 11  # points: labels, units, values
LINE_HEIGHT = 13  # points a line of 11-point text takes in a row (1.15 em, and a little)
ROW_HEIGHT = 15  # a row of one line
PAGE_HEIGHT = 750  # points between an A4 portrait page's half-inch margins, footer aside

# Rows of the title block (the deadline beside the period); the table's header row follows.
ROW_UNIT, ROW_MOTTO, ROW_TITLE, ROW_MONTH = 1, 2, 3, 4
ROW_COMMUNE, ROW_PERIOD, ROW_HINT = 5, 6, 7
ROW_DEADLINE = ROW_PERIOD
ROW_HEADER = 8

class TemplateError(Exception):
    """A form that cannot be written (the path is taken, outside the folder, not writable)."""


def slug(text: str) -> str:
    """ASCII, lower case, words joined by ``-``: ``"Xã Nậm Có"`` → ``"nam-co"``."""
    folded = strip_commune_prefix(fold(text))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "x"


def template_filename(commune: Commune, period: Period) -> str:
    """``bieu-mau_04462_nam-co_2024-01.xlsx``: commune code, name and month, ASCII only."""
    code = re.sub(r"[^A-Za-z0-9]+", "-", commune.code).strip("-") or "x"
    return f"bieu-mau_{code}_{slug(commune.name)}_{period}.xlsx"


@dataclass(frozen=True)
class Group:
    number: str  # "I", "II"… ("" when the form has no headings)
    title: str
    indicators: tuple[Indicator, ...]


def groups(catalog: Catalog) -> list[Group]:
    """The form's headings, from the catalog's ``group`` column, in the order they appear."""
    if not catalog.has_groups:
        return [Group("", "", tuple(catalog.indicators))]
    order: dict[str, list[Indicator]] = {}
    other: list[Indicator] = []
    for indicator in catalog.indicators:
        if indicator.group:
            order.setdefault(indicator.group, []).append(indicator)
        else:
            other.append(indicator)
    found = [(title, tuple(members)) for title, members in order.items()]
    if other:
        found.append((OTHER_GROUP, tuple(other)))
    return [Group(roman(n), title, members) for n, (title, members) in enumerate(found, 1)]


def _prompt(indicator: Indicator) -> tuple[str, str, str, str]:
    """Input title and message, error title and message, for one indicator's value cell."""
    unit = f" ({indicator.unit})" if indicator.unit else ""
    if indicator.is_integer:
        rule = "Nhập số nguyên, không âm (0, 1, 2…)"
        error = "Chỉ tiêu này phải là số nguyên không âm (0, 1, 2…), không có phần lẻ."
    else:
        rule = "Nhập số, không âm; có thể có phần thập phân (ví dụ 12,5)"
        error = "Chỉ tiêu này phải là số không âm (ví dụ 12,5)."
    prompt = (
        f"{indicator.label}{unit}. {rule}. Để trống nếu không có số liệu; ghi 0 nếu bằng không."
    )
    return (
        _cut(f"Số lượng{unit}", 32),
        _cut(prompt, 255),
        "Số liệu không hợp lệ",
        _cut(f"{error} Để trống nếu không có số liệu.", 255),
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wrapped_lines(text: str, width: float, size: float = BODY_SIZE) -> int:
    """How many lines ``text`` takes in a column ``width`` digits wide, at ``size`` points,
    wrapped at spaces. Times New Roman averages 0.42 em a character in Vietnamese text; 0.48
    is counted, and 6 points of cell padding, so that a row is never too short for its label
    (a bit of room is harmless, a clipped label is not). Capitals in bold: ask for 1.5 ×
    the size."""
    return word_wrap_lines(text, max(1, int(((width + 0.71) * 5.5 - 6) / (0.48 * size))))


def build_workbook(catalog: Catalog, commune: Commune, period: Period) -> Workbook:
    """The form for one commune and month, as an openpyxl workbook (not yet saved)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.properties import PageSetupProperties

    due = deadline(period, catalog.deadline_day)
    title = catalog.settings.get("form_title") or DEFAULT_TITLE
    name = commune.name

    wb = Workbook()
    _times_new_roman_throughout(wb)
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    wb.properties.title = f"{title} – {name} – tháng {period.month:02d}/{period.year}"
    wb.properties.creator = "ncctd"
    wb.properties.subject = f"{commune.code} {period}"

    def font(size: float = 12, **kwargs: Any) -> Font:
        return Font(name=FONT, size=size, **kwargs)

    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    unlocked = Protection(locked=False)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    group_fill = PatternFill("solid", fgColor="F2F2F2")
    input_fill = PatternFill("solid", fgColor="FFF9DB")  # the cells to fill in

    for col, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    page_width = sum(WIDTHS)
    heights: dict[int, float] = {}

    def tall(row: int, height: float) -> None:
        heights[row] = height
        ws.row_dimensions[row].height = height

    def merged(row: int, first: int, last: int, text: str, style: Font, align: Alignment) -> None:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = ws.cell(row=row, column=first, value=safe_cell(text))
        cell.font = style
        cell.alignment = align

    # -- title block
    merged(ROW_UNIT, 1, 3, f"UBND {name.upper()}", font(12, bold=True), center)
    # the state's name at 11 pt: at 12 it needs more than the unit, value and note columns
    merged(ROW_UNIT, 4, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font(11, bold=True), center)
    merged(ROW_MOTTO, 4, 6, "Độc lập - Tự do - Hạnh phúc", font(12, bold=True, underline="single"), center)
    tall(ROW_UNIT, wrapped_lines(f"UBND {name.upper()}", sum(WIDTHS[:3]), 18) * 15 + 3)
    tall(ROW_MOTTO, 17)
    merged(ROW_TITLE, 1, 6, title, font(14, bold=True), center)
    tall(ROW_TITLE, wrapped_lines(title, page_width, 21) * 17 + 10)  # with room above
    merged(ROW_MONTH, 1, 6, f"Tháng {period.month:02d} năm {period.year}", font(12, italic=True), center)
    tall(ROW_MONTH, 19)  # with room below

    def labelled(row: int, label_col: int, label: str, value: str, last_col: int) -> None:
        # right-aligned: a label wider than its column runs on into the empty cell on its left
        label_cell = ws.cell(row=row, column=label_col, value=label)
        label_cell.font = font(12, bold=True)
        label_cell.alignment = Alignment(horizontal="right", vertical="center")
        if last_col > label_col + 1:
            ws.merge_cells(start_row=row, start_column=label_col + 1, end_row=row, end_column=last_col)
        cell = ws.cell(row=row, column=label_col + 1, value=safe_cell(value))
        cell.font = font(12)
        cell.alignment = left

    # the two cells the layout parser reads (label, then the value to its right)
    labelled(ROW_COMMUNE, COL_CODE, "Xã/Thị trấn:", name, COL_NOTE)
    labelled(ROW_PERIOD, COL_CODE, "Kỳ báo cáo:", f"{period.month:02d}/{period.year}", COL_LABEL)
    labelled(ROW_DEADLINE, COL_UNIT, "Hạn gửi:", f"chậm nhất ngày {due:%d/%m/%Y}", COL_NOTE)
    tall(ROW_COMMUNE, 16)
    tall(ROW_PERIOD, 16)
    hint = (
        "Ghi số vào các ô tô màu ở cột «Số lượng»; để trống nếu không có số liệu, ghi 0 nếu "
        "bằng không. Số thập phân dùng dấu phẩy (12,5). Không sửa các ô khác."
    )
    merged(ROW_HINT, 1, 6, hint, font(BODY_SIZE, italic=True), left)
    tall(ROW_HINT, wrapped_lines(hint, page_width) * LINE_HEIGHT + 6)

    # -- the table
    for col, text in enumerate(HEADERS, 1):
        cell = ws.cell(row=ROW_HEADER, column=col, value=text)
        cell.font = font(12, bold=True)
        cell.alignment = center
        cell.border = box
        cell.fill = header_fill
    tall(ROW_HEADER, max(wrapped_lines(text, WIDTHS[col], 13) for col, text in enumerate(HEADERS)) * 14 + 4)

    row = ROW_HEADER
    number = 0
    validations: list[tuple[DataValidation, str]] = []
    first_value_cell: str | None = None
    code_alignment = Alignment(horizontal="center", vertical="center", shrink_to_fit=True)
    for group in groups(catalog):
        if group.title:
            row += 1
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADERS))
            heading = f"{group.number}. {group.title}"
            cell = ws.cell(row=row, column=1, value=safe_cell(heading))
            cell.font = font(12, bold=True)
            cell.alignment = left
            cell.fill = group_fill
            for col in range(1, len(HEADERS) + 1):
                ws.cell(row=row, column=col).border = box
            tall(row, max(16, wrapped_lines(heading, page_width, 13) * 14 + 2))
        for indicator in group.indicators:
            row += 1
            number += 1
            cells = {
                COL_STT: number,
                COL_CODE: indicator.code,
                COL_LABEL: indicator.label,
                COL_UNIT: indicator.unit,
                COL_VALUE: None,
                COL_NOTE: None,
            }
            for col, value in cells.items():
                cell = ws.cell(row=row, column=col, value=safe_cell(value))
                cell.border = box
                cell.font = font(BODY_SIZE)
                cell.alignment = left if col in (COL_LABEL, COL_UNIT, COL_NOTE) else center
            code_cell = ws.cell(row=row, column=COL_CODE)
            code_cell.font = font(8, color="595959")  # for the program; people read the label
            code_cell.alignment = code_alignment
            value_cell = ws.cell(row=row, column=COL_VALUE)
            value_cell.protection = unlocked
            value_cell.fill = input_fill
            value_cell.alignment = Alignment(horizontal="right", vertical="center")
            value_cell.number_format = "#,##0" if indicator.is_integer else "#,##0.0##"
            note_cell = ws.cell(row=row, column=COL_NOTE)
            note_cell.protection = unlocked
            note_cell.fill = input_fill
            first_value_cell = first_value_cell or value_cell.coordinate
            lines = max(
                wrapped_lines(indicator.label, WIDTHS[COL_LABEL - 1]),
                wrapped_lines(indicator.unit, WIDTHS[COL_UNIT - 1]),
            )
            tall(row, ROW_HEIGHT if lines == 1 else LINE_HEIGHT * lines + 3)

            prompt_title, prompt, error_title, error = _prompt(indicator)
            rule = DataValidation(
                type="whole" if indicator.is_integer else "decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                showInputMessage=True,
                showErrorMessage=True,
                promptTitle=prompt_title,
                prompt=prompt,
                errorTitle=error_title,
                error=error,
                errorStyle="stop",
            )
            validations.append((rule, value_cell.coordinate))
    last_table_row = row
    for rule, coordinate in validations:
        ws.add_data_validation(rule)
        rule.add(coordinate)

    # -- signature block (under the table; the parser skips it: no number in it)
    tall(last_table_row + 1, 8)
    row = last_table_row + 2
    place = re.sub(r"^(xã|thị trấn|phường)\s+", "", name, flags=re.IGNORECASE)
    merged(row, 4, 6, f"{place}, ngày …… tháng …… năm ……", font(12, italic=True), center)
    row += 1
    merged(row, 1, 3, "NGƯỜI LẬP BIỂU", font(12, bold=True), center)
    merged(row, 4, 6, "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", font(12, bold=True), center)
    tall(row, 30)
    row += 1
    merged(row, 1, 3, "(Ký, ghi rõ họ tên)", font(11, italic=True), center)
    merged(row, 4, 6, "(Ký tên, đóng dấu)", font(11, italic=True), center)
    last_row = row + 3  # room to sign

    # -- protection: only value and note cells can be changed; no password
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths and heights may be changed for printing
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False

    # -- view and print set-up: no frozen rows (see the module's docstring)
    if first_value_cell:
        ws.sheet_view.selection[0].activeCell = first_value_cell
        ws.sheet_view.selection[0].sqref = first_value_cell
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    # One page when the form is no more than a tenth taller than the page (printed at 91 %
    # or more: 11-point text stays above 10 points); a longer catalog's form runs on.
    height = sum(heights.get(r, 15.0) for r in range(1, last_row + 1))
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if height <= PAGE_HEIGHT / 0.91 else 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.footer = 0.25
    ws.print_title_rows = f"{ROW_HEADER}:{ROW_HEADER}"
    ws.print_area = f"A1:{get_column_letter(len(HEADERS))}{last_row}"
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.size = 9
    return wb


def _times_new_roman_throughout(wb: Workbook) -> None:
    """Make Times New Roman 11 the workbook's own font (Excel's «Normal» style), not Calibri.
    Column widths are counted in digits of that font: where Calibri is missing (LibreOffice on
    Linux) its stand-in is a third wider, and the form printed a third smaller. openpyxl has
    no public way to do this; if its internals change, the form stays valid, only measured
    in Calibri digits."""
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    try:
        wb._fonts = IndexedList([Font(name=FONT, size=BODY_SIZE)])
        wb._named_styles["Normal"].font = Font(name=FONT, size=BODY_SIZE)
    except (AttributeError, KeyError, TypeError):  # pragma: no cover - another openpyxl
        pass


@dataclass(frozen=True)
class Written:
    commune: Commune
    period: Period
    path: Path


def plan(folder: Path, communes: Iterable[Commune], period: Period) -> list[tuple[Commune, Path]]:
    """Where each commune's form goes inside ``folder``: names built from ASCII slugs only."""
    base = folder.resolve()
    found = []
    for commune in communes:
        path = base / template_filename(commune, period)
        if path.resolve().parent != base:  # cannot happen with slugs; kept as the guard
            raise TemplateError(f"Tên tệp ra ngoài thư mục {folder}: {path}")
        found.append((commune, path))
    return found


def write_workbook(wb: Workbook, path: Path, *, force: bool = False) -> None:
    """Save ``wb`` to ``path``. Without ``force`` the file is created exclusively (an existing
    file or link is never overwritten); with it, saved beside and moved into place. Either way
    no half-written form is left behind."""
    import io

    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    path = Path(path)
    if not force:
        try:
            with path.open("xb") as fh:
                fh.write(data)
        except FileExistsError:
            raise
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return
    fd, tmp = tempfile.mkstemp(prefix=".bieu-mau-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_template(
    catalog: Catalog,
    commune: Commune,
    period: Period,
    path: Path,
    *,
    force: bool = False,
) -> Path:
    """Write one commune's form to ``path`` (an .xlsx file)."""
    try:
        write_workbook(build_workbook(catalog, commune, period), path, force=force)
    except FileExistsError as exc:
        raise TemplateError(f"Tệp {path} đã có: dùng --force để ghi đè.") from exc
    except OSError as exc:
        raise TemplateError(f"Không ghi được {path}: {exc.strerror or exc}") from exc
    return path


def write_templates(
    catalog: Catalog,
    period: Period,
    folder: Path,
    communes: Iterable[Commune] | None = None,
    *,
    force: bool = False,
) -> list[Written]:
    """One form per commune (default: every unit of the catalog valid in ``period``) inside ``folder``.

    Every target is checked before anything is written: without ``force``, one name taken
    means nothing is written."""
    targets = plan(folder, communes if communes is not None else catalog.units_on(period), period)
    if not force:
        taken = [path for _, path in targets if path.exists() or path.is_symlink()]
        if taken:
            names = ", ".join(p.name for p in taken[:3]) + (" …" if len(taken) > 3 else "")
            raise TemplateError(
                f"{len(taken)} tệp đã có trong {folder} ({names}): dùng --force để ghi đè."
            )
    return [
        Written(commune, period, write_template(catalog, commune, period, path, force=force))
        for commune, path in targets
    ]
