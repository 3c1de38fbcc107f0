"""Hostile and broken input: every bad file is refused with its own code and a Vietnamese
message naming it, within bounded time and memory; nothing live reaches the outputs.

The corpus is tests/data/hostile/corpus/ (small, committed) plus big files written once per
session by tests/data/hostile/make_hostile.py into a temporary folder.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from ncctd_cli.guards import Limits
from ncctd_cli.ingest import IngestOptions, Ingestor
from ncctd_cli.render import safe_cell, write_csv, write_problems
from ncctd_cli.sheets import ColumnTable, ReadOptions, read_bytes, read_path
from ncctd_cli.store import Store

HOSTILE = Path(__file__).parent / "data" / "hostile"
CORPUS = HOSTILE / "corpus"
GOOD = Path(__file__).parent / "data" / "samples-2024q1" / "returns" / "bc_04456_2024-01.xlsx"
VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý")
PIPELINE_CODES = {"formula-text", "unknown-commune"}  # found by the validator, not the reader


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_hostile"] = module
    spec.loader.exec_module(module)
    return module


MH = _load_generator()
READER_FILES = {name: code for name, code in MH.EXPECTED.items() if code not in (*PIPELINE_CODES, MH.READ)}


@pytest.fixture(scope="session")
def large_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The big hostile files (a 1.5 GB zip bomb, a 30 MB line...), written once (~1 s)."""
    return MH.write_large(tmp_path_factory.mktemp("hostile-large"))


def _is_vietnamese(message: str) -> bool:
    return any(ch in VIETNAMESE for ch in message.lower())


# ------------------------------------------------------------------ the corpus


def test_corpus_is_complete() -> None:
    """Every file the generator lists is committed (the encrypted ones cannot be remade in CI)."""
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(MH.EXPECTED)


def test_generator_makes_the_committed_small_files(tmp_path: Path) -> None:
    written = {p.name for p in MH.write_small(tmp_path)}
    assert written == set(MH.EXPECTED) - set(MH.TOOL_FILES)
    for name in ("empty.xlsx", "random.xls", "pdf_named.xlsx", "nul_bytes.csv"):
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes()


@pytest.mark.parametrize("name", sorted(READER_FILES))
def test_reader_refuses_each_bad_file(name: str) -> None:
    started = time.perf_counter()
    source = read_path(CORPUS / name)
    assert time.perf_counter() - started < 2
    assert not source.sheets
    assert [p.code for p in source.problems] == [READER_FILES[name]]
    problem = source.problems[0]
    assert problem.severity == "error"
    assert problem.file == str(CORPUS / name)
    assert _is_vietnamese(problem.message), problem.message


@pytest.mark.parametrize("name", sorted(MH.EXPECTED_LARGE))
def test_reader_refuses_each_big_file(name: str, large_files: dict[str, Path]) -> None:
    started = time.perf_counter()
    source = read_path(large_files[name])
    assert time.perf_counter() - started < 5
    assert [p.code for p in source.problems] == [MH.EXPECTED_LARGE[name]]
    assert _is_vietnamese(source.problems[0].message)


def test_disguised_files_say_what_they_really_are() -> None:
    messages = {n: read_path(CORPUS / n).problems[0].message for n in ("pdf_named.xlsx", "png_named.xlsx", "word_named.xlsx")}
    assert "PDF" in messages["pdf_named.xlsx"] and ".xlsx" in messages["pdf_named.xlsx"]
    assert "ảnh PNG" in messages["png_named.xlsx"]
    assert "Word" in messages["word_named.xlsx"]


def test_password_protected_says_to_save_without_password() -> None:
    for name in ("encrypted.xlsx", "encrypted.xls", "encrypted.ods"):
        message = read_path(CORPUS / name).problems[0].message
        assert "mật khẩu" in message and "lưu lại" in message


def test_the_good_sample_still_reads() -> None:
    source = read_path(GOOD)
    assert not source.problems and len(source.sheets) == 1


# ------------------------------------------------------------------ zip bombs


def test_declared_size_over_the_limit_is_refused_before_unpacking() -> None:
    data = GOOD.read_bytes()
    source = read_bytes(data, "x.xlsx", ReadOptions(limits=Limits(max_expanded_bytes=10_000)))
    assert [p.code for p in source.problems] == ["decompression-bomb"]
    assert "10.000" not in source.problems[0].message  # sizes in MB, Vietnamese grouping
    assert "--max-expanded-mb" in source.problems[0].message


def test_a_part_that_unpacks_to_more_than_it_declares_is_a_bomb() -> None:
    source = read_path(CORPUS / "lying_sizes.xlsx")
    assert [p.code for p in source.problems] == ["decompression-bomb"]
    assert "khai báo" in source.problems[0].message
    # the zip really does lie: its sharedStrings part says 1 KB and holds 8 MB
    with zipfile.ZipFile(CORPUS / "lying_sizes.xlsx") as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
        assert info.file_size == 1024
        with pytest.raises(zipfile.BadZipFile):
            archive.read(info)


def test_a_part_that_unpacks_to_less_than_it_declares_is_damaged() -> None:
    members = MH._members(GOOD)
    raw = []
    for name, data in members:
        deflated = __import__("zlib").compress(data, 9)[2:-4]
        crc = __import__("zlib").crc32(data)
        raw.append((name, deflated, crc, len(data) + (5 if name == "xl/workbook.xml" else 0), 8))
    source = read_bytes(MH._raw_zip(raw), "short.xlsx")
    assert [p.code for p in source.problems] == ["corrupt-file"]
    assert "xl/workbook.xml" in source.problems[0].message


def test_too_many_parts_is_refused_before_the_zip_is_listed() -> None:
    data = MH._zip([*MH._members(GOOD), *((f"x/{i}", b"") for i in range(60))])
    source = read_bytes(data, "parts.xlsx", ReadOptions(limits=Limits(max_zip_members=50)))
    assert [p.code for p in source.problems] == ["too-many-parts"]


# The peak memory of a child process, in MB. Its own high-water mark (VmHWM), read by the
# child itself at exit: on Linux ru_maxrss of a child also counts the parent it was forked from.
PEAK = (
    "import atexit, os, resource, sys\n"
    "def _peak():\n"
    "    try:\n"
    "        with open('/proc/self/status') as fh:\n"
    "            kb = next(int(l.split()[1]) for l in fh if l.startswith('VmHWM:'))\n"
    "    except OSError:\n"
    "        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    with open(os.environ['PEAK_FILE'], 'w') as fh:\n"
    "        fh.write(str(kb / 1024))\n"
    "atexit.register(_peak)\n"
)


def _run_measured(code: str, args: list[str], tmp_path: Path, **kwargs: object) -> tuple[subprocess.CompletedProcess[str], float]:
    peak_file = tmp_path / "peak.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NCCTD_", "NO_COLOR"))}
    env.update(PYTHONIOENCODING="utf-8", PEAK_FILE=str(peak_file))
    result = subprocess.run(
        [sys.executable, "-c", PEAK + code, *args],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, **kwargs,  # type: ignore[call-overload]
    )
    return result, float(peak_file.read_text())


def test_zip_bomb_memory_stays_small(large_files: dict[str, Path], tmp_path: Path) -> None:
    """Reading the 1.5 GB bomb and the lying 768 MB one, in a fresh process: under 150 MB."""
    code = (
        "from pathlib import Path\n"
        "from ncctd_cli.sheets import read_path\n"
        "for p in sys.argv[1:]:\n"
        "    assert read_path(Path(p)).problems[0].code == 'decompression-bomb'\n"
    )
    files = [str(large_files["zip_bomb.xlsx"]), str(large_files["lying_bomb.xlsx"])]
    result, peak_mb = _run_measured(code, files, tmp_path)
    assert result.returncode == 0, result.stderr
    assert peak_mb < 150


# ------------------------------------------------------------------ sheets spanning millions of cells


def _with_sheet_row(row_xml: bytes) -> bytes:
    return MH._patched(
        GOOD, "xl/worksheets/sheet1.xml", lambda d: d.replace(b"</sheetData>", row_xml + b"</sheetData>", 1)
    )


def test_far_cell_without_a_reference_is_found_too() -> None:
    """A cell that does not name its position (allowed in xlsx) goes to the exact scan."""
    data = _with_sheet_row(b'<row r="1048576"><c><v>1</v></c></row>')
    assert [p.code for p in read_bytes(data, "x.xlsx").problems] == ["too-many-cells"]


def test_far_empty_styled_cell_is_not_a_cell() -> None:
    """Calamine ignores a cell with no value: so does the count (the file reads)."""
    data = _with_sheet_row(b'<row r="1048576"><c r="XFD1048576" s="1"/></row>')
    source = read_bytes(data, "x.xlsx")
    assert not source.problems
    assert len(source.sheets[0].rows) < 100


def test_cells_without_references_still_read() -> None:
    row = '<row r="40"><c t="inlineStr"><is><t>ghi chú</t></is></c><c><v>5</v></c></row>'
    data = _with_sheet_row(row.encode())
    source = read_bytes(data, "x.xlsx")
    assert not source.problems
    assert source.sheets[0].rows[39][:2] == ["ghi chú", 5.0]


def test_the_cell_limit_can_be_raised() -> None:
    data = _with_sheet_row(b'<row r="500000"><c r="A500000"><v>1</v></c></row>')
    assert [p.code for p in read_bytes(data, "x.xlsx").problems] == ["too-many-cells"]
    roomy = ReadOptions(limits=Limits(max_cells=4_000_000))
    source = read_bytes(data, "x.xlsx", roomy)
    assert not source.problems and len(source.sheets[0].rows) == 500_000


@pytest.mark.slow
@pytest.mark.parametrize("name", ["far_cell.xlsx", "far_cells.xls", "dimensions_bomb.xls", "cyclic_directory.xls"])
def test_calamine_alone_dies_on_what_containment_refuses(name: str) -> None:
    """Why workbooks are read in worker processes: calamine alone aborts the whole process on
    these small files (memory it cannot have, or a chain it follows for ever). Run under a 2 GB
    address space; through read_path each is a refusal."""
    code = (
        "import io, resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from python_calamine import CalamineWorkbook\n"
        "book = CalamineWorkbook.from_filelike(io.BytesIO(open(sys.argv[1], 'rb').read()))\n"
        "for name in book.sheet_names:\n"
        "    book.get_sheet_by_name(name).to_python()\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(CORPUS / name)], capture_output=True, timeout=120)
    assert result.returncode != 0
    assert read_path(CORPUS / name).problems


# ------------------------------------------------------------------ XML


def test_openpyxl_parses_with_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


def test_entities_never_reach_a_parser(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("BI-MAT-42", encoding="utf-8")
    xxe = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "' + secret.as_uri().encode() + b'">]>'
    data = MH._patched(GOOD, "xl/sharedStrings.xml", lambda d: MH._with_dtd(d, xxe, b"STT", b"&xxe;"))
    source = read_bytes(data, "xxe.xlsx")
    assert [p.code for p in source.problems] == ["unsafe-xml"]
    assert "BI-MAT-42" not in repr(source)


# ------------------------------------------------------------------ CSV


def test_csv_with_too_many_columns() -> None:
    data = ("Xã;" + ";".join("x" for _ in range(20_000)) + "\n").encode()
    assert [p.code for p in read_bytes(data, "wide.csv").problems] == ["too-many-columns"]


def test_csv_blank_rows_cost_nothing_and_keep_line_numbers() -> None:
    head = "Xã;Kỳ báo cáo;Chỉ tiêu;Số lượng\n"
    data = (head + ";;;\n" * 50_000 + "Nậm Có;1/2024;leader_visits;7\n" + ";;;;\n" * 100_000).encode()
    source = read_bytes(data, "rows.csv", ReadOptions(column_min_lines=None))
    assert not source.problems
    sheet = source.sheets[0]
    assert len(sheet.rows) == 2
    assert sheet.ref(1, 3) == "D50002"
    (table,) = read_bytes(data, "rows.csv").tables  # big enough: read by columns
    assert isinstance(table, ColumnTable) and table.lines.tolist() == [1, 50002]


def test_a_nul_byte_names_its_line() -> None:
    source = read_path(CORPUS / "nul_bytes.csv")
    assert "dòng 2" in source.problems[0].message


def test_huge_stdin_is_refused_by_size() -> None:
    source = read_bytes(b"a;b\n" * 10, "<stdin>", ReadOptions(limits=Limits(max_file_bytes=20)))
    assert [p.code for p in source.problems] == ["file-too-large"]


# ------------------------------------------------------------------ formulas


def _run(paths: list[Path]) -> list:
    with Store.scratch() as store:
        report = Ingestor(store, IngestOptions(validate_only=True)).run(paths)
    return report.returns


def test_formula_text_in_value_cells_is_refused() -> None:
    for name, cells in (("formula_values.xlsx", {"E9", "E10", "E11"}), ("formula_values.csv", {"D2", "D3", "D4", "D5"})):
        (ret,) = _run([CORPUS / name])
        assert ret.status == "rejected"
        formula = {p.cell for p in ret.problems if p.code == "formula-text"}
        assert formula == cells, name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-5", "-5"),
        ("-1.234,5", "-1.234,5"),
        ("Nậm Có", "Nậm Có"),
        (-5, -5),
        (3.5, 3.5),
    ],
)
def test_safe_cell(text: object, expected: object) -> None:
    assert safe_cell(text) == expected


def test_csv_exports_neutralise_user_text() -> None:
    out = io.StringIO()
    write_csv(["commune", "value"], [["=1+1", -5], ["@SUM(A1)", 3]], out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1:] == [["'=1+1", "-5"], ["'@SUM(A1)", "3"]]


def _dangerous(field: str) -> bool:
    return field.startswith(("=", "+", "-", "@", "\t", "\r")) and safe_cell(field) != field


def test_problems_file_has_no_live_formula(tmp_path: Path) -> None:
    returns = _run([CORPUS / "formula_commune.xlsx", CORPUS / "formula_values.csv"])
    problems = [p for r in returns for p in r.problems]
    assert any(p.commune and p.commune.startswith("=") for p in problems)
    target = tmp_path / "problems.csv"
    write_problems(problems, target)
    with target.open(encoding="utf-8-sig", newline="") as fh:
        fields = [f for row in csv.reader(fh) for f in row]
    assert "'=cmd|' /C calc'!A0" in fields and "'@SUM(A1)" in fields
    assert not [f for f in fields if _dangerous(f)]


def test_a_hostile_file_name_is_neutralised_in_csv_outputs(run_ncctd, tmp_path: Path) -> None:
    """A return named «=1+1.xlsx» is stored under that name (a label, never a path) and every
    CSV that shows it escapes it."""
    shutil.copy(GOOD, tmp_path / "=1+1.xlsx")
    assert run_ncctd("--db", "kho.sqlite", "ingest", "=1+1.xlsx").returncode == 0
    status = run_ncctd("--db", "kho.sqlite", "status", "--period", "2024-01", "--format", "csv")
    assert status.returncode == 0, status.stderr
    fields = [f for row in csv.reader(io.StringIO(status.stdout)) for f in row]
    assert "'=1+1.xlsx" in fields
    assert not [f for f in fields if _dangerous(f)]


# ------------------------------------------------------------------ paths


def test_output_never_overwritten_without_force(run_ncctd, tmp_path: Path) -> None:
    target = tmp_path / "kq.json"
    target.write_text("cũ", encoding="utf-8")
    result = run_ncctd("validate", GOOD, "--format", "json", "-o", target)
    assert result.returncode == 2
    assert "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == "cũ"
    problems = tmp_path / "vande.csv"
    problems.write_text("cũ", encoding="utf-8")
    assert run_ncctd("validate", GOOD, "--problems", problems).returncode == 2
    assert problems.read_text(encoding="utf-8") == "cũ"
    assert run_ncctd("validate", GOOD, "--format", "json", "-o", target, "--force").returncode == 0
    assert '"valid": 1' in target.read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_dangling_link_is_not_followed_without_force(run_ncctd, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    link = tmp_path / "kq.csv"
    link.symlink_to(elsewhere)
    assert run_ncctd("validate", GOOD, "--format", "csv", "-o", link).returncode == 2
    assert not elsewhere.exists()


# ------------------------------------------------------------------ the command-line options


def test_max_expanded_mb_option(run_ncctd, tmp_path: Path) -> None:
    bomb = CORPUS / "ratio_bomb.xlsx"  # the good return plus a 20 MB part packed 1000:1
    refused = run_ncctd("validate", bomb, "--format", "json")
    assert refused.returncode == 1 and "decompression-bomb" in refused.stdout
    trusted = run_ncctd("validate", bomb, "--format", "json", "--max-expanded-mb", "50")
    assert trusted.returncode == 0, trusted.stdout
    small = run_ncctd("validate", GOOD, "--format", "json", env={"NCCTD_MAX_EXPANDED_MB": "1"})
    assert small.returncode == 0
    assert run_ncctd("validate", GOOD, "--max-expanded-mb", "0").returncode == 2


# ------------------------------------------------------------------ done when


def test_done_when_scenario(tmp_path: Path, large_files: dict[str, Path]) -> None:
    """One good return and one of each bad file: exit 1, each bad file named with its reason,
    the good return stored, no traceback, well under a minute, peak memory under 1 GB."""
    folder = tmp_path / "nhan"
    folder.mkdir()
    shutil.copy(GOOD, folder / GOOD.name)
    for path in [*CORPUS.iterdir(), *large_files.values()]:
        shutil.copy(path, folder / path.name)
    expected = {n: c for n, c in {**MH.EXPECTED, **MH.EXPECTED_LARGE}.items() if c != MH.READ}
    read = [n for n, c in MH.EXPECTED.items() if c == MH.READ]
    store = tmp_path / "kho.sqlite"
    problems = tmp_path / "van-de.csv"
    run_cli = "import runpy\nsys.argv = ['ncctd', *sys.argv[1:]]\nrunpy.run_module('ncctd_cli', run_name='__main__')\n"
    args = ["--db", str(store), "ingest", str(folder), "--problems", str(problems), "--format", "json"]
    started = time.perf_counter()
    proc, peak_mb = _run_measured(run_cli, args, tmp_path, cwd=tmp_path)
    elapsed = time.perf_counter() - started
    stdout_text, stderr_text = proc.stdout, proc.stderr
    assert proc.returncode == 1, stderr_text
    assert "Traceback" not in stdout_text + stderr_text and "panicked" not in stderr_text
    assert elapsed < 30
    assert peak_mb < 400, peak_mb
    report = json.loads(stdout_text)
    assert report["summary"]["stored"] == 1 + len(read)
    by_file = {Path(r["file"]).name: r for r in report["returns"]}
    assert by_file[GOOD.name]["status"] == "stored"
    assert all(by_file[name]["status"] == "stored" for name in read)
    for name, code in expected.items():
        entry = by_file[name]
        assert entry["status"] == "rejected", name
        assert code in {p["code"] for p in entry["problems"]}, name
        assert all(_is_vietnamese(p["message"]) for p in entry["problems"])
    with Store.open_readonly(store) as kept:
        assert kept.count_returns() == 1 + len(read)
    with problems.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {Path(r["file"]).name for r in rows} == set(expected)
    assert not [f for r in rows for f in r.values() if f and _dangerous(f)]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_problems_file_opens_in_libreoffice_with_no_live_formula(tmp_path: Path) -> None:
    """LibreOffice's own CSV import turns «=…» into a live formula: it must find none."""
    import openpyxl

    returns = _run([CORPUS / "formula_commune.xlsx", CORPUS / "formula_values.csv", CORPUS / "formula_values.xlsx"])
    problems_csv = tmp_path / "problems.csv"
    write_problems([p for r in returns for p in r.problems], problems_csv)
    control = tmp_path / "control.csv"  # the same, unescaped: proves the check can fail
    control.write_text("a,b\n=1+1,x\n", encoding="utf-8")
    profile = (tmp_path / "lo-profile").as_uri()
    for path in (problems_csv, control):
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "xlsx",
             "--outdir", str(tmp_path), str(path)],
            capture_output=True, timeout=120, check=True,
        )

    def formulas(path: Path) -> list[str]:
        sheet = openpyxl.load_workbook(path).active
        assert sheet is not None
        return [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]

    assert formulas(tmp_path / "control.xlsx") == ["A2"]
    converted = tmp_path / "problems.xlsx"
    assert formulas(converted) == []
    sheet = openpyxl.load_workbook(converted).active
    assert sheet is not None
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("=cmd|' /C calc'!A0" in t for t in texts)  # there, as text


@pytest.mark.parametrize(
    "cell",
    [
        b"<c t=\"n\" ghi=\" r='A1'\" r=\"XFD1048576\"><v>1</v></c>",  # a value that reads like a position
        b'<c x:r="A1" r="XFD1048576"><v>1</v></c>',  # another attribute named r in a prefix
        b"<c><v>1</v></c>",  # a cell that does not name its position (the next one)
    ],
)
def test_a_far_cell_however_written_is_contained(cell: bytes) -> None:
    """No scanner second-guesses calamine any more: however a far cell is written, calamine
    either places it far (and its worker runs out of memory, or the sheet is over the cell
    limit) or reads the form; never a dead process, never a far cell stored."""
    data = _with_sheet_row(b'<row r="1048576">' + cell + b"</row>")
    source = read_bytes(data, "x.xlsx")
    codes = [p.code for p in source.problems]
    assert codes in (["reader-out-of-memory"], ["too-many-cells"], []), codes
    if not codes:
        assert sum(len(row) for row in source.sheets[0].rows) < Limits().max_cells



# ------------------------------------------------------------------ what a package is, remembered


def _forge_crc(prefix: bytes, target: int) -> bytes:
    """Four bytes after ``prefix`` giving the whole the CRC-32 ``target`` (CRC-32 is affine in
    them: a basis of what each of their bits changes, over GF(2))."""
    import zlib

    base = zlib.crc32(prefix + bytes(4))
    basis: dict[int, tuple[int, int]] = {}  # leading bit → (what it changes in the CRC, which bits)
    for bit in range(32):
        change, bits = zlib.crc32(prefix + (1 << bit).to_bytes(4, "little")) ^ base, 1 << bit
        while change:
            lead = change.bit_length() - 1
            if lead not in basis:
                basis[lead] = (change, bits)
                break
            change, bits = change ^ basis[lead][0], bits ^ basis[lead][1]
    want, chosen = target ^ base, 0
    for lead in sorted(basis, reverse=True):
        if want >> lead & 1:
            want, chosen = want ^ basis[lead][0], chosen ^ basis[lead][1]
    assert want == 0
    return chosen.to_bytes(4, "little")


def _package(types: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("content.xml", b"<x/>")
    return buffer.getvalue()


def test_a_packages_kind_is_remembered_by_its_bytes_not_its_checksum() -> None:
    """A Word package forged to the same part names, size and CRC of its content types as a
    workbook read just before is still told a Word document (the guards remember a package's
    kind by the exact packed bytes of what it declares)."""
    import zlib

    workbook = b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    word = b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    workbook = workbook.ljust(len(word) + 12, b" ")  # the same size, four bytes left to forge
    word = word.ljust(len(workbook) - 4, b" ")
    word += _forge_crc(word, zlib.crc32(workbook))
    assert len(word) == len(workbook) and zlib.crc32(word) == zlib.crc32(workbook)
    first = read_bytes(_package(workbook), "a.xlsx", ReadOptions())
    assert first.kind == "xlsx"  # (then refused for holding no sheet calamine reads)
    second = read_bytes(_package(word), "b.xlsx", ReadOptions())
    assert [p.code for p in second.problems] == ["not-a-spreadsheet"]
    assert second.problems[0].params.get("what_en") == "a Word document (docx)"
