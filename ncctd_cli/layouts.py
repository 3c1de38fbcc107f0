"""Layout parser: a table (a sheet's rows, or a CSV's columns) → the returns it holds, each
value with its source cell, added to a :class:`~ncctd_cli.frame.FrameBuilder`.

Three layouts, recognised from content (docs/RETURNS.md §2):
- **form**: metadata cells (commune, period) above a table of indicator rows;
- **wide**: one row per return, one column per indicator;
- **long**: one row per value (commune, period, indicator, value).

This step only locates things: which cells name the commune and the month of each return,
which cell holds each indicator's value, and which cells hold something under a row or a
column that names no indicator. Reading cells as numbers, communes and months, and judging
them, is the checks' job (:mod:`ncctd_cli.checks`).

Forms are read row by row (a form is small); wide and long tables by columns, each distinct
spelling of a cell looked at once, so that a national file of millions of rows costs array
operations, not a Python object per cell. A table read as rows is turned into columns first:
one parser per layout, whatever the reader gave.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .frame import NUMBER_ONLY, Frame, FrameBuilder
from .model import Return, cell_ref
from .sheets import Cell, Column, ColumnTable, Sheet
from .vietnamese import NumberTextError, fold, fold_header, nfc, parse_number_text, parse_period

if TYPE_CHECKING:
    import numpy as np

    from .catalog import Catalog

COMMUNE_LABELS = {"xa", "xathitran", "donvi", "donvibaocao", "xaphuongthitran", "xaphuong", "tenxa", "tendonvi"}
PERIOD_LABELS = {"kybaocao", "thang", "ky", "thangbaocao"}
CODE_HEADERS = {"machitieu", "ma", "code", "indicatorcode"}
LABEL_HEADERS = {"chitieu", "tenchitieu", "noidung", "indicator"}
VALUE_HEADERS = {
    "soluong", "giatri", "ketqua", "thuchien", "value", "ketquathuchien", "thuchientrongthang",
    "ketquatrongthang", "solieu", "sothuchien",
}
TOTAL_WORDS = {"tong", "tong cong", "cong", "tong so", "total"}

WIDE_COMMUNE = {"xa", "maxa", "commune", "communecode", "xathitran", "tenxa", "donvi"}
WIDE_PERIOD = {"kybaocao", "thang", "period", "ky"}
LONG_COMMUNE = WIDE_COMMUNE
_ANY_COMMUNE = LONG_COMMUNE | WIDE_COMMUNE
LONG_PERIOD = WIDE_PERIOD
LONG_INDICATOR = {"indicator", "chitieu", "machitieu", "tenchitieu"}
LONG_VALUE = {"value", "giatri", "soluong", "ketqua"}
IGNORED_COLUMNS = {"stt", "ghichu", "note", "notes", "tenxa", "name", "communename", "donvitinh", "unit"}
NOTE_HEADERS = {"ghichu", "note", "notes"}

FORM_SCAN_ROWS = 60  # the header row of a form is within the first rows

__all__ = ["Layout", "parse", "recognise"]


def is_empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def text_of(cell: Cell) -> str:
    """A cell as the text that names something (a code read as a number loses its ``.0``)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return nfc(str(cell)).strip()


# What a text cell names and how it reads as a header, remembered per process: a batch's
# forms repeat the same headings and labels thousands of times (bounded: a table of free
# text is not kept).
_REMEMBERED = 65536
_NAMES: dict[str, str] = {}
_HEADERS: dict[str, str] = {}


def name_of(cell: Cell) -> str:
    """:func:`text_of`, "" for an empty cell (spaces only)."""
    if type(cell) is str:
        name = _NAMES.get(cell)
        if name is None:
            name = text_of(cell)
            if len(_NAMES) < _REMEMBERED:
                _NAMES[cell] = name
        return name
    return "" if cell is None else text_of(cell)


def header_of(cell: Cell) -> str:
    """A cell folded as a column header (``fold_header``)."""
    if type(cell) is str:
        header = _HEADERS.get(cell)
        if header is None:
            header = fold_header(text_of(cell))
            if len(_HEADERS) < _REMEMBERED:
                _HEADERS[cell] = header
        return header
    return "" if cell is None else fold_header(text_of(cell))


def row_headers(cells: Sequence[Cell]) -> Sequence[str]:
    """:func:`header_of` of each cell of a row. A row of text alone (a title, a heading, a
    header row: a batch's forms repeat theirs) is remembered whole."""
    key = tuple(cells)
    found = _ROW_HEADERS.get(key)
    if found is None:
        found = tuple([header_of(c) for c in cells])
        if len(_ROW_HEADERS) < _REMEMBERED_ROWS and all(type(c) is str or c is None for c in key):
            _ROW_HEADERS[key] = found  # (text only: 1, 1.0 and True are equal keys)
    return found


_REMEMBERED_ROWS = 4096
_ROW_HEADERS: dict[tuple[Cell, ...], tuple[str, ...]] = {}


def _holds_number(cell: Cell) -> bool:
    """Whether a cell holds a number (a number cell, or text that reads as one): only to tell a
    form's data rows from its headings while looking for where the table ends."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float):
        return True
    if isinstance(cell, str):
        try:
            return parse_number_text(cell) is not None
        except NumberTextError:
            return False
    return False


@dataclass(frozen=True)
class Layout:
    """What :func:`recognise` found: the layout, and for a table its header row and the
    columns that matter (commune, period, and for a long table indicator and value)."""

    kind: str  # form | wide | long
    header: int = 0  # the header row (a position in the table's rows)
    columns: tuple[int, ...] = ()


HEADER_SEARCH_ROWS = 10  # a table's header may sit under a title or a note or two


def _is_sep_hint(cells: Sequence[Cell]) -> bool:
    """Excel's ``sep=;`` first line of a CSV (a hint to Excel, not data)."""
    filled = [c for c in cells if not is_empty(c)]
    return len(filled) == 1 and isinstance(filled[0], str) and re.fullmatch(r"sep=.?", filled[0].strip()) is not None


def _table_header(cells: Sequence[Cell]) -> tuple[str, tuple[int, ...]] | None:
    """("long"|"wide", columns) when a row is a long or a wide table's header row."""
    headers = row_headers(cells)
    if _ANY_COMMUNE.isdisjoint(headers):
        return None  # (most rows, empty ones too: both kinds name the commune)
    long = long_columns(headers)
    if long is not None:
        return "long", long
    commune_col = _find(headers, WIDE_COMMUNE)
    period_col = _find(headers, WIDE_PERIOD, skip=commune_col)
    if commune_col is None or period_col is None:
        return None
    labels = [cells[commune_col], cells[period_col]]
    if any(isinstance(c, str) and c.strip().endswith(":") for c in labels):
        return None  # «Xã: … Kỳ báo cáo: …» on one row: a form's heading, not a table's header
    return "wide", (commune_col, period_col, *_name_column(headers, commune_col))


def _name_column(headers: Sequence[str], commune_col: int) -> tuple[int, ...]:
    """A second column naming the commune (a code column and a name column): its position."""
    codes, names = {"maxa", "communecode", "madonvi"}, {"tenxa", "communename", "tendonvi", "xa", "xathitran"}
    if headers[commune_col] in codes:
        other = _find(headers, names, skip=commune_col)
    elif headers[commune_col] in names:
        other = _find(headers, codes, skip=commune_col)
    else:
        other = None
    return () if other is None else (other,)


def recognise(table: Sheet | ColumnTable) -> Layout | None:
    """The layout of a table, from its content (None: no return in it). A long or wide
    table's header is its first row holding anything, or a row among the next few under a
    title (and Excel's ``sep=`` hint); anything else may be a form."""
    first = table.first_filled_row()
    if first is None:
        return None
    for r in range(first, first + HEADER_SEARCH_ROWS):
        if not table.has_row(r):
            break
        cells = table.row_cells(r)
        if r == first and _is_sep_hint(cells):
            continue
        found = _table_header(cells)  # (None for an empty row)
        if found is not None:
            kind, columns = found
            if kind == "long":
                return Layout("long", r, columns)
            return Layout("wide", r, columns)
    return Layout("form")


def parse(table: Sheet | ColumnTable, catalog: Catalog, builder: FrameBuilder, sha256: str | None = None) -> int:
    """Add every return a table holds to ``builder``; how many were found.

    Hidden rows and columns are not part of the table (what the person sees is what counts):
    a sheet's hidden cells are left out before its layout is looked for, and a number in one
    of them is noted on the sheet's returns (a ``hidden-cell`` warning)."""
    hidden_numbers: list[str] = []
    if isinstance(table, Sheet) and table.facts is not None and (table.facts.hidden_rows or table.facts.hidden_cols):
        table, hidden_numbers = _visible(table)
    layout = recognise(table)
    if layout is None:
        return 0
    before = builder.n_returns
    if layout.kind == "form":
        rows = table if isinstance(table, Sheet) else table.rows()
        _parse_form(rows, catalog, builder)
    else:
        columns = table if isinstance(table, ColumnTable) else ColumnTable.from_sheet(table, layout.header)
        header = layout.header if isinstance(table, ColumnTable) else 0
        if layout.kind == "long":
            _parse_long(columns, header, layout.columns, catalog, builder)
        else:
            _parse_wide(columns, header, layout.columns, catalog, builder)
    for ret in builder.returns[before:]:
        ret.file_sha256 = sha256
        if hidden_numbers:
            ret.findings.append(
                ("hidden-cell", None, {"count": len(hidden_numbers), "cells": hidden_numbers[:3]})
            )
    return builder.n_returns - before


def _visible(sheet: Sheet) -> tuple[Sheet, list[str]]:
    """The sheet as a person sees it (hidden rows and columns emptied), and the cells of the
    hidden ones that hold a number."""
    facts = sheet.facts
    assert facts is not None
    rows: list[list[Cell]] = []
    numbers: list[str] = []
    for r, row in enumerate(sheet.rows):
        if facts.row_hidden(r):
            numbers.extend(sheet.ref(r, c) for c, cell in enumerate(row) if _holds_number(cell))
            rows.append([])
            continue
        kept = list(row)
        for c, cell in enumerate(row):
            if cell is not None and facts.col_hidden(c):
                if _holds_number(cell):
                    numbers.append(sheet.ref(r, c))
                kept[c] = None
        rows.append(kept)
    return Sheet(sheet.file, sheet.name, rows, sheet.line_numbers, None), numbers


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


@dataclass(frozen=True)
class _FormHeader:
    row: int
    code_col: int | None
    label_col: int | None
    value_col: int
    note_col: int | None


def _find_form_header(rows: list[list[Cell]]) -> _FormHeader | None:
    """A form's header row: its code, label, value and note columns."""
    for r, row in enumerate(rows[:FORM_SCAN_ROWS]):
        headers = row_headers(row)
        value_col = _find(headers, VALUE_HEADERS)
        if value_col is None:
            continue
        code_col = _find(headers, CODE_HEADERS)
        label_col = _find(headers, LABEL_HEADERS)
        if code_col is not None or label_col is not None:
            return _FormHeader(r, code_col, label_col, value_col, _find(headers, NOTE_HEADERS))
    return None


_NUMBERING = re.compile(r"\(?(?:[A-Za-z]|\d{1,2})\)?\.?")  # A B C … 1 2 3, or (1) (2) (3)
_THIS_MONTH = {
    "trong thang", "thuc hien trong thang", "thang nay", "ky nay", "trong ky", "phat sinh trong thang",
    "so lieu trong thang", "thuc hien thang", "ket qua trong thang", "thuc hien trong ky",
}
_MONTH_COLUMN = re.compile(r"(?:t|thang)\s*(\d{1,2})(?:\s*[/-]\s*\d{4})?")


def _under_header(sheet: Sheet, header: _FormHeader, period_text: Cell) -> tuple[int, int | None, tuple[str, str | None, dict[str, Any]] | None]:
    """(the first data row, the value column, a finding) once what stands under the header
    row is read: a row numbering the columns (``A B C 1 2`` or ``(1) (2) …``) is passed over;
    a row of sub-headers under a merged value header (``Lũy kế đến tháng trước`` |
    ``Trong tháng``, or ``T1 … T12``) says which column holds the month's values — the one
    marked for this month, or the one of the return's month — and when none (or several)
    does, the return has no value column: an ``ambiguous-column`` finding names them."""
    rows = sheet.rows
    h = header.row
    if h + 1 >= len(rows):
        return h + 1, header.value_col, None
    below = rows[h + 1]
    filled = [c for c in below if not is_empty(c)]
    if len(filled) >= 2 and all(_NUMBERING.fullmatch(text_of(c)) for c in filled):
        return h + 2, header.value_col, None  # a row numbering the columns
    head = rows[h]

    def cell(row: list[Cell], c: int | None) -> Cell:
        return row[c] if c is not None and c < len(row) else None

    first = cell(below, header.value_col)
    if not isinstance(first, str) or is_empty(first) or _holds_number(first):
        return h + 1, header.value_col, None
    if not is_empty(cell(below, header.code_col)) or not is_empty(cell(below, header.label_col)):
        return h + 1, header.value_col, None  # a data row
    candidates: list[tuple[int, str]] = []
    c = header.value_col
    while c < len(below):
        sub = below[c]
        above = cell(head, c)
        if not isinstance(sub, str) or is_empty(sub) or c == header.note_col:
            break
        if c != header.value_col and not is_empty(above) and above != cell(head, header.value_col):
            break  # another column's header
        candidates.append((c, sub.strip()))
        c += 1
    if len(candidates) == 1:
        return h + 2, header.value_col, None
    period = parse_period(period_text) if period_text is not None else None
    marked = [c for c, text in candidates if fold(text) in _THIS_MONTH]
    by_month = [c for c, text in candidates if (m := _MONTH_COLUMN.fullmatch(fold(text))) and period is not None and int(m.group(1)) == period.month]
    chosen = marked if len(marked) == 1 else by_month if len(by_month) == 1 else []
    if chosen:
        return h + 2, chosen[0], None
    names = [f"{cell_ref(0, c)[:-1]} «{text}»" for c, text in candidates]
    header_text = text_of(cell(head, header.value_col))
    finding = ("ambiguous-column", sheet.ref(h, header.value_col), {"header": header_text, "columns": names})
    return h + 2, None, finding


_GROUP_HEADING = re.compile(r"\s*[IVXLC]+\s*[.)]\s*\S")


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


def _parse_form(sheet: Sheet, catalog: Catalog, builder: FrameBuilder) -> None:
    """A form's return: its commune and period cells, and one value per indicator row.

    A batch holds thousands of forms, so a row costs a few look-ups: a row naming an
    indicator (by code, else by label) gives its value; any other row (blank, a heading, a
    note, a total, a group heading carrying its subtotal) is passed over unless its value
    cell holds a number (then the unknown-indicator check decides: data no indicator would
    take). A row whose code and label name two different indicators is a finding, and so is
    a number typed in the note column beside an empty value cell."""
    header = _find_form_header(sheet.rows)
    if header is None:
        return
    meta = _metadata(sheet, header.row)
    ret = Return(file=sheet.file, sheet=sheet.name, layout="form")
    if "commune" in meta:
        ret.commune_text, ret.commune_cell = meta["commune"]
    if "period" in meta:
        ret.period_text, ret.period_cell = meta["period"]
    r_no = builder.add_return(ret)
    start, value_col, finding = _under_header(sheet, header, ret.period_text)
    if finding is not None:
        ret.findings.append(finding)
    if value_col is None:
        return
    code_col, label_col, note_col = header.code_col, header.label_col, header.note_col
    position = catalog.position
    rows = sheet.rows
    lines = sheet.line_numbers
    # the value cells of known indicators, added together (in order: any other cell added
    # between them is added after those before it)
    found_indicators: list[int] = []
    found_raws: list[Cell] = []
    found_lines: list[int] = []
    for r in range(start, len(rows)):
        row = rows[r]
        width = len(row)
        code_raw = row[code_col] if code_col is not None and code_col < width else None
        label_raw = row[label_col] if label_col is not None and label_col < width else None
        value_raw = row[value_col] if value_col < width else None
        # the row's name: its code, else its label ("" when both are empty: a blank row,
        # a heading or a note, passed over below unless a number stands in the value column)
        code_name = name_of(code_raw)  # ("" exactly when the cell is empty)
        named = code_name or name_of(label_raw)
        indicator = catalog.indicator(named) if named else None
        line = lines[r] if lines is not None else r + 1
        if indicator is None:
            if is_empty(value_raw) or _is_total_row(row, label_col):
                continue  # total rows, blank rows (headings, notes, signature lines: see NUMBER_ONLY)
            if _is_group_heading(row, label_col, catalog):
                continue  # a group heading carrying its subtotal: the rows under it are the data
            builder.add_values(r_no, value_col, found_indicators, found_raws, found_lines)
            found_indicators, found_raws, found_lines = [], [], []
            builder.add_value(r_no, -1, value_raw, value_col, line, named=named, unknown_rule=NUMBER_ONLY)
            continue
        label = name_of(label_raw)  # (None without a label column: "")
        if label and code_name and code_col is not None:
            by_label = catalog.indicator(label)
            if by_label is not None and by_label != indicator:
                ret.findings.append((
                    "conflicting-identity",
                    sheet.ref(r, code_col),
                    {"variant": "indicator", "given": text_of(code_raw), "label": text_of(label_raw),
                     "given_label": catalog.indicator_by_code[indicator].label, "label_code": by_label},
                ))
        if note_col is not None and is_empty(value_raw) and note_col < width and _holds_number(row[note_col]):
            ret.findings.append((
                "number-in-note", sheet.ref(r, note_col),
                {"text": text_of(row[note_col]), "indicator": indicator, "label": catalog.indicator_by_code[indicator].label},
            ))
        found_indicators.append(position[indicator])
        found_raws.append(value_raw)
        found_lines.append(line)
    builder.add_values(r_no, value_col, found_indicators, found_raws, found_lines)


def _is_group_heading(row: list[Cell], label_col: int | None, catalog: Catalog) -> bool:
    """A row headed like a group of the form (``I. Sinh hoạt, tuyên truyền``, or a group of
    the catalog)."""
    texts = [c for c in row if isinstance(c, str) and c.strip()]
    if not texts:
        return False
    first = texts[0]
    return bool(_GROUP_HEADING.match(first)) or fold(re.sub(r"^\s*[IVXLC]+\s*[.)]\s*", "", first)) in catalog.folded_groups


# ------------------------------------------------------------------ tables, by columns


def _spelling_keys(
    column: Column, fold_totals: bool = False, names: Callable[[Cell], object] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each spelling's key as a return is told apart by it, and whether it names a total row:
    what it names (``names``: a commune or a month, so that ``04471`` and ``Chế Cu Nha``, or
    ``2024-02`` and ``02/2024``, are one key), else its text (``4456.0`` and ``4456`` are
    one key). The last entry stands for an empty cell."""
    import numpy as np

    texts: list[object] = []
    for s in column.spellings:
        named = names(s) if names is not None else None
        texts.append(("named", named) if named is not None else text_of(s))
    numbered: dict[object, int] = {}
    keys = np.array([numbered.setdefault(t, len(numbered)) for t in [*texts, ""]], dtype=np.int64)
    totals = np.array(
        [fold_totals and isinstance(s, str) and fold(s) in TOTAL_WORDS for s in column.spellings] + [False],
        dtype=bool,
    )
    return keys.astype(np.int64), totals


def first_seen_numbers(keys: np.ndarray) -> np.ndarray:
    """Each key numbered 0, 1, 2… in the order keys first appear (``pandas.factorize``,
    without importing pandas for a small table)."""
    import numpy as np

    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    if len(np.unique(keys[starts])) == len(starts):  # each key's rows together (a return's: nearly always)
        number = np.zeros(len(keys), dtype=np.int64)
        number[starts[1:]] = 1
        return np.cumsum(number)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    number = np.empty(len(first), dtype=np.int64)
    number[np.argsort(first, kind="stable")] = np.arange(len(first))
    return number[inverse.reshape(-1)]


def _returns_of(
    table: ColumnTable, rows: np.ndarray, commune_col: int, period_col: int, *, layout: str,
    first_rows: np.ndarray,
) -> list[Return]:
    """The Return records of a table, one per first row given."""
    commune, period = table.columns[commune_col], table.columns[period_col]
    c_letter, p_letter = cell_ref(0, commune_col)[:-1], cell_ref(0, period_col)[:-1]
    c_spellings, p_spellings = commune.spellings, period.spellings
    file, sheet = table.file, table.name
    return [  # (a national file: 120,000 of them, the fields in their order)
        Return(
            file, sheet, layout, None if c < 0 else c_spellings[c], f"{c_letter}{line}",
            None if p < 0 else p_spellings[p], f"{p_letter}{line}",
        )
        for line, c, p in zip(
            table.lines[first_rows].tolist(), commune.codes[first_rows].tolist(), period.codes[first_rows].tolist(),
            strict=True,
        )
    ]


def _parse_long(
    table: ColumnTable, header: int, columns: tuple[int, ...], catalog: Catalog, builder: FrameBuilder
) -> None:
    """One return per commune and month, in the order they first appear (rows naming the same
    commune and month are one return, however each spells them); one value per row."""
    import numpy as np

    commune_col, period_col, indicator_col, value_col = columns
    commune = table.columns[commune_col]
    rows = np.arange(header + 1, len(table.lines))
    commune_key, total = _spelling_keys(commune, fold_totals=True, names=catalog.commune)
    rows = rows[~total[commune.codes[rows]]]  # total rows are not data
    if not len(rows):
        return
    period_key, _ = _spelling_keys(table.columns[period_col], names=parse_period)
    c_key = commune_key[commune.codes[rows]]
    p_key = period_key[table.columns[period_col].codes[rows]]
    pair = c_key * (int(period_key.max()) + 1) + p_key
    ret_of_row = first_seen_numbers(pair)
    seen_before = np.maximum.accumulate(np.concatenate(([-1], ret_of_row[:-1])))
    first_rows = rows[ret_of_row > seen_before]
    returns = _returns_of(table, rows, commune_col, period_col, layout="long", first_rows=first_rows)
    # the indicator each spelling names (-1: none), read once
    named_column = table.columns[indicator_col]
    named_texts = [text_of(s) for s in named_column.spellings]
    position = catalog.position
    indicator_of = np.array(
        [position.get(catalog.indicator(t) or "", -1) if t else -1 for t in named_texts] + [-1], dtype=np.int64
    )
    named_codes = named_column.codes[rows]
    indicator = indicator_of[named_codes]
    value = table.columns[value_col]
    raw = value.codes[rows].astype(np.int64)
    unknown = np.flatnonzero((indicator < 0) & (raw >= 0))
    col = np.where(indicator < 0, indicator_col, value_col)
    builder.add_block(
        returns,
        Frame(
            returns=[],
            ret=ret_of_row,
            indicator=indicator,
            raw=raw,
            raws=value.spellings,
            col=col,
            row=table.lines[rows].astype(np.int64),
            unknown_rule=np.zeros(len(rows), dtype=np.int8),
            named={int(k): named_texts[int(named_codes[k])] if named_codes[k] >= 0 else "" for k in unknown},
        ),
    )


def _parse_wide(
    table: ColumnTable, header: int, columns: tuple[int, ...], catalog: Catalog, builder: FrameBuilder
) -> None:
    """One return per row; one value per indicator column (a column that names no indicator
    holding something is the unknown-indicator check's). A name column beside a code column
    (``Mã xã`` and ``Tên xã``) is kept as the return's second commune cell."""
    import numpy as np

    commune_col, period_col = columns[:2]
    name_col = columns[2] if len(columns) > 2 else None
    headers = table.row_cells(header)
    folded = [fold_header(text_of(c)) for c in headers]
    rows = np.arange(header + 1, len(table.lines))
    commune = table.columns[commune_col]
    _, total = _spelling_keys(commune, fold_totals=True)
    rows = rows[~total[commune.codes[rows]]]
    if not len(rows):
        return
    returns = _returns_of(table, rows, commune_col, period_col, layout="wide", first_rows=rows)
    if name_col is not None:
        names = table.columns[name_col]
        letter = cell_ref(0, name_col)[:-1]
        for found, at in zip(returns, rows.tolist(), strict=True):
            spelling = int(names.codes[at])
            if spelling >= 0:
                found.commune_alt = (names.spellings[spelling], f"{letter}{int(table.lines[at])}")
    position = catalog.position
    n = len(rows)
    parts: list[tuple[int, int, np.ndarray, str]] = []  # (column, indicator, raw codes, header)
    for c, head in enumerate(headers):
        if c in (commune_col, period_col, name_col) or folded[c] in IGNORED_COLUMNS:
            continue
        name = "" if is_empty(head) else text_of(head)
        code = catalog.indicator(name) if name else None
        parts.append((c, -1 if code is None else position[code], table.columns[c].codes[rows], name))
    raws: list[Any] = []
    ret, indicator, raw, col, named = [], [], [], [], {}
    offset_values = 0
    for c, ind, codes, name in parts:
        spellings = table.columns[c].spellings
        raw.append(np.where(codes >= 0, codes + len(raws), -1))
        raws.extend(spellings)
        ret.append(np.arange(n, dtype=np.int64))
        indicator.append(np.full(n, ind, dtype=np.int64))
        col.append(np.full(n, c, dtype=np.int64))
        if ind < 0:
            named.update({offset_values + k: name for k in np.flatnonzero(codes >= 0).tolist()})
        offset_values += n
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        ret, indicator, raw, col = [empty], [empty], [empty], [empty]
    # values in return order: a return's cells together, left to right
    ret_all = np.concatenate(ret)
    order = np.argsort(ret_all, kind="stable")
    builder.add_block(
        returns,
        Frame(
            returns=[],
            ret=ret_all[order],
            indicator=np.concatenate(indicator)[order],
            raw=np.concatenate(raw)[order],
            raws=raws,
            col=np.concatenate(col)[order],
            row=np.tile(table.lines[rows].astype(np.int64), len(parts) or 1)[order] if parts else np.zeros(0, dtype=np.int64),
            unknown_rule=np.zeros(len(order), dtype=np.int8),
            named={int(new): named[int(old)] for new, old in enumerate(order.tolist()) if int(old) in named},
        ),
    )
