"""Files from the wild (issue 12): the project's own returns saved the quirky ways real programs
and real clerks save them, each with the one outcome it must have.

Every case is made from a sample return of ``tests/data/samples-2024q1`` whose values are known,
so a case's expectation is exact: the values the person sees (stored as they are), or a clear
refusal by code (``REFUSAL_CODES``). Nothing here imports ncctd: the oracle must not share the
code under test.

    python -m tests.wild_corpus OUT               # write the corpus into OUT (a fresh folder)
    python -m tests.wild_corpus --manifest        # rewrite tests/data/wild/manifest.json
    python -m tests.wild_corpus --refresh-libreoffice   # remake tests/data/wild/lo/ (soffice)
    python -m tests.wild_corpus --check-readers OUT     # LibreOffice and calamine read OUT's files

Most files are written at test time by openpyxl and by hand (zipfile, an OLE2 writer below) in
well under two seconds. What only LibreOffice can make (its xls, ods and xlsx, formulas it
computed, its HTML export) is made once with ``--refresh-libreoffice`` and committed in
``tests/data/wild/lo/`` (a few KB a file); real files from public test suites are committed in
``tests/data/wild/real/`` with their origin and licence in ``tests/data/wild/SOURCES.md``.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = HERE / "data" / "samples-2024q1" / "returns"
WILD = HERE / "data" / "wild"
LO_CACHE = WILD / "lo"
REAL = WILD / "real"
MANIFEST = WILD / "manifest.json"
CATALOG = ROOT / "data"

# The refusal codes a case may expect. Codes that ncctd has today keep their name; the new ones
# are the lead's to rename (one place: here, then ``--manifest``).
REFUSAL_CODES: dict[str, str] = {
    "error-cell": "a value cell holds a spreadsheet error (#DIV/0!, #REF!, #N/A, #VALUE!, "
    "#NAME?, #NUM!, #NULL!); the problem names the cell",
    "formula-no-value": "a value cell holds a formula with no saved result (written by a "
    "script); open and save the file; the problem names the cell",
    "ambiguous-column": "two or more columns could hold the month's values (a merged header over "
    "sub-columns, a hidden twin) and no header says which one is the month's",
    "hidden-cell": "a value the person cannot see (hidden row, column) would decide the return",
    "conflicting-identity": "a code and a name on one line name different things (indicator code "
    "vs label; commune code vs name)",
    "duplicate-in-batch": "one commune-month twice in one batch with different values; the "
    "problem names both sources",
    "mixed-number-style": "a file writes numbers in two styles (1.234,5 and 1,234.5) and a cell "
    "that reads differently in each cannot be decided",
    "unsupported-format": "a file of a kind the tool does not read, named by what it is "
    "(an HTML page, SpreadsheetML 2003) — an acceptable clear no for class f",
    "no-return": "a good spreadsheet that holds no return (the real files from public test "
    "suites); never a word that says the file is damaged",
    "invalid-period": "a period that cannot be read as one month (exists today)",
    "missing-period": "no period found (exists today)",
}

CLASSES: dict[str, str] = {
    "control": "the samples and this generator's own plain forms: must read today",
    "a": ".xls whose last 512-byte sector is not padded",
    "b": ".xls whose workbook stream is named WORKBOOK or BOOK",
    "c": ".ods with a 0-byte Configurations2/accelerator/current.xml and other real-life parts",
    "d": ".xlsx/.xlsm with a picture (stamp, signature) or another embedded binary",
    "e": ".xlsx with parts outside xl/ or other zip/OPC quirks calamine reads",
    "f": "HTML tables and SpreadsheetML 2003 saved with an .xls name",
    "g": "error cells in value cells: refused, naming the cell",
    "h": "formulas with no saved result: refused; after a LibreOffice round trip: read",
    "i": "hidden rows, columns and sheets: what the person sees wins",
    "j": "a merged value header over sub-columns; a year sheet with T1..T12",
    "k": "indicator code vs label, commune code vs name that disagree",
    "l": "the same commune-month twice in one batch",
    "m": "English-style numbers in a CSV",
    "n": "layouts clerks use",
}


# ----------------------------------------------------------------------------------------------
# Expectations


@dataclass(frozen=True)
class ExpectedReturn:
    """A return that must be stored, with exactly these values (absent = not reported)."""

    commune: str
    period: str
    values: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {"commune": self.commune, "period": self.period, "values": self.values}


@dataclass(frozen=True)
class Refusal:
    """A rejected return carrying this problem code (at this cell, naming these words)."""

    code: str
    cell: str | None = None
    mentions: tuple[str, ...] = ()  # any one of these words in the message (case-insensitive)

    def __post_init__(self) -> None:
        if self.code not in REFUSAL_CODES:
            raise ValueError(f"unknown refusal code {self.code!r}: add it to REFUSAL_CODES")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code}
        if self.cell:
            out["cell"] = self.cell
        if self.mentions:
            out["mentions"] = list(self.mentions)
        return out

    def label(self) -> str:
        return self.code + (f"@{self.cell}" if self.cell else "")


@dataclass(frozen=True)
class Expect:
    """The outcome of a case.

    Met when exactly the ``read`` returns are stored with exactly their values and every
    ``refused`` problem is found (no other refusal); or, as a clear no, when one of the
    ``alternatives`` is found and nothing stored differs from ``read`` (never a wrong number).
    """

    read: tuple[ExpectedReturn, ...] = ()
    refused: tuple[Refusal, ...] = ()
    alternatives: tuple[Refusal, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.read:
            out["read"] = [r.to_json() for r in self.read]
        if self.refused:
            out["refused"] = [r.to_json() for r in self.refused]
        if self.alternatives:
            out["or_refused"] = [r.to_json() for r in self.alternatives]
        return out

    def label(self) -> str:
        parts = []
        if self.read:
            parts.append("read " + ", ".join(f"{r.commune} {r.period}" for r in self.read))
        if self.refused:
            parts.append("refused " + ", ".join(r.label() for r in self.refused))
        text = "; ".join(parts) or "nothing"
        if self.alternatives:
            text += " | or " + "/".join(r.label() for r in self.alternatives)
        return text


@dataclass(frozen=True)
class Case:
    """One corpus entry: files written into ``<corpus>/<name>/`` and ingested in one batch."""

    name: str
    klass: str
    files: tuple[str, ...]
    expect: Expect
    note: str
    made_by: str  # openpyxl, libreoffice, hand (bytes), sample, real
    make: Callable[[Path], None] = field(compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": self.klass,
            "files": list(self.files),
            "made_by": self.made_by,
            "note": self.note,
            "expect": self.expect.to_json(),
        }


# ----------------------------------------------------------------------------------------------
# The catalog and the sample returns (the oracle: values read here, not by ncctd)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    integer: bool
    group: str


@cache
def indicators() -> tuple[Indicator, ...]:
    with (CATALOG / "indicators.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            Indicator(r["code"], r["label"], r["unit"], r["type"] == "integer", r.get("group") or "")
            for r in csv.DictReader(f)
        )


@cache
def communes() -> dict[str, str]:
    with (CATALOG / "communes.csv").open(encoding="utf-8", newline="") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f)}


def short_name(code: str) -> str:
    """``Xã Nậm Có`` → ``Nậm Có`` (the way clerks write it after ``Xã:``)."""
    return re.sub(r"^(Xã|Thị trấn)\s+", "", communes()[code])


@dataclass(frozen=True)
class Base:
    """A sample return: commune, month and the values the project reads from it."""

    source: str
    commune: str
    period: str
    values: dict[str, float]

    @property
    def name(self) -> str:
        return communes()[self.commune]

    @property
    def month(self) -> int:
        return int(self.period[5:])

    @property
    def year(self) -> int:
        return int(self.period[:4])

    def expected(self, **changes: float | None) -> ExpectedReturn:
        values = dict(self.values)
        for code, value in changes.items():
            if value is None:
                values.pop(code, None)
            else:
                values[code] = value
        return ExpectedReturn(self.commune, self.period, values)

    def with_values(self, **changes: float | None) -> Base:
        return replace(self, values=self.expected(**changes).values)


def _sample_number(value: Any) -> float | None:
    """A sample cell as the return contract reads it (numbers as they are, ``-`` is zero,
    text in the Vietnamese convention)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text == "-":
        return 0.0
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", text):
        text = text.replace(".", "")
    return float(text.replace(",", "."))


@cache
def base(name: str) -> Base:
    """Read a sample return (any format) with python-calamine; its file name gives the commune
    and month (``bc_04462_2024-01.xlsx``)."""
    from python_calamine import CalamineWorkbook

    match = re.fullmatch(r"bc_(\d{5})_(\d{4}-\d{2})\.\w+", name)
    if not match:
        raise ValueError(name)
    rows = CalamineWorkbook.from_path(str(SAMPLES / name)).get_sheet_by_index(0).to_python()
    texts = [[str(c).strip() for c in r] for r in rows]
    header = next(i for i, r in enumerate(texts) if "STT" in r)
    key_col = next(texts[header].index(h) for h in ("Mã chỉ tiêu", "Tên chỉ tiêu") if h in texts[header])
    value_col = next(texts[header].index(h) for h in ("Số lượng", "Kết quả") if h in texts[header])
    codes = {i.code: i.code for i in indicators()} | {i.label.casefold(): i.code for i in indicators()}
    values: dict[str, float] = {}
    for row, text in zip(rows[header + 1 :], texts[header + 1 :], strict=True):
        code = codes.get(text[key_col].casefold(), "") if len(text) > key_col else ""
        if code:
            number = _sample_number(row[value_col])
            if number is not None:
                values[code] = number
    return Base(name, match[1], match[2], values)


# ----------------------------------------------------------------------------------------------
# A sheet as cells, and the form a commune fills in

Cell = str | int | float | None


@dataclass
class Sheet:
    title: str
    rows: list[list[Cell]]
    merged: list[str] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)  # 1-based
    hidden_cols: set[int] = field(default_factory=set)  # 1-based
    hidden: bool = False


@dataclass(frozen=True)
class Column:
    """A column of the form: its header, the body cell for an indicator, an optional header
    merged above it (``Số lượng`` over ``Trong tháng``), hidden or not."""

    header: str
    cell: Callable[[Indicator], Cell]
    group: str | None = None
    hidden: bool = False


@dataclass
class Form:
    sheet: Sheet
    row_of: dict[str, int]  # indicator code → 1-based row
    col_of: dict[str, int]  # column header → 1-based column (first one with that header)

    def ref(self, code: str, header: str = "Số lượng") -> str:
        return f"{get_column_letter(self.col_of[header])}{self.row_of[code]}"


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
TITLE = 'BÁO CÁO KẾT QUẢ THỰC HIỆN MÔ HÌNH "NGÀY CUỐI TUẦN CÙNG DÂN"'


def number(value: float | None, integer: bool = False) -> Cell:
    """A value as a clerk's spreadsheet holds it: an int for whole numbers."""
    if value is None:
        return None
    return int(value) if integer or float(value).is_integer() else value


def standard_columns(b: Base, value_header: str = "Số lượng") -> list[Column]:
    stt = {ind.code: i for i, ind in enumerate(indicators(), start=1)}
    return [
        Column("STT", lambda ind: str(stt[ind.code])),
        Column("Mã chỉ tiêu", lambda ind: ind.code),
        Column("Chỉ tiêu", lambda ind: ind.label),
        Column("Đơn vị tính", lambda ind: ind.unit),
        Column(value_header, lambda ind: number(b.values.get(ind.code), ind.integer)),
        Column("Ghi chú", lambda ind: None),
    ]


def head_rows(b: Base, *, commune: str | None = None, period: str | None = None) -> list[list[Cell]]:
    return [
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [TITLE],
        [],
        [commune if commune is not None else f"Xã/Thị trấn: {b.name}"],
        [period if period is not None else f"Kỳ báo cáo: {b.month}/{b.year}"],
        [],
    ]


def form(
    b: Base,
    *,
    title: str = "Báo cáo",
    columns: Sequence[Column] | None = None,
    head: list[list[Cell]] | None = None,
    hidden_head: Iterable[int] = (),
    numbering: Sequence[Cell] | None = None,
    group_cells: Callable[[str, list[Indicator]], Cell] | None = None,
    after: dict[str, list[tuple[list[Cell], bool]]] | None = None,
    hidden_codes: Iterable[str] = (),
    signature: bool = True,
) -> Form:
    """The sample form (title block, ``Xã``, ``Kỳ báo cáo``, a header row, group heading rows,
    one row per indicator, a signature block), with the knobs the variants turn."""
    cols = list(columns if columns is not None else standard_columns(b))
    width = len(cols)
    rows: list[list[Cell]] = [list(r) for r in (head if head is not None else head_rows(b))]
    sheet = Sheet(title, rows)
    sheet.merged += [f"A{i}:{get_column_letter(width)}{i}" for i in (1, 2) if i <= len(rows)]
    sheet.hidden_rows |= {i + 1 for i in hidden_head}
    grouped = any(c.group for c in cols)
    top = len(rows) + 1
    if grouped:
        rows.append([c.group or c.header for c in cols])
        rows.append([c.header if c.group else None for c in cols])
        start = 0
        while start < width:
            end = start
            group = cols[start].group
            while group and end + 1 < width and cols[end + 1].group == group:
                end += 1
            if group and end > start:
                sheet.merged.append(f"{get_column_letter(start + 1)}{top}:{get_column_letter(end + 1)}{top}")
            elif not group:
                letter = get_column_letter(start + 1)
                sheet.merged.append(f"{letter}{top}:{letter}{top + 1}")
            start = end + 1
    else:
        rows.append([c.header for c in cols])
    if numbering is not None:
        rows.append(list(numbering))
    value_col = next(i for i, c in enumerate(cols) if c.header not in
                     ("STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính"))
    row_of: dict[str, int] = {}
    hidden = set(hidden_codes)
    groups: dict[str, list[Indicator]] = {}
    for ind in indicators():
        groups.setdefault(ind.group, []).append(ind)
    for number_, (group, members) in enumerate(groups.items()):
        heading: list[Cell] = [f"{ROMAN[number_]}. {group}"] + [None] * (width - 1)
        if group_cells is not None:
            heading[value_col] = group_cells(group, members)
        rows.append(heading)
        for ind in members:
            rows.append([c.cell(ind) for c in cols])
            row_of[ind.code] = len(rows)
            if ind.code in hidden:
                sheet.hidden_rows.add(len(rows))
            for extra, extra_hidden in (after or {}).get(ind.code, []):
                rows.append(list(extra))
                if extra_hidden:
                    sheet.hidden_rows.add(len(rows))
    if signature:
        rows += [[], [None, None, "Người lập biểu", None, "Chủ tịch UBND xã"]]
    sheet.hidden_cols |= {i + 1 for i, c in enumerate(cols) if c.hidden}
    col_of: dict[str, int] = {}
    for i, c in enumerate(cols, start=1):
        col_of.setdefault(c.header, i)
    return Form(sheet, row_of, col_of)


# ----------------------------------------------------------------------------------------------
# Writers: openpyxl xlsx, CSV, HTML, SpreadsheetML 2003


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An xlsx written by openpyxl (formulas as text, no saved results; ``#DIV/0!`` strings
    become error cells)."""
    wb = openpyxl.Workbook()
    for default in list(wb.worksheets):
        wb.remove(default)
    for spec in sheets:
        ws = wb.create_sheet(spec.title)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for ref in spec.merged:
            ws.merge_cells(ref)
        for r in spec.hidden_rows:
            ws.row_dimensions[r].hidden = True
        for c in spec.hidden_cols:
            ws.column_dimensions[get_column_letter(c)].hidden = True
        ws.column_dimensions["C"].width = 50
        if spec.hidden:
            ws.sheet_state = "hidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Cell]], *, delimiter: str = ",", head: str = "",
              encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return (head + out.getvalue()).encode(encoding)


def vn(value: float | None) -> str:
    """A number as Vietnamese text: ``0,3``."""
    if value is None:
        return ""
    return str(number(value)).replace(".", ",")


def html_table_bytes(sheet: Sheet, *, excel: bool = False) -> bytes:
    """An HTML table as web systems export it "for Excel" (``excel=True``: as Excel's own
    "Save as Web Page", with its namespaces and ``x:num`` cells)."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for ref in sheet.merged:
        (c1, r1), (c2, r2) = (_split_ref(p) for p in ref.split(":"))
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
        covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    lines = []
    if excel:
        lines += [
            '<html xmlns:o="urn:schemas-microsoft-com:office:office"',
            'xmlns:x="urn:schemas-microsoft-com:office:excel"',
            'xmlns="http://www.w3.org/TR/REC-html40">',
            '<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">',
            '<meta name=ProgId content=Excel.Sheet><meta name=Generator content="Microsoft Excel 15">',
            "<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet>",
            f"<x:Name>{html.escape(sheet.title)}</x:Name><x:WorksheetOptions><x:Selected/>"
            "</x:WorksheetOptions></x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook>"
            "</xml><![endif]--></head>",
            "<body link=blue vlink=purple><table border=0 cellpadding=0 cellspacing=0>",
        ]
    else:
        lines += [
            "<!DOCTYPE html>",
            '<html><head><meta http-equiv="Content-Type" content="application/vnd.ms-excel; charset=utf-8">',
            f"<title>{html.escape(sheet.title)}</title></head><body>",
            '<table border="1">',
        ]
    width = max((len(r) for r in sheet.rows), default=1)
    for r, row in enumerate(sheet.rows, start=1):
        cells = []
        for c in range(1, width + 1):
            if (r, c) in covered:
                continue
            value = row[c - 1] if c <= len(row) else None
            attrs = ""
            if (r, c) in spans:
                rs, cs = spans[(r, c)]
                attrs += (f" rowspan={rs}" if rs > 1 else "") + (f" colspan={cs}" if cs > 1 else "")
            if isinstance(value, int | float) and excel:
                attrs += f' align=right x:num="{value}"'
                text = vn(value)
            elif isinstance(value, int | float):
                text = vn(value)
            else:
                text = html.escape(value or "")
            cells.append(f"<td{attrs}>{text}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table></body></html>")
    return "\n".join(lines).encode("utf-8")


def _split_ref(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match
    col = 0
    for ch in match[1]:
        col = col * 26 + ord(ch) - 64
    return col, int(match[2])


def spreadsheetml_bytes(sheets: Sequence[Sheet]) -> bytes:
    """SpreadsheetML 2003 ("XML Spreadsheet 2003"), as Excel 2003 and many web systems write."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?mso-application progid="Excel.Sheet"?>',
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"',
        ' xmlns:o="urn:schemas-microsoft-com:office:office"',
        ' xmlns:x="urn:schemas-microsoft-com:office:excel"',
        ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"',
        ' xmlns:html="http://www.w3.org/TR/REC-html40">',
    ]
    for sheet in sheets:
        out.append(f' <Worksheet ss:Name="{html.escape(sheet.title)}"><Table>')
        for r, row in enumerate(sheet.rows, start=1):
            hidden = ' ss:Hidden="1"' if r in sheet.hidden_rows else ""
            cells = []
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                kind = "Number" if isinstance(value, int | float) else "String"
                text = repr(value) if isinstance(value, float) else html.escape(str(value))
                cells.append(f'<Cell ss:Index="{c}"><Data ss:Type="{kind}">{text}</Data></Cell>')
            out.append(f"  <Row ss:Index=\"{r}\"{hidden}>{''.join(cells)}</Row>")
        out.append(" </Table></Worksheet>")
    out.append("</Workbook>")
    return "\n".join(out).encode("utf-8")


# ----------------------------------------------------------------------------------------------
# Zip (OPC, ODF) surgery


@dataclass
class Member:
    name: str
    data: bytes
    compress: int = zipfile.ZIP_DEFLATED


def members(data: bytes) -> list[Member]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [Member(i.filename, z.read(i), i.compress_type) for i in z.infolist()]


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek: zipfile then writes data descriptors (flag bit 3),
    as streaming writers (Java's ZipOutputStream, many web exports) do."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        return self.buffer.write(b)


def pack(parts: Sequence[Member], *, descriptors: bool = False) -> bytes:
    """A zip of these members, in this order, with a fixed date (deterministic)."""
    sink: Any = _Unseekable() if descriptors else io.BytesIO()
    with zipfile.ZipFile(sink, "w") as z:
        for m in parts:
            info = zipfile.ZipInfo(m.name, date_time=(2024, 2, 3, 8, 0, 0))
            info.compress_type = m.compress
            z.writestr(info, m.data)
    return sink.buffer.getvalue() if descriptors else sink.getvalue()


def part(parts: list[Member], name: str) -> Member:
    return next(m for m in parts if m.name == name)


def add_before_end(xml: bytes, end_tag: bytes, addition: bytes) -> bytes:
    at = xml.rindex(end_tag)
    return xml[:at] + addition + xml[at:]


def add_relationship(parts: list[Member], rels_name: str, rel_id: str, rel_type: str,
                     target: str) -> None:
    rel = (f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>').encode()
    try:
        m = part(parts, rels_name)
        m.data = add_before_end(m.data, b"</Relationships>", rel)
    except StopIteration:
        parts.append(Member(rels_name, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                            b'relationships">' + rel + b"</Relationships>"))


def add_content_type(parts: list[Member], entry: str) -> None:
    m = part(parts, "[Content_Types].xml")
    m.data = add_before_end(m.data, b"</Types>", entry.encode())


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def add_picture(xlsx: bytes, image: bytes, *, ext: str, anchor: tuple[int, int] = (4, 36),
                stored: bool = True) -> bytes:
    """The first sheet gets a picture (a stamp, a signature) as Excel anchors it: media part,
    drawing part, relationships, content types."""
    parts = members(xlsx)
    media = f"xl/media/image1.{ext}"
    parts.append(Member(media, image, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED))
    col, row = anchor
    drawing = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        f"<xdr:twoCellAnchor editAs=\"oneCell\"><xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{col + 1}</xdr:col>"
        f"<xdr:colOff>0</xdr:colOff><xdr:row>{row + 5}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Con dấu"/><xdr:cNvPicPr>'
        '<a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill>'
        f'<a:blip xmlns:r="{REL}" r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
        '<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1143000" cy="1143000"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/>'
        "</xdr:twoCellAnchor></xdr:wsDr>"
    ).encode()
    parts.append(Member("xl/drawings/drawing1.xml", drawing))
    add_relationship(parts, "xl/drawings/_rels/drawing1.xml.rels", "rId1", f"{REL}/image",
                     f"../media/image1.{ext}")
    sheet = part(parts, "xl/worksheets/sheet1.xml")
    sheet.data = add_before_end(sheet.data, b"</worksheet>",
                                f'<drawing xmlns:r="{REL}" r:id="rIdPic1"/>'.encode())
    add_relationship(parts, "xl/worksheets/_rels/sheet1.xml.rels", "rIdPic1", f"{REL}/drawing",
                     "../drawings/drawing1.xml")
    mime = {"png": "image/png", "jpeg": "image/jpeg", "emf": "image/x-emf"}[ext]
    if f'Extension="{ext}"'.encode() not in part(parts, "[Content_Types].xml").data:
        add_content_type(parts, f'<Default Extension="{ext}" ContentType="{mime}"/>')
    add_content_type(parts, '<Override PartName="/xl/drawings/drawing1.xml" ContentType='
                     '"application/vnd.openxmlformats-officedocument.drawing+xml"/>')
    return pack(parts)


def add_sheet_binary(xlsx: bytes, name: str, data: bytes, rel_type: str, content_type: str) -> bytes:
    """An embedded binary part (OLE object, printer settings) related from the first sheet."""
    parts = members(xlsx)
    parts.append(Member(f"xl/{name}", data))
    add_relationship(parts, "xl/worksheets/_rels/sheet1.xml.rels", f"rIdBin{len(parts)}", rel_type,
                     f"../{name}")
    add_content_type(parts, f'<Override PartName="/xl/{name}" ContentType="{content_type}"/>')
    return pack(parts)


def as_xlsm(xlsx: bytes, vba: bytes) -> bytes:
    """A macro-enabled workbook (.xlsm) carrying a vbaProject.bin, as Excel saves one."""
    parts = members(xlsx)
    ct = part(parts, "[Content_Types].xml")
    ct.data = ct.data.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    parts.append(Member("xl/vbaProject.bin", vba))
    add_content_type(parts, '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>')
    add_relationship(parts, "xl/_rels/workbook.xml.rels", "rIdVba",
                     "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin")
    return pack(parts)


def add_custom_xml(xlsx: bytes) -> bytes:
    """customXml/ items (SharePoint, document management) and docProps/custom.xml (custom
    document properties): parts outside xl/ that Excel keeps."""
    parts = members(xlsx)
    item = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
            b'<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography" '
            b'SelectedStyle="\\APA.XSL" StyleName="APA"/>')
    props = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
             b'<ds:datastoreItem ds:itemID="{6C5B9A0E-8E57-4B8B-9D1E-2C1B6A8F4E21}" '
             b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
             b'<ds:schemaRefs><ds:schemaRef ds:uri="http://schemas.openxmlformats.org/officeDocument/'
             b'2006/bibliography"/></ds:schemaRefs></ds:datastoreItem>')
    parts.append(Member("customXml/item1.xml", item))
    parts.append(Member("customXml/itemProps1.xml", props))
    add_relationship(parts, "customXml/_rels/item1.xml.rels", "rId1",
                     f"{REL}/customXmlProps", "itemProps1.xml")
    add_relationship(parts, "xl/_rels/workbook.xml.rels", "rIdCx1", f"{REL}/customXml",
                     "../customXml/item1.xml")
    add_content_type(parts, '<Override PartName="/customXml/itemProps1.xml" ContentType='
                     '"application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/>')
    custom = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
              '"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Người lập">'
              "<vt:lpwstr>Lò Thị Mai</vt:lpwstr></property>"
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="Số văn bản">'
              "<vt:lpwstr>12/BC-UBND</vt:lpwstr></property></Properties>").encode()
    parts.append(Member("docProps/custom.xml", custom))
    add_relationship(parts, "_rels/.rels", "rIdCustom",
                     f"{REL}/custom-properties", "docProps/custom.xml")
    add_content_type(parts, '<Override PartName="/docProps/custom.xml" ContentType='
                     '"application/vnd.openxmlformats-officedocument.custom-properties+xml"/>')
    return pack(parts)


def add_thumbnail(xlsx: bytes, jpeg: bytes) -> bytes:
    """docProps/thumbnail.jpeg, as Excel writes with "Save Thumbnail" (a binary part whose
    content type says image/jpeg)."""
    parts = members(xlsx)
    parts.append(Member("docProps/thumbnail.jpeg", jpeg, zipfile.ZIP_STORED))
    add_relationship(parts, "_rels/.rels", "rIdThumb",
                     "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
                     "docProps/thumbnail.jpeg")
    add_content_type(parts, '<Default Extension="jpeg" ContentType="image/jpeg"/>')
    return pack(parts)


def shuffle_package(xlsx: bytes) -> bytes:
    """[Content_Types].xml stored last, Overrides before Defaults, an Override for a part that
    is not there, and a ``[trash]/`` folder as Excel leaves after editing."""
    parts = members(xlsx)
    ct = part(parts, "[Content_Types].xml")
    text = ct.data.decode()
    defaults = re.findall(r"<Default [^>]*/>", text)
    overrides = re.findall(r"<Override [^>]*/>", text)
    opening = text[: text.index(">", text.index("<Types")) + 1]
    ct.data = (
        opening
        + "".join(overrides)
        + '<Override PartName="/xl/calcChain.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/>'
        + "".join(defaults)
        + '<Default Extension="dat" ContentType="application/octet-stream"/>'
        + "</Types>"
    ).encode()
    parts.remove(ct)
    parts.append(Member("[trash]/0000.dat", bytes(range(256)) * 4))
    parts.append(Member("[trash]/0001.dat", b"\x00" * 512))
    parts.append(ct)
    return pack(parts)


def rename_parts(xlsx: bytes, rename: Callable[[str], str]) -> bytes:
    """Every zip entry renamed (``xl\\worksheets\\sheet1.xml``), relationships unchanged."""
    parts = members(xlsx)
    for m in parts:
        m.name = rename(m.name)
    return pack(parts)


def parts_at_root(xlsx: bytes) -> bytes:
    """No xl/ folder: the workbook, its sheets and styles at the package root, as some
    generators write (OPC allows any part names; relationships say where things are)."""
    parts = members(xlsx)
    out = []
    for m in parts:
        if m.name.startswith("xl/"):
            m.name = m.name[3:]
        if m.name.endswith(".rels") or m.name == "[Content_Types].xml":
            m.data = m.data.replace(b"/xl/", b"/").replace(b'Target="xl/', b'Target="')
        out.append(m)
    return pack(out)


def add_ods_parts(ods: bytes, *, openoffice: bool = False) -> bytes:
    """The parts OpenOffice 2–4 and LibreOffice 3.x–7.x write into an .ods: an empty
    ``Configurations2/accelerator/current.xml`` (0 bytes, deflated), the empty
    ``Configurations2/*`` folders, a thumbnail; the manifest lists them (``openoffice``:
    OpenOffice 3 style, every folder listed, no manifest version)."""
    parts = members(ods)
    names = {m.name for m in parts}
    add = [Member(f"Configurations2/{d}/", b"", zipfile.ZIP_STORED)
           for d in ("statusbar", "floater", "popupmenu", "progressbar", "menubar", "toolbar",
                     "images/Bitmaps", "toolpanel")
           if f"Configurations2/{d}/" not in names]
    add.insert(2, Member("Configurations2/accelerator/current.xml", b""))
    if "Thumbnails/thumbnail.png" not in names:
        add.append(Member("Thumbnails/thumbnail.png", stamp_png(24), zipfile.ZIP_STORED))
    at = next(i for i, m in enumerate(parts) if m.name == "content.xml")
    parts[at:at] = add
    manifest = part(parts, "META-INF/manifest.xml")
    entries = ['<manifest:file-entry manifest:media-type="" manifest:full-path='
               '"Configurations2/accelerator/current.xml"/>']
    if openoffice:
        entries += [f'<manifest:file-entry manifest:media-type="" manifest:full-path="{m.name}"/>'
                    for m in add if m.name.endswith("/")]
        entries.append('<manifest:file-entry manifest:media-type="" manifest:full-path="Thumbnails/"/>')
        manifest.data = re.sub(rb' manifest:version="[\d.]+"', b"", manifest.data)
    if b"Thumbnails/thumbnail.png" not in manifest.data:
        entries.append('<manifest:file-entry manifest:media-type="image/png" '
                       'manifest:full-path="Thumbnails/thumbnail.png"/>')
    manifest.data = add_before_end(manifest.data, b"</manifest:manifest>", "".join(entries).encode())
    return pack(parts)


# ----------------------------------------------------------------------------------------------
# OLE2 (compound file): a small reader and writer, enough to re-lay a LibreOffice .xls

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


def _chain(table: Sequence[int], start: int) -> list[int]:
    out: list[int] = []
    while start < len(table) and len(out) <= len(table):
        out.append(start)
        start = table[start]
    return out


def _directory(data: bytes) -> tuple[list[tuple[str, int, int, int]], list[int], list[int]]:
    """(entries as (name, type, start, size), sector offsets of the entries, FAT)."""
    padded = data + b"\0" * (-len(data) % SECTOR)
    fat_count, dir_start = struct.unpack_from("<II", data, 44)
    difat = struct.unpack_from("<109I", data, 76)[:fat_count]
    fat = [x for s in difat for x in struct.unpack_from("<128I", padded, SECTOR * (s + 1))]
    entries, offsets = [], []
    for s in _chain(fat, dir_start):
        for k in range(SECTOR // 128):
            off = SECTOR * (s + 1) + 128 * k
            (name_len,) = struct.unpack_from("<H", padded, off + 64)
            start, size = struct.unpack_from("<II", padded, off + 116)
            name = padded[off : off + max(name_len - 2, 0)].decode("utf-16-le")
            entries.append((name, padded[off + 66], start, size))
            offsets.append(off)
    return entries, offsets, fat


def ole_streams(data: bytes) -> list[tuple[str, bytes]]:
    """The streams of a flat OLE2 file (all streams under the root), in directory order."""
    if data[:8] != OLE_SIGNATURE:
        raise ValueError("not an OLE2 file")
    padded = data + b"\0" * (-len(data) % SECTOR)
    entries, _, fat = _directory(data)
    (minifat_start,) = struct.unpack_from("<I", data, 60)

    def sectors(start: int) -> bytes:
        return b"".join(padded[SECTOR * (s + 1) : SECTOR * (s + 2)] for s in _chain(fat, start))

    ministream = sectors(entries[0][2])
    minifat = list(struct.unpack(f"<{len(sectors(minifat_start)) // 4}I", sectors(minifat_start)))
    out = []
    for name, kind, start, size in entries[1:]:
        if kind != 2:
            continue
        if size < CUTOFF:
            body = b"".join(ministream[MINI * i : MINI * (i + 1)] for i in _chain(minifat, start))
        else:
            body = sectors(start)
        out.append((name, body[:size]))
    return out


def _entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, left, right, child)
            + b"\0" * 36 + struct.pack("<IQ", start, size))


def ole_file(streams: Sequence[tuple[str, bytes]], *, pad_last: bool = True) -> bytes:
    """A flat OLE2 (v3) file holding these streams. Big streams come last, in the given order,
    so the file ends inside the last one; ``pad_last=False`` leaves that final sector short, as
    the statistics office's .xls lists and some export libraries do."""
    small = [(n, b) for n, b in streams if len(b) < CUTOFF]
    big = [(n, b) for n, b in streams if len(b) >= CUTOFF]
    ministream, minifat, starts = b"", list[int](), dict[str, int]()
    for name, body in small:
        count = -(-len(body) // MINI)
        starts[name] = len(minifat) if count else END
        if count:
            minifat += [*range(len(minifat) + 1, len(minifat) + count), END]
        ministream += body.ljust(count * MINI, b"\0")
    n_dir = -(-(len(streams) + 1) * 128 // SECTOR)
    n_minifat = -(-len(minifat) * 4 // SECTOR)
    n_mini = -(-len(ministream) // SECTOR)
    counts = [-(-len(b) // SECTOR) for _, b in big]
    n_fat = 1
    while n_fat * 128 < n_fat + n_minifat + n_dir + n_mini + sum(counts):
        n_fat += 1
    fat: list[int] = [FATSECT] * n_fat

    def run(count: int) -> int:
        if not count:
            return END
        first = len(fat)
        fat.extend([*range(first + 1, first + count), END])
        return first

    minifat_first, dir_first, mini_first = run(n_minifat), run(n_dir), run(n_mini)
    for (name, _), count in zip(big, counts, strict=True):
        starts[name] = run(count)
    fat += [FREE] * (n_fat * 128 - len(fat))
    # A balanced tree of the entries in CFB order (length, then upper-case name); all black.
    order = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    links: dict[int, tuple[int, int]] = {}

    def tree(lo: int, hi: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        links[order[mid] + 1] = (tree(lo, mid), tree(mid + 1, hi))
        return order[mid] + 1

    root = tree(0, len(streams))
    directory = _entry("Root Entry", 5, NOSTREAM, NOSTREAM, root, mini_first, len(ministream))
    for i, (name, body) in enumerate(streams, start=1):
        directory += _entry(name, 2, *links[i], NOSTREAM, starts[name], len(body))
    while len(directory) < n_dir * SECTOR:
        directory += _entry("", 0, NOSTREAM, NOSTREAM, NOSTREAM, 0, 0)
    header = (OLE_SIGNATURE + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, n_fat, dir_first, 0, CUTOFF, minifat_first, n_minifat, END, 0)
              + struct.pack("<109I", *range(n_fat), *[FREE] * (109 - n_fat)))
    out = bytearray(header) + struct.pack(f"<{len(fat)}I", *fat)
    if n_minifat:
        out += struct.pack(f"<{n_minifat * 128}I", *minifat, *[FREE] * (n_minifat * 128 - len(minifat)))
    out += directory + ministream.ljust(n_mini * SECTOR, b"\0")
    for _, body in big:
        out += body.ljust(-(-len(body) // SECTOR) * SECTOR, b"\0")
    if not pad_last and big:
        del out[len(out) - (-len(big[-1][1]) % SECTOR) :]
    return bytes(out)


def rename_ole_stream(data: bytes, old: str, new: str) -> bytes:
    """The same file with one directory entry renamed in place (``Workbook`` → ``WORKBOOK``)."""
    entries, offsets, _ = _directory(data)
    at = offsets[[e[0] for e in entries].index(old)]
    encoded = new.encode("utf-16-le") + b"\0\0"
    out = bytearray(data)
    out[at : at + 64] = encoded.ljust(64, b"\0")
    struct.pack_into("<H", out, at + 64, len(encoded))
    return bytes(out)


def relaid_xls(xls: bytes, *, stream: str = "Workbook", pad_last: bool = False) -> bytes:
    """An .xls re-laid with its workbook stream last (named ``stream``), unpadded by default."""
    streams = ole_streams(xls)
    book = [(stream, b) for n, b in streams if n == "Workbook"]
    return ole_file([s for s in streams if s[0] != "Workbook"] + book, pad_last=pad_last)


def ole_blob(payload: bytes, name: str = "\x01Ole10Native") -> bytes:
    """An embedded OLE object (a "Package" holding a file), as oleObject1.bin."""
    native = struct.pack("<I", len(payload)) + payload
    comp = b"\x01\x00\xfe\xff\x03\x0a\x00\x00\xff\xff\xff\xff" + b"\0" * 16 + b"Package\0"
    return ole_file([("\x01CompObj", comp), (name, native), ("\x01Ole", b"\x01\x00\x00\x02" + b"\0" * 16)])


def vba_project() -> bytes:
    """A vbaProject.bin-shaped OLE2 file (streams named as Excel names them; the macro source is
    never run nor read)."""
    source = b"Attribute VB_Name = \"Module1\"\r\nSub TongHop()\r\n  MsgBox \"Xong\"\r\nEnd Sub\r\n"
    return ole_file([("PROJECT", b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\n'),
                     ("PROJECTwm", b"Module1\x00M\x00o\x00d\x00u\x00l\x00e\x001\x00\x00\x00\x00\x00"),
                     ("dir", zlib.compress(source) * 40),
                     ("Module1", b"\x01" + source * 64)])


# ----------------------------------------------------------------------------------------------
# Images: a red stamp (PNG), with bytes that look like XML or a zip inside


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def stamp_png(size: int = 64, *, text: bytes = b"") -> bytes:
    """A round red stamp, RGBA; ``text`` goes into a tEXt chunk (a valid PNG still)."""
    rows = []
    c = (size - 1) / 2
    for y in range(size):
        row = bytearray(b"\0")
        for x in range(size):
            d = ((x - c) ** 2 + (y - c) ** 2) ** 0.5 / c
            inked = 0.78 <= d <= 0.95 or (d < 0.55 and (x + y) % 7 < 2)
            row += bytes((200, 16, 32, 230)) if inked else b"\xff\xff\xff\x00"
        rows.append(bytes(row))
    chunks = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    if text:
        chunks += _png_chunk(b"tEXt", b"Comment\0" + text)
    chunks += _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def noise_png(seed: int, size: int = 48) -> bytes:
    """A PNG of random RGB pixels (a photo's worth of arbitrary bytes), filter 0, stored
    uncompressed in its IDAT (zlib level 0) so the raw bytes show in the file."""
    rng = random.Random(seed)
    raw = b"".join(b"\0" + rng.randbytes(size * 3) for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(raw, 0)) + _png_chunk(b"IEND", b""))


XML_LOOKALIKE = (
    b'<?xml version="1.0"?><!DOCTYPE stamp [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b"<stamp>&lol2;</stamp> PK\x03\x04\x14\x00\x08\x00 PK\x01\x02 PK\x05\x06\x00\x00 \xd0\xcf\x11\xe0"
)


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


def gray_jpeg() -> bytes:
    """A baseline JPEG, 8×8 grey, by hand: one block whose DC difference and AC coefficients are
    all zero, with one-symbol Huffman tables (code ``0`` each). Small and valid."""
    jfif = b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = b"\x00" + b"\x01" * 64
    frame = struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"
    one_symbol = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for symbol 0
    scan = b"\x01\x01\x00\x00\x3f\x00"
    return (b"\xff\xd8" + _jpeg_segment(0xE0, jfif) + _jpeg_segment(0xDB, quant)
            + _jpeg_segment(0xC0, frame) + _jpeg_segment(0xC4, b"\x00" + one_symbol)
            + _jpeg_segment(0xC4, b"\x10" + one_symbol) + _jpeg_segment(0xDA, scan)
            + b"\x3f" + b"\xff\xd9")


def jpeg_with_segments(jpeg: bytes) -> bytes:
    """A JPEG with an XMP packet (as phones and scanners add) whose text
    carries DOCTYPE/ENTITY declarations and zip/OLE signatures, and a COM segment likewise."""
    assert jpeg[:2] == b"\xff\xd8"
    xmp = (b"http://ns.adobe.com/xap/1.0/\0<?xpacket begin='\xef\xbb\xbf' id='W5M0MpCehiHzreSzNTczkc9d'?>"
           + XML_LOOKALIKE + b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/><?xpacket end='w'?>")
    com = b"chu ky " + XML_LOOKALIKE
    return (jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp
            + b"\xff\xfe" + struct.pack(">H", len(com) + 2) + com + jpeg[2:])


# ----------------------------------------------------------------------------------------------
# LibreOffice: what only it can make, made once and cached in tests/data/wild/lo/


@dataclass(frozen=True)
class LoJob:
    """A source LibreOffice converts once: ``stem.<target>`` per target is committed."""

    stem: str
    source: Callable[[], tuple[str, bytes]]  # (extension, bytes)
    targets: tuple[str, ...]


def lo_file(name: str) -> bytes:
    path = LO_CACHE / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `python -m tests.wild_corpus --refresh-libreoffice`")
    return path.read_bytes()


LO_FILTERS = {
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
    "xlsx": "xlsx:Calc Office Open XML",
    "html": "html:HTML (StarCalc)",
}  # LibreOffice 7.4's "MS Excel 2003 XML" export fails on its own files (XSLT recursion)

NO_THUMBNAIL = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="GenerateThumbnail" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def soffice(inputs: Sequence[Path], target: str, outdir: Path, profile: Path) -> None:
    """One LibreOffice start converting many files (a private profile: no lock, no thumbnails,
    so the cached files stay a few KB)."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(NO_THUMBNAIL, encoding="utf-8")
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", LO_FILTERS[target], "--outdir", str(outdir), *map(str, inputs)],
        check=True, capture_output=True, timeout=600,
    )


def refresh_libreoffice(dest: Path = LO_CACHE) -> list[Path]:
    """Remake every cached LibreOffice file (one soffice start per target format)."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.iterdir():
        old.unlink()
    written = []
    with tempfile.TemporaryDirectory(prefix="wild-lo-") as tmp:
        work = Path(tmp)
        by_target: dict[str, list[Path]] = {}
        for job in lo_jobs():
            ext, data = job.source()
            src = work / "src" / f"{job.stem}.{ext}"
            src.parent.mkdir(exist_ok=True)
            src.write_bytes(data)
            for target in job.targets:
                by_target.setdefault(target, []).append(src)
        for target, inputs in by_target.items():
            out = work / f"out-{target}"
            soffice(inputs, target, out, work / f"profile-{target}")
            for src in inputs:
                made = out / f"{src.stem}.{target}"
                if not made.exists():
                    raise RuntimeError(f"LibreOffice did not convert {src.name} to {target}")
                shutil.copy(made, dest / made.name)
                written.append(dest / made.name)
    return written


# ----------------------------------------------------------------------------------------------
# The bases and the variants


B_NAMCO = "bc_04462_2024-01.xlsx"  # Xã Nậm Có (named in issue 12), formulas and "-" in the sample
B_CHECU = "bc_04471_2024-02.xlsx"
B_NAMKHAT = "bc_04495_2024-01.xlsx"
B_TT = ("bc_04456_2024-01.xlsx", "bc_04456_2024-02.xlsx", "bc_04456_2024-03.xlsx")
XLS_SAMPLE = "bc_04465_2024-01.xls"
XLS_SAMPLE_2 = "bc_04492_2024-01.xls"
ODS_SAMPLE = "bc_04462_2024-02.ods"
ODS_SAMPLE_2 = "bc_04477_2024-01.ods"


def plain(b: Base, **kw: Any) -> Sheet:
    return form(b, **kw).sheet


def with_error(b: Base, code: str, cell: Cell) -> Form:
    cols = standard_columns(b)
    value = cols[4]

    def with_cell(ind: Indicator) -> Cell:
        return cell if ind.code == code else value.cell(ind)

    cols[4] = Column("Số lượng", with_cell)
    return form(b, columns=cols)


def formulas(b: Base, codes: Iterable[str]) -> Form:
    """Value cells written as formulas (``=3+4``), as clerks add up by hand and scripts write."""
    chosen = set(codes)

    def cell(ind: Indicator) -> Cell:
        value = b.values.get(ind.code)
        if ind.code not in chosen or value is None:
            return number(value, ind.integer)
        whole = int(value // 2)
        rest = number(round(value - whole, 6), ind.integer)
        return f"={whole}+{rest}"

    cols = standard_columns(b)
    cols[4] = Column("Số lượng", cell)
    return form(b, columns=cols)


def hidden_twin_column(b: Base, wrong: Base) -> Form:
    """A hidden "Số lượng" column (last year's figures) left of the visible one."""
    cols = standard_columns(b)
    twin = Column("Số lượng", lambda ind: number(wrong.values.get(ind.code), ind.integer), hidden=True)
    return form(b, columns=[*cols[:4], twin, *cols[4:]])


def hidden_value_row(b: Base, code: str, value: float) -> Form:
    """A hidden row repeating an indicator with another value, under its visible row."""
    ind = next(i for i in indicators() if i.code == code)
    stt = [i.code for i in indicators()].index(code) + 1
    row: list[Cell] = [str(stt), code, ind.label, ind.unit, number(value, ind.integer), None]
    return form(b, after={code: [(row, True)]})


def hidden_period_row(b: Base, wrong_period: str) -> Form:
    head = head_rows(b)
    head.insert(4, [f"Tháng: {wrong_period}"])
    return form(b, head=head, hidden_head=[4])


def month_subcolumns(b: Base, previous: Sequence[Base], headers: Sequence[str]) -> Form:
    """``Số lượng`` merged over sub-columns: ``Lũy kế đến tháng trước`` (the sum of earlier
    months; stocks: last month's), ``Trong tháng`` (this month), ``Lũy kế từ đầu năm``."""
    by_code = {i.code: i for i in indicators()}
    stock = {"lighting_km", "self_managed_roads", "cleanup_road_km", "enterprises_total",
             "cooperatives_total", "coop_groups_total"}

    def cumulative(months: Sequence[Base], code: str) -> Cell:
        seen = [m.values[code] for m in months if code in m.values]
        if not seen:
            return None
        total = seen[-1] if code in stock else round(sum(seen), 6)
        return number(total, by_code[code].integer)

    def sub(header: str) -> Column:
        if header == "Trong tháng":
            return Column(header, lambda ind: number(b.values.get(ind.code), ind.integer), "Số lượng")
        if header == "Lũy kế từ đầu năm":
            return Column(header, lambda ind: cumulative([*previous, b], ind.code), "Số lượng")
        if header == "Kế hoạch năm":
            return Column(header, lambda ind: number(round((b.values.get(ind.code) or 0) * 12 + 5),
                                                     True), "Số lượng")
        return Column(header, lambda ind: cumulative(previous, ind.code), "Số lượng")

    cols = standard_columns(b)
    return form(b, columns=[*cols[:4], *(sub(h) for h in headers), cols[5]])


def year_sheet(months: Sequence[Base], period_text: str) -> Form:
    """One sheet for the year: ``Số lượng`` merged over T1 … T12, months so far filled."""
    first = months[0]
    cols = standard_columns(first)
    by_month = {m.month: m for m in months}

    def month_col(k: int) -> Column:
        m = by_month.get(k)
        return Column(f"T{k}", lambda ind: number(m.values.get(ind.code), ind.integer) if m else None,
                      "Số lượng")

    return form(first, columns=[*cols[:4], *(month_col(k) for k in range(1, 13)), cols[5]],
                head=head_rows(first, period=period_text))


def label_of(code: str) -> str:
    return next(i.label for i in indicators() if i.code == code)


def long_rows(b: Base, *, commune: Callable[[int], str] | None = None,
              period: Callable[[int], str] | None = None,
              value: Callable[[str, float], Cell] | None = None) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for i, ind in enumerate(indicators()):
        if ind.code not in b.values:
            continue
        v = b.values[ind.code]
        rows.append([
            commune(i) if commune else b.commune,
            period(i) if period else b.period,
            ind.code,
            value(ind.code, v) if value else vn(v),
        ])
    return rows


def wide_rows(bases: Sequence[Base], *, commune: Callable[[Base], Cell] | None = None,
              value: Callable[[str, float], Cell] | None = None) -> list[list[Cell]]:
    rows: list[list[Cell]] = [["Xã", "Kỳ báo cáo", *(i.code for i in indicators())]]
    for b in bases:
        rows.append([
            commune(b) if commune else b.name,
            f"{b.month}/{b.year}",
            *((value(i.code, b.values[i.code]) if value else vn(b.values[i.code]))
              if i.code in b.values else None for i in indicators()),
        ])
    return rows


def english(v: float) -> str:
    """A number as an English-locale program writes it: ``2,110`` and ``12.5``."""
    return f"{number(v):,}"


# The LibreOffice jobs: forms made here, converted (and computed) by LibreOffice.


def _xlsx_source(sheets: Callable[[], Sequence[Sheet]]) -> Callable[[], tuple[str, bytes]]:
    return lambda: ("xlsx", xlsx_bytes(sheets()))


def lo_jobs() -> list[LoJob]:
    namco, checu, namkhat = base(B_NAMCO), base(B_CHECU), base(B_NAMKHAT)
    tt = [base(n) for n in B_TT]
    three = ("xls", "ods", "xlsx")
    errors = {"trees_planted": "=1/0", "houses_for_poor": "=NA()", "workdays": '="a"+1',
              "cleanup_sessions": "=SOTIEN()", "toilets_built": "=SQRT(-1)"}

    def error_form() -> list[Sheet]:
        cols = standard_columns(checu)
        value = cols[4]
        cols[4] = Column("Số lượng", lambda ind: errors.get(ind.code) or value.cell(ind))
        return [form(checu, columns=cols).sheet]

    def ref_error_form() -> list[Sheet]:
        cols = standard_columns(namkhat)
        cols[4] = Column("Số lượng", lambda ind: "=#REF!+1" if ind.code == "leader_visits" else
                         number(namkhat.values.get(ind.code), ind.integer))
        return [form(namkhat, columns=cols).sheet]

    def hidden_sheet_book() -> list[Sheet]:
        decoy = plain(tt[0].with_values(trees_planted=999.0), title="Bản cũ")
        decoy.hidden = True
        return [decoy, plain(tt[0])]

    return [
        LoJob("plain_namco", _xlsx_source(lambda: [plain(namco)]), (*three, "html")),
        LoJob("errors_checu", _xlsx_source(error_form), three),
        LoJob("ref_error_namkhat", _xlsx_source(ref_error_form), three),
        LoJob("formulas_namkhat", _xlsx_source(lambda: [formulas(namkhat, FORMULA_CODES).sheet]), three),
        LoJob("hidden_column", _xlsx_source(lambda: [hidden_twin_column(tt[2], tt[1]).sheet]), three),
        LoJob("hidden_row", _xlsx_source(lambda: [hidden_value_row(checu, "trees_planted", 480).sheet]),
              three),
        LoJob("hidden_period", _xlsx_source(lambda: [hidden_period_row(namco, "12/2023").sheet]), three),
        LoJob("hidden_sheet", _xlsx_source(hidden_sheet_book), ("xls", "ods")),
        LoJob("subcolumns", _xlsx_source(lambda: [month_subcolumns(
            tt[2], tt[:2], ("Lũy kế đến tháng trước", "Trong tháng")).sheet]), ("xls", "ods")),
        LoJob("year_sheet", _xlsx_source(lambda: [year_sheet(tt, "Kỳ báo cáo: 3/2024").sheet]),
              ("xls", "ods")),
        LoJob("code_dash_name", _xlsx_source(lambda: [plain(namco, head=head_rows(
            namco, commune="Xã/Thị trấn: 04462 - Xã Nậm Có"))]), ("xls", "ods")),
        LoJob("column_numbers", _xlsx_source(lambda: [plain(namco, numbering=NUMBERING_LETTERS)]),
              ("xls", "ods")),
        LoJob("label_mismatch", _xlsx_source(lambda: [label_mismatch(namkhat).sheet]), ("ods",)),
    ]


FORMULA_CODES = ("leader_visits", "propaganda_listeners", "cadre_participations", "trees_planted",
                 "donations_mvnd")
NUMBERING_LETTERS: list[Cell] = ["A", "B", "C", "D", 1, 2]
NUMBERING_PARENS: list[Cell] = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]


def label_mismatch(b: Base) -> Form:
    """The row coded ``trees_planted`` carries the label of ``flower_road_km``."""
    cols = standard_columns(b)
    cols[2] = Column("Chỉ tiêu", lambda ind: label_of("flower_road_km") if ind.code == "trees_planted"
                     else ind.label)
    return form(b, columns=cols)


# ----------------------------------------------------------------------------------------------
# The cases


def _writer(files: dict[str, Callable[[], bytes]]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data())

    return make


class _Cases:
    def __init__(self) -> None:
        self.items: list[Case] = []

    def add(self, klass: str, name: str, files: dict[str, Callable[[], bytes]], expect: Expect,
            note: str, made_by: str) -> None:
        if any(c.name == name for c in self.items):
            raise ValueError(f"duplicate case {name}")
        self.items.append(Case(name, klass, tuple(files), expect, note, made_by, _writer(files)))

    def one(self, klass: str, name: str, data: Callable[[], bytes], expect: Expect, note: str,
            made_by: str) -> None:
        self.add(klass, name, {name: data}, expect, note, made_by)


def read(*returns: ExpectedReturn) -> Expect:
    return Expect(read=returns)


def sample(name: str) -> Callable[[], bytes]:
    return lambda: (SAMPLES / name).read_bytes()


def real(name: str) -> Callable[[], bytes]:
    return lambda: (REAL / name).read_bytes()


def xlsx_of(*sheets: Callable[[], Sheet]) -> Callable[[], bytes]:
    return lambda: xlsx_bytes([s() for s in sheets])


def xlsx_of_form(f: Form) -> Callable[[], bytes]:
    return lambda: xlsx_bytes([f.sheet])


def lo(name: str) -> Callable[[], bytes]:
    return lambda: lo_file(name)


NO_RETURN = Expect(refused=(Refusal("no-return"),))


@cache
def corpus() -> tuple[Case, ...]:
    """Every case, in report order. Pure: reading it writes nothing."""
    k = _Cases()
    namco, checu, namkhat = base(B_NAMCO), base(B_CHECU), base(B_NAMKHAT)
    tt = [base(n) for n in B_TT]
    xls1, xls2 = base(XLS_SAMPLE), base(XLS_SAMPLE_2)
    ods1, ods2 = base(ODS_SAMPLE), base(ODS_SAMPLE_2)

    # control: what reads today must keep reading; proves the oracle and the writer.
    for name in (XLS_SAMPLE, ODS_SAMPLE, B_NAMCO):
        k.one("control", f"control-sample-{name}", sample(name), read(base(name).expected()),
              "the sample as committed (LibreOffice)", "sample")
    k.one("control", "control-openpyxl-namco.xlsx", xlsx_of(lambda: plain(namco)),
          read(namco.expected()), "this generator's plain form", "openpyxl")
    k.one("control", "control-long.csv",
          lambda: csv_bytes([["commune", "period", "indicator", "value"], *long_rows(checu)], delimiter=";"),
          read(checu.expected()), "a long table (the plain one behind l- and m- cases)", "hand")
    k.one("control", "control-long-vn-headers.csv",
          lambda: csv_bytes([["Xã", "Kỳ báo cáo", "Chỉ tiêu", "Giá trị"], *long_rows(namkhat)], delimiter=";"),
          read(namkhat.expected()), "a long table with Vietnamese headers (n-sep-line without its "
          "first line)", "hand")
    k.one("control", "control-wide.csv", lambda: csv_bytes(wide_rows([tt[0], tt[1]]), delimiter=";"),
          read(tt[0].expected(), tt[1].expected()), "a wide table (n-title-above without its title)",
          "hand")
    for ext in ("xls", "ods", "xlsx"):
        k.one("control", f"control-lo-namco.{ext}", lo(f"plain_namco.{ext}"), read(namco.expected()),
              "the plain form converted by LibreOffice", "libreoffice")

    # a: unpadded last sector
    k.one("a", "a-unpadded-sample.xls", lambda: relaid_xls(sample(XLS_SAMPLE)()),
          read(xls1.expected()), "LibreOffice's xls re-laid with the Workbook stream last, its "
          "final sector cut short (file size not a multiple of 512)", "hand")
    k.one("a", "a-unpadded-sample2.xls", lambda: relaid_xls(sample(XLS_SAMPLE_2)()),
          read(xls2.expected()), "as above, another commune", "hand")
    k.one("a", "a-unpadded-lo-namco.xls", lambda: relaid_xls(lo_file("plain_namco.xls")),
          read(namco.expected()), "a LibreOffice xls of the form, unpadded", "hand")
    # (Cutting only the trailing zero bytes of LibreOffice's own xls, whose last sector is a
    # directory sector, makes calamine panic: not a good file, so not in the corpus.)
    for name in ("50426.xls",):
        k.one("a", f"a-real-poi-{name}", real(f"poi/{name}"), NO_RETURN,
              "Apache POI test file, not padded to 512 bytes; calamine and LibreOffice read it",
              "real")

    # b: WORKBOOK / BOOK stream names
    k.one("b", "b-workbook-caps.xls",
          lambda: rename_ole_stream(sample(XLS_SAMPLE)(), "Workbook", "WORKBOOK"),
          read(xls1.expected()), "LibreOffice's xls, its Workbook stream renamed WORKBOOK", "hand")
    k.one("b", "b-book-caps.xls", lambda: rename_ole_stream(sample(XLS_SAMPLE_2)(), "Workbook", "BOOK"),
          read(xls2.expected()), "LibreOffice's xls, its Workbook stream renamed BOOK", "hand")
    k.one("b", "b-book-unpadded.xls", lambda: relaid_xls(lo_file("plain_namco.xls"), stream="Book"),
          read(namco.expected()), "re-laid with the stream named Book, unpadded", "hand")
    for name in ("poi/BOOK_in_capitals.xls", "poi/OddStyleRecord.xls",
                 "calamine/capitalized_wbook_stream.xls"):
        k.one("b", f"b-real-{name.replace('/', '-')}", real(name), NO_RETURN,
              "real file from a public test suite with a BOOK/WORKBOOK stream", "real")

    # c: ods parts
    k.one("c", "c-current-xml-sample.ods", lambda: add_ods_parts(sample(ODS_SAMPLE)()),
          read(ods1.expected()), "LibreOffice's ods plus a 0-byte Configurations2/accelerator/"
          "current.xml listed in the manifest (LibreOffice 3.x-7.x)", "hand")
    k.one("c", "c-openoffice-manifest.ods",
          lambda: add_ods_parts(sample(ODS_SAMPLE_2)(), openoffice=True), read(ods2.expected()),
          "OpenOffice 3 style: every Configurations2 folder in the manifest, no manifest version",
          "hand")
    k.one("c", "c-current-xml-lo-namco.ods", lambda: add_ods_parts(lo_file("plain_namco.ods")),
          read(namco.expected()), "a LibreOffice ods of the form (no thumbnail) plus current.xml "
          "and a thumbnail", "hand")
    for name in ("poi/SampleSS.ods", "calamine/richtext_issue.ods"):
        k.one("c", f"c-real-{name.replace('/', '-')}", real(name), NO_RETURN,
              "real ods with a 0-byte current.xml", "real")

    # d: pictures and embedded binaries
    png = stamp_png(64, text=XML_LOOKALIKE)
    k.one("d", "d-stamp-png.xlsx", lambda: add_picture(xlsx_of(lambda: plain(checu))(), png, ext="png"),
          read(checu.expected()), "a red stamp (PNG, stored) whose tEXt chunk holds <!DOCTYPE, "
          "<!ENTITY and PK/OLE signatures", "hand")
    k.one("d", "d-signature-jpeg.xlsx",
          lambda: add_picture(xlsx_of(lambda: plain(namkhat))(),
                              jpeg_with_segments(gray_jpeg()), ext="jpeg", anchor=(2, 38)),
          read(namkhat.expected()), "a signature JPEG with an XMP packet and a "
          "comment holding DOCTYPE/ENTITY text and zip signatures", "hand")
    k.one("d", "d-stamp-deflated-lo.xlsx",
          lambda: add_picture(lo_file("plain_namco.xlsx"), png, ext="png", stored=False),
          read(namco.expected()), "a LibreOffice xlsx with the stamp added, deflated", "hand")
    k.one("d", "d-thumbnail-jpeg.xlsx",
          lambda: add_thumbnail(xlsx_of(lambda: plain(checu))(), jpeg_with_segments(gray_jpeg())),
          read(checu.expected()), "docProps/thumbnail.jpeg as Excel's Save Thumbnail writes", "hand")
    docx = pack([Member("[Content_Types].xml", b"<Types/>"), Member("word/document.xml",
                 b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x "y">]><w:document/>')])
    k.one("d", "d-ole-object.xlsx",
          lambda: add_sheet_binary(
              add_sheet_binary(xlsx_of(lambda: plain(namco))(), "embeddings/oleObject1.bin",
                               ole_blob(b"QD-UBND.pdf\0" + png * 3), f"{REL}/oleObject",
                               "application/vnd.openxmlformats-officedocument.oleObject"),
              "embeddings/Microsoft_Word_Document.docx", docx, f"{REL}/package",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
          read(namco.expected()), "an embedded OLE object (oleObject1.bin) and an embedded .docx "
          "(a zip inside the zip)", "hand")
    k.one("d", "d-vba.xlsm", lambda: as_xlsm(xlsx_of(lambda: plain(tt[1]))(), vba_project()),
          read(tt[1].expected()), "a macro-enabled workbook carrying xl/vbaProject.bin", "hand")
    def photo(seed: int) -> Callable[[], bytes]:
        return lambda: add_picture(xlsx_of(lambda: plain(namco))(), noise_png(seed), ext="png")

    for seed in (1, 2, 3):
        k.one("d", f"d-photo-noise-{seed}.xlsx", photo(seed),
              read(namco.expected()), f"a 'photo' of random pixels (seed {seed}), stored: arbitrary "
              "bytes, invalid UTF-8, stray '<' and '&'", "hand")
    k.one("d", "d-real-poi-commentTest.xlsx", real("poi/commentTest.xlsx"), NO_RETURN,
          "Apache POI file with docProps/thumbnail.jpeg", "real")

    # e: package quirks
    plain_checu = xlsx_of(lambda: plain(checu))
    k.one("e", "e-customxml.xlsx", lambda: add_custom_xml(plain_checu()), read(checu.expected()),
          "customXml/item1.xml, itemProps1.xml and docProps/custom.xml", "hand")
    k.one("e", "e-data-descriptors.xlsx", lambda: pack(members(plain_checu()), descriptors=True),
          read(checu.expected()), "every zip entry with a data descriptor (streamed writer)", "hand")
    k.one("e", "e-backslash-names.xlsx",
          lambda: rename_parts(plain_checu(), lambda n: n.replace("/", "\\")), read(checu.expected()),
          "zip entry names with backslashes (xl\\worksheets\\sheet1.xml), as some Windows "
          "tools write; calamine reads them (LibreOffice does not)", "hand")
    k.one("e", "e-uppercase-names.xlsx",
          lambda: rename_parts(plain_checu(), lambda n: n.replace("xl/worksheets/sheet1", "XL/Worksheets/Sheet1")),
          read(checu.expected()), "the sheet's zip entry named XL/Worksheets/Sheet1.xml while the "
          "relationships say xl/worksheets/sheet1.xml (part names are case-insensitive); calamine "
          "reads it", "hand")
    k.one("e", "e-content-types-last-trash.xlsx", lambda: shuffle_package(plain_checu()),
          read(checu.expected()), "[Content_Types].xml stored last, Overrides before Defaults, an "
          "Override for a missing part, a [trash] folder of binary .dat parts", "hand")
    k.one("e", "e-parts-at-root.xlsx", lambda: parts_at_root(plain_checu()), read(checu.expected()),
          "no xl/ folder: workbook.xml and worksheets/ at the package root", "hand")
    k.one("e", "e-printer-settings.xlsx",
          lambda: add_sheet_binary(plain_checu(), "printerSettings/printerSettings1.bin",
                                   "HP LaserJet P1102".encode("utf-16-le").ljust(64, b"\0")
                                   + bytes(range(256)) + XML_LOOKALIKE,
                                   f"{REL}/printerSettings",
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml."
                                   "printerSettings"),
          read(checu.expected()), "xl/printerSettings/printerSettings1.bin (a DEVMODE) as Excel "
          "writes after printing", "hand")
    for name in ("calamine/minimal_package.xlsx", "calamine/issue_530.xlsx"):
        k.one("e", f"e-real-{name.replace('/', '-')}", real(name), NO_RETURN,
              "real package quirks (parts at the root; backslash names, charts, comments)", "real")

    # f: HTML and SpreadsheetML with an .xls name
    html_no = (Refusal("unsupported-format", mentions=("HTML",)),)
    xml_no = (Refusal("unsupported-format", mentions=("XML", "SpreadsheetML")),)
    k.one("f", "f-html-table.xls", lambda: html_table_bytes(plain(namco)),
          Expect(read=(namco.expected(),), alternatives=html_no),
          "an HTML table served as application/vnd.ms-excel (web systems' export)", "hand")
    k.one("f", "f-html-excel-webpage.xls", lambda: html_table_bytes(plain(checu), excel=True),
          Expect(read=(checu.expected(),), alternatives=html_no),
          "Excel's Save as Web Page: namespaces, x:num, Vietnamese display text", "hand")
    k.one("f", "f-lo-html.xls", lo("plain_namco.html"),
          Expect(read=(namco.expected(),), alternatives=html_no),
          "LibreOffice's HTML export renamed .xls", "libreoffice")
    k.one("f", "f-spreadsheetml-2003.xls", lambda: spreadsheetml_bytes([plain(namkhat)]),
          Expect(read=(namkhat.expected(),), alternatives=xml_no),
          "SpreadsheetML 2003 (XML Spreadsheet) with an .xls name", "hand")
    k.one("f", "f-real-sheetjs-row_height.xls", real("sheetjs/row_height.htm"),
          Expect(refused=(Refusal("no-return"),), alternatives=html_no),
          "SheetJS test file: Excel 15's Save as Web Page (charset=macintosh), renamed .xls", "real")
    k.one("f", "f-real-poi-SampleSS.xls", real("poi/SampleSS.xml"),
          Expect(refused=(Refusal("no-return"),), alternatives=xml_no),
          "Apache POI's SpreadsheetML 2003 sample, renamed .xls", "real")

    # g: error cells
    checu_err = {"trees_planted": "#DIV/0!", "houses_for_poor": "#N/A", "workdays": "#VALUE!",
                 "cleanup_sessions": "#NAME?", "leader_visits": "#REF!"}
    for code, error in checu_err.items():
        f_ = with_error(checu, code, error)
        slug = error.strip("#!?").replace("/", "").lower()
        k.one("g", f"g-openpyxl-{slug}.xlsx", xlsx_of_form(f_),
              Expect(refused=(Refusal("error-cell", cell=f_.ref(code)),)),
              f"{error} (an error cell, t=\"e\") in {code}'s value cell", "openpyxl")
    lo_err = form(checu)  # same layout as the LibreOffice source: the first error is trees_planted
    for ext in ("xlsx", "xls", "ods"):
        k.one("g", f"g-lo-errors.{ext}", lo(f"errors_checu.{ext}"),
              Expect(refused=(Refusal("error-cell", cell=lo_err.ref("workdays")),)),
              "LibreOffice computed =1/0, =NA(), =\"a\"+1, =SOTIEN(), =SQRT(-1) into error cells "
              "(#DIV/0!, #N/A, #VALUE!, #NAME?, Err:502); the first in reading order is workdays' #VALUE!",
              "libreoffice")
        k.one("g", f"g-lo-ref.{ext}", lo(f"ref_error_namkhat.{ext}"),
              Expect(refused=(Refusal("error-cell", cell=form(namkhat).ref("leader_visits")),)),
              "LibreOffice computed =#REF!+1 in leader_visits", "libreoffice")

    # h: formulas with no saved value
    f_h = formulas(namkhat, FORMULA_CODES)
    k.one("h", "h-openpyxl-formulas.xlsx", lambda: xlsx_bytes([f_h.sheet]),
          Expect(refused=(Refusal("formula-no-value", cell=f_h.ref(FORMULA_CODES[0])),)),
          "value cells =3+4 etc. written by openpyxl: no saved result", "openpyxl")
    one_formula = formulas(checu, ["donations_mvnd"])
    k.one("h", "h-openpyxl-one-formula.xlsx", lambda: xlsx_bytes([one_formula.sheet]),
          Expect(refused=(Refusal("formula-no-value", cell=one_formula.ref("donations_mvnd")),)),
          "one formula among plain numbers", "openpyxl")
    for ext in ("xlsx", "xls", "ods"):
        k.one("h", f"h-lo-roundtrip.{ext}", lo(f"formulas_namkhat.{ext}"), read(namkhat.expected()),
              "the formulas file after LibreOffice computed and saved it", "libreoffice")

    # i: hidden rows, columns, sheets
    twin = hidden_twin_column(tt[2], tt[1])
    k.one("i", "i-hidden-column.xlsx", lambda: xlsx_bytes([twin.sheet]),
          Expect(read=(tt[2].expected(),), alternatives=(Refusal("ambiguous-column"), Refusal("hidden-cell"))),
          "a hidden 'Số lượng' column (last month's figures) left of the visible one", "openpyxl")
    row_twin = hidden_value_row(checu, "trees_planted", 480)
    k.one("i", "i-hidden-row.xlsx", lambda: xlsx_bytes([row_twin.sheet]),
          Expect(read=(checu.expected(),), alternatives=(Refusal("hidden-cell"),)),
          "a hidden row repeating trees_planted with 480 under the visible one", "openpyxl")
    hidden_only = form(checu, hidden_codes=["donations_mvnd"])
    k.one("i", "i-hidden-only-row.xlsx", lambda: xlsx_bytes([hidden_only.sheet]),
          Expect(read=(checu.expected(donations_mvnd=None),), alternatives=(Refusal("hidden-cell"),)),
          "donations_mvnd's only row is hidden: the person sees no value", "openpyxl")
    period_twin = hidden_period_row(namco, "12/2023")
    k.one("i", "i-hidden-period.xlsx", lambda: xlsx_bytes([period_twin.sheet]),
          Expect(read=(namco.expected(),), alternatives=(Refusal("hidden-cell"),)),
          "a hidden 'Kỳ báo cáo: 12/2023' row above the visible '1/2024'", "openpyxl")
    for ext in ("xlsx", "xls", "ods"):
        k.one("i", f"i-lo-hidden-column.{ext}", lo(f"hidden_column.{ext}"),
              Expect(read=(tt[2].expected(),),
                     alternatives=(Refusal("ambiguous-column"), Refusal("hidden-cell"))),
              "hidden twin column, LibreOffice", "libreoffice")
        k.one("i", f"i-lo-hidden-row.{ext}", lo(f"hidden_row.{ext}"),
              Expect(read=(checu.expected(),), alternatives=(Refusal("hidden-cell"),)),
              "hidden repeated row, LibreOffice", "libreoffice")
        k.one("i", f"i-lo-hidden-period.{ext}", lo(f"hidden_period.{ext}"),
              Expect(read=(namco.expected(),), alternatives=(Refusal("hidden-cell"),)),
              "hidden period row, LibreOffice", "libreoffice")
    for ext in ("xls", "ods"):
        k.one("i", f"i-lo-hidden-sheet.{ext}", lo(f"hidden_sheet.{ext}"), read(tt[0].expected()),
              "a hidden sheet holding an older draft of the same month", "libreoffice")

    # j: merged value header over sub-columns; year sheet
    ambiguous = (Refusal("ambiguous-column"),)
    sub2 = month_subcolumns(tt[2], tt[:2], ("Lũy kế đến tháng trước", "Trong tháng"))
    k.one("j", "j-subcolumns.xlsx", lambda: xlsx_bytes([sub2.sheet]),
          Expect(read=(tt[2].expected(),), alternatives=ambiguous),
          "'Số lượng' merged over 'Lũy kế đến tháng trước' | 'Trong tháng'", "openpyxl")
    sub3 = month_subcolumns(tt[2], tt[:2], ("Kế hoạch năm", "Trong tháng", "Lũy kế từ đầu năm"))
    k.one("j", "j-three-subcolumns.xlsx", lambda: xlsx_bytes([sub3.sheet]),
          Expect(read=(tt[2].expected(),), alternatives=ambiguous),
          "'Số lượng' over 'Kế hoạch năm' | 'Trong tháng' | 'Lũy kế từ đầu năm'", "openpyxl")
    year = year_sheet(tt, "Kỳ báo cáo: 3/2024")
    k.one("j", "j-year-sheet-month.xlsx", lambda: xlsx_bytes([year.sheet]),
          Expect(read=(tt[2].expected(),), alternatives=ambiguous),
          "'Số lượng' over T1 … T12 (T1-T3 filled), period 3/2024: T3 is the month", "openpyxl")
    year_only = year_sheet(tt, "Kỳ báo cáo: năm 2024")
    k.one("j", "j-year-sheet-year.xlsx", lambda: xlsx_bytes([year_only.sheet]),
          Expect(read=tuple(m.expected() for m in tt),
                 alternatives=(*ambiguous, Refusal("invalid-period"), Refusal("missing-period"))),
          "T1 … T12 under 'Số lượng', period 'năm 2024': three months, or a clear no", "openpyxl")
    for ext in ("xls", "ods"):
        k.one("j", f"j-lo-subcolumns.{ext}", lo(f"subcolumns.{ext}"),
              Expect(read=(tt[2].expected(),), alternatives=ambiguous), "sub-columns, LibreOffice",
              "libreoffice")
        k.one("j", f"j-lo-year-sheet.{ext}", lo(f"year_sheet.{ext}"),
              Expect(read=(tt[2].expected(),), alternatives=ambiguous), "year sheet, LibreOffice",
              "libreoffice")

    # k: identity conflicts
    mismatch = label_mismatch(namkhat)
    k.one("k", "k-code-label.xlsx", lambda: xlsx_bytes([mismatch.sheet]),
          Expect(refused=(Refusal("conflicting-identity"),)),
          "code trees_planted with the label 'Đường hoa' (flower_road_km)", "openpyxl")
    k.one("k", "k-lo-code-label.ods", lo("label_mismatch.ods"),
          Expect(refused=(Refusal("conflicting-identity"),)), "the same, LibreOffice ods",
          "libreoffice")
    k.one("k", "k-commune-code-name.xlsx",
          xlsx_of(lambda: plain(namco, head=head_rows(namco, commune="Xã/Thị trấn: 04462 - Xã Kim Nọi"))),
          Expect(refused=(Refusal("conflicting-identity"),)),
          "'04462 - Xã Kim Nọi': 04462 is Nậm Có", "openpyxl")
    wide = wide_rows([tt[0], namco])
    wide[0][0:1] = ["Mã xã", "Tên xã"]
    wide[1][0:1] = [tt[0].commune, tt[0].name]
    wide[2][0:1] = [namco.commune, "Xã Khao Mang"]
    k.one("k", "k-wide-code-name.csv", lambda: csv_bytes(wide),
          Expect(read=(tt[0].expected(),), refused=(Refusal("conflicting-identity"),)),
          "a wide CSV with 'Mã xã' and 'Tên xã'; the second row says 04462 and Khao Mang", "hand")

    # l: one commune-month twice in a batch
    other = namkhat.with_values(trees_planted=namkhat.values["trees_planted"] + 10)
    two = lambda: [plain(namkhat, title="Tháng 1"), plain(other, title="Tháng 1 (sửa)")]  # noqa: E731
    k.one("l", "l-two-sheets-differ.xlsx", lambda: xlsx_bytes(two()),
          Expect(refused=(Refusal("duplicate-in-batch"),)),
          "two visible sheets, same commune-month, trees_planted differs", "openpyxl")
    k.one("l", "l-two-sheets-same.xlsx",
          xlsx_of(lambda: plain(namkhat, title="Tháng 1"), lambda: plain(namkhat, title="Bản sao")),
          read(namkhat.expected()), "two identical sheets: one stored, the other unchanged",
          "openpyxl")
    k.add("l", "l-two-files-differ",
          {"a_namkhat_1.xlsx": xlsx_of(lambda: plain(namkhat)), "b_namkhat_1.xlsx": xlsx_of(lambda: plain(other))},
          Expect(refused=(Refusal("duplicate-in-batch"),)),
          "two files, same commune-month, different values", "openpyxl")
    k.add("l", "l-two-files-same",
          {"a_namco.xlsx": xlsx_of(lambda: plain(namco)), "b_namco.ods": lo("plain_namco.ods")},
          read(namco.expected()), "the form as xlsx and as LibreOffice ods in one batch", "openpyxl")
    spelled = long_rows(checu, commune=lambda i: checu.commune if i % 2 else "Chế Cu Nha",
                        period=lambda i: "2024-02" if i % 3 else "02/2024")
    k.one("l", "l-long-spellings.csv",
          lambda: csv_bytes([["commune", "period", "indicator", "value"], *spelled], delimiter=";"),
          read(checu.expected()), "a long table: commune as 04471 and as 'Chế Cu Nha', month as "
          "2024-02 and 02/2024 — one return", "hand")
    dup_wide = wide_rows([namco, namco.with_values(workdays=namco.values["workdays"] + 3)],
                         commune=lambda b: b.commune if b is namco else "Nậm Có")
    k.one("l", "l-wide-twice.csv", lambda: csv_bytes(dup_wide, delimiter=";"),
          Expect(refused=(Refusal("duplicate-in-batch"),)),
          "a wide table with Nậm Có's January twice (by code, by name), workdays differs", "hand")

    # m: number styles
    eng = checu.with_values(cement_tonnes=2110.0, donations_mvnd=1700.0)
    eng_rows: list[list[Cell]] = [["commune", "period", "indicator", "value"],
                *long_rows(eng, value=lambda code, v: english(v))]
    k.one("m", "m-english-csv.csv", lambda: csv_bytes(eng_rows),
          Expect(read=(eng.expected(),), alternatives=(Refusal("mixed-number-style"),)),
          "English-style CSV: 0.1, 0.9, 1.6 beside \"2,110\" and \"1,700\" (cement and donations "
          "set to the issue's figures)", "hand")
    mixed: list[list[Cell]] = [["commune", "period", "indicator", "value"],
             *long_rows(eng, value=lambda code, v: english(v) if v >= 1000 or code == "rural_road_km"
                        else vn(v))]
    k.one("m", "m-contradicting.csv", lambda: csv_bytes(mixed),
          Expect(refused=(Refusal("mixed-number-style"),)),
          "Vietnamese 0,9 and 1,6 beside English 0.1 and \"2,110\": 2,110 cannot be decided",
          "hand")

    # n: clerks' layouts
    n_forms: list[tuple[str, str, Callable[[], Sheet]]] = [
        ("n-numbering-letters", "a column-numbering row A B C D 1 2 under the header",
         lambda: plain(namco, numbering=NUMBERING_LETTERS)),
        ("n-numbering-parens", "a column-numbering row (1) (2) … (6)",
         lambda: plain(namco, numbering=NUMBERING_PARENS)),
        ("n-ubnd", "'Đơn vị báo cáo: UBND xã Nậm Có'",
         lambda: plain(namco, head=head_rows(namco, commune="Đơn vị báo cáo: UBND xã Nậm Có"))),
        ("n-code-dash-name", "'Xã/Thị trấn: 04462 - Xã Nậm Có'",
         lambda: plain(namco, head=head_rows(namco, commune="Xã/Thị trấn: 04462 - Xã Nậm Có"))),
        ("n-ten-xa", "'Tên xã: Nậm Có'",
         lambda: plain(namco, head=head_rows(namco, commune="Tên xã: Nậm Có"))),
        ("n-huyen-suffix", "'Xã: Nậm Có, huyện Mù Cang Chải' (not the thị trấn)",
         lambda: plain(namco, head=head_rows(namco, commune="Xã: Nậm Có, huyện Mù Cang Chải"))),
        ("n-ket-qua-thuc-hien", "value header 'Kết quả thực hiện'",
         lambda: plain(namco, columns=standard_columns(namco, "Kết quả thực hiện"))),
        ("n-thuc-hien-trong-thang", "value header 'Thực hiện trong tháng'",
         lambda: plain(namco, columns=standard_columns(namco, "Thực hiện trong tháng"))),
        ("n-group-subtotal", "group heading rows carrying their subtotal",
         lambda: plain(namco, group_cells=lambda g, members: number(
             round(sum(namco.values.get(i.code, 0) for i in members), 6)))),
    ]
    for name, note, make_sheet in n_forms:
        k.one("n", f"{name}.xlsx", xlsx_of(make_sheet), read(namco.expected()), note, "openpyxl")
    plus_cols = standard_columns(namkhat)
    plus_cols[4] = Column("Số lượng", lambda ind: f"+{number(namkhat.values[ind.code])}"
                          if ind.code == "propaganda_sessions" else
                          number(namkhat.values.get(ind.code), ind.integer))
    k.one("n", "n-plus-sign.xlsx", xlsx_of(lambda: plain(namkhat, columns=plus_cols)),
          read(namkhat.expected()), "'+N' typed as text in a value cell", "openpyxl")
    for ext in ("xls", "ods"):
        k.one("n", f"n-lo-code-dash-name.{ext}", lo(f"code_dash_name.{ext}"), read(namco.expected()),
              "'04462 - Xã Nậm Có', LibreOffice", "libreoffice")
        k.one("n", f"n-lo-numbering.{ext}", lo(f"column_numbers.{ext}"), read(namco.expected()),
              "column-numbering row, LibreOffice", "libreoffice")
    sep_rows: list[list[Cell]] = [["Xã", "Kỳ báo cáo", "Chỉ tiêu", "Giá trị"], *long_rows(namkhat)]
    k.one("n", "n-sep-line.csv", lambda: csv_bytes(sep_rows, delimiter=";", head="sep=;\r\n"),
          read(namkhat.expected()), "a CSV whose first line is 'sep=;' (Excel's hint)", "hand")
    titled = wide_rows([tt[0], tt[1]])
    k.one("n", "n-title-above.csv",
          lambda: csv_bytes([["TỔNG HỢP SỐ LIỆU THỊ TRẤN MÙ CANG CHẢI"], ["(Kèm theo báo cáo số 15/BC-UBND)"],
                             [], *titled], delimiter=";"),
          read(tt[0].expected(), tt[1].expected()), "a wide CSV with a title and a note above the header",
          "hand")
    return tuple(k.items)


def build(folder: Path, names: Iterable[str] | None = None) -> list[Case]:
    """Write the corpus (or the named cases) into ``folder/<case>/``; returns the cases."""
    wanted = set(names) if names is not None else None
    out = []
    for case in corpus():
        if wanted is None or case.name in wanted:
            case.make(folder / case.name)
            out.append(case)
    return out


def manifest() -> dict[str, Any]:
    return {
        "about": "tests/wild_corpus.py: valid returns saved the ways real programs save them "
        "(issue 12), and the outcome each must have. Regenerate: python -m tests.wild_corpus --manifest",
        "classes": CLASSES,
        "refusal_codes": REFUSAL_CODES,
        "cases": [c.to_json() for c in corpus()],
    }


def manifest_text() -> str:
    """The manifest as committed: indented, each values dict on one line (reviewable diffs)."""
    text = json.dumps(manifest(), ensure_ascii=False, indent=1)
    return re.sub(r'"values": (\{[^{}]*\})',
                  lambda m: '"values": ' + json.dumps(json.loads(m[1]), ensure_ascii=False), text) + "\n"


# ----------------------------------------------------------------------------------------------
# Checking that the corpus files are good: LibreOffice and calamine read them


def spreadsheet_kind(data: bytes) -> str | None:
    if data[:8] == OLE_SIGNATURE:
        return "ole"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    return None


def calamine_reads(path: Path) -> str | None:
    """None when python-calamine opens every sheet of the file; else its error."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        for i in range(len(book.sheet_names)):
            book.get_sheet_by_index(i).to_python()
    except BaseException as error:  # any reader failure (even a Rust panic) is the answer here
        return f"{type(error).__name__}: {error}"
    return None


def libreoffice_reads(paths: Sequence[Path]) -> dict[Path, str | None]:
    """Convert every file to CSV in one soffice start: None when LibreOffice read it."""
    out: dict[Path, str | None] = {}
    with tempfile.TemporaryDirectory(prefix="wild-check-") as tmp:
        work = Path(tmp)
        flat = []
        for i, path in enumerate(paths):
            link = work / "in" / f"{i:03d}_{path.name}"
            link.parent.mkdir(exist_ok=True)
            shutil.copy(path, link)
            flat.append(link)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", 'csv:Text - txt - csv (StarCalc):44,34,76', "--outdir",
                        str(work / "out"), *map(str, flat)], capture_output=True, timeout=600, check=False)
        for path, link in zip(paths, flat, strict=True):
            made = work / "out" / f"{link.stem}.csv"
            ok = made.exists() and made.stat().st_size > 0
            out[path] = None if ok else "LibreOffice could not convert it"
    return out


def office_files(folder: Path, cases: Iterable[Case]) -> list[Path]:
    """The corpus files a spreadsheet program should open: zip and OLE2 files, and class f's
    HTML and SpreadsheetML (not the CSVs)."""
    return [folder / c.name / f for c in cases for f in c.files
            if c.klass == "f" or spreadsheet_kind((folder / c.name / f).read_bytes())]


def check_readers(folder: Path) -> int:
    cases = build(folder)
    files = office_files(folder, cases)
    lo_result = libreoffice_reads(files)
    bad = 0
    for path in files:
        cal = calamine_reads(path) if spreadsheet_kind(path.read_bytes()) else None
        office = lo_result[path]
        if cal or office:
            bad += 1
        print(f"{path.relative_to(folder)!s:60} calamine={(cal or 'ok')[:60]:20} "
              f"libreoffice={office or 'ok'}")
    print(f"{len(files) - bad}/{len(files)} files read by both")
    return 1 if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="write the corpus here")
    parser.add_argument("--manifest", action="store_true", help="rewrite tests/data/wild/manifest.json")
    parser.add_argument("--refresh-libreoffice", action="store_true", help="remake tests/data/wild/lo/")
    parser.add_argument("--check-readers", action="store_true",
                        help="write the corpus into OUT and check LibreOffice and calamine read it")
    args = parser.parse_args(argv)
    if args.refresh_libreoffice:
        for path in refresh_libreoffice():
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")
    if args.manifest:
        MANIFEST.write_text(manifest_text(), encoding="utf-8")
        print(f"{MANIFEST.relative_to(ROOT)}: {len(corpus())} cases")
    if args.out and args.check_readers:
        return check_readers(args.out)
    if args.out:
        cases = build(args.out)
        print(f"{len(cases)} cases written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
