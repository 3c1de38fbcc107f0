"""Guards against hostile files, run on a file's bytes before any parser sees them.

The sheet reader (:mod:`ncctd_cli.sheets`) hands workbooks to python-calamine, a fast Rust
reader. Calamine cannot be stopped once it runs, and some small files make it ask for far
more memory than the machine has (the process then dies, with no exception to catch): a 7 KB
xlsx with one cell in A1 and one in XFD1048576 makes it allocate 550 GB; a 9 KB xls with eight
such sheets takes 4.7 GB. So every workbook is inspected here first, cheaply, and refused with
a :class:`Refusal` (a stable code and a Vietnamese message) when it is:

- a zip (xlsx, ods) whose parts would unpack past ``Limits.max_expanded_bytes``, judged by the
  sizes the zip declares *and* by the bytes actually unpacked, member by member, within that
  budget (a member that unpacks to more or less than it declares fails its CRC check; a
  small template part byte for byte the same as one already found harmless, as the theme and
  styles of a batch of forms are, is not unpacked again: see :class:`_HarmlessParts`);
- XML carrying a ``<!DOCTYPE``/``<!ENTITY`` (entity bombs, external entities: no spreadsheet
  needs them);
- a workbook whose sheets span more than ``Limits.max_cells`` cells counted from A1 (computed
  from the cell positions in the sheet XML, or the cell records of an xls);
- password-protected (an encrypted xlsx is an OLE2 file holding an ``EncryptedPackage``; an
  encrypted xls has a FILEPASS record; an encrypted ods declares ``encryption-data``);
- a zip or OLE2 file that is not a spreadsheet (a Word file, a zip archive, an xlsb...).

CSV text is checked by :func:`check_csv_text` (line length). Everything here is standard
library only and reads the file once more at most: a 7 KB form costs well under a millisecond.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import struct
import sys
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

MB = 1024 * 1024


@dataclass
class Limits:
    """Guards against hostile files (see docs/SECURITY.md). Raise a limit for a file you trust."""

    max_file_bytes: int = 512 * MB  # any file, as stored on disk
    max_expanded_bytes: int = 300 * MB  # what a zipped workbook (xlsx, ods) may unpack to
    max_ratio: int = 200  # unpacked / packed size of one zip member larger than 10 MB (0: off)
    max_cells: int = 2_000_000  # cells of all the sheets of one workbook, counted from A1
    max_zip_members: int = 10_000  # parts in one zipped workbook
    max_line_chars: int = 1 * MB  # one CSV line (any line of 2 MB or more is refused)
    max_columns: int = 16_384  # fields on one CSV line (Excel's widest sheet)


class Refusal(Exception):
    """A file refused before parsing: a stable ``code`` and the parameters of its message
    (worded by :mod:`ncctd_cli.problems`)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        from .problems import Problem

        return Problem.of(self.code, **self.params).message


def password_protected() -> Refusal:
    return Refusal("password-protected")


def corrupt(detail: str = "") -> Refusal:
    return Refusal("corrupt-file", detail=detail)


# ------------------------------------------------------------------ what a file really is

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"RIFF", "riff"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
    (b"MZ", "exe"),
    (b"\x7fELF", "elf"),
    (b"{\\rtf", "rtf"),
)

# What a file that is not a spreadsheet really is, in words (Vietnamese, English)
WHAT: dict[str, tuple[str, str]] = {
    "pdf": ("tệp PDF", "a PDF file"),
    "png": ("ảnh PNG", "a PNG picture"),
    "jpeg": ("ảnh JPEG", "a JPEG picture"),
    "gif": ("ảnh GIF", "a GIF picture"),
    "bmp": ("ảnh BMP", "a BMP picture"),
    "tiff": ("ảnh TIFF", "a TIFF picture"),
    "riff": ("tệp âm thanh/ảnh (RIFF)", "a sound or picture file (RIFF)"),
    "gzip": ("tệp nén gzip", "a gzip archive"),
    "rar": ("tệp nén RAR", "a RAR archive"),
    "7z": ("tệp nén 7z", "a 7z archive"),
    "exe": ("tệp chương trình Windows (exe)", "a Windows program (exe)"),
    "elf": ("tệp chương trình", "a program"),
    "rtf": ("văn bản RTF", "an RTF document"),
    "zip": ("tệp nén ZIP", "a ZIP archive"),
    "odt": ("văn bản OpenDocument (odt)", "an OpenDocument text (odt)"),
    "opendocument": ("tệp OpenDocument không phải bảng tính", "an OpenDocument file that is not a spreadsheet"),
    "docx": ("văn bản Word (docx)", "a Word document (docx)"),
    "pptx": ("tệp trình chiếu PowerPoint (pptx)", "a PowerPoint presentation (pptx)"),
    "doc": ("văn bản Word (doc)", "a Word document (doc)"),
    "ppt": ("tệp trình chiếu PowerPoint (ppt)", "a PowerPoint presentation (ppt)"),
    "office": ("tệp Office không phải bảng tính", "an Office file that is not a spreadsheet"),
}


def not_a_spreadsheet(what: str | None, suffix: str | None = None) -> Refusal:
    """The refusal of a file that is something else (``what``: a key of :data:`WHAT`)."""
    if what is None or what not in WHAT:
        return Refusal("not-a-spreadsheet")
    vi, en = WHAT[what]
    return Refusal("not-a-spreadsheet", variant="known", what=vi, what_en=en, suffix=suffix)


def describe_binary(data: bytes) -> str | None:
    """What a non-spreadsheet file is, from its first bytes: a key of :data:`WHAT`
    (``None``: unknown)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


# ------------------------------------------------------------------ zipped workbooks


def count_zip_members(data: bytes) -> int:
    """An upper bound of the parts in a zip: its central directory signatures."""
    return data.count(b"PK\x01\x02")


def classify_zip(archive: zipfile.ZipFile) -> str:
    """``xlsx``, ``ods``, ``xlsb``, or what else the zip is (a key of :data:`WHAT`)."""
    names = {info.filename for info in archive.infolist()}
    if "mimetype" in names:
        with archive.open("mimetype") as fh:
            mimetype = fh.read(200)
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        if b"opendocument.text" in mimetype:
            return "odt"
        return "opendocument"
    lower = {n.lower() for n in names}
    if "[content_types].xml" in lower:
        if "xl/workbook.bin" in lower:
            return "xlsb"
        if any(n.startswith("xl/") for n in lower):
            return "xlsx"
        if any(n.startswith("word/") for n in lower):
            return "docx"
        if any(n.startswith("ppt/") for n in lower):
            return "pptx"
    return "zip"


def check_zip(data: bytes, archive: zipfile.ZipFile, kind: str, limits: Limits) -> None:
    """Refuse a zipped workbook (xlsx, ods) that is a bomb, encrypted, or carries a DTD."""
    infos = archive.infolist()
    if any(info.flag_bits & 0x1 for info in infos):
        raise password_protected()
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_expanded_bytes:
        raise _too_big(declared, limits)
    for info in infos:
        packed = max(info.compress_size, 1)
        if limits.max_ratio and info.file_size > 10 * MB and info.file_size > limits.max_ratio * packed:
            raise Refusal(
                "decompression-bomb", variant="ratio", part=info.filename,
                ratio=info.file_size // packed, size_mb=round(info.file_size / MB),
            )
    if kind == "ods" and _ods_encrypted(data, infos, limits):
        raise password_protected()
    _stream_members(data, archive, infos, kind, limits)


def _too_big(size: int, limits: Limits) -> Refusal:
    return Refusal(
        "decompression-bomb", size_mb=round(size / MB), limit_mb=round(limits.max_expanded_bytes / MB)
    )


def _ods_encrypted(data: bytes, infos: list[zipfile.ZipInfo], limits: Limits) -> bool:
    """An encrypted ods keeps its manifest in clear, declaring ``encryption-data``."""
    for info in infos:
        if info.filename == "META-INF/manifest.xml":
            return b"encryption-data" in b"".join(_inflate(data, info, [8 * MB], limits))
    return False


_XML_SUFFIXES = (".xml", ".rels")
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
CHUNK = 64 * 1024


def _stream_members(
    data: bytes, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], kind: str, limits: Limits
) -> None:
    """Unpack every member within the byte budget; scan the XML parts on the way."""
    cells = _CellCount(limits)
    names = {i.filename for i in infos}
    strict: set[str] = {n for n in names if n.lower().endswith(_XML_SUFFIXES)}
    # relationship parts first: they name the parts calamine reads as XML, whatever their names
    ordered = sorted(infos, key=lambda i: (not i.filename.lower().endswith(".rels"), i.filename))
    budget = [limits.max_expanded_bytes]
    for info in ordered:
        name = info.filename
        if name.endswith("/") and info.file_size == 0:
            continue
        rels = name.lower().endswith(".rels")
        scan = "dtd" if name not in strict else "cells" if kind == "xlsx" and not rels else "xml"
        key = _HARMLESS.key(data, info, scan, kind)
        targets = _HARMLESS.known.get(key) if key is not None else None
        if targets is None:
            targets, harmless = _scan_member(data, info, scan, kind, cells, budget, limits)
            if harmless and key is not None:
                _HARMLESS.remember(key, targets)
        else:  # the very bytes of a part found harmless before: only its size is counted
            budget[0] -= info.file_size
            if budget[0] < 0:
                raise _too_big(limits.max_expanded_bytes + 1, limits)
        if rels and scan == "xml":
            strict.update(_resolve_targets(name, targets, names))


def _scan_member(
    data: bytes,
    info: zipfile.ZipInfo,
    scan: str,
    kind: str,
    cells: _CellCount,
    budget: list[int],
    limits: Limits,
) -> tuple[tuple[str, ...], bool]:
    """Unpack one member within the budget and scan it (``scan``: ``dtd``, ``cells`` or
    ``xml``, see :func:`_stream_members`). Returns the relationship targets it names, and
    whether it is harmless whatever workbook holds it: nothing refused, and nothing counted
    towards the workbook's cells (no cell, no shared string)."""
    name = info.filename
    scanner: _DtdScan | _FastXlsxScan | _XmlScan
    if scan == "dtd":
        scanner = _DtdScan(name)
    elif scan == "cells":
        scanner = _FastXlsxScan(name, cells)
    else:
        scanner = _XmlScan(name, cells, kind)
    chunks = _unpacked(data, info, budget, limits)
    for chunk in chunks:
        scanner.feed(chunk)
    scanner.close()
    if isinstance(scanner, _FastXlsxScan):
        if scanner.needs_exact:
            exact = _XmlScan(name, cells, kind)  # slower, precise: only when the fast one can't tell
            if not isinstance(chunks, tuple):  # a large part was streamed: unpacked again
                chunks = _inflate(data, info, [limits.max_expanded_bytes], limits)
            for chunk in chunks:
                exact.feed(chunk)
            exact.close()
            return (), False
        return (), not scanner.found_any
    if isinstance(scanner, _XmlScan):  # a relationship part counts nothing; any other may
        return tuple(scanner.targets), scanner.root == "Relationships"
    return (), True


class _HarmlessParts:
    """Small parts already unpacked and scanned and found harmless (see :func:`_scan_member`),
    by their exact packed bytes, with the targets a relationship part names.

    The forms of a batch are filled in from one template: their theme, styles, relationship
    and property parts repeat byte for byte, and they are most of the unpacking and scanning
    of a small form. The same packed bytes, with the same method, declared size and CRC,
    unpack to the same bytes and get the same verdict: a part met again is not unpacked or
    scanned again, only its size counted. Each file's own parts (its sheet) are always read.
    Kept per process, a bounded number of parts."""

    MAX_PARTS = 256
    MAX_PACKED = 16 * 1024  # bytes of one part kept: at most 4 MB in all

    def __init__(self) -> None:
        self.known: dict[tuple[object, ...], tuple[str, ...]] = {}

    def key(self, data: bytes, info: zipfile.ZipInfo, scan: str, kind: str) -> tuple[object, ...] | None:
        """What a part's verdict depends on, or None for a part too large to be kept."""
        if info.compress_size > self.MAX_PACKED or info.file_size > SMALL_PART:
            return None
        packed = bytes(_packed(data, info))  # the local header is checked for every file
        return (scan, kind, info.compress_type, info.file_size, info.CRC, packed)

    def remember(self, key: tuple[object, ...], targets: tuple[str, ...]) -> None:
        if len(self.known) >= self.MAX_PARTS:
            del self.known[next(iter(self.known))]  # the oldest
        self.known[key] = targets


_HARMLESS = _HarmlessParts()


class _DtdScan:
    """A part no reader parses as XML: only the DTD marks are looked for."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        window = self.tail + chunk
        if _has_dtd(window):
            raise _unsafe_xml(self.part)
        self.tail = chunk[-16:]

    def close(self) -> None:
        pass


_PREFIX = rb"(?:[A-Za-z_][\w.-]*+:)?"  # possessive: a name holds no ":", so no backtracking
# One pass finds every element the fast scan counts (each "<" tried once): a cell ``<c ...>``,
# with its position when its ``r`` attribute is found by walking the attributes in order
# (a value holding ``r="A1"`` is skipped, not taken for the position; the first ``r`` counts,
# as calamine takes the first), or without; and a
# shared string ``<si>``. Groups: column, row (empty: a cell whose position was not found),
# "s" (a shared string).
_ATTR = rb"""\s++(?!r\s*=)[^\s=<>/]++\s*+=\s*+(?:"[^"<>]*+"|'[^'<>]*+')"""
_CELL_OR_STRING = (
    rb"(?:c(?:(?:" + _ATTR + rb")*+\s++r\s*+=\s*+[\"']\$?([A-Za-z]{1,4})\$?([0-9]{1,10})[\"']"
    rb"|(?=[\s/>]))|(s)i[\s/>])"
)
_ELEMENT = re.compile(rb"<" + _PREFIX + _CELL_OR_STRING)
# Trying a prefix at every "<" doubles the cost; a part where no cell or shared string has
# one (no ":c" or ":si" before a space, "/" or ">": every prefixed match holds one) gets the
# same matches from the pattern without it.
_PREFIXED = re.compile(rb":(?:c|si)[\s/>]")
_ELEMENT_PLAIN = re.compile(rb"<" + _CELL_OR_STRING)
_DTD_OPEN = b"<!"  # every DTD mark starts with it: one search, the two marks only when found


def _has_dtd(work: bytes) -> bool:
    # "!" first: a single byte, rare in a workbook's XML, is found at memory speed, where a
    # search for "<!" stops at every "<" of the part (a sheet's XML is a third "<" and tags)
    return b"!" in work and _DTD_OPEN in work and any(mark in work for mark in _DTD_MARKS)


class _FastXlsxScan:
    """The fast pass over an xlsx part, at regular-expression speed (a 64 MB sheet in about a
    second, where a callback per element takes ten): the extent of every cell that names its
    position (values or not: an overestimate), and the shared strings. When a cell does not
    name its position plainly (no ``r``, or one the attribute walk cannot read),
    or the overestimate passes the limit, ``needs_exact`` asks for :class:`_XmlScan`, which
    counts only the cells calamine keeps."""

    def __init__(self, part: str, cells: _CellCount) -> None:
        self.part = part
        self.cells = cells
        self.tail = b""
        self.max_row = -1
        self.columns: set[bytes] = set()
        self.strings = 0
        self.needs_exact = False
        self.found_any = False  # a cell or a shared string, read or not

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buffer = self.tail + chunk if self.tail else chunk
        cut = len(buffer) if final else buffer.rfind(b"<")
        if cut < 0:
            cut = len(buffer)
        work, self.tail = buffer[:cut], buffer[cut:]
        if _has_dtd(work):  # marks start with "<": never cut in two
            raise _unsafe_xml(self.part)
        found = (_ELEMENT if _PREFIXED.search(work) else _ELEMENT_PLAIN).findall(work)
        if not found:
            return
        self.found_any = True
        columns, rows, strings = zip(*found, strict=True)
        n_strings = strings.count(b"s")
        if rows.count(b"") != n_strings:  # a cell without a position read
            self.needs_exact = True
        if len(found) > n_strings:
            numbers = [int(row) for row in set(rows) if row]
            if numbers:
                self.max_row = max(self.max_row, max(numbers) - 1)
            self.columns.update(columns)
        self.strings += n_strings
        if self.strings > self.cells.limits.max_cells:
            self.needs_exact = True

    def close(self) -> None:
        self.feed(b"", final=True)
        if self.needs_exact:
            return
        max_col = max((_column_index(c.decode()) for c in self.columns if c), default=-1)
        area = (self.max_row + 1) * (max_col + 1) if self.max_row >= 0 and max_col >= 0 else 0
        if self.cells.total + area > self.cells.limits.max_cells:
            self.needs_exact = True
            return
        self.cells.add_sheet(self.max_row, max_col)
        self.cells.strings += self.strings
        self.cells.check()


# A part declaring at most this much (packed and unpacked) is unpacked in one call: a form's
# parts are a few kilobytes, and a call per part costs far less than a stream of chunks.
SMALL_PART = CHUNK


def _unpacked(
    data: bytes, info: zipfile.ZipInfo, budget: list[int], limits: Limits
) -> tuple[bytes] | Iterator[bytes]:
    """The unpacked bytes of one member: a small part whole (a tuple, which can be read twice),
    a larger one streamed chunk by chunk. The same checks either way (see :func:`_inflate`)."""
    if info.file_size <= SMALL_PART and info.compress_size <= SMALL_PART:
        return (_unpack_small(data, info, budget, limits),)
    return _inflate(data, info, budget, limits)


def _unpack_small(data: bytes, info: zipfile.ZipInfo, budget: list[int], limits: Limits) -> bytes:
    """A small member unpacked in one call, checked as :func:`_inflate` checks a stream: at
    most one byte more than the member declares is ever unpacked, enough to tell a bomb."""
    raw = _packed(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        part = bytes(raw)
        complete = True
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            part = inflater.decompress(raw, info.file_size + 1)
        except zlib.error as exc:
            raise corrupt(f"phần «{info.filename}» hỏng: {exc}") from exc
        complete = inflater.eof
    else:
        raise _unsupported_compression(info)
    budget[0] -= len(part)
    if budget[0] < 0:
        raise _too_big(limits.max_expanded_bytes + 1, limits)
    if len(part) > info.file_size:
        raise _larger_than_declared(info)
    if not complete:
        raise corrupt(f"phần «{info.filename}» bị cắt")
    if len(part) != info.file_size or zlib.crc32(part) != info.CRC:
        raise corrupt(f"phần «{info.filename}» không khớp kiểm tra CRC")
    return part


def _packed(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """A member's packed bytes, found from its local header (which must be where the
    central directory says)."""
    name = info.filename
    offset = info.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04" or len(data) < offset + 30:
        raise corrupt(f"phần «{name}» không tìm thấy")
    if info.flag_bits & 0x1:
        raise password_protected()
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise corrupt(f"phần «{name}» bị cắt")
    return raw


def _unsupported_compression(info: zipfile.ZipInfo) -> Refusal:
    return Refusal("unsupported-format", variant="compression", part=info.filename, method=info.compress_type)


def _larger_than_declared(info: zipfile.ZipInfo) -> Refusal:
    return Refusal("decompression-bomb", variant="larger", part=info.filename, size=info.file_size)


def _inflate(
    data: bytes, info: zipfile.ZipInfo, budget: list[int], limits: Limits
) -> Iterator[bytes]:
    """The unpacked bytes of one member, chunk by chunk, never more than the budget left.

    Unpacked here from the raw bytes (not trusting the sizes the zip declares): a member that
    unpacks to more than it declares is a bomb; one that unpacks to less, or fails its CRC, is
    damaged."""
    raw = _packed(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        chunks: Iterator[bytes] = (bytes(raw[i : i + CHUNK]) for i in range(0, len(raw), CHUNK))
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        chunks = _deflated(inflater, raw, info.filename)
    else:
        raise _unsupported_compression(info)
    size = 0
    crc = 0
    for chunk in chunks:
        size += len(chunk)
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _too_big(limits.max_expanded_bytes + 1, limits)
        if size > info.file_size:
            raise _larger_than_declared(info)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if inflater is not None and not inflater.eof:
        raise corrupt(f"phần «{info.filename}» bị cắt")
    if size != info.file_size or crc != info.CRC:
        raise corrupt(f"phần «{info.filename}» không khớp kiểm tra CRC")


def _deflated(inflater: Any, raw: memoryview, name: str) -> Iterator[bytes]:
    try:
        for i in range(0, len(raw), CHUNK):
            pending = bytes(raw[i : i + CHUNK])
            while pending:
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
                if inflater.eof:
                    return
        while not inflater.eof and (out := inflater.decompress(b"", CHUNK)):
            yield out
    except zlib.error as exc:
        raise corrupt(f"phần «{name}» hỏng: {exc}") from exc


def _resolve_targets(rels_name: str, targets: Iterable[str], names: set[str]) -> set[str]:
    """Part names a relationship part points to (``xl/_rels/workbook.xml.rels`` → ``xl/...``)."""
    return {c for target in targets for c in _target_paths(rels_name, target) if c in names}


@functools.lru_cache(maxsize=1024)  # a batch of forms names the same few targets again and again
def _target_paths(rels_name: str, target: str) -> tuple[str, str]:
    """The part names a relationship target may mean: from the folder of the part it belongs
    to, and (as a lenient reader also tries) under ``xl/``."""
    folder = posixpath.dirname(posixpath.dirname(rels_name))
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(path), posixpath.join("xl", target.lstrip("/"))


def _unsafe_xml(part: str) -> Refusal:
    return Refusal("unsafe-xml", part=part)


_REF = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,10})")
_HUGE = 10**12


def _count(text: str | None) -> int:
    """A repeat count or row number from an attribute (garbage counts as huge)."""
    if text is None:
        return 1
    text = text.strip()
    if not text.isdigit() or len(text) > 12:
        return _HUGE
    return int(text)


class _CellCount:
    """Cells of all sheets of one workbook, each sheet counted from A1 to its last cell."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0
        self.strings = 0

    def add_sheet(self, max_row: int, max_col: int) -> None:
        if max_row < 0 or max_col < 0:
            return
        self.total += (max_row + 1) * (max_col + 1)
        self.check()

    def check(self, pending: int = 0) -> None:
        if self.total + pending > self.limits.max_cells or self.strings > self.limits.max_cells:
            raise too_many_cells(self.limits)


def too_many_cells(limits: Limits) -> Refusal:
    return Refusal("too-many-cells", limit=limits.max_cells)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _XmlScan:
    """Streams one XML part through expat: refuses a DTD; counts the cells of a sheet
    (xlsx worksheet, ods table) and the shared strings; collects relationship targets.

    Elements are matched by local name whatever their prefix or namespace, as a lenient
    reader would match them: what is counted is a superset of what calamine reads."""

    def __init__(self, part: str, cells: _CellCount, kind: str) -> None:
        self.part = part
        self.cells = cells
        self.kind = kind
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.ExternalEntityRefHandler = self._refuse
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.root: str | None = None
        self.targets: list[str] = []
        # xlsx sheet: the current position, the cell open, the extent
        self.row = -1
        self.col = -1
        self.cell: tuple[int, int] | None = None
        self.max_row = -1
        self.max_col = -1
        # ods: per open table [next row, max row, max col]; the open row and cell
        self.tables: list[list[int]] = []
        self.ods_row: list[int] | None = None  # first row, repeat, has data
        self.ods_cell: list[int] | None = None  # first col, repeat, has data
        self.ods_col = 0

    def _refuse(self, *_args: Any) -> int:
        raise _unsafe_xml(self.part)

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise corrupt(f"phần «{self.part}» không phải XML hợp lệ: {exc}") from exc

    def close(self) -> None:
        self.feed(b"", True)
        if self.kind == "xlsx":
            self.cells.add_sheet(self.max_row, self.max_col)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if self.root is None:
            self.root = local
        if self.root == "Relationships":
            if local == "Relationship" and "Target" in attrs:
                self.targets.append(attrs["Target"])
        elif self.root == "sst":
            if local == "si":
                self.cells.strings += 1
                self.cells.check()
        elif self.kind == "xlsx":
            self._xlsx(local, attrs)
        elif self.kind == "ods":
            self._ods_start(local, attrs)

    def _end(self, name: str) -> None:
        if self.kind == "ods":
            self._ods_end(_local(name))
        elif _local(name) == "c":
            self.cell = None

    # -- xlsx: <row r="7"><c r="B7"><v>…</v></c>… (r may be left out: the next one);
    #    calamine keeps a cell that has a value (<v> or <is>); <f> is counted too

    def _xlsx(self, local: str, attrs: dict[str, str]) -> None:
        if local == "row":
            r = attrs.get("r")
            self.row = _count(r) - 1 if r is not None else self.row + 1
            self.col = -1
        elif local == "c":
            match = _REF.fullmatch(attrs.get("r", "").strip())
            if match:
                self.col = _column_index(match.group(1))
                self.row = _count(match.group(2)) - 1
            else:
                self.col += 1
            self.cell = (max(self.row, 0), self.col)
        elif self.cell is not None and local in ("v", "is", "f"):
            row, col = self.cell
            self.max_row = max(self.max_row, row)
            self.max_col = max(self.max_col, col)
            self.cells.check((self.max_row + 1) * (self.max_col + 1))
            self.cell = None

    # -- ods: rows and cells carry repeat counts; a cell holds data when it has a value type
    #    or any content (calamine drops trailing empty rows and cells)

    def _ods_start(self, local: str, attrs: dict[str, str]) -> None:
        if local == "table":
            if self.tables:  # calamine reads no table inside a cell; nor does a return hold one
                raise Refusal("unsupported-format", variant="nested-table", part=self.part)
            self.tables.append([0, -1, -1])
        elif not self.tables:
            return
        elif local == "table-row":
            repeat = _attr_count(attrs, "number-rows-repeated")
            table = self.tables[-1]
            self.ods_row = [table[0], repeat, 0]
            table[0] += repeat
            self.ods_col = 0
        elif local in ("table-cell", "covered-table-cell"):
            repeat = _attr_count(attrs, "number-columns-repeated")
            has_value = any(_local(a) == "value-type" for a in attrs)
            self.ods_cell = [self.ods_col, repeat, int(has_value)]
            self.ods_col += repeat
        elif self.ods_cell is not None:  # any content inside a cell
            self.ods_cell[2] = 1

    def _ods_end(self, local: str) -> None:
        if not self.tables:
            return
        table = self.tables[-1]
        if local in ("table-cell", "covered-table-cell"):
            if self.ods_cell is not None and self.ods_cell[2] and self.ods_row is not None:
                start, repeat, _ = self.ods_cell
                table[2] = max(table[2], start + repeat - 1)
                self.ods_row[2] = 1
                rows = max(table[1], self.ods_row[0] + self.ods_row[1] - 1) + 1
                self.cells.check(rows * (table[2] + 1))
            self.ods_cell = None
        elif local == "table-row":
            if self.ods_row is not None and self.ods_row[2]:
                table[1] = max(table[1], self.ods_row[0] + self.ods_row[1] - 1)
            self.ods_row = None
        elif local == "table":
            self.tables.pop()
            self.cells.add_sheet(table[1], table[2])


def _attr_count(attrs: dict[str, str], local: str) -> int:
    for name, value in attrs.items():
        if _local(name) == local:
            return _count(value)
    return 1


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


# ------------------------------------------------------------------ OLE2 files (xls)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE


class _Cfb:
    """The parts of a Compound File (OLE2) a reader walks, each checked: every size the header
    and the directory declare must fit in the file, and every sector chain must run to its end
    in range, without a cycle. (Calamine reads whole chains and reserves memory by declared
    sizes: a chain looping on itself makes it allocate until the machine runs out.)"""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(_OLE2):
            raise corrupt("không phải tệp OLE2")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise corrupt("đầu tệp OLE2 sai")
        self.size = 1 << shift
        self.major = struct.unpack_from("<H", data, 0x1A)[0]
        n_dir, n_fat, dir_start = struct.unpack_from("<III", data, 0x28)
        self.cutoff, minifat_start, n_minifat, difat_start, n_difat = struct.unpack_from(
            "<IIIII", data, 0x38
        )
        self.n_sectors = max(0, (len(data) - self.size) // self.size)
        if max(n_dir, n_fat, n_minifat, n_difat) > self.n_sectors:
            raise corrupt("đầu tệp OLE2 khai báo nhiều sector hơn tệp có")
        fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        sector = difat_start
        per = self.size // 4 - 1
        seen: set[int] = set()
        while sector not in (_END_OF_CHAIN, _FREE):
            if sector >= self.n_sectors or sector in seen:
                raise corrupt("chuỗi DIFAT OLE2 hỏng")
            seen.add(sector)
            entries = struct.unpack_from(f"<{per + 1}I", data, self._offset(sector))
            fat_sectors.extend(entries[:per])
            sector = entries[per]
        fat_sectors = [s for s in fat_sectors if s != _FREE]
        if any(s >= self.n_sectors for s in fat_sectors):
            raise corrupt("bảng FAT OLE2 trỏ ra ngoài tệp")
        self.fat = self._table(fat_sectors)
        directory = self._join(self._chain(dir_start, self.fat))
        self.entries: list[tuple[str, int, int, int]] = []  # name, type, start, size
        for pos in range(0, len(directory) - 127, 128):
            name = directory[pos : pos + 64].decode("utf-16-le", "replace").split("\x00")[0]
            kind = directory[pos + 0x42]
            start, size = struct.unpack_from("<IQ", directory, pos + 0x74)
            if self.size == 512:
                size &= 0xFFFFFFFF
            if kind in (2, 5) and size > len(data):
                raise corrupt("kích thước luồng OLE2 sai")
            self.entries.append((name, kind, start, size))
        root = self.entries[0] if self.entries else None
        if root is None or root[1] != 5:
            raise corrupt("thiếu mục gốc OLE2")
        self.ministream = self._join(self._chain(root[2], self.fat)) if root[3] else b""
        self.minifat = self._table(self._chain(minifat_start, self.fat)) if n_minifat else array("I")

    def _offset(self, sector: int) -> int:
        return (sector + 1) * self.size

    def _table(self, sectors: list[int]) -> array[int]:
        table = array("I")
        table.frombytes(self._join(sectors))
        if sys.byteorder == "big":
            table.byteswap()
        return table

    def _chain(self, start: int, table: array[int], bound: int | None = None) -> list[int]:
        """A whole chain, to its end: out of range or looping is damage."""
        chain: list[int] = []
        sector = start
        bound = min(len(table), self.n_sectors) if bound is None else min(len(table), bound)
        while sector != _END_OF_CHAIN:
            if sector >= bound or len(chain) >= bound:
                raise corrupt("chuỗi sector OLE2 hỏng")
            chain.append(sector)
            sector = table[sector]
        return chain

    def _join(self, sectors: list[int]) -> bytes:
        return b"".join(self.data[self._offset(s) : self._offset(s) + self.size] for s in sectors)

    def names(self) -> set[str]:
        return {name.lower() for name, kind, _, _ in self.entries if kind in (1, 2)}

    def stream(self, wanted: str) -> bytes | None:
        for name, kind, start, size in self.entries:
            if kind == 2 and name == wanted:
                return self._read(start, size)
        return None

    def _read(self, start: int, size: int) -> bytes:
        if size >= self.cutoff:
            out = self._join(self._chain(start, self.fat))
        else:
            sectors = self._chain(start, self.minifat, len(self.ministream) // 64)
            out = b"".join(self.ministream[s * 64 : s * 64 + 64] for s in sectors)
        if len(out) < size:
            raise corrupt("luồng OLE2 bị cắt")
        return out[:size]


_FREE = 0xFFFFFFFF
# BIFF records holding a cell (row u16, column u16 first). Calamine keeps NUMBER, LABEL,
# BOOLERR, RK, LABELSST, MULRK, FORMULA; the blank ones are counted too, to be safe.
_CELL_RECORDS = frozenset(
    {0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0006, 0x0206, 0x0406,
     0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x007E}
)
_MUL_RECORDS = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first col, ..., last col
_BOUNDSHEET = 0x0085
_DIMENSIONS = 0x0200
_SST = 0x00FC
_FILEPASS = 0x002F
_EOF = 0x000A
_U32 = 1 << 32


def check_ole2(data: bytes, limits: Limits) -> str:
    """Inspect an OLE2 file: ``xls`` when it is a workbook calamine may read, else a Refusal."""
    try:
        cfb = _Cfb(data)
        names = cfb.names()
        if "encryptedpackage" in names or "encryptioninfo" in names:
            raise password_protected()
        workbook = cfb.stream("Workbook")
        if workbook is None:
            workbook = cfb.stream("Book")
    except Refusal:
        raise
    except Exception as exc:  # struct.error, IndexError...: damage the checks did not name
        raise corrupt("cấu trúc OLE2 hỏng") from exc
    if workbook is None:
        what = "doc" if "worddocument" in names else "ppt" if "powerpoint document" in names else "office"
        raise not_a_spreadsheet(what)
    _scan_biff(workbook, limits)
    return "xls"


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int, int]]:
    """(type, body offset, length) of each record from ``pos`` to the EOF record."""
    end = len(stream)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, length = unpack("<HH", stream, pos)
        body = pos + 4
        pos = body + min(length, end - body)
        yield rtype, body, min(length, end - body)
        if rtype == _EOF:
            return


def _scan_biff(stream: bytes, limits: Limits) -> None:
    """Walk an xls the way calamine does: the globals, then each sheet from the offset its
    BOUNDSHEET record gives. Refuse it when encrypted, or when what calamine would reserve
    (the DIMENSIONS it trusts, the shared strings it counts, the cells from A1) is too much."""
    unpack = struct.unpack_from
    cells = _CellCount(limits)
    sheets: list[int] = []
    for rtype, body, length in _records(stream, 0):
        if rtype == _FILEPASS:
            raise password_protected()
        if rtype == _BOUNDSHEET and length >= 4:
            sheets.append(unpack("<I", stream, body)[0])
        elif rtype == _SST and length >= 8:
            unique = unpack("<i", stream, body + 4)[0]
            if unique < 0 or unique > len(stream) // 3 + 1:
                raise corrupt("bảng chuỗi xls khai báo sai số chuỗi")
            cells.strings = unique
            cells.check()
    for pos in sheets:
        if pos >= len(stream):
            raise corrupt("vị trí trang tính trong tệp xls sai")
        max_row = max_col = -1
        for rtype, body, length in _records(stream, pos):
            if rtype in _CELL_RECORDS and length >= 4:
                row, col = unpack("<HH", stream, body)
                max_row = max(max_row, row)
                max_col = max(max_col, col)
            elif rtype in _MUL_RECORDS and length >= 6:
                row = unpack("<H", stream, body)[0]
                max_row = max(max_row, row)
                max_col = max(max_col, unpack("<H", stream, body + length - 2)[0])
            elif rtype == _DIMENSIONS and length in (10, 14):
                cells.check(_dimensions_area(stream, body, length))
        cells.add_sheet(max_row, max_col)


def _dimensions_area(stream: bytes, body: int, length: int) -> int:
    """Cells a DIMENSIONS record makes calamine reserve (its u32 arithmetic, wrapping)."""
    if length == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, body)
    else:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, body)
    if last_row < 1 or last_col < 1:
        return 1
    rows = (last_row - 1 - first_row + 1) % _U32
    cols = (last_col - 1 - first_col + 1) % _U32
    return rows * cols


# ------------------------------------------------------------------ CSV


def check_csv_text(text: str, limits: Limits) -> None:
    """Refuse a text whose lines are absurdly long (a line of 2 × ``max_line_chars`` always is).

    Every window of ``max_line_chars`` characters must hold a line break: C-speed ``find``
    calls, a few per megabyte, never a copy of the text.
    """
    step = limits.max_line_chars
    for start in range(0, len(text) - step + 1, step):
        if text.find("\n", start, start + step) < 0 and text.find("\r", start, start + step) < 0:
            line = text.count("\n", 0, start) + 1
            raise Refusal("line-too-long", line=line, limit=step)


def check_part_count(data: bytes, limits: Limits) -> None:
    """Refuse a zip with more parts than a workbook has, before its directory is read."""
    if count_zip_members(data) > limits.max_zip_members:
        raise Refusal("too-many-parts", limit=limits.max_zip_members)


def open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open a zip held in memory, after bounding the number of its parts."""
    check_part_count(data, limits)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError) as exc:
        raise corrupt() from exc
