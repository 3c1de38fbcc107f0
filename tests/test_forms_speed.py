"""A batch of forms read fast (issue 7) with every check intact.

What made it fast, each checked here: small zip parts are unpacked in one call with the checks
of the stream; the cells calamine gives are made NFC in one pass; the form parser reads a row
with a few look-ups. (Workbooks are read in worker processes: tests/test_containment.py.)
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest

from ncctd_cli import guards
from ncctd_cli.catalog import Catalog, default_catalog
from ncctd_cli.guards import Limits, Refusal
from ncctd_cli.sheets import ReadOptions, Sheet, _cells, read_bytes
from tests.pipeline import parse_sheet

from .test_hostile import MH  # the hostile-file generator, loaded once

DATA = Path(__file__).parent / "data"
GOOD = DATA / "samples-2024q1" / "returns" / "bc_04456_2024-01.xlsx"
SHEET = "xl/worksheets/sheet1.xml"


def _codes(data: bytes, limits: Limits | None = None) -> list[str]:
    options = ReadOptions(limits=limits) if limits else None
    return [p.code for p in read_bytes(data, "form.xlsx", options).problems]


def _part_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [info.filename for info in archive.infolist()]


def test_a_template_part_changed_to_carry_a_dtd_is_refused() -> None:
    assert _codes(GOOD.read_bytes()) == []
    styles = MH._patched(GOOD, "xl/styles.xml", lambda d: b'<!DOCTYPE x [<!ENTITY a "b">]>' + d)
    assert _codes(styles) == ["unsafe-xml"]
    assert _codes(GOOD.read_bytes()) == []


def test_a_part_declaring_another_size_or_crc_is_found() -> None:
    """Every part is unpacked and its size and CRC checked, whatever it declares."""
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


# ------------------------------------------------------------------ the part limit


def test_the_callers_part_limit_applies() -> None:
    data = GOOD.read_bytes()
    assert _codes(data, Limits(max_zip_members=len(_part_names(data)) - 1)) == ["too-many-parts"]
    assert _codes(data, Limits(max_zip_members=len(_part_names(data)))) == []


# ------------------------------------------------------------------ cells


def test_cells_from_calamine() -> None:
    nfd = unicodedata.normalize("NFD", "Nậm Có")
    rows = _cells([["", "leader_visits", nfd, " ", 7.0, True, None]])
    assert rows == [[None, "leader_visits", "Nậm Có", " ", 7.0, True, None]]
    assert unicodedata.is_normalized("NFC", rows[0][2])  # type: ignore[arg-type]


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
