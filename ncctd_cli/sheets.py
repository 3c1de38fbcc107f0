"""Sheet reader: one file (xlsx, xlsm, xls, ods, csv) → its sheets as rows of cell values.

The kind of file is recognised from its bytes, not its name. Workbooks are read with
python-calamine (values only: a formula by its saved value, macros never run); CSV with the
standard library, its encoding and delimiter detected. Every string comes out NFC.
A file that cannot be read gives one :class:`~ncctd_cli.model.Problem`, never an exception.
Hostile files (zip bombs, XML entities, sheets spanning millions of cells, encrypted or
disguised files) are refused by :mod:`ncctd_cli.guards` before calamine sees them.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import os
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cellfacts import SheetFacts, workbook_facts
from .guards import (
    Limits,
    Refusal,
    check_csv_text,
    check_ole2,
    check_part_count,
    check_zip,
    classify_zip,
    corrupt,
    count_zip_members,
    describe_binary,
    not_a_spreadsheet,
    open_zip,
    password_protected,
    too_many_cells,
)
from .model import Problem, cell_ref
from .vietnamese import nfc

if TYPE_CHECKING:
    import numpy as np

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
RETURN_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv", ".tsv", ".txt")

Cell = object  # str | float | int | bool | date | datetime | None


__all__ = [
    "Column",
    "ColumnTable",
    "Limits",
    "ReadOptions",
    "Sheet",
    "SourceFile",
    "read_bytes",
    "read_path",
    "sniff_kind",
]


@dataclass
class ReadOptions:
    encoding: str | None = None  # force a CSV encoding
    decimal_point: bool = False  # CSV numbers written with '.' as the decimal mark
    limits: Limits = field(default_factory=Limits)
    # A CSV of at least this many lines is read by columns (a ColumnTable), not row by row;
    # None: always row by row.
    column_min_lines: int | None = 20_000


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


@dataclass
class Sheet:
    """One sheet's cells, row by row, from A1; or a CSV's rows with their line numbers."""

    file: str
    name: str | None
    rows: list[list[Cell]]
    line_numbers: Sequence[int] | None = None  # CSV: the physical line each row starts on
    facts: SheetFacts | None = None  # hidden rows and columns (error and formula cells are marked)

    def ref(self, row: int, col: int) -> str:
        """The A1 reference of a cell (for a CSV, the row is its line number)."""
        if self.line_numbers is not None:
            return cell_ref(self.line_numbers[row] - 1, col)
        return cell_ref(row, col)

    def first_filled_row(self) -> int | None:
        """The first row holding anything (None: the sheet is empty)."""
        return next((i for i, row in enumerate(self.rows) if any(map(_filled, row))), None)

    def row_cells(self, row: int) -> list[Cell]:
        return self.rows[row]


@dataclass
class Column:
    """One column of a table read by columns: a code per row into its distinct cells
    (``spellings``); -1 for an empty cell."""

    codes: np.ndarray
    spellings: list[Cell]


@dataclass
class ColumnTable:
    """A table read by columns (a big CSV: each column's distinct cells held once), the rows
    holding anything, with the line each is on. ``rows()`` reads it again row by row."""

    file: str
    name: str | None
    columns: list[Column]
    lines: np.ndarray  # the line (1-based) of each row
    text: str | None = None  # the decoded CSV text (for rows())
    delimiter: str = ","
    limits: Limits = field(default_factory=Limits)

    def first_filled_row(self) -> int | None:
        return 0 if len(self.lines) else None

    def row_cells(self, row: int) -> list[Cell]:
        return [None if c.codes[row] < 0 else c.spellings[int(c.codes[row])] for c in self.columns]

    def rows(self) -> Sheet:
        """The same table as rows (as the row reader reads the CSV)."""
        if self.text is None:
            raise ValueError("a table made from a sheet is its sheet's rows")
        read = read_csv_rows(self.text, self.delimiter, SourceFile(self.file, "csv"), self.limits)
        return read.sheets[0] if read.sheets else Sheet(self.file, self.name, [])

    @classmethod
    def from_sheet(cls, sheet: Sheet, start: int = 0) -> ColumnTable:
        """A sheet's rows from ``start`` on, as columns (rows of nothing left out)."""
        import numpy as np

        kept = [r for r in range(start, len(sheet.rows)) if any(map(_filled, sheet.rows[r]))]
        width = max((len(sheet.rows[r]) for r in kept), default=0)
        columns = []
        for c in range(width):
            seen: dict[tuple[type, object], int] = {}
            spellings: list[Cell] = []
            codes = np.full(len(kept), -1, dtype=np.int64)
            for n, r in enumerate(kept):
                row = sheet.rows[r]
                cell = row[c] if c < len(row) else None
                if not _filled(cell):
                    continue
                key = (type(cell), cell)
                code = seen.get(key)
                if code is None:
                    code = seen[key] = len(spellings)
                    spellings.append(cell)
                codes[n] = code
            columns.append(Column(codes, spellings))
        lines = sheet.line_numbers
        numbers = [lines[r] if lines is not None else r + 1 for r in kept]
        return cls(sheet.file, sheet.name, columns, np.array(numbers, dtype=np.int64))


@dataclass
class SourceFile:
    """What the reader made of one file: its tables (sheets as rows; a big CSV as columns)."""

    file: str
    kind: str  # xlsx | xls | ods | csv | unknown
    sha256: str | None = None
    tables: list[Sheet | ColumnTable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def sheets(self) -> list[Sheet]:
        """The tables read as rows."""
        return [t for t in self.tables if isinstance(t, Sheet)]

    def refuse(self, code: str, **params: Any) -> SourceFile:
        self.tables.clear()
        self.problems.append(Problem.of(code, **params).at(file=self.file))
        return self


def find_return_files(path: Path) -> tuple[list[Path], list[Path]]:
    """Files to read under a folder (recursive, sorted) and the files skipped."""
    found: list[Path] = []
    skipped: list[Path] = []
    for item in sorted(path.rglob("*")):
        if not item.is_file() or any(part.startswith(".") for part in item.relative_to(path).parts):
            continue
        if item.name.startswith("~$"):  # Excel's lock files
            skipped.append(item)
        elif item.suffix.lower() in RETURN_SUFFIXES and (item.suffix.lower() != ".txt" or _tabular(item)):
            found.append(item)
        else:
            skipped.append(item)
    return found, skipped


def _tabular(path: Path) -> bool:
    """Whether a ``.txt`` found in a folder is a table (Excel's "Unicode text" export: a
    return) rather than a note left beside the returns (skipped, not refused)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
        text, _ = decode_text(head)
    except (OSError, UnicodeError, LookupError):
        return True  # read it: the reader says what is wrong
    lines = [line for line in text.splitlines()[:10] if line.strip()]
    if not lines:
        return False
    delimiter = sniff_delimiter("\n".join(lines))
    return any(len(row) >= 3 for row in csv.reader(lines, delimiter=delimiter))


def read_path(path: Path, options: ReadOptions | None = None, display: str | None = None) -> SourceFile:
    """Read one file from disk."""
    options = options or ReadOptions()
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > options.limits.max_file_bytes:
            return SourceFile(name, "unknown").refuse(**_too_large(size, options.limits))
        data = path.read_bytes()
    except OSError as exc:
        return SourceFile(name, "unknown").refuse("unreadable-file", reason=str(exc.strerror or exc))
    return read_bytes(data, name, options)


def read_bytes(data: bytes, name: str, options: ReadOptions | None = None) -> SourceFile:
    """Read one file's bytes; ``name`` is how messages name it (never used as a path)."""
    options = options or ReadOptions()
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > options.limits.max_file_bytes:
        return SourceFile(name, "unknown", digest).refuse(**_too_large(len(data), options.limits))
    kind, archive = _sniff(data)
    source = SourceFile(name, kind, digest)
    if not data or data.isspace():
        return source.refuse("empty-file")
    try:
        _guard(data, name, kind, options.limits, archive)
    except Refusal as refusal:
        return source.refuse(refusal.code, **refusal.params)
    except Exception as exc:  # damage no check named (struct.error, IndexError...): refused too
        return source.refuse(**_unexpected(kind, exc))
    try:
        if kind in ("xlsx", "xls", "ods"):
            return _read_workbook(data, source, options.limits)
        return _read_csv(data, source, options)
    except Exception as exc:  # a bug or damage nothing foresaw: this file only, never the batch
        return source.refuse(**_unexpected(kind, exc))


def _unexpected(kind: str, exc: Exception) -> dict[str, Any]:
    return {"code": "corrupt-file", "variant": "unexpected", "kind": kind, "error": type(exc).__name__}


def _too_large(size: int, limits: Limits) -> dict[str, Any]:
    return {"code": "file-too-large", "size_mb": size / 1048576, "limit_mb": limits.max_file_bytes / 1048576}


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def sniff_kind(data: bytes, name: str = "") -> str:
    """What a file is, from its bytes (cheaply; the guards run after): xlsx, ods, xls,
    encrypted, csv, broken-zip or unknown. The name is not looked at."""
    kind, archive = _sniff(data)
    if archive is not None:
        archive.close()
    return kind


def _sniff(data: bytes) -> tuple[str, zipfile.ZipFile | None]:
    """:func:`sniff_kind`, and for a zipped workbook (xlsx, ods) the zip it opened: the guards
    go on with it rather than read its directory a second time (for a small form, reading
    it costs about as much as all the rest of the sniffing)."""
    if data.startswith(_ZIP_MAGIC):
        if count_zip_members(data) > Limits().max_zip_members:
            return "unknown", None
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except Exception:  # any damage: zipfile raises many kinds
            return "broken-zip", None
        try:
            kind = classify_zip(archive)
        except Exception:
            archive.close()
            return "broken-zip", None
        if kind in ("xlsx", "ods"):
            return kind, archive
        archive.close()
        return "unknown", None
    if data.startswith(_OLE2):
        return ("encrypted" if _ENCRYPTED_MARK in data else "xls"), None
    if describe_binary(data):
        return "unknown", None
    return ("csv" if _looks_like_text(data[:65536]) else "unknown"), None


def _guard(
    data: bytes, name: str, kind: str, limits: Limits, archive: zipfile.ZipFile | None = None
) -> None:
    """Raise a :class:`Refusal` for a file no parser should see (see :mod:`.guards`).
    ``archive``: the zip :func:`_sniff` opened, for an xlsx or ods."""
    if kind in ("xlsx", "ods"):
        if archive is None:
            archive = open_zip(data, limits)
        else:
            check_part_count(data, limits)  # the caller's limit (the sniffing used the default)
        with archive:
            check_zip(data, archive, kind, limits)
    elif kind == "broken-zip":
        raise corrupt("zip")
    elif kind == "encrypted":
        raise password_protected()
    elif kind == "xls":
        check_ole2(data, limits)
    elif kind == "unknown":
        raise _not_a_spreadsheet(data, name, limits)


def _not_a_spreadsheet(data: bytes, name: str, limits: Limits) -> Refusal:
    what = describe_binary(data)
    if data.startswith(_ZIP_MAGIC):
        with open_zip(data, limits) as archive:
            try:
                what = classify_zip(archive)
            except Exception:  # a damaged zip
                what = "zip"
        if what == "xlsb":
            return Refusal("unsupported-format")
    suffix = Path(name).suffix.lower()
    return not_a_spreadsheet(what, suffix if suffix in RETURN_SUFFIXES else None)


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if not head:
        return False
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without a BOM has every other byte NUL
        return len(head) > 1 and (head[1::2].count(0) > len(head) // 3 or head[0::2].count(0) > len(head) // 3)
    controls = sum(1 for b in head if 0 < b < 9 or 13 < b < 32)  # a stray NUL: binary-content
    return controls <= len(head) // 100


def _read_workbook(data: bytes, source: SourceFile, limits: Limits | None = None) -> SourceFile:
    from python_calamine import CalamineWorkbook, PasswordError

    limits = limits or Limits()
    budget = limits.max_cells
    try:
        with _rust_panics_quiet():  # the whole calamine session: one redirection per workbook
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            for meta in workbook.sheets_metadata:
                if str(meta.visible).rsplit(".", 1)[-1] != "Visible":
                    continue
                if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                    continue
                sheet = workbook.get_sheet_by_name(meta.name)
                end = sheet.end
                if end is not None:  # a second check, after the guards' own count
                    budget -= (end[0] + 1) * (end[1] + 1)
                    if budget < 0:
                        refusal = too_many_cells(limits)
                        return source.refuse(refusal.code, **refusal.params)
                rows = sheet.to_python(skip_empty_area=False)
                source.tables.append(Sheet(source.file, nfc(meta.name), _cells(rows)))
        _add_facts(source, data)
    except PasswordError:
        return source.refuse("password-protected")
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # calamine raises many kinds for broken files, a Rust panic too
        return source.refuse("corrupt-file", variant="reader", kind=source.kind, error=type(exc).__name__)
    return source


def _add_facts(source: SourceFile, data: bytes) -> None:
    """What calamine leaves out (:mod:`ncctd_cli.cellfacts`): error cells and formulas with no
    computed value marked in the rows, hidden rows and columns noted on each sheet."""
    found = workbook_facts(data, source.kind)
    if not found:
        return
    by_name = {nfc(name): facts for name, facts in found.items()}
    for table in source.sheets:
        facts = by_name.get(table.name or "")
        if not facts:
            continue
        table.facts = facts
        rows = table.rows
        for (r, c), mark in facts.marks.items():
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            if len(row) <= c:
                row.extend([None] * (c + 1 - len(row)))
            row[c] = mark


@contextlib.contextmanager
def _rust_panics_quiet() -> Iterator[None]:
    """Calamine's Rust panics on some broken files are caught (a PanicException, refused as
    corrupt-file), but Rust prints them on file descriptor 2 first: a clerk would see a
    "thread panicked" message. Standard error goes to the null device for the call (opened
    once per process: a batch of forms makes thousands of calls)."""
    try:
        fd = sys.stderr.fileno()
        sys.stderr.flush()
        null = _null_device()
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):  # no real descriptor (captured, embedded)
        yield
        return
    try:
        os.dup2(null, fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
    finally:
        os.close(saved)


_NULL_FD: list[int] = []  # the null device, opened on first use


def _null_device() -> int:
    if not _NULL_FD:
        _NULL_FD.append(os.open(os.devnull, os.O_WRONLY))
    return _NULL_FD[0]


def _cells(rows: Sequence[Sequence[object]]) -> list[list[Cell]]:
    """The cells calamine gives, as a :class:`Sheet` holds them: text NFC, an empty string
    None, anything else as it is. One expression, no call for an empty or ASCII string (NFC
    already; ``isascii`` reads a flag): a batch of forms reads millions of cells."""
    return [
        [((v if v.isascii() else nfc(v)) if v else None) if isinstance(v, str) else v for v in row]
        for row in rows
    ]


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode CSV bytes: the forced encoding, else BOM, UTF-8, UTF-16, Windows-1258."""
    if encoding:
        return data.decode(encoding), encoding
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:
        le = head[1::2].count(0) >= head[0::2].count(0)
        return data.decode("utf-16-le" if le else "utf-16-be"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1258"), "cp1258"


def sniff_delimiter(text: str) -> str:
    """The delimiter among ``; , tab`` that splits the first lines most consistently: the one
    giving the most lines with the same number (≥ 2) of fields, then the most fields. A
    title line above the table (one field) does not count."""
    head = text[:65536]
    lines = head.splitlines()[:30]
    if len(head) < len(text) and len(lines) > 1:
        lines.pop()  # a line cut by the head
    lines = [line for line in lines if line.strip()]
    best, best_score = ",", (-1, -1)
    for delimiter in ("\t", ";", ","):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        widths = [c for c in counts if c >= 2]
        if not widths:
            continue
        common = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, source: SourceFile, options: ReadOptions) -> SourceFile:
    try:
        text, _encoding = decode_text(data, options.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return source.refuse("bad-encoding", error=str(exc))
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return source.refuse("binary-content", line=line)
    limits = options.limits
    try:
        check_csv_text(text, limits)
    except Refusal as refusal:
        return source.refuse(refusal.code, **refusal.params)
    text = _drop_trailing_blank_lines(nfc(text))
    delimiter = sniff_delimiter(text)
    if options.column_min_lines is not None:
        table = read_csv_columns(text, delimiter, source.file, limits, options.column_min_lines)
        if table is not None:
            source.tables.append(table)
            return source
    return read_csv_rows(text, delimiter, source, limits)


HEADER_SCAN_LINES = 60  # lines looked at for the first one holding anything


def read_csv_columns(
    text: str, delimiter: str, file: str, limits: Limits, min_lines: int = 0
) -> ColumnTable | None:
    """A CSV's decoded, checked text read by columns (pandas' C reader, each column as
    categories: each distinct cell held once), from its first line holding anything; None
    when it has fewer than ``min_lines`` lines, or is not a table whose every record is one
    line of the same width (the row reader then reads it, and says what is wrong)."""
    lines_total = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines_total < min_lines:
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    head = text[: 1 << 16].split("\n")[:HEADER_SCAN_LINES]
    first = next((n for n, line in enumerate(head) if line.strip(" \t\r" + delimiter)), None)
    if first is None or head[first].count('"') % 2:
        return None  # nothing in the first lines, or a quoted cell spanning lines
    import numpy as np
    import pandas as pd

    data = text.encode("utf-8")

    def read(dtype: str, usecols: list[int] | None = None) -> pd.DataFrame:  # "category" or "str"
        return pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            header=None,
            skiprows=first,
            usecols=usecols,
            dtype=dtype,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            encoding="utf-8",
        )

    unreadable = (ValueError, TypeError, OverflowError, csv.Error, UnicodeError)  # (ParserError: a ValueError)
    try:
        frame = read("category")
    except unreadable:
        return None  # rows wider than the first, a quote left open...: the row reader says
    if len(frame) != lines_total - first or frame.shape[1] > limits.max_columns:
        return None  # a quoted cell spanning lines: the row reader counts lines right
    columns: list[Column] = []
    filled = np.zeros(len(frame), dtype=bool)  # rows holding anything
    for position in range(frame.shape[1]):
        categorical = frame[position].cat
        spellings: list[Cell] = list(categorical.categories)
        if all(type(s) is str for s in spellings):
            codes = categorical.codes.to_numpy().astype(np.int64)
        else:
            # pandas turned a column of number-like cells into numbers ("1.700" → 1.7,
            # "04456" → 4456): that column is read again as text, its spellings kept
            try:
                texts = read("str", [position])[position].to_numpy(dtype=object)
            except unreadable:
                return None
            as_text, uniques = pd.factorize(texts)
            codes, spellings = as_text.astype(np.int64), [str(u) for u in uniques]
        blank = np.array([not str(s).strip() for s in spellings] + [True], dtype=bool)  # last: -1
        codes[blank[codes]] = -1  # a cell of spaces is an empty cell, as the row reader reads it
        filled |= codes >= 0
        columns.append(Column(codes, spellings))
    del frame
    keep = np.flatnonzero(filled)
    for column in columns:
        column.codes = column.codes[keep]
    return ColumnTable(
        file, None, columns, keep.astype(np.int64) + first + 1, text=text, delimiter=delimiter, limits=limits
    )


def read_csv_rows(text: str, delimiter: str, source: SourceFile, limits: Limits) -> SourceFile:
    """A CSV's decoded, checked text → one sheet of rows (each with its line number)."""
    fast = _read_csv_fast(text, delimiter, limits.max_columns)
    if fast is not None and fast[0]:
        source.tables.append(Sheet(source.file, None, *fast))
        return source
    if fast is not None:
        return _blank_csv(source)
    rows: list[list[Cell]] = []
    line_numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            if len(record) > limits.max_columns:
                return source.refuse(
                    "too-many-columns", line=start, columns=len(record), limit=limits.max_columns
                )
            cells: list[Cell] = [v if v.strip() else None for v in record]
            if any(v is not None for v in cells):  # rows of nothing cost no memory
                rows.append(cells)
                line_numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        return source.refuse("corrupt-file", variant="csv", line=reader.line_num, error=str(exc))
    if not rows:
        return _blank_csv(source)
    source.tables.append(Sheet(source.file, None, rows, line_numbers))
    return source


def _blank_csv(source: SourceFile) -> SourceFile:
    return source.refuse("empty-file", variant="csv")


def _drop_trailing_blank_lines(text: str) -> str:
    """Cut the blank lines (or lines of only separators) at the end. The end is found a
    block at a time from the back (stripping the whole text would copy it: 100 MB for a
    national file, to cut one newline)."""
    content, stop = 0, len(text)
    while stop:
        start = max(0, stop - 65536)
        kept = len(text[start:stop].rstrip("\r\n\t ;,"))
        if kept:
            content = start + kept
            break
        stop = start
    end = text.find("\n", content)
    return text[: end + 1] if 0 <= end < len(text) - 1 else text


def _read_csv_fast(
    text: str, delimiter: str, max_columns: int
) -> tuple[list[list[Cell]], Sequence[int]] | None:
    """The rows of a CSV whose every record is one line: what the record-by-record loop of
    :func:`_read_csv` makes, several times faster and in a fraction of the memory (a national
    file has millions of rows). The lines go to one C reader; its rows come back a block at a
    time, and the cells of a column that repeats (communes, months, indicators) share one
    string. ``None`` when that loop must run instead: a quoted cell spanning lines, lines
    ending in a lone CR, a row too wide, a cell of spaces only (rare: the loop blanks it),
    a CSV the reader refuses (the loop says where)."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    lines = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
    reader = csv.reader(itertools.chain.from_iterable(_line_blocks(text)), delimiter=delimiter)
    rows: list[list[Cell]] = []
    shared: list[dict[str, str | None] | None] = []  # per column: one string per spelling
    blanks = False
    try:
        while block := list(itertools.islice(reader, 65536)):
            narrow, wide = min(map(len, block)), max(map(len, block))
            if wide > max_columns:
                return None
            if narrow != wide:  # rows of different widths (blank lines): cell by cell
                for record in block:
                    cells: list[Cell] = [v if v.strip() else None for v in record]
                    blanks = blanks or all(v is None for v in cells)
                    rows.append(cells)
                continue
            while len(shared) < wide:
                shared.append({})
            columns: list[Sequence[Cell]] = list(zip(*block, strict=True))
            for c, column in enumerate(columns):
                seen = shared[c]
                if seen is None:
                    if any(map(str.isspace, column)):  # type: ignore[arg-type]
                        return None
                    if "" in column:
                        columns[c] = [v or None for v in column]
                        blanks = True
                    continue
                known = len(seen)
                columns[c] = list(map(seen.setdefault, column, column))  # type: ignore[arg-type]
                if len(seen) > known and any(k.isspace() for k in list(seen)[known:]):
                    return None
                if "" in seen and "" in column:
                    columns[c] = [v or None for v in columns[c]]  # an empty cell is None
                    blanks = True
                if len(seen) > 4096 and len(seen) > len(rows) // 4:
                    shared[c] = None  # a column of (nearly) all different values
            rows.extend(map(list, zip(*columns, strict=True)))
    except csv.Error:
        return None
    if len(rows) != lines:
        return None
    if not blanks:
        return rows, range(1, len(rows) + 1)
    kept = [(row, n) for n, row in enumerate(rows, 1) if any(v is not None for v in row)]
    return [row for row, _ in kept], [n for _, n in kept]


def _line_blocks(text: str, size: int = 1 << 20) -> Iterator[list[str]]:
    """The lines of ``text`` (split at ``\\n`` only, as ``newline=""`` reads), a block of
    about ``size`` characters at a time, so that no copy of the whole text is made."""
    start, n = 0, len(text)
    while start < n:
        cut = text.find("\n", start + size) if start + size < n else -1
        if cut < 0:
            yield text[start:].removesuffix("\n").split("\n")
            return
        yield text[start:cut].split("\n")
        start = cut + 1


def iter_paths(paths: list[Path]) -> Iterator[tuple[Path, bool]]:
    """Each file to read (``True``) or skip (``False``) under the given files and folders."""
    for path in paths:
        if path.is_dir():
            found, skipped = find_return_files(path)
            yield from ((p, True) for p in found)
            yield from ((p, False) for p in skipped)
        else:
            yield path, True
