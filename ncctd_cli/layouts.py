"""Layout parser: one sheet → the returns it holds, each value with its source cell.

Three layouts, recognised from content (docs/RETURNS.md §2):
- **form**: metadata cells (commune, period) above a table of indicator rows;
- **wide**: one row per return, one column per indicator;
- **long**: one row per value (commune, period, indicator, value).

This step only locates things. Reading cells as numbers, communes and periods, and judging
them, is the validator's job; the parser reports only what is structurally wrong (a row or
column holding a number that names no indicator, the same indicator twice).
"""

from __future__ import annotations

from collections.abc import Sequence

from .catalog import Catalog
from .model import Return, Value, cell_ref
from .sheets import Cell, Sheet
from .vietnamese import NumberTextError, fold, fold_header, nfc, parse_number_text

COMMUNE_LABELS = {"xa", "xathitran", "donvi", "donvibaocao", "xaphuongthitran", "xaphuong"}
PERIOD_LABELS = {"kybaocao", "thang", "ky", "thangbaocao"}
CODE_HEADERS = {"machitieu", "ma", "code", "indicatorcode"}
LABEL_HEADERS = {"chitieu", "tenchitieu", "noidung", "indicator"}
VALUE_HEADERS = {"soluong", "giatri", "ketqua", "thuchien", "value"}
TOTAL_WORDS = {"tong", "tong cong", "cong", "tong so", "total"}

WIDE_COMMUNE = {"xa", "maxa", "commune", "communecode", "xathitran", "tenxa", "donvi"}
WIDE_PERIOD = {"kybaocao", "thang", "period", "ky"}
LONG_COMMUNE = WIDE_COMMUNE
LONG_PERIOD = WIDE_PERIOD
LONG_INDICATOR = {"indicator", "chitieu", "machitieu", "tenchitieu"}
LONG_VALUE = {"value", "giatri", "soluong", "ketqua"}
IGNORED_COLUMNS = {"stt", "ghichu", "note", "notes", "tenxa", "name", "communename", "donvitinh", "unit"}

FORM_SCAN_ROWS = 60  # the header row of a form is within the first rows


def is_empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def holds_number(cell: Cell, decimal_point: bool = False) -> bool:
    """Whether a cell holds a number (a number cell, or text that reads as one)."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float):
        return True
    if isinstance(cell, str):
        try:
            return parse_number_text(cell, decimal_point=decimal_point) is not None
        except NumberTextError:
            return False
    return False


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return nfc(str(cell)).strip()


def parse_sheet(sheet: Sheet, catalog: Catalog, *, decimal_point: bool = False) -> list[Return]:
    """Every return a sheet holds, in the layout its content shows ([] if none)."""
    rows = sheet.rows
    first = next((i for i, row in enumerate(rows) if any(not is_empty(c) for c in row)), None)
    if first is None:
        return []
    headers = [fold_header(_text(c)) for c in rows[first]]
    if long_columns(headers) is not None:
        return _parse_long(sheet, first, headers, catalog, decimal_point)
    if _find(headers, WIDE_COMMUNE) is not None and _find(headers, WIDE_PERIOD) is not None:
        return _parse_wide(sheet, first, headers, catalog, decimal_point)
    found = _parse_form(sheet, catalog, decimal_point)
    return [found] if found else []


def long_columns(headers: Sequence[str]) -> tuple[int, int, int, int] | None:
    """(commune, period, indicator, value) columns of a long table's folded header row,
    or None when the row is not one."""
    commune_col = _find(headers, LONG_COMMUNE)
    period_col = _find(headers, LONG_PERIOD, skip=commune_col)
    indicator_col = _find(headers, LONG_INDICATOR)
    value_col = _find(headers, LONG_VALUE)
    if commune_col is None or period_col is None or indicator_col is None or value_col is None:
        return None
    return commune_col, period_col, indicator_col, value_col


def _find(headers: Sequence[str], names: set[str], skip: int | None = None) -> int | None:
    for i, header in enumerate(headers):
        if header in names and i != skip:
            return i
    return None


# ------------------------------------------------------------------ form


def _find_form_header(rows: list[list[Cell]]) -> tuple[int, int | None, int | None, int] | None:
    """(row, code column, label column, value column) of a form's header row."""
    for r, row in enumerate(rows[:FORM_SCAN_ROWS]):
        headers = ["" if c is None else fold_header(_text(c)) for c in row]  # most are None
        value_col = _find(headers, VALUE_HEADERS)
        if value_col is None:
            continue
        code_col = _find(headers, CODE_HEADERS)
        label_col = _find(headers, LABEL_HEADERS)
        if code_col is not None or label_col is not None:
            return r, code_col, label_col, value_col
    return None


def _metadata(sheet: Sheet, until: int) -> dict[str, tuple[Cell, str]]:
    """Commune and period cells above the table: ``{"commune": (text, cell), ...}``."""
    found: dict[str, tuple[Cell, str]] = {}
    for r, row in enumerate(sheet.rows[:until]):
        for c, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            label, colon, rest = cell.partition(":")
            key = fold_header(label)
            kind = "commune" if key in COMMUNE_LABELS else "period" if key in PERIOD_LABELS else None
            if kind is None or kind in found:
                continue
            if colon and rest.strip():
                found[kind] = (rest.strip(), sheet.ref(r, c))
                continue
            for c2 in range(c + 1, len(row)):
                if not is_empty(row[c2]):
                    value = row[c2]
                    found[kind] = (
                        value if not isinstance(value, str) else value.strip(),
                        sheet.ref(r, c2),
                    )
                    break
    return found


def _is_total_row(row: list[Cell], label_col: int | None) -> bool:
    first = next((c for c in row if not is_empty(c)), None)
    candidates = [first]
    if label_col is not None and label_col < len(row):
        candidates.append(row[label_col])
    return any(isinstance(c, str) and fold(c) in TOTAL_WORDS for c in candidates)


def _parse_form(sheet: Sheet, catalog: Catalog, decimal_point: bool) -> Return | None:
    """A form's return: its commune and period cells, and one value per indicator row.

    A batch holds thousands of forms, so a row costs a few look-ups: a row naming an
    indicator (by code, else by label) gives its value; any other row (blank, a heading, a
    note, a total) is passed over unless it holds a number, which no indicator would take."""
    header = _find_form_header(sheet.rows)
    if header is None:
        return None
    h, code_col, label_col, value_col = header
    meta = _metadata(sheet, h)
    ret = Return(file=sheet.file, sheet=sheet.name, layout="form")
    if "commune" in meta:
        ret.commune_text, ret.commune_cell = meta["commune"]
    if "period" in meta:
        ret.period_text, ret.period_cell = meta["period"]
    rows = sheet.rows
    lines = sheet.line_numbers
    value_letters = cell_ref(0, value_col)[:-1]
    for r in range(h + 1, len(rows)):
        row = rows[r]
        width = len(row)
        code_raw = row[code_col] if code_col is not None and code_col < width else None
        label_raw = row[label_col] if label_col is not None and label_col < width else None
        value_raw = row[value_col] if value_col < width else None
        # the row's name: its code, else its label ("" when both are empty: a blank row,
        # a heading or a note, passed over below unless a number stands in the value column)
        named = "" if is_empty(code_raw) else _text(code_raw)
        if not named and not is_empty(label_raw):
            named = _text(label_raw)
        indicator = catalog.indicator(named) if named else None
        cell = f"{value_letters}{lines[r] if lines is not None else r + 1}"
        if indicator is None:
            if _is_total_row(row, label_col) or not holds_number(value_raw, decimal_point):
                continue  # headings, notes, signature lines, total rows, blank rows
            _unknown_indicator(ret, named, cell, catalog)
            continue
        _add_value(ret, indicator, value_raw, cell, decimal_point)
    return ret


def _unknown_indicator(ret: Return, named: str, cell: str, catalog: Catalog) -> None:
    hints = catalog.suggest_indicators(named) if named else []
    hint = f" Có phải: {', '.join(hints)}?" if hints else ""
    what = f"«{named}»" if named else "(không ghi tên)"
    ret.problem(
        "error",
        "unknown-indicator",
        f"Chỉ tiêu {what} không có trong danh mục nhưng có số liệu: số liệu này sẽ bị bỏ sót.{hint}",
        cell=cell,
    )


def _add_value(ret: Return, indicator: str, raw: Cell, cell: str, decimal_point: bool) -> None:
    earlier = ret.values.get(indicator)
    if earlier is None:
        ret.values[indicator] = Value(indicator, raw, cell)
        return
    if _same_number(earlier.raw, raw, decimal_point):
        return
    ret.problem(
        "error",
        "duplicate-indicator",
        f"Chỉ tiêu {indicator} có hai giá trị khác nhau trong cùng một báo cáo "
        f"(ô {earlier.cell} và ô {cell}).",
        cell=cell,
        indicator=indicator,
    )


def _same_number(a: Cell, b: Cell, decimal_point: bool) -> bool:
    def number(cell: Cell) -> object:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return float(cell)
        if is_empty(cell):
            return None
        try:
            return parse_number_text(str(cell), decimal_point=decimal_point)
        except NumberTextError:
            return _text(cell)

    return number(a) == number(b)


# ------------------------------------------------------------------ wide


def _parse_wide(
    sheet: Sheet, h: int, headers: list[str], catalog: Catalog, decimal_point: bool
) -> list[Return]:
    commune_col = _find(headers, WIDE_COMMUNE)
    period_col = _find(headers, WIDE_PERIOD, skip=commune_col)
    columns: dict[int, str | None] = {}
    for c, raw in enumerate(sheet.rows[h]):
        if c in (commune_col, period_col) or headers[c] in IGNORED_COLUMNS:
            continue
        columns[c] = catalog.indicator(_text(raw)) if not is_empty(raw) else None
    returns: list[Return] = []
    for r in range(h + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if all(is_empty(c) for c in row):
            continue
        commune_raw = row[commune_col] if commune_col is not None and commune_col < len(row) else None
        if isinstance(commune_raw, str) and fold(commune_raw) in TOTAL_WORDS:
            continue
        period_raw = row[period_col] if period_col is not None and period_col < len(row) else None
        ret = Return(file=sheet.file, sheet=sheet.name, layout="wide")
        ret.commune_text = None if is_empty(commune_raw) else commune_raw
        ret.commune_cell = sheet.ref(r, commune_col or 0)
        ret.period_text = None if is_empty(period_raw) else period_raw
        ret.period_cell = sheet.ref(r, period_col or 0)
        for c, indicator in columns.items():
            raw = row[c] if c < len(row) else None
            if indicator is None:
                if holds_number(raw, decimal_point) or not is_empty(raw):
                    _unknown_indicator(ret, _text(sheet.rows[h][c]), sheet.ref(r, c), catalog)
                continue
            _add_value(ret, indicator, raw, sheet.ref(r, c), decimal_point)
        returns.append(ret)
    return returns


# ------------------------------------------------------------------ long


_NOTHING = object()  # no cell is this


def _parse_long(
    sheet: Sheet, h: int, headers: list[str], catalog: Catalog, decimal_point: bool
) -> list[Return]:
    """One return per (commune, period) spelling pair, in the order they first appear.

    Built for national files (millions of rows): each distinct spelling of a commune, a
    period or an indicator is looked at once, and a row costs a few dictionary look-ups."""
    columns = long_columns(headers)
    assert columns is not None
    commune_col, period_col, indicator_col, value_col = columns
    rows = sheet.rows
    lines = sheet.line_numbers
    value_letters = cell_ref(0, value_col)[:-1]
    width = max(commune_col, period_col, indicator_col, value_col) + 1
    by_key: dict[tuple[str, str], Return] = {}
    communes: dict[str, tuple[bool, str]] = {}  # spelling → (a total row?, text)
    periods: dict[str, str] = {}
    indicators: dict[str, tuple[str, str | None]] = {}  # spelling → (text, code)
    ret: Return | None = None
    last_commune: Cell = _NOTHING
    last_period: Cell = _NOTHING
    for r in range(h + 1, len(rows)):
        row = rows[r]
        if len(row) >= width:
            commune_raw, period_raw = row[commune_col], row[period_col]
            named_raw, value_raw = row[indicator_col], row[value_col]
        else:
            commune_raw, period_raw, named_raw, value_raw = (
                row[c] if c < len(row) else None for c in (commune_col, period_col, indicator_col, value_col)
            )
        if not (type(commune_raw) is str and commune_raw.strip()) and all(is_empty(c) for c in row):
            continue  # a row of nothing
        if ret is None or commune_raw is not last_commune or period_raw is not last_period:
            # a new (commune, period) spelling pair; the rows of one return usually come
            # together, and the CSV reader shares the strings of repeated cells
            if type(commune_raw) is str:
                known = communes.get(commune_raw)
                if known is None:
                    known = communes[commune_raw] = (fold(commune_raw) in TOTAL_WORDS, _text(commune_raw))
                if known[0]:
                    continue
                commune_key = known[1]
            else:
                if isinstance(commune_raw, str) and fold(commune_raw) in TOTAL_WORDS:
                    continue
                commune_key = _text(commune_raw)
            if type(period_raw) is str:
                period_key = periods.get(period_raw)
                if period_key is None:
                    period_key = periods[period_raw] = _text(period_raw)
            else:
                period_key = _text(period_raw)
            ret = by_key.get((commune_key, period_key))
            if ret is None:
                ret = Return(file=sheet.file, sheet=sheet.name, layout="long")
                ret.commune_text = None if is_empty(commune_raw) else commune_raw
                ret.commune_cell = sheet.ref(r, commune_col)
                ret.period_text = None if is_empty(period_raw) else period_raw
                ret.period_cell = sheet.ref(r, period_col)
                by_key[(commune_key, period_key)] = ret
            last_commune, last_period = commune_raw, period_raw
        if type(named_raw) is str:
            found = indicators.get(named_raw)
            if found is None:
                named = _text(named_raw)
                found = indicators[named_raw] = (named, catalog.indicator(named) if named else None)
            named, indicator = found
        else:
            named = _text(named_raw)
            indicator = catalog.indicator(named) if named else None
        if indicator is None:
            if not is_empty(value_raw):
                _unknown_indicator(ret, named, sheet.ref(r, indicator_col), catalog)
            continue
        cell = f"{value_letters}{lines[r] if lines is not None else r + 1}"
        values = ret.values
        if indicator not in values:
            values[indicator] = Value(indicator, value_raw, cell)
        else:
            _add_value(ret, indicator, value_raw, cell, decimal_point)
    return list(by_key.values())
