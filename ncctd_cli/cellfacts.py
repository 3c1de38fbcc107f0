"""What a workbook reader leaves out, and a person sees: hidden rows and columns, error cells,
formulas that were never computed.

python-calamine gives each cell's value (a formula by its saved result) but reads an error
cell (``#DIV/0!``) as an empty cell and a formula with no saved result as an empty cell too,
and says nothing of hidden rows and columns. Each of those would let a number reach the store
that the person does not see, or turn what the person sees (an error) into "not reported".
This module finds them, per sheet, so that the reader can mark the cells
(:class:`CellError`, :class:`NoValue`) and the layout parser can leave hidden rows and
columns out:

- **xlsx**: each sheet part read with expat for the few attributes that matter (a row's or a
  column's ``hidden``, a cell's ``t="e"``, a formula ``<f>`` with no value ``<v>``), and only
  when a cheap search of the part's bytes finds any of them (most forms have none);
- **ods**: ``content.xml`` likewise (``table:visibility``, ``calcext:value-type="error"``, a
  ``table:formula`` with no ``office:value-type``), rows and columns counted with their repeats;
- **xls**: xlrd (row and column info, error cells; an xls always keeps formula results).

A file these readers cannot follow gets no facts: it is read as calamine reads it (never
refused for that).
"""

from __future__ import annotations

import bisect
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

__all__ = ["CellError", "NoValue", "SheetFacts", "workbook_facts"]


@dataclass(frozen=True)
class CellError:
    """A cell showing a spreadsheet error (``#DIV/0!``, ``#REF!``...)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class NoValue:
    """A cell holding a formula with no computed value (a file written by a script)."""

    formula: str

    def __str__(self) -> str:
        return f"={self.formula}" if self.formula else "="


@dataclass
class SheetFacts:
    """Of one sheet (0-based rows and columns): hidden row and column ranges, and the cells
    to mark."""

    hidden_rows: list[tuple[int, int]] = field(default_factory=list)  # [first, last] ranges
    hidden_cols: list[tuple[int, int]] = field(default_factory=list)
    marks: dict[tuple[int, int], CellError | NoValue] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.hidden_rows or self.hidden_cols or self.marks)

    def row_hidden(self, row: int) -> bool:
        return _in_ranges(self.hidden_rows, row)

    def col_hidden(self, col: int) -> bool:
        return _in_ranges(self.hidden_cols, col)


def _in_ranges(ranges: list[tuple[int, int]], n: int) -> bool:
    at = bisect.bisect_right(ranges, (n, float("inf"))) - 1
    return at >= 0 and ranges[at][0] <= n <= ranges[at][1]


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def workbook_facts(data: bytes, kind: str, sheet_parts: dict[str, bytes] | None = None) -> dict[str, SheetFacts]:
    """The facts of each sheet of a workbook that has any (by sheet name). Never raises: a
    workbook these readers cannot follow has none. ``sheet_parts``: every worksheet part of
    an xlsx already unpacked, by name as written (then, with no hint of a fact in any, the
    zip is not opened again)."""
    try:
        if kind == "xlsx":
            return _xlsx(data, sheet_parts)
        if kind == "ods":
            return _ods(data)
        if kind == "xls":
            return _xls(data)
    except ImportError:  # a reader missing is the installation's fault, not the file's
        raise
    except Exception:  # a quirk of the file the readers here do not follow: no facts
        return {}
    return {}


# ------------------------------------------------------------------ xlsx

_XLSX_HINTS = (  # what a sheet part holds when it has a hidden row or column, an error, a formula
    b'hidden="1"', b"hidden='1'", b'hidden="true"', b"hidden='true'", b't="e"', b"t='e'",
    b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/",
)


def _hinted(xml: bytes) -> bool:
    """Whether a sheet part may hold any fact (plain searches: a form's part is read whole).
    Every hint holds ``hidden``, ``t="e"``, ``t='e'``, or an ``f`` after ``<`` or ``:``;
    those are looked for first, and most forms' parts hold none."""
    if not (b"hidden" in xml or b't="e"' in xml or b"t='e'" in xml or _f_after_a_bracket(xml)):
        return False
    return any(hint in xml for hint in _XLSX_HINTS)


_FEW_F = 32  # an ``f`` this many times (text in the sheet): searched for as ``<f`` and ``:f``


def _f_after_a_bracket(xml: bytes) -> bool:
    """Whether an ``f`` follows ``<`` or ``:`` (where a formula element starts). A sheet's
    markup has few ``f``: each is found by ``memchr`` and its byte before looked at (2 µs
    for a form's part, against 16 for the two searches)."""
    at = xml.find(b"f")
    for _ in range(_FEW_F):
        if at < 0:
            return False
        if at and xml[at - 1] in (0x3C, 0x3A):  # < :
            return True
        at = xml.find(b"f", at + 1)
    return at >= 0 and (b"<f" in xml or b":f" in xml)
_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _zip_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name as written (any case, ``\\`` or ``/``) → its normalised lower-case form."""
    return {_part_key(info.filename): info.filename for info in archive.infolist()}


def _part_key(name: str) -> str:
    """A part's name as the workbook's relationships name it: ``/`` separated, lower case."""
    return posixpath.normpath(name.replace("\\", "/")).lower().lstrip("/")


def _xlsx(data: bytes, sheet_parts: dict[str, bytes] | None = None) -> dict[str, SheetFacts]:
    # the sheet parts first, each searched for a hint (most forms have none): only then is
    # the workbook read for which sheet is which
    if sheet_parts is not None:
        hinted = {_part_key(name): xml for name, xml in sheet_parts.items() if _hinted(xml)}
        if not hinted:
            return {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = _zip_names(archive)
        if sheet_parts is None:
            hinted = {
                key: xml
                for key, name in names.items()
                if "worksheets/" in key and key.endswith(".xml")
                and _hinted(xml := archive.read(name))
            }
        if not hinted:
            return {}
        workbook = next((n for n in ("xl/workbook.xml", "workbook.xml") if n in names), None)
        if workbook is None:
            return {}
        folder = posixpath.dirname(workbook)
        rels = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
        sheets = _xlsx_sheets(archive.read(names[workbook]))
        targets = _xlsx_targets(archive.read(names[rels])) if rels in names else {}
        found: dict[str, SheetFacts] = {}
        for name, rid in sheets:
            target = targets.get(rid)
            if target is None:
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            part = hinted.get(posixpath.normpath(path).lower())
            if part is None:
                continue
            facts = _XlsxSheet().read(part)
            if facts:
                found[name] = facts
        return found


def _xlsx_sheets(xml: bytes) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag.rpartition(" ")[2] == "sheet":
            name = attrs.get("name")
            rid = next((v for k, v in attrs.items() if k.rpartition(" ")[2] == "id"), None)
            if name is not None and rid is not None:
                found.append((name, rid))

    _parse(xml, start)
    return found


def _xlsx_targets(xml: bytes) -> dict[str, str]:
    found: dict[str, str] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag.rpartition(" ")[2] == "Relationship" and "Id" in attrs and "Target" in attrs:
            found[attrs["Id"]] = attrs["Target"]

    _parse(xml, start)
    return found


def _parse(xml: bytes, start: Any, end: Any = None, text: Any = None) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    parser.Parse(xml, True)


class _XlsxSheet:
    """Rows, columns and cells of one sheet part, read for their facts only."""

    def __init__(self) -> None:
        self.facts = SheetFacts()
        self.row = -1
        self.col = -1
        self.cell: dict[str, Any] | None = None
        self.text: list[str] | None = None

    def read(self, xml: bytes) -> SheetFacts:
        _parse(xml, self.start, self.end, self.chars)
        self.facts.hidden_rows = _merge(self.facts.hidden_rows)
        self.facts.hidden_cols = _merge(self.facts.hidden_cols)
        return self.facts

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        if local == "row":
            number = attrs.get("r")
            self.row = int(number) - 1 if number and number.isdigit() else self.row + 1
            self.col = -1
            if attrs.get("hidden") in ("1", "true"):
                self.facts.hidden_rows.append((self.row, self.row))
        elif local == "col":
            if attrs.get("hidden") in ("1", "true"):
                first, last = attrs.get("min", ""), attrs.get("max", "")
                if first.isdigit() and last.isdigit():
                    self.facts.hidden_cols.append((int(first) - 1, int(last) - 1))
        elif local == "c":
            match = _REF.fullmatch(attrs.get("r", ""))
            if match:
                self.col, self.row = _col_number(match.group(1)), int(match.group(2)) - 1
            else:
                self.col += 1
            self.cell = {"t": attrs.get("t"), "f": None, "v": None}
        elif self.cell is not None and local in ("f", "v"):
            self.text = []
            self.cell[local] = ""

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, tag: str) -> None:
        local = tag.rpartition(" ")[2]
        if self.cell is not None and local in ("f", "v") and self.text is not None:
            self.cell[local] = "".join(self.text)
            self.text = None
        elif local == "c" and self.cell is not None:
            cell, self.cell = self.cell, None
            where = (self.row, self.col)
            if cell["t"] == "e":
                self.facts.marks[where] = CellError((cell["v"] or "#N/A").strip())
            elif cell["f"] is not None and (cell["v"] is None or (not cell["v"] and cell["t"] != "str")):
                # no saved result (an empty one of a text formula, ``=IF(…;"";…)`` as Excel
                # and LibreOffice save it, is the empty cell the person sees)
                self.facts.marks[where] = NoValue(cell["f"])


# ------------------------------------------------------------------ ods

_ODS_HINT = re.compile(rb'visibility\s*=\s*"(?:collapse|filter)"|value-type\s*=\s*"error"|table:formula\s*=')
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_MAX_REPEAT = 1 << 20  # rows and columns of a sheet: repeats beyond are trailing emptiness


class _OdsContent:
    def __init__(self) -> None:
        self.found: dict[str, SheetFacts] = {}
        self.facts: SheetFacts | None = None
        self.depth = 0  # tables inside cells are not the sheet's
        self.row = 0
        self.col = 0
        self.next_col = 0
        self.cell: dict[str, Any] | None = None
        self.text: list[str] | None = None
        self.rows_here = 1

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        space, _, local = tag.rpartition(" ")
        if space != _TABLE:
            if self.cell is not None and local == "p":
                self.text = []
            return
        if local == "table":
            self.depth += 1
            if self.depth == 1:
                self.facts = self.found.setdefault(attrs.get(f"{_TABLE} name", ""), SheetFacts())
                self.row, self.next_col = 0, 0
            return
        if self.depth != 1 or self.facts is None:
            return
        repeat = min(int(attrs.get(f"{_TABLE} number-columns-repeated", "1") or 1), _MAX_REPEAT)
        if local == "table-column":
            if attrs.get(f"{_TABLE} visibility") in ("collapse", "filter"):
                self.facts.hidden_cols.append((self.next_col, self.next_col + repeat - 1))
            self.next_col += repeat
        elif local == "table-row":
            rows = min(int(attrs.get(f"{_TABLE} number-rows-repeated", "1") or 1), _MAX_REPEAT)
            if attrs.get(f"{_TABLE} visibility") in ("collapse", "filter"):
                self.facts.hidden_rows.append((self.row, self.row + rows - 1))
            self.rows_here = rows
            self.col = 0
        elif local in ("table-cell", "covered-table-cell"):
            formula = attrs.get(f"{_TABLE} formula")
            self.cell = {
                "repeat": repeat,
                "formula": formula,
                "type": attrs.get(f"{_OFFICE} value-type"),
                "error": attrs.get(f"{_CALCEXT} value-type") == "error",
            }

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, tag: str) -> None:
        space, _, local = tag.rpartition(" ")
        if space != _TABLE:
            if self.cell is not None and local == "p" and self.text is not None:
                self.cell["text"] = self.cell.get("text", "") + "".join(self.text)
                self.text = None
            return
        if local == "table":
            self.depth -= 1
            return
        if self.depth != 1 or self.facts is None:
            return
        if local in ("table-cell", "covered-table-cell") and self.cell is not None:
            cell, self.cell = self.cell, None
            mark: CellError | NoValue | None = None
            if cell["error"]:
                mark = CellError((cell.get("text") or "#N/A").strip())
            elif cell["formula"] is not None and cell["type"] is None and "text" not in cell:
                # no result saved (an empty text result is saved as an empty paragraph, the
                # empty cell the person sees: ``=IF(…;"";…)`` saved by LibreOffice)
                mark = NoValue(cell["formula"].split(":", 1)[-1].lstrip("="))
            if mark is not None:
                for c in range(self.col, self.col + min(cell["repeat"], 1024)):
                    self.facts.marks[(self.row, c)] = mark
            self.col += cell["repeat"]
        elif local == "table-row":
            if self.rows_here > 1:  # a row written once for several: its marks are theirs too
                marks = self.facts.marks
                for (r, c), mark in [item for item in marks.items() if item[0][0] == self.row]:
                    for copy in range(r + 1, r + min(self.rows_here, 1024)):
                        marks[(copy, c)] = mark
            self.row += self.rows_here


def _ods(data: bytes) -> dict[str, SheetFacts]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = _zip_names(archive)
        if "content.xml" not in names:
            return {}
        xml = archive.read(names["content.xml"])
    if not _ODS_HINT.search(xml):
        return {}
    content = _OdsContent()
    _parse(xml, content.start, content.end, content.chars)
    found = {}
    for name, facts in content.found.items():
        facts.hidden_rows = _merge(facts.hidden_rows)
        facts.hidden_cols = _merge(facts.hidden_cols)
        if facts:
            found[name] = facts
    return found


# ------------------------------------------------------------------ xls


def _xls(data: bytes) -> dict[str, SheetFacts]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    found: dict[str, SheetFacts] = {}
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            facts = SheetFacts()
            facts.hidden_rows = _merge([(r, r) for r, info in sheet.rowinfo_map.items() if info.hidden])
            facts.hidden_cols = _merge([(c, c) for c, info in sheet.colinfo_map.items() if info.hidden])
            for r in range(sheet.nrows):
                for c, kind in enumerate(sheet.row_types(r)):
                    if kind == xlrd.XL_CELL_ERROR:
                        code = sheet.cell_value(r, c)
                        facts.marks[(r, c)] = CellError(xlrd.error_text_from_code.get(code, "#N/A"))
            if facts:
                found[sheet.name] = facts
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return found
