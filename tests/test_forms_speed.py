"""A batch of forms read fast (issue 7) with every guard intact.

What made it fast, each checked here: the guards remember the template parts of a form
(theme, styles, relationships...) found harmless, by their exact packed bytes, and never the
parts that hold cells; small parts are unpacked in one call with the checks of the stream; the
sniffing hands the zip it opened to the guards; the cells calamine gives are made NFC in one
pass; the form parser reads a row with a few look-ups.
"""

from __future__ import annotations

import io
import os
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ncctd_cli import guards
from ncctd_cli.catalog import Catalog, default_catalog
from ncctd_cli.guards import Limits, Refusal
from ncctd_cli.sheets import ReadOptions, Sheet, _cells, _null_device, read_bytes
from tests.pipeline import parse_sheet

from .test_hostile import MH  # the hostile-file generator, loaded once

DATA = Path(__file__).parent / "data"
GOOD = DATA / "samples-2024q1" / "returns" / "bc_04456_2024-01.xlsx"
SHEET = "xl/worksheets/sheet1.xml"




@pytest.fixture(autouse=True)
def fresh_memory() -> Iterator[None]:
    """Each test starts with no part remembered, and leaves none behind."""
    guards._HARMLESS.known.clear()
    yield
    guards._HARMLESS.known.clear()


def _codes(data: bytes, limits: Limits | None = None) -> list[str]:
    options = ReadOptions(limits=limits) if limits else None
    return [p.code for p in read_bytes(data, "form.xlsx", options).problems]


def _part_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [info.filename for info in archive.infolist()]


def _packed_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: bytes(guards._packed(data, info)) for info in archive.infolist()}


# ------------------------------------------------------------------ remembered template parts


def test_template_parts_are_remembered_never_the_sheet() -> None:
    data = GOOD.read_bytes()
    assert _codes(data) == []
    remembered = {key[-1] for key in guards._HARMLESS.known}
    packed = _packed_parts(data)
    assert packed["xl/styles.xml"] in remembered and packed["[Content_Types].xml"] in remembered
    assert packed[SHEET] not in remembered  # the sheet holds cells: read in every file
    assert _codes(data) == []  # read again, from memory


def test_a_far_cell_behind_remembered_parts_is_refused() -> None:
    assert _codes(GOOD.read_bytes()) == []
    far = MH._patched(GOOD, SHEET, lambda d: d.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', 1))
    assert _codes(far) == ["too-many-cells"]


def test_two_identical_sheets_each_count_their_cells() -> None:
    """Each under the limit, together over it: the second (the same bytes) counts too."""
    width = max(len(row) for row in read_bytes(GOOD.read_bytes(), "good.xlsx").sheets[0].rows)
    far_row = b'<row r="100000"><c r="A100000"><v>1</v></c></row></sheetData>'
    members = [
        (name, part.replace(b"</sheetData>", far_row, 1) if name == SHEET else part)
        for name, part in MH._members(GOOD)
    ]
    sheet = dict(members)[SHEET]
    one = MH._zip(members)
    two = MH._zip([*members, ("xl/worksheets/sheet2.xml", sheet)])
    limits = Limits(max_cells=150_000 * width)  # one sheet spans 100.000 × width cells
    assert _codes(one, limits) == []
    assert _codes(two, limits) == ["too-many-cells"]
    assert _codes(two, limits) == ["too-many-cells"]


def test_a_template_part_changed_to_carry_a_dtd_is_refused() -> None:
    assert _codes(GOOD.read_bytes()) == []
    styles = MH._patched(GOOD, "xl/styles.xml", lambda d: b'<!DOCTYPE x [<!ENTITY a "b">]>' + d)
    assert _codes(styles) == ["unsafe-xml"]
    assert _codes(GOOD.read_bytes()) == []


def test_a_refused_part_is_never_remembered() -> None:
    xxe = (DATA / "hostile" / "corpus" / "xxe.xlsx").read_bytes()
    for _ in range(2):
        assert _codes(xxe) == ["unsafe-xml"]
    assert all(b"<!DOCTYPE" not in zlib.decompress(key[-1], -15) for key in guards._HARMLESS.known
               if key[2] == zipfile.ZIP_DEFLATED)


def test_the_same_packed_bytes_declaring_another_size_are_read_again() -> None:
    """A remembered part's bytes behind a lying size or CRC: the key differs, the part is
    unpacked, and the lie found."""
    assert _codes(GOOD.read_bytes()) == []
    members = MH._members(GOOD)

    def with_styles(size_change: int, crc_change: int) -> bytes:
        raw = []
        for name, part in members:
            deflated = zlib.compress(part, 9)[2:-4]
            size = len(part) + (size_change if name == "xl/styles.xml" else 0)
            crc = zlib.crc32(part) ^ (crc_change if name == "xl/styles.xml" else 0)
            raw.append((name, deflated, crc, size, 8))
        return MH._raw_zip(raw)

    assert _codes(with_styles(0, 0)) == []  # the same parts written by hand: they read
    assert _codes(with_styles(-5, 0)) == ["decompression-bomb"]  # unpacks to more than declared
    assert _codes(with_styles(+5, 0)) == ["corrupt-file"]
    assert _codes(with_styles(0, 1)) == ["corrupt-file"]


def test_the_memory_is_bounded() -> None:
    memory = guards._HarmlessParts()
    for n in range(memory.MAX_PARTS + 50):
        memory.remember(("cells", "xlsx", 8, n, n, b"x"), ())
    assert len(memory.known) == memory.MAX_PARTS
    assert ("cells", "xlsx", 8, 0, 0, b"x") not in memory.known  # the oldest went first
    big = zipfile.ZipInfo("xl/theme/theme1.xml")
    big.compress_size = memory.MAX_PACKED + 1
    big.file_size = 10
    assert memory.key(b"", big, "cells", "xlsx") is None  # too large to keep: always read


# ------------------------------------------------------------------ small parts in one call


def _one_part_zip(part: bytes, *, declared: int | None = None, cut: int = 0, method: int = 8) -> tuple[bytes, zipfile.ZipInfo]:
    packed = zlib.compress(part, 9)[2:-4] if method == 8 else part
    packed = packed[: len(packed) - cut] if cut else packed
    size = len(part) if declared is None else declared
    data = MH._raw_zip([("xl/part.xml", packed, zlib.crc32(part), size, method)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return data, archive.infolist()[0]


def _outcome(read: object) -> object:
    try:
        return b"".join(read())  # type: ignore[operator]
    except Refusal as refusal:
        return refusal.code


@pytest.mark.parametrize(
    ("declared", "cut", "method"),
    [(None, 0, 8), (None, 0, 0), (100, 0, 8), (100, 0, 0), (5000, 0, 8), (5000, 0, 0), (None, 7, 8),
     (None, 0, 12)],
)
def test_a_small_part_unpacked_in_one_call_is_judged_as_the_stream_judges_it(
    declared: int | None, cut: int, method: int
) -> None:
    part = b"<sst>" + "<si><t>Nậm Có</t></si>".encode() * 120 + b"</sst>"
    data, info = _one_part_zip(part, declared=declared, cut=cut, method=method)
    limits = Limits()
    whole = _outcome(lambda: [guards._unpack_small(data, info, [limits.max_expanded_bytes], limits)])
    stream = _outcome(lambda: guards._inflate(data, info, [limits.max_expanded_bytes], limits))
    assert whole == stream
    assert (whole == part) == (declared is None and not cut and method in (0, 8))


# ------------------------------------------------------------------ the zip the sniffing opened


def test_the_callers_part_limit_applies_to_the_zip_the_sniffing_opened() -> None:
    data = GOOD.read_bytes()
    assert _codes(data, Limits(max_zip_members=len(_part_names(data)) - 1)) == ["too-many-parts"]
    assert _codes(data, Limits(max_zip_members=len(_part_names(data)))) == []


# ------------------------------------------------------------------ cells and standard error


def test_cells_from_calamine() -> None:
    nfd = unicodedata.normalize("NFD", "Nậm Có")
    rows = _cells([["", "leader_visits", nfd, " ", 7.0, True, None]])
    assert rows == [[None, "leader_visits", "Nậm Có", " ", 7.0, True, None]]
    assert unicodedata.is_normalized("NFC", rows[0][2])  # type: ignore[arg-type]


def test_standard_error_is_given_back_after_each_workbook() -> None:
    before = os.fstat(2)
    broken = GOOD.read_bytes()[:-200]  # calamine may complain on fd 2: never seen
    read_bytes(broken, "cut.xlsx")
    read_bytes(GOOD.read_bytes(), "good.xlsx")
    after = os.fstat(2)
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)
    assert _null_device() == _null_device()  # opened once per process


# ------------------------------------------------------------------ the form parser


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def test_form_rows_of_a_csv_keep_their_line_numbers(catalog: Catalog) -> None:
    rows: list[list[object]] = [
        ["Xã: Nậm Có", None, None, None],
        ["Kỳ báo cáo: 1/2024", None, None, None],
        ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Số lượng"],
        ["I. Sinh hoạt", None, None, None],
        [" ", " ", None, " "],  # blank but for spaces
        ["1", "leader_visits", None, "7"],
        ["2", None, "Số buổi tuyên truyền"],  # short row: no value cell
        ["3", None, "Số hộ được thăm", 4.0],  # no such indicator, but a number
        ["Tổng cộng", None, None, 11.0],
    ]
    lines = [2, 3, 5, 6, 8, 9, 12, 13, 14]
    (ret,) = parse_sheet(Sheet("f.csv", None, rows, lines), catalog)
    assert ret.values["leader_visits"].cell == "D9"
    assert ret.values["propaganda_sessions"].raw is None
    assert ret.values["propaganda_sessions"].cell == "D12"
    assert [(p.code, p.cell) for p in ret.problems] == [("unknown-indicator", "D13")]
