"""Cheap, standard checks on a file's bytes before a reader parses them, and the limits.

Workbooks (xlsx, xlsm, ods, xls) are read by python-calamine, a fast Rust reader that cannot
be stopped once it runs and that, on some small files, asks for more memory than any machine
has (the process then aborts: there is no exception to catch). So a workbook is never read
in the process that runs the batch: :mod:`ncctd_cli.containment` reads it in a worker process
under operating-system limits (address space, CPU time, a wall-clock timeout), and a worker
that dies is a clean refusal of the file it held (docs/SECURITY.md). What calamine allocates
for a sheet claiming millions of cells is contained by the memory limit, not foreseen here.

What is left here is cheap, standard, and gives a clearer word than a dead worker would:

- a zip (xlsx, ods): its number of parts; the sizes its directory declares, in all and per
  part (the ratio of a large part); the bytes each part really unpacks to, counted while
  streaming it within the budget and checked against its CRC; encryption flags; and, with
  defusedxml, a DTD or entity declaration in the prolog of each part that is XML by its name
  (``.xml``, ``.rels``) or by the content type the package declares for it
  (``[Content_Types].xml``, ``META-INF/manifest.xml``). Pictures and other binary parts are
  never parsed as XML; a 0-byte part is no error;
- an OLE2 file, through ``olefile``: encrypted (an xlsx saved with a password is an OLE2 file
  holding ``EncryptionInfo``/``EncryptedPackage``), a Word or PowerPoint file, or a workbook
  (a ``Workbook`` or ``Book`` stream, in any case). A file olefile cannot read is left to
  calamine, in its worker: many real xls files bend the format (an unpadded last sector);
- text that is really an HTML page or a SpreadsheetML 2003 document with a spreadsheet's
  name (what web systems export as "Excel"): refused by what it is;
- CSV text: no NUL character, no absurdly long line.

Everything here raises a :class:`Refusal` (a stable code and the parameters of its message).
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import xml.sax
import xml.sax.handler
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024


@dataclass
class Limits:
    """Limits against hostile files (see docs/SECURITY.md). Raise one for a file you trust."""

    max_file_bytes: int = 512 * MB  # any file, as stored on disk
    max_expanded_bytes: int = 300 * MB  # what a zipped workbook (xlsx, ods) may unpack to
    max_ratio: int = 200  # unpacked / packed size of one zip member larger than 10 MB (0: off)
    max_cells: int = 2_000_000  # cells of all the sheets of one workbook, counted from A1
    max_zip_members: int = 10_000  # parts in one zipped workbook
    max_line_chars: int = 1 * MB  # one CSV line
    max_columns: int = 16_384  # fields on one CSV line (Excel's widest sheet)
    # A worker process reading a workbook (see containment.py):
    max_memory_bytes: int = 1024 * MB  # address space it may add to its size at start
    max_cpu_seconds: int = 60  # CPU time for one file
    max_wall_seconds: float = 120.0  # wall-clock time for one file


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


def too_many_cells(limits: Limits) -> Refusal:
    return Refusal("too-many-cells", limit=limits.max_cells)


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

# What a file that is not a spreadsheet really is, in words (Vietnamese, English). The
# message reads "this file is really <what>, not a spreadsheet": no entry says it again.
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
    "opendocument": ("một tệp OpenDocument loại khác (văn bản, trình chiếu, hình vẽ…)",
                     "another kind of OpenDocument file (text, presentation, drawing…)"),
    "docx": ("văn bản Word (docx)", "a Word document (docx)"),
    "pptx": ("tệp trình chiếu PowerPoint (pptx)", "a PowerPoint presentation (pptx)"),
    "doc": ("văn bản Word (doc)", "a Word document (doc)"),
    "ppt": ("tệp trình chiếu PowerPoint (ppt)", "a PowerPoint presentation (ppt)"),
    "office": ("một tệp Office loại khác (Word, PowerPoint, Outlook…)",
               "another kind of Office file (Word, PowerPoint, Outlook…)"),
    "xml": ("một tệp XML", "an XML file"),
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


_SPREADSHEETML = "urn:schemas-microsoft-com:office:spreadsheet"
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|table|meta|style|title)[\s>/]")


def describe_markup(head: str) -> str | None:
    """What a text that starts with markup is: ``html`` (a web page, or an HTML table saved
    with an .xls name), ``spreadsheetml`` (Excel 2003's XML Spreadsheet), ``xml`` (another
    XML document), or ``None`` (not markup: a CSV). ``head``: the text's first kilobytes."""
    text = head.lstrip("\ufeff \t\r\n")
    if not text.startswith("<"):
        return None
    lower = text[:8192].lower()
    if _SPREADSHEETML in lower or "<?mso-application progid=\"excel.sheet\"" in lower:
        return "spreadsheetml"
    start = lower
    while start.startswith(("<?", "<!--")):  # an XML declaration, a processing instruction, a comment
        end = start.find("-->" if start.startswith("<!--") else "?>")
        if end < 0:
            break
        start = start[end + 3 if start.startswith("<!--") else end + 2 :].lstrip()
    if _HTML_START.match(start) or re.search(r"<(?:html|table)[\s>]", lower):
        return "html"
    if lower.startswith("<?xml"):
        return "xml"
    return None


def markup_refusal(what: str, suffix: str | None) -> Refusal:
    """A web page or an XML document with a spreadsheet's name: refused by what it is (reading
    them would take a parser of HTML or XML tables of our own)."""
    if what in ("html", "spreadsheetml"):
        return Refusal("unsupported-format", variant=what, suffix=suffix)
    return not_a_spreadsheet(what, suffix)


# ------------------------------------------------------------------ zipped workbooks

_XML_SUFFIXES = (".xml", ".rels")
_WORKBOOK_TYPES = (
    b"spreadsheetml.sheet.main",
    b"spreadsheetml.template.main",
    b"ms-excel.sheet.macroenabled.main",
    b"ms-excel.template.macroenabled.main",
    b"ms-excel.addin.macroenabled.main",
)
_CONTENT_TYPE = re.compile(rb"""\b(PartName|Extension|ContentType)\s*=\s*["']([^"']*)["']""")
_CONTENT_TYPES_READ = 1 * MB  # bytes of [Content_Types].xml looked at to classify a package
CHUNK = 64 * 1024


def count_zip_members(data: bytes) -> int:
    """An upper bound of the parts in a zip: its central directory signatures."""
    return data.count(b"PK\x01\x02")


def check_part_count(data: bytes, limits: Limits) -> None:
    """Refuse a zip with more parts than a workbook has, before its directory is read. (A
    file of fewer than four bytes a part allowed cannot hold too many signatures: not counted.)"""
    if len(data) // 4 > limits.max_zip_members and count_zip_members(data) > limits.max_zip_members:
        raise Refusal("too-many-parts", limit=limits.max_zip_members)


def _normal(name: str) -> str:
    """A part name as a package names it (some Windows tools write ``xl\\workbook.xml``;
    part names are case-insensitive). Remembered: a batch's files name the same parts."""
    found = _NORMALS.get(name)
    if found is None:
        found = name.replace("\\", "/").lstrip("/").lower()
        if len(_NORMALS) < 4096:
            _NORMALS[name] = found
    return found


_NORMALS: dict[str, str] = {}


def classify_zip(archive: zipfile.ZipFile, data: bytes | None = None) -> str:
    """``xlsx``, ``ods``, ``xlsb``, or what else the zip is (a key of :data:`WHAT`): by the
    OpenDocument ``mimetype``, else by the content types an Office package declares, else by
    its folders. ``data``: the zip's bytes, if at hand (a package with the same part names
    and the same packed bytes of its content types as one classified before is not read
    again)."""
    infos = archive.infolist()
    by_name = {_normal(i.filename): i for i in infos}
    if "mimetype" in by_name:
        with archive.open(by_name["mimetype"]) as fh:
            mimetype = fh.read(200)
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        if b"opendocument.text" in mimetype:
            return "odt"
        return "opendocument"
    types = by_name.get("[content_types].xml")
    if types is None:
        return "zip"
    # what the package declares decides; the same parts and declaration, byte for byte, as a
    # package classified before (a batch's forms) are not read again
    key = None
    if data is not None and types.compress_size <= _CONTENT_TYPES_READ:
        key = (tuple(by_name), types.compress_type, bytes(_packed(data, types)))
        known = _CLASSIFIED.get(key)
        if known is not None:
            return known
    declared = b""
    if types.file_size <= _CONTENT_TYPES_READ:
        with archive.open(types) as fh:
            declared = fh.read(_CONTENT_TYPES_READ).lower()
    kind = _by_declaration(declared, list(by_name))
    if key is not None:
        if len(_CLASSIFIED) >= 64:
            _CLASSIFIED.clear()
        _CLASSIFIED[key] = kind
    return kind


_CLASSIFIED: dict[tuple[object, ...], str] = {}


def _by_declaration(declared: bytes, names: list[str]) -> str:
    """An Office package's kind by its declared content types (lower case), else its folders."""
    if b"ms-excel.sheet.binary.macroenabled.main" in declared or "xl/workbook.bin" in names:
        return "xlsb"
    if any(t in declared for t in _WORKBOOK_TYPES):
        return "xlsx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if b"wordprocessingml" in declared or any(n.startswith("word/") for n in names):
        return "docx"
    if b"presentationml" in declared or any(n.startswith("ppt/") for n in names):
        return "pptx"
    if any(n.endswith("workbook.xml") for n in names):
        return "xlsx"  # a package without content types for its workbook: calamine decides
    return "zip"


def check_zip(data: bytes, archive: zipfile.ZipFile, kind: str, limits: Limits) -> dict[str, bytes] | None:
    """Refuse a zipped workbook (xlsx, ods) that is a bomb, encrypted, or carries a DTD. What
    it unpacked of an xlsx's worksheet parts, by name as written, when it holds them all
    (small parts: a form's), for :func:`ncctd_cli.cellfacts.workbook_facts`; else None."""
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
    return _stream_members(data, infos, kind, limits)


def _too_big(size: int, limits: Limits) -> Refusal:
    return Refusal(
        "decompression-bomb", size_mb=round(size / MB), limit_mb=round(limits.max_expanded_bytes / MB)
    )


def _stream_members(
    data: bytes, infos: list[zipfile.ZipInfo], kind: str, limits: Limits
) -> dict[str, bytes] | None:
    """Unpack every member within the byte budget (sizes and CRCs checked); check the prolog of
    the XML parts. The part that declares the others' types comes first. A small part whose
    packed bytes are those of a part found harmless before (a batch's forms repeat their
    template's parts byte for byte) counts its declared size without being unpacked again.
    Returns the worksheet parts of an xlsx, unpacked, when every one was small (else None)."""
    index = "meta-inf/manifest.xml" if kind == "ods" else "[content_types].xml"
    ordered = sorted(infos, key=lambda i: _normal(i.filename) != index)
    xml_names: set[str] = set()
    xml_extensions: set[str] = set()
    budget = [limits.max_expanded_bytes]
    sheets: dict[str, bytes] | None = {} if kind == "xlsx" else None
    for info in ordered:
        name = _normal(info.filename)
        if name.endswith("/") and info.file_size == 0:
            continue
        extension = name.rpartition(".")[2] if "." in name.rpartition("/")[2] else ""
        is_xml = name.endswith(_XML_SUFFIXES) or name in xml_names or extension in xml_extensions
        worksheet = "worksheets/" in name and name.endswith(".xml")
        known = None
        if not worksheet and info.file_size <= SMALL_PART and info.compress_size <= _HARMLESS_PACKED:
            known = (info.compress_type, info.file_size, info.CRC, is_xml, bytes(_packed(data, info)))
            if name == index:
                declares = _INDEXES.get((known, kind))
                if declares is not None:  # this very index was checked before
                    budget[0] -= info.file_size
                    xml_names, xml_extensions = set(declares[0]), set(declares[1])
                    continue
            elif known in _HARMLESS:
                budget[0] -= info.file_size
                if budget[0] < 0:
                    raise _too_big(limits.max_expanded_bytes + 1, limits)
                continue
        chunks = _unpacked(data, info, budget, limits)
        if name == index:
            part = b"".join(chunks)
            if kind == "ods" and b"encryption-data" in part:
                raise password_protected()
            _check_prolog((part,), info.filename)
            xml_names, xml_extensions = _xml_parts(part, kind)
            if known is not None:
                if len(_INDEXES) >= 64:
                    _INDEXES.clear()
                _INDEXES[(known, kind)] = (frozenset(xml_names), frozenset(xml_extensions))
            continue
        if worksheet and sheets is not None:
            if isinstance(chunks, tuple):
                sheets[info.filename] = chunks[0]
            else:
                sheets = None  # a big sheet: the facts are read from the zip
        if is_xml:
            chunks = _check_prolog(chunks, info.filename)
        for _ in chunks:  # the rest unpacked and counted: sizes and CRC checked at the end
            pass
        if known is not None:
            if len(_HARMLESS) >= _HARMLESS_MAX:
                _HARMLESS.clear()
            _HARMLESS.add(known)
    return sheets


# Small parts found harmless (unpacked to their declared size and CRC, their prolog checked
# when XML), by compression, size, CRC, whether XML, and exact packed bytes: the same bytes
# give the same verdict. Kept by each process for the files it reads.
_HARMLESS: set[tuple[int, int, int, bool, bytes]] = set()
_INDEXES: dict[tuple[tuple[int, int, int, bool, bytes], str], tuple[frozenset[str], frozenset[str]]] = {}  # index parts checked
_HARMLESS_MAX = 512
_HARMLESS_PACKED = 16 * 1024  # parts remembered are at most this packed: 8 MB in all, at most


def _is_xml_type(content_type: bytes) -> bool:
    return content_type.endswith(b"+xml") or content_type in (b"application/xml", b"text/xml")


def _xml_parts(index: bytes, kind: str) -> tuple[set[str], set[str]]:
    """The part names (normalised) and extensions a package declares to be XML: the content
    types of an xlsx (``Override PartName``, ``Default Extension``), the media types of an
    ods manifest (``full-path``, ``media-type``)."""
    names: set[str] = set()
    extensions: set[str] = set()
    if kind == "ods":
        for entry in re.finditer(rb"<[^<>]*file-entry\b[^<>]*>", index):
            attrs = dict(re.findall(rb"""(full-path|media-type)\s*=\s*["']([^"']*)["']""", entry.group()))
            path, media = attrs.get(b"full-path"), attrs.get(b"media-type", b"")
            if path and _is_xml_type(media.lower()):
                names.add(_normal(path.decode("utf-8", "replace")))
        return names, extensions
    for element in re.finditer(rb"<[^<>]*(?:Override|Default)\b[^<>]*>", index):
        attrs = {k: v for k, v in _CONTENT_TYPE.findall(element.group())}
        content_type = attrs.get(b"ContentType", b"").lower()
        if not _is_xml_type(content_type):
            continue
        if b"PartName" in attrs:
            names.add(_normal(attrs[b"PartName"].decode("utf-8", "replace")))
        elif b"Extension" in attrs:
            extensions.add(attrs[b"Extension"].decode("utf-8", "replace").lower())
    return names, extensions


class _RootReached(Exception):
    """The prolog is over: no DOCTYPE can come after the root element starts."""


class _StopAtRoot(xml.sax.handler.ContentHandler):
    def startElement(self, name: str, attrs: Any) -> None:
        raise _RootReached


_NAME_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_:")


def _starts_with_an_element(head: bytes) -> bool:
    """Whether a part's first markup, after its XML declaration and processing instructions,
    is an element's start tag, in an ASCII-compatible encoding: then no DOCTYPE can be there
    (one stands before the root element), and the parser need not be run. Anything else (a
    comment, a DOCTYPE, another encoding, a part cut short) goes to defusedxml."""
    position = head.find(b"<")
    while 0 <= position < len(head) - 1:
        following = head[position + 1]
        if following in _NAME_START:
            return True
        if following != ord("?"):
            return False
        end = head.find(b"?>", position)
        if end < 0:
            return False
        position = head.find(b"<", end)
    return False


def _check_prolog(chunks: Iterable[bytes], part: str) -> Iterator[bytes]:
    """Feed a part's first bytes to defusedxml until its root element starts (a DTD may only
    stand before it): a DOCTYPE or an entity declaration is refused as ``unsafe-xml``.
    Anything else expat does not accept is left to calamine (it may not read that part at
    all). Returns the chunks not fed (to be counted by the caller). A part whose first markup
    is plainly its root element (nearly every part) is not parsed at all."""
    it = iter(chunks)
    first = next(it, b"")
    if _starts_with_an_element(first[:4096]):
        return it
    from defusedxml import DefusedXmlException
    from defusedxml.expatreader import DefusedExpatParser

    parser = DefusedExpatParser(forbid_dtd=True)
    parser.setContentHandler(_StopAtRoot())
    it = itertools.chain((first,), it)
    for chunk in it:
        try:
            parser.feed(chunk)
        except _RootReached:
            break
        except DefusedXmlException as exc:
            raise Refusal("unsafe-xml", part=part) from exc
        except (xml.sax.SAXException, ValueError, LookupError):
            break  # not XML (or not an encoding expat knows): calamine decides
    return it


# A part declaring at most this much (packed and unpacked) is unpacked in one call: a form's
# parts are a few kilobytes, and a call per part costs far less than a stream of chunks.
SMALL_PART = CHUNK


def _unpacked(
    data: bytes, info: zipfile.ZipInfo, budget: list[int], limits: Limits
) -> tuple[bytes] | Iterator[bytes]:
    """The unpacked bytes of one member: a small part whole, a larger one streamed chunk by
    chunk. The same checks either way (see :func:`_inflate`)."""
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


# ------------------------------------------------------------------ OLE2 files (xls)


def check_ole2(data: bytes) -> str:
    """What an OLE2 file is, through olefile: ``xls`` (a workbook stream, ``Workbook`` or
    ``Book`` in any case), ``unknown`` (olefile cannot read it: calamine will try, contained),
    or a :class:`Refusal` (encrypted; a Word, PowerPoint or other Office file)."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            entries = ole.listdir(streams=True, storages=True)
    except MemoryError:  # the worker's limit: its own refusal
        raise
    except Exception:  # olefile is stricter than the programs that write xls: calamine decides
        return "unknown"
    top = {entry[0].lower() for entry in entries if len(entry) == 1}
    everywhere = {part.lower() for entry in entries for part in entry}
    if "encryptioninfo" in everywhere or "encryptedpackage" in everywhere:
        raise password_protected()
    if "workbook" in top or "book" in top:
        return "xls"
    if "worddocument" in top:
        raise not_a_spreadsheet("doc")
    if "powerpoint document" in top:
        raise not_a_spreadsheet("ppt")
    raise not_a_spreadsheet("office")


# ------------------------------------------------------------------ CSV


def check_csv_text(text: str, limits: Limits) -> None:
    """Refuse a text holding a line longer than ``max_line_chars``."""
    found = long_line(text, limits.max_line_chars)
    if found is not None:
        raise Refusal("line-too-long", line=found + 1, limit=limits.max_line_chars)


def long_line(text: str, limit: int) -> int | None:
    """The first line of ``text`` longer than ``limit`` characters, as the number of line feeds
    before it (None: no such line). Windows of half the limit are looked at (C-speed ``find``
    calls, never a copy of the text): a line over the limit spans a whole window, which then
    holds no line break, and is measured exactly."""
    step = max(1, limit // 2)
    for start in range(0, len(text) - step + 1, step):
        stop = start + step
        if text.find("\n", start, stop) >= 0 or text.find("\r", start, stop) >= 0:
            continue
        begin = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        ends = [e for e in (text.find("\n", stop), text.find("\r", stop)) if e >= 0]
        end = min(ends) if ends else len(text)
        if end - begin > limit:
            return text.count("\n", 0, begin)
    return None
