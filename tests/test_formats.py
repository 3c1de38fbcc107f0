"""Every file format: real LibreOffice files (xlsx, xls, ods), CSV encodings and delimiters."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ncctd_cli.api import read_file
from ncctd_cli.sheets import decode_text, read_path, sniff_delimiter
from ncctd_cli.vietnamese import encode_windows_1258, nfc

EXAMPLES = Path(__file__).parent.parent / "examples" / "returns"


@pytest.mark.parametrize(
    ("name", "kind", "commune", "period"),
    [
        ("bc_04456_2024-01.xlsx", "xlsx", "04456", "2024-01"),
        ("bc_04465_2024-01.xls", "xls", "04465", "2024-01"),
        ("bc_04462_2024-02.ods", "ods", "04462", "2024-02"),
        ("bc_04468_2024-03.ods", "ods", "04468", "2024-03"),
    ],
)
def test_workbooks_written_by_libreoffice(samples_dir: Path, name: str, kind: str, commune: str, period: str) -> None:
    assert read_path(samples_dir / name).kind == kind
    (ret,) = read_file(samples_dir / name)
    assert ret.status == "valid", ret.problems
    assert (ret.commune, str(ret.period)) == (commune, period)
    assert len(ret.values) == 24


def test_wide_csv_windows_1258(samples_dir: Path) -> None:
    source = read_path(samples_dir / "bang_ngang_cp1258.csv")
    assert source.kind == "csv"
    returns = read_file(samples_dir / "bang_ngang_cp1258.csv")
    assert [(r.commune, str(r.period)) for r in returns] == [
        (c, f"2024-0{m}") for c in ("04480", "04483") for m in (1, 2, 3)
    ]
    assert all(r.status == "valid" and r.layout == "wide" for r in returns)
    assert returns[0].reported["rural_road_km"] == pytest.approx(0.2)


def test_long_csv_utf16(samples_dir: Path) -> None:
    returns = read_file(samples_dir / "bang_doc_utf16.csv")
    assert {r.layout for r in returns} == {"long"}
    assert all(r.status == "valid" for r in returns)
    assert sum(len(r.values) for r in returns) == 71  # one value per data line
    assert returns[0].commune == "04489"


def test_hidden_sheets_are_not_returns() -> None:
    path = EXAMPLES / "2022" / "ho-bon_2022.xlsx"
    hidden = [ws.title for ws in openpyxl.load_workbook(path, read_only=False).worksheets if ws.sheet_state != "visible"]
    assert hidden, "the example workbook holds a hidden sheet"
    returns = read_file(path)
    assert len(returns) == 12
    assert all(r.sheet not in hidden for r in returns)


def test_formula_cells_by_saved_value() -> None:
    path = EXAMPLES / "2023" / "cao-pha_2023.xlsx"
    formulas = openpyxl.load_workbook(path)
    saved = openpyxl.load_workbook(path, data_only=True)
    returns = {r.sheet: r for r in read_file(path)}
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    ret = returns[ws.title]
                    value = next(v for v in ret.values.values() if v.cell == cell.coordinate)
                    assert value.value == pytest.approx(saved[ws.title][cell.coordinate].value)
                    checked += 1
    assert checked > 0


def test_xlsm_values_only(tmp_path: Path, samples_dir: Path) -> None:
    target = tmp_path / "bao-cao.xlsm"
    target.write_bytes((samples_dir / "bc_04456_2024-01.xlsx").read_bytes())
    (ret,) = read_file(target)
    assert ret.status == "valid" and ret.commune == "04456"


WIDE = (
    "Xã{d}Kỳ báo cáo{d}Ngày công{d}Đường hoa\n"
    "Nậm Có{d}01/2024{d}12{d}{dec}\n"
    "Hồ Bốn{d}T01/2024{d}8{d}0\n"
)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_csv_encodings_and_delimiters(tmp_path: Path, delimiter: str, encoding: str) -> None:
    decimal = '"1,5"' if delimiter == "," else "1,5"
    text = WIDE.format(d=delimiter, dec=decimal)
    path = tmp_path / "bang.csv"
    path.write_bytes(encode_windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    returns = read_file(path)
    assert [(r.commune, str(r.period), r.status) for r in returns] == [
        ("04462", "2024-01", "valid"),
        ("04459", "2024-01", "valid"),
    ]
    assert returns[0].reported == {"workdays": 12, "flower_road_km": 1.5}


def test_csv_decimal_point_option(tmp_path: Path) -> None:
    path = tmp_path / "english.csv"
    path.write_text("commune,period,cement_tonnes,trees_planted\n04462,2024-01,\"1,700.5\",\"2,110\"\n", encoding="utf-8")
    (ret,) = read_file(path, decimal_point=True)
    assert ret.reported == {"cement_tonnes": 1700.5, "trees_planted": 2110}
    # issue 12: without the option the file's own numbers decide ("1,700.5" can only be
    # English), so "2,110" is two thousand one hundred and ten, and the clerk is told so
    (ret,) = read_file(path)
    assert ret.status == "valid"
    assert ret.reported == {"cement_tonnes": 1700.5, "trees_planted": 2110}
    assert [p.code for p in ret.problems] == ["number-style"]


def test_csv_line_numbers_in_cells(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("\nXã;Kỳ báo cáo;Ngày công\n\nNậm Có;2024-01;abc\n", encoding="utf-8")
    (ret,) = read_file(path)
    assert ret.problems[0].cell == "C4"  # line 4 of the file, third column


def test_decode_and_sniff() -> None:
    assert decode_text(codecs.BOM_UTF8 + "Xã".encode())[1] == "utf-8-sig"
    assert decode_text("Xã".encode("utf-16"))[1] == "utf-16"
    text, encoding = decode_text(encode_windows_1258("Xã Nậm Có"))
    assert (nfc(text), encoding) == ("Xã Nậm Có", "cp1258")
    assert sniff_delimiter("a;b;c\n1,5;2;3\n") == ";"
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert sniff_delimiter('a,b\n"1,5",2\n') == ","


def test_empty_and_returnless_files_are_refused_by_name(tmp_path: Path) -> None:
    empty = tmp_path / "rong.xlsx"
    empty.write_bytes(b"")
    (ret,) = read_file(empty)
    assert ret.status == "rejected" and ret.problems[0].code == "empty-file"
    assert ret.problems[0].file == str(empty)
    wb = openpyxl.Workbook()
    wb.active.append(["Danh sách cán bộ", "Ghi chú"])
    wb.save(tmp_path / "khac.xlsx")
    (ret,) = read_file(tmp_path / "khac.xlsx")
    assert ret.problems[0].code == "no-return"


@pytest.mark.parametrize("strict", [False, True])
def test_a_files_number_style_is_its_whole_files(tmp_path: Path, run_ncctd, strict: bool) -> None:
    """One file, one way of writing numbers, decided from all its cells: a return checked
    on its own (--strict checks one return at a time) reads "2,110" as the file writes it
    (12.5 elsewhere in the file: the English way), and the clerk is told, as without --strict."""
    import json

    path = tmp_path / "english.csv"
    path.write_text(
        'commune,period,rural_road_km,cement_tonnes\n04462,2024-01,12.5,4\n04459,2024-01,1,"2,110"\n',
        encoding="utf-8",
    )
    done = run_ncctd("--db", tmp_path / "s.sqlite", "validate", path, "--format", "json", *(["--strict"] if strict else []))
    returns = json.loads(done.stdout)["returns"]
    second = next(r for r in returns if r["commune"] == "04459")
    (problem,) = second["problems"]
    assert problem["code"] == "number-style"
    assert (problem["params"]["value"], problem["params"]["evidence"]) == (2110, "12.5")
    assert second["status"] == ("rejected" if strict else "valid")  # --strict: warnings refuse


@pytest.mark.parametrize(
    ("cell", "marked"),
    [
        ('<table:table-cell table:formula="of:=2+5"/>', True),  # a script's: no result saved
        ('<table:table-cell table:formula="of:=IF(1&gt;2;7;&quot;&quot;)"><text:p/></table:table-cell>', False),
        ('<table:table-cell table:formula="of:=2+5" office:value-type="float" office:value="7"><text:p>7</text:p>'
         "</table:table-cell>", False),
    ],
)
def test_an_ods_formula_without_a_result_is_told_from_an_empty_text_result(cell: str, marked: bool) -> None:
    """LibreOffice saves a formula whose result is empty text (``=IF(…;"";…)``) with no value
    type and an empty paragraph: the empty cell the person sees. A formula saved with nothing
    (a script's) has no result at all."""
    import io
    import zipfile

    from ncctd_cli.cellfacts import NoValue, workbook_facts

    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        f'<table:table table:name="B"><table:table-row><table:table-cell/>{cell}</table:table-row></table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    facts = workbook_facts(buffer.getvalue(), "ods")
    marks = facts["B"].marks if facts else {}
    assert (marks == {(0, 1): NoValue("2+5")}) if marked else not marks


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_a_folder_is_walked_as_paths_sort(tmp_path: Path) -> None:
    """Files under a folder, sorted as paths (a sub-folder's files where its name sorts);
    hidden files and folders passed over; a folder linked to not entered, a file linked to
    read; Excel's lock files and other files skipped."""
    from ncctd_cli.sheets import find_return_files

    inbox = tmp_path / "inbox"
    for name in ("b.xlsx", "a/z.csv", "a.xlsx", "a/b/c.ods", ".hidden/x.xlsx", "c/.x.xlsx", "~$b.xlsx", "d/notes.pdf"):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(b"x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.xlsx").write_bytes(b"x")
    (inbox / "linked").symlink_to(elsewhere, target_is_directory=True)
    (inbox / "e.xlsx").symlink_to(elsewhere / "far.xlsx")
    found, skipped = find_return_files(inbox)
    assert [p.relative_to(inbox).as_posix() for p in found] == ["a/b/c.ods", "a/z.csv", "a.xlsx", "b.xlsx", "e.xlsx"]
    assert [p.relative_to(inbox).as_posix() for p in skipped] == ["d/notes.pdf", "~$b.xlsx"]


# ------------------------------------------------------------------ a sheet part's hints of facts

_PIECES = [b"f", b"ff", b"<", b":", b"<f", b":f", b" ", b">", b"/", b"hidden", b't="e"', b"t='e'",
           b"a", b"e", b"t=", b"'", b'"', b"<f>", b":f/", b"<c r=\"A1\">", b"of "]


@given(st.lists(st.sampled_from(_PIECES), max_size=120).map(b"".join))
def test_a_parts_hint_is_the_plain_searches(xml: bytes) -> None:
    """The hint of a fact in a sheet part (``f`` found one by one where few) is what five plain
    searches and the hints themselves say, also for parts with many ``f``."""
    from ncctd_cli.cellfacts import _XLSX_HINTS, _f_after_a_bracket, _hinted

    plain = any(first in xml for first in (b"hidden", b't="e"', b"t='e'", b"<f", b":f"))
    assert _f_after_a_bracket(xml) == (b"<f" in xml or b":f" in xml)
    assert _hinted(xml) == (plain and any(hint in xml for hint in _XLSX_HINTS))
