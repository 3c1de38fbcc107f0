"""Sheet reader: one file (xlsx, xlsm, xls, ods, csv) → its sheets as rows of cell values.

The kind of file is recognised from its bytes, not its name. Workbooks are read with
python-calamine (values only: a formula by its saved value, macros never run); CSV with the
standard library, its encoding and delimiter detected. Every string comes out NFC.
A file that cannot be read gives one :class:`~ncctd_cli.model.Problem`, never an exception.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .model import Problem, cell_ref
from .vietnamese import nfc

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
RETURN_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv", ".tsv", ".txt")

Cell = object  # str | float | int | bool | date | datetime | None


@dataclass
class Limits:
    """Guards against hostile files (see README, SECURITY)."""

    max_expanded_bytes: int = 300 * 1024 * 1024  # what a zipped workbook may unpack to
    max_file_bytes: int = 512 * 1024 * 1024
    max_ratio: int = 200  # expanded / compressed for one zip member, beyond a small size


@dataclass
class ReadOptions:
    encoding: str | None = None  # force a CSV encoding
    decimal_point: bool = False  # CSV numbers written with '.' as the decimal mark
    limits: Limits = field(default_factory=Limits)


@dataclass
class Sheet:
    """One sheet's cells, row by row, from A1; or a CSV's rows with their line numbers."""

    file: str
    name: str | None
    rows: list[list[Cell]]
    line_numbers: list[int] | None = None  # CSV: the physical line each row starts on

    def ref(self, row: int, col: int) -> str:
        """The A1 reference of a cell (for a CSV, the row is its line number)."""
        if self.line_numbers is not None:
            return cell_ref(self.line_numbers[row] - 1, col)
        return cell_ref(row, col)


@dataclass
class SourceFile:
    """What the reader made of one file."""

    file: str
    kind: str  # xlsx | xls | ods | csv | unknown
    sha256: str | None = None
    sheets: list[Sheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def refuse(self, code: str, message: str) -> SourceFile:
        self.problems.append(Problem("error", code, message, file=self.file))
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
        elif item.suffix.lower() in RETURN_SUFFIXES:
            found.append(item)
        else:
            skipped.append(item)
    return found, skipped


def read_path(path: Path, options: ReadOptions | None = None, display: str | None = None) -> SourceFile:
    """Read one file from disk."""
    options = options or ReadOptions()
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > options.limits.max_file_bytes:
            return SourceFile(name, "unknown").refuse(
                "file-too-large",
                f"Tệp quá lớn ({size // (1024 * 1024)} MB): không đọc.",
            )
        data = path.read_bytes()
    except OSError as exc:
        return SourceFile(name, "unknown").refuse(
            "unreadable-file", f"Không mở được tệp: {exc.strerror or exc}."
        )
    return read_bytes(data, name, options)


def read_bytes(data: bytes, name: str, options: ReadOptions | None = None) -> SourceFile:
    """Read one file's bytes; ``name`` is how messages name it."""
    options = options or ReadOptions()
    digest = hashlib.sha256(data).hexdigest()
    kind = sniff_kind(data, name)
    source = SourceFile(name, kind, digest)
    if not data.strip():
        return source.refuse("empty-file", "Tệp trống: không có báo cáo nào.")
    if kind in ("xlsx", "ods"):
        problem = _zip_guard(data, options.limits)
        if problem:
            return source.refuse(*problem)
    if kind == "encrypted":
        return source.refuse(
            "password-protected",
            "Tệp có đặt mật khẩu: hãy lưu lại tệp không có mật khẩu rồi gửi lại.",
        )
    if kind in ("xlsx", "xls", "ods"):
        return _read_workbook(data, source)
    if kind == "csv":
        return _read_csv(data, source, options)
    return source.refuse(
        "not-a-spreadsheet",
        "Tệp không phải bảng tính (xlsx, xls, ods) hay CSV: không đọc được.",
    )


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def sniff_kind(data: bytes, name: str = "") -> str:
    """What a file is, from its first bytes: xlsx, ods, xls, encrypted, csv or unknown."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    mimetype = archive.read("mimetype")[:100]
                    if b"opendocument.spreadsheet" in mimetype:
                        return "ods"
                    return "unknown"
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return "broken-zip"
        return "unknown"
    if data.startswith(_OLE2):
        return "encrypted" if _ENCRYPTED_MARK in data else "xls"
    if data.startswith(_BINARY_MAGIC):
        return "unknown"
    return "csv" if _looks_like_text(data[:65536]) else "unknown"


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if not head:
        return False
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without a BOM has every other byte NUL
        return len(head) > 1 and (head[1::2].count(0) > len(head) // 3 or head[0::2].count(0) > len(head) // 3)
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls <= len(head) // 100


def _zip_guard(data: bytes, limits: Limits) -> tuple[str, str] | None:
    """Refuse a zipped workbook whose parts would expand past the limit (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = 0
            for info in archive.infolist():
                declared += info.file_size
                big = info.file_size > 10 * 1024 * 1024
                if big and info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                    return (
                        "decompression-bomb",
                        f"Tệp nén bất thường (phần {info.filename} nén {info.file_size // info.compress_size}:1): "
                        "có thể là bom giải nén, không đọc.",
                    )
            if declared > limits.max_expanded_bytes:
                return (
                    "decompression-bomb",
                    f"Tệp giải nén ra {declared // (1024 * 1024)} MB, quá giới hạn "
                    f"{limits.max_expanded_bytes // (1024 * 1024)} MB: không đọc.",
                )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ("corrupt-file", "Tệp bị hỏng hoặc không đầy đủ: không giải nén được.")
    return None


def _read_workbook(data: bytes, source: SourceFile) -> SourceFile:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in workbook.sheets_metadata:
            if str(meta.visible).rsplit(".", 1)[-1] != "Visible":
                continue
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                continue
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            source.sheets.append(
                Sheet(source.file, nfc(meta.name), [[_cell(v) for v in row] for row in rows])
            )
    except PasswordError:
        return source.refuse(
            "password-protected",
            "Tệp có đặt mật khẩu: hãy lưu lại tệp không có mật khẩu rồi gửi lại.",
        )
    except Exception as exc:  # calamine raises many kinds for broken files
        return source.refuse(
            "corrupt-file",
            f"Tệp {source.kind} bị hỏng hoặc không đầy đủ, không đọc được ({type(exc).__name__}).",
        )
    return source


def _cell(value: object) -> Cell:
    if isinstance(value, str):
        return nfc(value) if value else None
    return value


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
    """The delimiter among ``; , tab`` that splits the first lines most consistently."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_score = ",", (-1, -1)
    for delimiter in ("\t", ";", ","):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, source: SourceFile, options: ReadOptions) -> SourceFile:
    try:
        text, _encoding = decode_text(data, options.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return source.refuse(
            "bad-encoding",
            f"Không đọc được bảng mã của tệp CSV ({exc}). Hãy lưu lại dạng UTF-8, "
            "hoặc chỉ rõ bằng --encoding.",
        )
    if "\x00" in text:
        return source.refuse("binary-content", "Tệp CSV chứa ký tự NUL: không phải tệp văn bản.")
    text = nfc(text)
    delimiter = sniff_delimiter(text)
    rows: list[list[Cell]] = []
    line_numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            rows.append([v if v.strip() else None for v in record])
            line_numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        return source.refuse("corrupt-file", f"Tệp CSV sai cấu trúc ở dòng {reader.line_num}: {exc}.")
    source.sheets.append(Sheet(source.file, None, rows, line_numbers))
    return source


def iter_paths(paths: list[Path]) -> Iterator[tuple[Path, bool]]:
    """Each file to read (``True``) or skip (``False``) under the given files and folders."""
    for path in paths:
        if path.is_dir():
            found, skipped = find_return_files(path)
            yield from ((p, True) for p in found)
            yield from ((p, False) for p in skipped)
        else:
            yield path, True
