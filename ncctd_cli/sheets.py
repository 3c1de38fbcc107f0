"""Sheet reader: one file (xlsx, xlsm, xls, ods, csv) → its tables (sheets as rows of cells).

The kind of file is recognised from its bytes, not its name. Workbooks are read with
python-calamine (values only: a formula by its saved value, macros never run), always in a
worker process under operating-system limits (:mod:`ncctd_cli.containment`): a file that
makes the reader run out of memory or time, or crash, is refused as that, and the caller goes
on. Cheap, standard checks run first, in the worker too (:mod:`ncctd_cli.guards`). CSV text is
read here, with the standard library and pandas' C reader, its encoding and delimiter detected;
a big CSV is a :class:`CsvTable`, read on demand (its first rows known, the rest when a layout
asks for it). Every string comes out NFC. A file that cannot be read gives one
:class:`~ncctd_cli.model.Problem`, never an exception.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsIndex, TypeVar

from .cellfacts import SheetFacts, workbook_facts
from .containment import Death, Pool, WorkerLimits, inside_worker
from .guards import (
    Limits,
    Refusal,
    check_csv_text,
    check_ole2,
    check_part_count,
    check_zip,
    classify_zip,
    describe_binary,
    describe_markup,
    long_line,
    markup_refusal,
    not_a_spreadsheet,
    too_many_cells,
)
from .model import Problem, cell_ref
from .vietnamese import nfc

if TYPE_CHECKING:
    import numpy as np

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
RETURN_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv", ".tsv", ".txt")

Cell = object  # str | float | int | bool | date | datetime | None
T = TypeVar("T")


__all__ = [
    "Column",
    "ColumnTable",
    "CsvTable",
    "Limits",
    "ReadOptions",
    "Sheet",
    "SourceFile",
    "TableRefused",
    "death_refusal",
    "is_workbook_bytes",
    "preload_readers",
    "read_bytes",
    "read_path",
    "worker_limits",
]


@dataclass
class ReadOptions:
    encoding: str | None = None  # force a CSV encoding
    decimal_point: bool = False  # CSV numbers written with '.' as the decimal mark
    limits: Limits = field(default_factory=Limits)
    # A CSV of at least this many lines is read by columns (a CsvTable, on demand), not row
    # by row; None: always row by row, at once.
    column_min_lines: int | None = 20_000


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


@dataclass
class Sheet:
    """One sheet's cells, row by row, from A1; or a CSV's rows with their line numbers.

    The rows of a big CSV (:meth:`CsvTable.rows`) are a list whose first rows are known and
    whose rest is read when first asked for: ``rows[:60]`` costs nothing more, ``len(rows)``
    or ``rows[5000]`` reads the file."""

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

    def has_row(self, row: int) -> bool:
        return 0 <= row < len(self.rows)

    def verify(self) -> None:
        """Nothing: a sheet is checked whole when read (see :meth:`CsvTable.verify`)."""


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

    def has_row(self, row: int) -> bool:
        return 0 <= row < len(self.lines)

    def verify(self) -> None:
        """Nothing: this table was checked whole when read (see :meth:`CsvTable.verify`)."""

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
        return ColumnTable(sheet.file, sheet.name, columns, np.array(numbers, dtype=np.int64))


class TableRefused(Exception):
    """Reading the rest of a :class:`CsvTable` found what makes the file unreadable (its
    first pass rules this out; kept so that no such case could pass silently):
    :func:`ncctd_cli.ingest.parse_source` refuses the file with ``problem``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


class CsvTable(ColumnTable):
    """A big CSV read by columns on demand: what a layout needs to be recognised (the first
    filled row, the cells of the first rows) comes from the first :data:`HEAD_ROWS` rows,
    read in one pass over the file that checks it whole (encoding, NUL characters, line
    lengths, widths, CSV syntax) without keeping it. The columns (``columns``, ``lines``) and
    the rows (:meth:`rows`) are read when first used, so a big CSV that holds no return is
    refused without being decoded or read into cells.

    Row numbers are those of the table read by columns: the rows holding anything, from the
    first. ``row_cells`` gives as many cells as the table has columns (its widest row)."""

    def __init__(
        self, file: str, data: bytes, encoding: str, delimiter: str, head: list[list[Cell]],
        head_lines: list[int], width: int, complete: bool, limits: Limits, check: _CheckAside | None = None,
    ) -> None:  # not the dataclass's: columns and lines are read when first used
        self.file = file
        self.name = None
        self.delimiter = delimiter
        self.limits = limits
        self._data = data
        self._encoding = encoding
        self._head = head
        self._head_lines = head_lines
        self._width = width
        self._complete = complete  # the head holds every row
        self._table: ColumnTable | None = None
        self._sheet: Sheet | None = None
        self._check = check  # the whole pass, running aside (a big file); width is the head's till then

    def verify(self) -> None:
        """Wait for the whole pass over the file running aside, if any: its refusal raised
        as :class:`TableRefused` (the file is then refused whole, as the pass here would)."""
        if self._check is not None:
            check, self._check = self._check, None
            try:
                _, self._width = check.result()
            except Refusal as refusal:
                raise TableRefused(Problem.of(refusal.code, **refusal.params)) from None

    def __repr__(self) -> str:
        return f"CsvTable(file={self.file!r}, width={self._width}, read={self._table is not None})"

    @property
    def columns(self) -> list[Column]:
        return self._columns().columns

    @columns.setter
    def columns(self, value: list[Column]) -> None:
        self._columns().columns = value

    @property
    def lines(self) -> np.ndarray:
        return self._columns().lines

    @lines.setter
    def lines(self, value: np.ndarray) -> None:
        self._columns().lines = value

    @property
    def text(self) -> str | None:
        return None  # never kept: decoded again when the rows or the columns are read

    @text.setter
    def text(self, value: str | None) -> None:
        pass

    def first_filled_row(self) -> int | None:
        return 0 if self._head else None

    def row_cells(self, row: int) -> list[Cell]:
        if self._table is None and 0 <= row < len(self._head):
            cells = self._head[row]
            return [*cells, *([None] * (self._width - len(cells)))]
        return super().row_cells(row)

    def has_row(self, row: int) -> bool:
        if self._table is None and 0 <= row < len(self._head):
            return True  # known from the first rows, without reading the rest
        return super().has_row(row)

    def rows(self) -> Sheet:
        """The table as rows (as the row reader reads the CSV): the first rows at once, the
        rest read when a row past them, or their number, is asked for."""
        if self._sheet is not None:
            return self._sheet
        return Sheet(
            self.file, None,
            _LazyList(self._head, None if self._complete else lambda: self._whole_rows().rows),
            _LazyList(self._head_lines, None if self._complete else lambda: list(self._whole_rows().line_numbers or ())),
        )

    def _text(self) -> str:
        return self._decoded()[0]

    def _decoded(self) -> tuple[str, bytes | None]:
        """The text, and its UTF-8 bytes when they are the file's own bytes (UTF-8 with no
        mark, composed already: not encoded again for the column reader)."""
        decoded, encoding = decode_text(self._data, self._encoding)
        composed = nfc(decoded)
        text = _drop_trailing_blank_lines(composed)
        if encoding != "utf-8" or composed is not decoded:
            return text, None
        cut = len(decoded) - len(text)  # blank lines at the end: one byte a character
        return text, self._data[: len(self._data) - cut] if cut else self._data

    def _whole_rows(self) -> Sheet:
        if self._sheet is None:
            read = read_csv_rows(self._text(), self.delimiter, SourceFile(self.file, "csv"), self.limits)
            if read.problems:
                raise TableRefused(read.problems[0])
            self._sheet = read.sheets[0]
        return self._sheet

    def _columns(self) -> ColumnTable:
        if self._table is None:
            text, data = self._decoded()
            table = read_csv_columns(text, self.delimiter, self.file, self.limits, data=data)
            del data
            if table is None:  # not one line per record, or wider rows: through the row reader
                read = read_csv_rows(text, self.delimiter, SourceFile(self.file, "csv"), self.limits)
                if read.problems:
                    raise TableRefused(read.problems[0])
                table = ColumnTable.from_sheet(read.sheets[0])
            del text
            table.text = None  # never kept (rows() decodes again): the columns are what stays
            if len(table.columns) != self._width:
                self.verify()  # the width of the whole file, or its refusal
            if len(table.columns) != self._width:
                raise TableRefused(Problem.of("corrupt-file", variant="unexpected", kind="csv", error="width"))
            self._table = table
        return self._table


class _LazyList(list[T]):
    """A list whose first items are known and whose rest is read on first need (``load``:
    the whole list; None: the head is the whole list). Reading a slice or an item within the
    head costs nothing; anything else (its length, iterating, an item past the head, any
    change) loads it first, after which it is a plain list."""

    def __init__(self, head: list[T], load: Callable[[], list[T]] | None) -> None:
        super().__init__(head)
        self._load = load

    def _whole(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            list.__setitem__(self, slice(None), load())

    def _in_head(self, index: SupportsIndex | slice) -> bool:
        if self._load is None:
            return True
        size = list.__len__(self)
        if isinstance(index, slice):
            start, stop, step = index.start, index.stop, index.step
            return (step is None or step > 0) and (start is None or start >= 0) and stop is not None and 0 <= stop <= size
        position = index.__index__()
        return 0 <= position < size

    def __getitem__(self, index: Any) -> Any:
        if not self._in_head(index):
            self._whole()
        return list.__getitem__(self, index)

    def __bool__(self) -> bool:
        if not list.__len__(self):
            self._whole()
        return bool(list.__len__(self))

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        self._whole()
        return (list, (list(list.__iter__(self)),))

    def __repr__(self) -> str:
        if self._load is not None:
            return f"<{list.__len__(self)} rows read, the rest not yet>"
        return list.__repr__(self)


def _loading(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    def loaded(self: _LazyList[Any], *args: Any, **kwargs: Any) -> Any:
        self._whole()
        return method(self, *args, **kwargs)

    loaded.__name__ = name
    return loaded


for _name in ("__len__", "__iter__", "__reversed__", "__contains__", "__eq__", "__ne__", "__lt__",
              "__le__", "__gt__", "__ge__", "__add__", "__mul__", "__rmul__", "__iadd__", "__imul__",
              "__setitem__", "__delitem__", "append", "extend", "insert", "pop", "remove", "clear",
              "index", "count", "copy", "sort", "reverse"):
    setattr(_LazyList, _name, _loading(_name))


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
    """Files to read under a folder (recursive, sorted as paths sort) and the files skipped.
    What is hidden (a name starting with a dot) is passed over, folders and all; a folder
    that is a link is not entered; a folder that cannot be listed is passed over."""
    found: list[Path] = []
    skipped: list[Path] = []
    # (the path's parts as they sort, its folder, its name): a file's Path is its folder's
    # joined with its name, not parsed again from the whole path (a batch lists thousands)
    files: list[tuple[tuple[str, ...], Path, str]] = []

    def walk(folder: Path, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(folder / name, (*parts, os.path.normcase(name)))
                elif entry.is_file():
                    files.append(((*parts, os.path.normcase(name)), folder, name))
            except OSError:
                continue

    walk(path, ())
    for _, folder, name in sorted(files):
        item = folder / name
        suffix = os.path.splitext(name)[1].lower()
        if name.startswith("~$"):  # Excel's lock files
            skipped.append(item)
        elif suffix in RETURN_SUFFIXES and (suffix != ".txt" or _tabular(item)):
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
    """Read one file from disk (a workbook in a worker process: see :func:`read_bytes`)."""
    options = options or ReadOptions()
    name = display or str(path)
    try:
        data = _file_bytes(path, options.limits.max_file_bytes)
    except OSError as exc:
        return SourceFile(name, "unknown").refuse("unreadable-file", reason=str(exc.strerror or exc))
    if isinstance(data, int):
        return SourceFile(name, "unknown").refuse(**_too_large(data, options.limits))
    return read_bytes(data, name, options)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _file_bytes(path: Path, limit: int) -> bytes | int:
    """A file's bytes, or its size when that is over ``limit`` (then it is not read). Read
    with one descriptor and its size asked once (a batch reads thousands of small files:
    7 µs each, against 16 for a stat and ``Path.read_bytes``); a file that grew since is
    read to its end."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            return size
        data = os.read(fd, size + 1)
        if len(data) > size:  # it grew: the rest, as it comes
            parts = [data]
            while more := os.read(fd, 1 << 20):
                parts.append(more)
            data = b"".join(parts)
        return data
    finally:
        os.close(fd)


def read_bytes(data: bytes, name: str, options: ReadOptions | None = None) -> SourceFile:
    """Read one file's bytes; ``name`` is how messages name it (never used as a path).

    CSV text is read in this process. A workbook (a zip or an OLE2 file) is read in a worker
    process under the limits of ``options.limits`` (a process kept for the next call); in a
    worker already, here."""
    options = options or ReadOptions()
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > options.limits.max_file_bytes:
        return SourceFile(name, "unknown", digest).refuse(**_too_large(len(data), options.limits))
    if not data or data.isspace():
        return SourceFile(name, "unknown", digest).refuse("empty-file")
    if not is_workbook_bytes(data):
        return _read_here(data, name, digest, options)
    if inside_worker():
        return read_workbook_bytes((data, name, digest, options))
    ok, value = _shared_reader().run((data, name, digest, options), worker_limits(options.limits))
    if ok:
        return value
    return SourceFile(name, "unknown", digest).refuse(**death_refusal(value, options.limits))


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_workbook_bytes(head: bytes) -> bool:
    """Whether a file whose first bytes are ``head`` is read as a workbook (a zip or an OLE2
    file: in a worker process), rather than as text or refused for what it is, here."""
    return head.startswith((*_ZIP_MAGIC, _OLE2))


def worker_limits(limits: Limits) -> WorkerLimits:
    """The limits of a worker process reading one file."""
    return WorkerLimits(limits.max_memory_bytes, limits.max_cpu_seconds, limits.max_wall_seconds)


def death_refusal(death: Death, limits: Limits) -> dict[str, Any]:
    """The refusal (``code`` and parameters) of a file whose reader died (see
    :class:`~ncctd_cli.containment.Death`)."""
    if death.cause == "memory":
        asked = None if death.asked_bytes is None else death.asked_bytes / 1048576
        return {"code": "reader-out-of-memory", "limit_mb": limits.max_memory_bytes / 1048576, "asked_mb": asked}
    if death.cause in ("cpu", "wall"):
        seconds = limits.max_cpu_seconds if death.cause == "cpu" else limits.max_wall_seconds
        return {"code": "reader-timeout", "variant": death.cause, "seconds": seconds}
    return {"code": "reader-crashed", "detail": death.detail}


_SHARED: list[Pool] = []  # the worker process read_bytes keeps for the next call
_SHARED_LOCK = threading.Lock()


class _SharedReader:
    """One worker process for :func:`read_bytes` called on its own (the API, the tests): kept
    for the next call, started again after a death. One call at a time."""

    def run(self, job: Any, limits: WorkerLimits) -> tuple[bool, Any]:
        with _SHARED_LOCK:
            if not _SHARED:
                preload_readers()
                _SHARED.append(Pool(read_workbook_bytes, workers=1, depth=1, setup=preload_readers))
            return _SHARED[0].run(job, limits)


def preload_readers() -> None:
    """Import what reading any workbook needs before a worker starts (forked workers share it;
    a spawned one imports it before any limit applies: a library is no file's fault). What
    only some files need (olefile for an xls, defusedxml for a part with a prolog) is imported
    by the worker that first needs it."""
    import python_calamine  # noqa: F401


def _shared_reader() -> _SharedReader:
    return _SharedReader()


def _read_here(data: bytes, name: str, digest: str, options: ReadOptions) -> SourceFile:
    """What is not a workbook, in this process: text (CSV, or a web page with a spreadsheet's
    name, refused by what it is), or bytes refused for what they are."""
    what = describe_binary(data)
    if what is None and _looks_like_text(data[:65536]):
        source = SourceFile(name, "csv", digest)
        try:
            return _read_csv(data, source, options)
        except MemoryError:  # the worker's limit: its own refusal
            raise
        except Exception as exc:  # a bug or damage nothing foresaw: this file only, never the batch
            return source.refuse(**_unexpected("csv", exc))
    suffix = Path(name).suffix.lower()
    refusal = not_a_spreadsheet(what, suffix if suffix in RETURN_SUFFIXES else None)
    return SourceFile(name, "unknown", digest).refuse(refusal.code, **refusal.params)


def read_workbook_bytes(job: tuple[bytes, str, str, ReadOptions]) -> SourceFile:
    """A workbook's bytes read (sniffed, checked, read by calamine): what a worker process
    runs. Called elsewhere, a hostile file can end the process: use :func:`read_bytes`."""
    data, name, digest, options = job
    suffix = Path(name).suffix.lower()
    try:
        kind, archive = _sniff(data, options.limits, suffix if suffix in RETURN_SUFFIXES else None)
    except Refusal as refusal:
        return SourceFile(name, "unknown", digest).refuse(refusal.code, **refusal.params)
    source = SourceFile(name, kind, digest)
    try:
        unpacked = _guard(data, name, kind, options.limits, archive)
    except Refusal as refusal:
        return source.refuse(refusal.code, **refusal.params)
    except MemoryError:  # the worker's limit: its own refusal
        raise
    except Exception as exc:  # damage no check named (struct.error, IndexError...): refused too
        return source.refuse(**_unexpected(kind, exc))
    try:
        return _read_workbook(data, source, options.limits, unpacked)
    except MemoryError:  # the worker's limit: its own refusal
        raise
    except Exception as exc:  # a bug or damage nothing foresaw: this file only, never the batch
        return source.refuse(**_unexpected(kind, exc))


def _unexpected(kind: str, exc: Exception) -> dict[str, Any]:
    return {"code": "corrupt-file", "variant": "unexpected", "kind": kind, "error": type(exc).__name__}


def _too_large(size: int, limits: Limits) -> dict[str, Any]:
    return {"code": "file-too-large", "size_mb": size / 1048576, "limit_mb": limits.max_file_bytes / 1048576}


def _sniff(
    data: bytes, limits: Limits, suffix: str | None = None
) -> tuple[str, zipfile.ZipFile | None]:
    """What a workbook's bytes are: ``xlsx``/``ods`` (with the zip opened, for the checks),
    ``xls`` (an OLE2 file), ``broken-zip``, or a :class:`Refusal` for a zip that is something
    else (a Word file, an xlsb...; ``suffix``: the file's name's, for the message)."""
    if data.startswith(_OLE2):
        return "xls", None
    check_part_count(data, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except MemoryError:  # the worker's limit: its own refusal
        raise
    except Exception:  # any damage: zipfile raises many kinds
        return "broken-zip", None
    try:
        kind = classify_zip(archive, data)
    except MemoryError:  # the worker's limit: its own refusal
        raise
    except Exception:
        archive.close()
        return "broken-zip", None
    if kind in ("xlsx", "ods"):
        return kind, archive
    archive.close()
    if kind == "xlsb":
        raise Refusal("unsupported-format")
    raise not_a_spreadsheet(kind, suffix)


def _guard(
    data: bytes, name: str, kind: str, limits: Limits, archive: zipfile.ZipFile | None = None
) -> dict[str, bytes] | None:
    """Raise a :class:`Refusal` for a file no parser should see (see :mod:`.guards`).
    ``archive``: the zip :func:`_sniff` opened, for an xlsx or ods. Returns an xlsx's
    worksheet parts as the checks unpacked them (see :func:`~.guards.check_zip`)."""
    if kind in ("xlsx", "ods"):
        assert archive is not None  # _sniff opens every xlsx and ods it names
        with archive:
            return check_zip(data, archive, kind, limits)
    elif kind == "broken-zip":
        raise Refusal("corrupt-file", detail="zip")
    elif kind == "xls":
        try:
            check_ole2(data)  # "unknown" (olefile could not read it): calamine tries
        except Refusal as refusal:
            if refusal.params.get("variant") == "known":
                suffix = Path(name).suffix.lower()
                refusal.params["suffix"] = suffix if suffix in RETURN_SUFFIXES else None
            raise
    return None


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if not head:
        return False
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without a BOM has every other byte NUL
        return len(head) > 1 and (head[1::2].count(0) > len(head) // 3 or head[0::2].count(0) > len(head) // 3)
    controls = sum(1 for b in head if 0 < b < 9 or 13 < b < 32)  # a stray NUL: binary-content
    return controls <= len(head) // 100


_CALAMINE_SUFFIX = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}


def _read_workbook(
    data: bytes, source: SourceFile, limits: Limits | None = None, unpacked: dict[str, bytes] | None = None
) -> SourceFile:
    """A workbook's visible worksheets through calamine (in a worker process: see
    :func:`read_workbook_bytes`); refused when calamine cannot read it, or when its sheets
    span more than ``max_cells`` from A1 (memory was the worker's limit; this is the return's).
    ``unpacked``: an xlsx's worksheet parts, if the checks unpacked them all."""
    from python_calamine import PasswordError

    limits = limits or Limits()
    budget = limits.max_cells
    try:
        workbook = _open_workbook(data, source.kind)
        for meta in workbook.sheets_metadata:
            if str(meta.visible).rsplit(".", 1)[-1] != "Visible":
                continue
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            end = sheet.end
            if end is not None:
                budget -= (end[0] + 1) * (end[1] + 1)
                if budget < 0:
                    refusal = too_many_cells(limits)
                    return source.refuse(refusal.code, **refusal.params)
            rows = sheet.to_python(skip_empty_area=False)
            source.tables.append(Sheet(source.file, nfc(meta.name), _cells(rows)))
        _add_facts(source, data, unpacked)
    except PasswordError:
        return source.refuse("password-protected")
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:  # calamine raises many kinds for broken files, a Rust panic too
        if "cell limit exceeded" in str(exc).lower():  # calamine's own bound (ods)
            refusal = too_many_cells(limits)
            return source.refuse(refusal.code, **refusal.params)
        return source.refuse("corrupt-file", variant="reader", kind=source.kind, error=type(exc).__name__)
    return source


def _add_facts(source: SourceFile, data: bytes, unpacked: dict[str, bytes] | None = None) -> None:
    """What calamine leaves out (:mod:`ncctd_cli.cellfacts`): error cells and formulas with no
    computed value marked in the rows, hidden rows and columns noted on each sheet."""
    found = workbook_facts(data, source.kind, unpacked)
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


def _open_workbook(data: bytes, kind: str) -> Any:
    """Calamine's workbook. From the bytes calamine tries each format in turn and, when none
    opens, says only that it cannot tell the format; the file is then opened again as the
    kind it is (through a temporary file named for it), for calamine's real reason (a
    password, a bound it keeps, the damage) to be raised."""
    import tempfile

    from python_calamine import CalamineError, CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as exc:
        suffix = _CALAMINE_SUFFIX.get(kind)
        if suffix is None or "detect" not in str(exc).lower():
            raise
    with tempfile.TemporaryDirectory(prefix="ncctd-") as folder:
        path = Path(folder) / f"workbook{suffix}"
        path.write_bytes(data)
        return CalamineWorkbook.from_path(str(path))


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
    return _sniff_delimiter(text[:65536], len(text) > 65536)


def _sniff_delimiter(head: str, more: bool) -> str:
    """:func:`sniff_delimiter` on the first characters of a text (``more``: it goes on)."""
    lines = head.splitlines()[:30]
    if more and len(lines) > 1:
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
    """CSV text (or a web page with a spreadsheet's name, refused by what it is). A CSV of
    ``column_min_lines`` lines or more becomes a :class:`CsvTable` (read on demand), a
    smaller one a :class:`Sheet` at once."""
    try:
        encoding, tentative = _csv_encoding(data, options.encoding)
        codecs.lookup(encoding)
    except LookupError as exc:
        return source.refuse("bad-encoding", error=str(exc))
    suffix = Path(source.file).suffix.lower()
    head = _decode_head(data, encoding, 8192)
    markup = describe_markup(head)
    if markup is not None:
        refusal = markup_refusal(markup, suffix if suffix in RETURN_SUFFIXES else None)
        source.kind = "unknown"
        return source.refuse(refusal.code, **refusal.params)
    minimum = options.column_min_lines
    if minimum is not None and _line_estimate(data, encoding) >= minimum:
        return _read_csv_on_demand(data, source, options, encoding, tentative)
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
    if minimum is not None:
        table = read_csv_columns(text, delimiter, source.file, limits, minimum)
        if table is not None:
            source.tables.append(table)
            return source
    return read_csv_rows(text, delimiter, source, limits)


def _csv_encoding(data: bytes, forced: str | None) -> tuple[str, bool]:
    """The encoding :func:`decode_text` would use, found without decoding the whole text, and
    whether it is only tentative (UTF-8 until a byte says otherwise: then Windows-1258)."""
    if forced:
        return forced, False
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", False
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:
        return ("utf-16-le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16-be"), False
    return "utf-8", True


def _decode_head(data: bytes, encoding: str, size: int) -> str:
    """The text of a file's first ``size`` bytes (a character cut at the end dropped)."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    return decoder.decode(data[:size], final=len(data) <= size)


def _line_estimate(data: bytes, encoding: str) -> int:
    """About how many lines a CSV has, from its bytes (to choose how to read it)."""
    if encoding.lower().replace("_", "-").startswith("utf-16"):
        big = encoding.lower().endswith("be") or data.startswith(codecs.BOM_UTF16_BE)
        return data.count(b"\x00\n" if big else b"\n\x00") + 1
    return data.count(b"\n") + 1


HEAD_ROWS = 256  # rows of a big CSV read before its layout is known (layouts look at 60)
_PASS_CHUNK = 1 << 20


@dataclass
class _CsvPass:
    """What one pass over a big CSV found (:func:`_csv_pass`)."""

    head: list[list[Cell]]
    head_lines: list[int]
    filled: int  # rows holding anything
    width: int  # fields of the widest of them
    whole: bool = True  # False: the pass stopped once it had the first rows (``head_only``)


class _CheckedText:
    """A text stream a block of about a megabyte at a time, each block ending at a line break,
    checked as the whole-text checks check a text: the first NUL character, the first line
    longer than the limit. At the first one the blocks stop; :meth:`finish` reads the rest (an
    encoding error is still found; a NUL counts before a long line, as those checks order
    them) and raises the refusal."""

    def __init__(self, stream: io.TextIOBase, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.newlines = 0  # line feeds in the blocks given so far
        self.nul: int | None = None
        self.long: int | None = None

    def __iter__(self) -> Iterator[str]:
        carry = ""
        while chunk := self.stream.read(_PASS_CHUNK):
            text = carry + chunk if carry else chunk
            if "\x00" in text:
                self.nul = self.newlines + text.count("\n", 0, text.index("\x00")) + 1
                return
            # a block ends after its last line break (a CR last may be the half of a CRLF)
            cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1
            block, carry = text[:cut], text[cut:]
            found = long_line(block, self.limit)
            if found is None and len(carry) > self.limit:
                found = block.count("\n")
            if found is not None:
                self.long = self.newlines + found + 1
                return
            self.newlines += block.count("\n")
            if block:
                yield block
        if carry:
            yield carry

    def finish(self) -> None:
        while chunk := self.stream.read(_PASS_CHUNK):
            if self.nul is None and "\x00" in chunk:
                self.nul = self.newlines + chunk.count("\n", 0, chunk.index("\x00")) + 1
            self.newlines += chunk.count("\n")
        if self.nul is not None:
            raise Refusal("binary-content", line=self.nul)
        if self.long is not None:
            raise Refusal("line-too-long", line=self.long, limit=self.limit)


_PASS_BATCH = 8192  # records looked at together


def _csv_pass(
    data: memoryview, encoding: str, delimiter: str, limits: Limits, tail_long: int | None = None,
    exact: bool = False, head_only: bool = False,
) -> _CsvPass:
    """One pass over a big CSV, decoding it a block at a time and keeping nothing but its first
    rows: the checks the whole-text reader makes (encoding, NUL, line length, width, CSV
    syntax), with the same refusals, and what the table will be (its first rows, its width).

    Records are looked at a batch at a time; a record's line is known from the reader's line
    count when every record of its batch is one line. When a line is needed and not known so
    (a record over several lines among the first rows, or too wide), the pass runs again
    ``exact``: one record at a time. ``tail_long``: a line too long in the blank lines cut from
    the end (refused after a NUL, before the CSV's own faults, as the whole-text checks do).

    ``head_only``: stop as soon as the first rows are known with nothing wrong in them (the
    result's ``whole`` is then False: the rest is checked by another pass); anything wrong
    before that is found and refused as the whole pass would."""
    stream = io.TextIOWrapper(io.BufferedReader(_BytesView(data), 1 << 20), encoding=encoding, newline="")
    text = _CheckedText(stream, limits.max_line_chars)
    lines = itertools.chain.from_iterable(io.StringIO(block, newline="") for block in text)
    reader = csv.reader(lines, delimiter=delimiter)
    found = _CsvPass([], [], 0, 0)
    problem: Refusal | None = None
    again = False
    try:
        while True:
            before = reader.line_num
            batch = list(itertools.islice(reader, 1 if exact else _PASS_BATCH))
            if not batch:
                break
            one_line_each = reader.line_num - before == len(batch)
            if max(map(len, batch)) > limits.max_columns:
                if not one_line_each:
                    again = True
                    break
                n = next(i for i, record in enumerate(batch) if len(record) > limits.max_columns)
                problem = Refusal(
                    "too-many-columns", line=before + n + 1, columns=len(batch[n]), limit=limits.max_columns
                )
                break
            blank = list(map(str.strip, map("".join, batch)))  # "": a row of nothing
            filled = sum(map(bool, blank))
            if not filled:
                continue
            found.filled += filled
            found.width = max(found.width, max(itertools.compress(map(len, batch), blank)))
            if len(found.head) < HEAD_ROWS:
                if not one_line_each and not exact:
                    again = True
                    break
                for n in itertools.compress(range(len(batch)), blank):
                    found.head.append([nfc(v) if v.strip() else None for v in batch[n]])
                    found.head_lines.append(before + n + 1)
                    if len(found.head) == HEAD_ROWS:
                        break
                if head_only and len(found.head) == HEAD_ROWS:
                    found.whole = False
                    return found
    except csv.Error as exc:
        problem = Refusal("corrupt-file", variant="csv", line=reader.line_num, error=str(exc))
    text.finish()
    if tail_long is not None:
        raise Refusal("line-too-long", line=tail_long, limit=limits.max_line_chars)
    if again:
        return _csv_pass(data, encoding, delimiter, limits, tail_long, exact=True, head_only=head_only)
    if problem is not None:
        raise problem
    return found


class _BytesView(io.RawIOBase):
    """Bytes read as a stream without a copy of them (``io.BytesIO`` of a slice copies it)."""

    def __init__(self, view: memoryview) -> None:
        self.view = view
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), len(self.view) - self.position)
        buffer[:n] = self.view[self.position : self.position + n]
        self.position += n
        return n


def _content_end(data: bytes) -> int:
    """Where the blank lines (or lines of only separators) at the end of a CSV in an ASCII-
    compatible encoding begin (:func:`_drop_trailing_blank_lines` on the bytes)."""
    content, stop = 0, len(data)
    while stop:
        start = max(0, stop - 65536)
        kept = len(data[start:stop].rstrip(b"\r\n\t ;,"))
        if kept:
            content = start + kept
            break
        stop = start
    end = data.find(b"\n", content)
    return end + 1 if 0 <= end < len(data) - 1 else len(data)


def _read_csv_on_demand(
    data: bytes, source: SourceFile, options: ReadOptions, encoding: str, tentative: bool
) -> SourceFile:
    """A big CSV as a :class:`CsvTable`: one pass checks it whole and keeps its first rows."""
    limits = options.limits
    head = nfc(_decode_head(data, encoding, 1 << 17))
    whole = len(data) <= 1 << 17
    if whole:  # the head is the whole text: sniffed as the whole-text reader sniffs it, without its blank end
        head = _drop_trailing_blank_lines(head)
    delimiter = _sniff_delimiter(head[:65536], len(head) > 65536 or not whole)
    view = memoryview(data)
    tail_long = None
    if not encoding.lower().replace("_", "-").startswith("utf-16"):
        # blank lines at the end are cut without being parsed (3 million of them: at once), as
        # the whole-text reader cuts them; their length is still checked
        end = _content_end(data)
        found_long = long_line(data[end:].decode("latin-1"), limits.max_line_chars) if end < len(data) else None
        if found_long is not None:
            tail_long = data.count(b"\n", 0, end) + found_long + 1
        view = view[:end]
    # a big file is checked whole by a second process while this one reads its returns
    aside = len(view) >= ASIDE_MIN_BYTES and _can_check_aside()
    if aside and tentative and not _decodes(view, encoding):
        encoding, tentative = "cp1258", False  # what the whole pass would find: not UTF-8
    try:
        try:
            found = _csv_pass(view, encoding, delimiter, limits, tail_long, head_only=aside)
        except UnicodeDecodeError:
            if not tentative:
                raise
            encoding = "cp1258"  # as decode_text: not UTF-8, so Windows-1258
            found = _csv_pass(view, encoding, delimiter, limits, tail_long)
    except (UnicodeDecodeError, LookupError) as exc:
        return source.refuse("bad-encoding", error=str(exc))
    except Refusal as refusal:
        return source.refuse(refusal.code, **refusal.params)
    if not found.filled:
        return _blank_csv(source)
    complete = found.whole and found.filled <= len(found.head)
    check = None if found.whole else _CheckAside(view, encoding, delimiter, limits, tail_long)
    source.tables.append(
        CsvTable(source.file, data, encoding, delimiter, found.head, found.head_lines, found.width, complete, limits,
                 check)
    )
    return source


ASIDE_MIN_BYTES = 16 << 20  # a CSV this big is checked whole in a second process (see _CheckAside)


def _can_check_aside() -> bool:
    return hasattr(os, "fork") and not inside_worker()


def _decodes(view: memoryview, encoding: str) -> bool:
    """Whether the whole text decodes (a few megabytes at a time: nothing kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    step = 1 << 22
    try:
        for start in range(0, len(view), step):
            decoder.decode(view[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_ASIDE: list[tuple[memoryview, str, str, Limits, int | None]] = []  # in the checking process


def _aside_start(view: memoryview, encoding: str, delimiter: str, limits: Limits, tail_long: int | None) -> None:
    _ASIDE[:] = [(view, encoding, delimiter, limits, tail_long)]  # forked: the bytes are not copied


def _aside_pass(_job: object) -> tuple[int, int] | tuple[str, dict[str, Any]]:
    """The whole pass over a big CSV (in the checking process): (rows holding anything, the
    widest row), or the refusal's (code, parameters)."""
    view, encoding, delimiter, limits, tail_long = _ASIDE[0]
    try:
        found = _csv_pass(view, encoding, delimiter, limits, tail_long)
    except (UnicodeDecodeError, LookupError) as exc:
        return "bad-encoding", {"error": str(exc)}
    except Refusal as refusal:
        return refusal.code, dict(refusal.params)
    return found.filled, found.width


class _CheckAside:
    """The whole pass over a big CSV (:func:`_csv_pass`: encoding, NUL characters, line
    lengths, widths, CSV syntax) run in a forked process while this one reads the table's
    returns from its first rows on; :meth:`result` waits for it. Only the wait is saved: the
    file is refused exactly as the pass here would refuse it (a process that dies is replaced
    by the pass here), before any of its returns is checked or stored."""

    def __init__(self, view: memoryview, encoding: str, delimiter: str, limits: Limits, tail_long: int | None) -> None:
        self._args = (view, encoding, delimiter, limits, tail_long)
        self._value: tuple[int, int] | tuple[str, dict[str, Any]] = (0, 0)
        self._pool: Pool | None = Pool(_aside_pass, setup=_aside_start, setup_args=self._args, start_method="fork")
        self._ticket = self._pool.submit(None, WorkerLimits())
        import weakref

        weakref.finalize(self, self._pool.close)

    def result(self) -> tuple[int, int]:
        """(rows holding anything, the widest row), or the file's :class:`Refusal` raised."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            ok, value = pool.outcome(self._ticket)
            pool.close()
            if not ok:  # died (not the file's fault: no limit was set): the pass here
                _aside_start(*self._args)
                value = _aside_pass(None)
            self._value = value
        value = self._value
        if isinstance(value[0], str):
            raise Refusal(value[0], **value[1])
        return value


HEADER_SCAN_LINES = 60  # lines looked at for the first one holding anything


def read_csv_columns(
    text: str, delimiter: str, file: str, limits: Limits, min_lines: int = 0, *, data: bytes | None = None
) -> ColumnTable | None:
    """A CSV's decoded, checked text read by columns (pandas' C reader, each column as
    categories: each distinct cell held once), from its first line holding anything; None
    when it has fewer than ``min_lines`` lines, or is not a table whose every record is one
    line of the same width (the row reader then reads it, and says what is wrong). ``data``:
    the text's UTF-8 bytes, if at hand."""
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

    if data is None:
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
    a CSV the reader refuses (the loop says where), a quote left open (the last line's would
    end at its line here, and take the line break with it there)."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    last = text[text.rfind("\n", 0, len(text) - 1) + 1 :]
    try:
        if '"' in last and list(csv.reader(io.StringIO(last, newline=""), delimiter=delimiter)) != list(
            csv.reader([last.removesuffix("\n")], delimiter=delimiter)
        ):
            return None
    except csv.Error:
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
