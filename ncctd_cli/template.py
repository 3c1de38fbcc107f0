"""Blank return forms (biểu mẫu) for the communes: the form layout of the return contract.

One xlsx workbook per commune and month, pre-filled with the commune, the period and every
indicator of the catalog (code, label, unit), grouped under headings. Only the value and note
cells are unlocked; the sheet is protected without a password; value cells carry input rules
(whole numbers ≥ 0 for integer indicators, numbers ≥ 0 for decimals) with a Vietnamese input
message. A4 portrait, fit to width, a title block and a signature block, so it prints too.

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
from .render import safe_cell
from .status import deadline
from .vietnamese import Period, fold, strip_commune_prefix

if TYPE_CHECKING:
    from openpyxl import Workbook

DEFAULT_TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN MÔ HÌNH “NGÀY CUỐI TUẦN CÙNG DÂN”"
OTHER_GROUP = "Chỉ tiêu khác"
SHEET_TITLE = "Báo cáo"
FONT = "Times New Roman"

# Columns of the table (the header names are the contract's).
HEADERS = ("STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú")
WIDTHS = (6, 21, 50, 12, 14, 22)
COL_STT, COL_CODE, COL_LABEL, COL_UNIT, COL_VALUE, COL_NOTE = range(1, 7)
LABEL_CHARS_PER_LINE = 72  # what fits in the label column at 11 pt, for row heights

# Rows of the title block; the table's header row comes after it.
ROW_UNIT, ROW_MOTTO, ROW_TITLE, ROW_MONTH = 1, 2, 4, 5
ROW_COMMUNE, ROW_PERIOD, ROW_DEADLINE, ROW_HINT = 7, 8, 9, 10
ROW_HEADER = 12

_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


class TemplateError(Exception):
    """A form that cannot be written (the path is taken, outside the folder, not writable)."""


def roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


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

    def merged(row: int, first: int, last: int, text: str, style: Font, align: Alignment) -> None:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = ws.cell(row=row, column=first, value=safe_cell(text))
        cell.font = style
        cell.alignment = align

    # -- title block
    merged(ROW_UNIT, 1, 3, f"UBND {name.upper()}", font(12, bold=True), center)
    merged(ROW_UNIT, 4, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font(12, bold=True), center)
    merged(ROW_MOTTO, 4, 6, "Độc lập - Tự do - Hạnh phúc", font(12, bold=True, underline="single"), center)
    merged(ROW_TITLE, 1, 6, title, font(14, bold=True), center)
    ws.row_dimensions[ROW_TITLE].height = 36
    merged(ROW_MONTH, 1, 6, f"Tháng {period.month:02d} năm {period.year}", font(12, italic=True), center)

    def labelled(row: int, label: str, value: str) -> None:
        ws.cell(row=row, column=COL_CODE, value=label).font = font(12, bold=True)
        ws.merge_cells(start_row=row, start_column=COL_LABEL, end_row=row, end_column=COL_NOTE)
        cell = ws.cell(row=row, column=COL_LABEL, value=safe_cell(value))
        cell.font = font(12)
        cell.alignment = left

    # the two cells the layout parser reads (label, then the value to its right)
    labelled(ROW_COMMUNE, "Xã/Thị trấn:", name)
    labelled(ROW_PERIOD, "Kỳ báo cáo:", f"{period.month:02d}/{period.year}")
    labelled(ROW_DEADLINE, "Hạn gửi:", f"chậm nhất ngày {due:%d/%m/%Y}")
    merged(
        ROW_HINT,
        1,
        6,
        "Ghi số vào các ô tô màu ở cột «Số lượng»; để trống nếu không có số liệu, ghi 0 nếu "
        "bằng không. Số thập phân dùng dấu phẩy (12,5). Không sửa các ô khác.",
        font(11, italic=True),
        left,
    )
    ws.row_dimensions[ROW_HINT].height = 30

    # -- the table
    for col, text in enumerate(HEADERS, 1):
        cell = ws.cell(row=ROW_HEADER, column=col, value=text)
        cell.font = font(12, bold=True)
        cell.alignment = center
        cell.border = box
        cell.fill = header_fill
    ws.row_dimensions[ROW_HEADER].height = 32

    row = ROW_HEADER
    number = 0
    validations: list[tuple[DataValidation, str]] = []
    first_value_cell: str | None = None
    for group in groups(catalog):
        if group.title:
            row += 1
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADERS))
            cell = ws.cell(row=row, column=1, value=safe_cell(f"{group.number}. {group.title}"))
            cell.font = font(12, bold=True)
            cell.alignment = left
            cell.fill = group_fill
            for col in range(1, len(HEADERS) + 1):
                ws.cell(row=row, column=col).border = box
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
                cell.font = font(11)
                cell.alignment = left if col in (COL_LABEL, COL_NOTE) else center
            ws.cell(row=row, column=COL_CODE).font = font(9, color="595959")
            value_cell = ws.cell(row=row, column=COL_VALUE)
            value_cell.protection = unlocked
            value_cell.fill = input_fill
            value_cell.alignment = Alignment(horizontal="right", vertical="center")
            value_cell.number_format = "#,##0" if indicator.is_integer else "#,##0.0##"
            note_cell = ws.cell(row=row, column=COL_NOTE)
            note_cell.protection = unlocked
            note_cell.fill = input_fill
            first_value_cell = first_value_cell or value_cell.coordinate
            lines = max(1, -(-len(indicator.label) // LABEL_CHARS_PER_LINE))
            ws.row_dimensions[row].height = max(20, 16 * lines + 4)

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
    row = last_table_row + 2
    place = re.sub(r"^(xã|thị trấn|phường)\s+", "", name, flags=re.IGNORECASE)
    merged(row, 4, 6, f"{place}, ngày …… tháng …… năm ……", font(12, italic=True), center)
    row += 1
    merged(row, 1, 3, "NGƯỜI LẬP BIỂU", font(12, bold=True), center)
    merged(row, 4, 6, "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", font(12, bold=True), center)
    ws.row_dimensions[row].height = 32
    row += 1
    merged(row, 1, 3, "(Ký, ghi rõ họ tên)", font(11, italic=True), center)
    merged(row, 4, 6, "(Ký tên, đóng dấu)", font(11, italic=True), center)
    last_row = row + 4

    # -- protection: only value and note cells can be changed; no password
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths and heights may be changed for printing
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False

    # -- view and print set-up
    ws.freeze_panes = ws.cell(row=ROW_HEADER + 1, column=1).coordinate
    if first_value_cell:
        ws.sheet_view.selection[0].activeCell = first_value_cell
        ws.sheet_view.selection[0].sqref = first_value_cell
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"{ROW_HEADER}:{ROW_HEADER}"
    ws.print_area = f"A1:{get_column_letter(len(HEADERS))}{last_row}"
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.size = 9
    return wb


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
