"""A big CSV read on demand (issue 12): one pass checks it whole and keeps its first rows; its
columns and rows are read only when a layout needs them. A big CSV that holds no return is
refused without being decoded whole or read into cells (memory ≤ 2 × its size + 200 MB), and
whatever is read gives exactly what the whole-text reader gives."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from ncctd_cli import sheets
from ncctd_cli.catalog import default_catalog
from ncctd_cli.guards import Limits, describe_markup
from ncctd_cli.ingest import parse_source
from ncctd_cli.model import Problem
from ncctd_cli.sheets import ColumnTable, CsvTable, ReadOptions, SourceFile, _LazyList, read_bytes

CATALOG = default_catalog()
ON_DEMAND = ReadOptions(column_min_lines=1)
AT_ONCE = ReadOptions(column_min_lines=None)
MB = 1024 * 1024


@pytest.fixture(params=["here", "aside"], autouse=True)
def whole_pass(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: the whole pass over the file made here when it is read, and made in
    a forked process while its returns are read (what a file of 16 MB or more gets)."""
    if request.param == "aside" and not hasattr(os, "fork"):
        pytest.skip("the pass runs aside only where processes fork")
    monkeypatch.setattr(sheets, "ASIDE_MIN_BYTES", 0 if request.param == "aside" else 1 << 62)
    return str(request.param)


def _refusals(source: SourceFile) -> list[Problem]:
    """What a file read is refused for once its returns are read (the pass made aside is
    waited for then)."""
    parse_source(source, CATALOG)
    return source.problems


def _payments(lines: int, extra: str = "") -> bytes:
    """A CSV export that is no return (no commune, period or indicator column)."""
    head = "Số thứ tự;Họ và tên;Địa chỉ;Số tiền;Ngày\n"
    body = "".join(f"{n};Nguyễn Văn {n};Thôn Khau Phạ;{n}000;2024-01-{n % 28 + 1:02d}\n" for n in range(lines))
    return (head + body + extra).encode()


def test_a_big_csv_with_no_return_is_refused_from_its_first_rows() -> None:
    source = read_bytes(_payments(30_000), "thu-chi.csv")
    (table,) = source.tables
    assert isinstance(table, CsvTable)
    builder = parse_source(source, CATALOG)
    assert [p.code for p in source.problems] == ["no-return"]
    assert builder.n_returns == 1  # the refusal
    assert table._table is None and table._sheet is None  # neither its columns nor its rows read


def test_its_rows_and_columns_when_read_are_the_whole_readers() -> None:
    data = _payments(30_000)
    (lazy,) = read_bytes(data, "x.csv").tables
    (whole,) = read_bytes(data, "x.csv", AT_ONCE).sheets
    assert isinstance(lazy, CsvTable)
    rows = lazy.rows()
    assert rows.rows[:3] == whole.rows[:3]  # from the first rows
    assert lazy._sheet is None
    assert len(rows.rows) == len(whole.rows) and rows.rows == whole.rows  # now read whole
    assert list(rows.line_numbers or ()) == list(whole.line_numbers or ())
    columns = ColumnTable.from_sheet(whole)
    assert lazy.row_cells(0) == columns.row_cells(0)
    assert lazy.lines.tolist() == columns.lines.tolist()
    for row in (0, 1, 255, 256, 20_000, len(whole.rows) - 1):
        assert lazy.row_cells(row) == columns.row_cells(row)


@pytest.mark.parametrize(
    ("encode", "end"),
    [
        (str.encode, ""),
        (str.encode, "\n\n ;;\r\n\n"),  # blank lines at the end (cut)
        (lambda t: codecs.BOM_UTF8 + t.encode(), "\n\n"),  # with a mark: encoded again
        (lambda t: unicodedata.normalize("NFD", t).encode(), "\n"),  # decomposed: composed, then encoded
        (lambda t: t.encode("utf-16"), ""),
    ],
)
def test_the_column_reader_is_given_the_texts_own_bytes(encode, end: str) -> None:  # type: ignore[no-untyped-def]
    """The file's bytes go to the column reader only when they are the text's UTF-8 bytes;
    the columns are the same either way."""
    data = encode(_payments(30_000).decode() + end)
    (lazy,) = read_bytes(data, "x.csv").tables
    assert isinstance(lazy, CsvTable)
    text, own = lazy._decoded()
    assert own is None or own == text.encode()
    assert (own is not None) == (encode is str.encode)
    again = sheets.read_csv_columns(text, ";", "x.csv", Limits())
    assert again is not None
    assert [c.spellings for c in lazy.columns] == [c.spellings for c in again.columns]
    assert [c.codes.tolist() for c in lazy.columns] == [c.codes.tolist() for c in again.columns]


def test_row_cells_have_the_width_of_the_widest_row(whole_pass: str) -> None:
    """A row wider than the header (a stray cell far right): the header's cells are given as
    wide as the table, before and after the columns are read (while the whole pass runs
    aside, as wide as the first rows' widest)."""
    data = _payments(25_000, extra="1;2;3;4;5;6;7\n")
    (table,) = read_bytes(data, "x.csv").tables
    assert isinstance(table, CsvTable)
    if whole_pass == "aside":
        assert len(table.row_cells(0)) == 5
        table.verify()
    before = table.row_cells(0)
    assert len(before) == 7 and before[5:] == [None, None]
    assert len(table.columns) == 7 and table.row_cells(0) == before


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ("Nậm Có;1/2024;x\x00y;1;2\n", "binary-content"),
        ("a;" + "b" * (2 * MB) + "\n", "line-too-long"),
        (";".join("x" for _ in range(20_000)) + "\n", "too-many-columns"),
        ('a;"' + "x" * 200_000 + '"\n', "corrupt-file"),  # a field past csv's field limit
    ],
)
def test_a_fault_past_the_first_rows_is_found_by_the_pass(extra: str, code: str) -> None:
    """Found as the whole-text reader finds it: same code, same line."""
    data = _payments(25_000, extra=extra)
    lazy = _refusals(read_bytes(data, "x.csv"))
    whole = read_bytes(data, "x.csv", AT_ONCE).problems
    assert [p.code for p in lazy] == [p.code for p in whole] == [code]
    assert lazy[0].params.get("line") == whole[0].params.get("line")


def test_windows_1258_past_the_first_rows() -> None:
    """Not UTF-8 after a megabyte of ASCII: read as Windows-1258, as the whole-text reader does."""
    ascii_rows = "".join(f"{n};Nguyen Van {n};Khau Pha;{n}000;2024-01-01\n" for n in range(40_000))
    data = ("STT;Ho ten;Dia chi;So tien;Ngay\n" + ascii_rows).encode() + "Mù Căng;x;y;1;2\n".encode("cp1258")
    lazy = read_bytes(data, "x.csv")
    whole = read_bytes(data, "x.csv", AT_ONCE)
    assert not lazy.problems and not whole.problems
    (table,) = lazy.tables
    assert isinstance(table, CsvTable)
    assert table.rows().rows == whole.sheets[0].rows


def test_lazy_list() -> None:
    loads = []

    def load() -> list[int]:
        loads.append(1)
        return list(range(10))

    items = _LazyList([0, 1, 2], load)
    assert items[:2] == [0, 1] and items[1] == 1 and items[0:3] == [0, 1, 2] and items
    assert not loads
    assert len(items) == 10 and loads == [1]
    assert items[5] == 5 and list(items) == list(range(10)) and loads == [1]
    for touch in (lambda x: x[7], lambda x: x[-1], lambda x: x[:8], lambda x: list(x), lambda x: 9 in x,
                  lambda x: x.append(1), lambda x: x == [], lambda x: __import__("pickle").dumps(x)):
        fresh = _LazyList([0, 1, 2], lambda: list(range(10)))
        touch(fresh)
        assert list.__len__(fresh) >= 10


@pytest.mark.parametrize(
    ("head", "what"),
    [
        ("<html><body><table><tr><td>Xã</td></tr></table>", "html"),
        ("\ufeff  <!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.0//EN\"><html>", "html"),
        ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">', "html"),
        ("<table border=1><tr><td>1</td></tr></table>", "html"),
        ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "spreadsheetml"),
        ('<?xml version="1.0"?><note><to>x</to></note>', "xml"),
        ("<5 tuổi;Số trẻ\n1;2\n", None),
        ("Xã;Kỳ báo cáo\n<b>Nậm Có</b>;1/2024\n", None),
    ],
)
def test_markup_is_told_from_a_csv(head: str, what: str | None) -> None:
    assert describe_markup(head) == what


def test_an_html_table_named_xls_is_refused_by_what_it_is() -> None:
    source = read_bytes(b"<html><body><table><tr><td>X\xc3\xa3</td></tr></table></body></html>", "bao-cao.xls")
    (problem,) = source.problems
    assert (problem.code, problem.params["variant"], problem.params["suffix"]) == ("unsupported-format", "html", ".xls")
    assert "HTML" in problem.message and ".xlsx" in problem.message and "hỏng" not in problem.message


_PEAK = """
import os, sys
from pathlib import Path
from ncctd_cli.catalog import default_catalog
from ncctd_cli.ingest import parse_source
from ncctd_cli.sheets import read_path
source = read_path(Path(sys.argv[1]))
parse_source(source, default_catalog())
print(",".join(p.code for p in source.problems))
with open("/proc/self/status") as fh:
    print(next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("megabytes", [40, pytest.param(130, marks=pytest.mark.slow)])
def test_memory_to_refuse_a_big_csv_that_is_no_return(tmp_path: Path, megabytes: int) -> None:
    """≤ 2 × the file's size + 200 MB (it took 13 × before): in fact the file's bytes and a
    few rows."""
    path = tmp_path / "big.csv"
    line = "{n};Nguyễn Văn Thành {n};Thôn Khau Phạ, bản Mông;{n}000;2024-01-{d:02d};ghi chú\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Số thứ tự;Họ và tên;Địa chỉ;Số tiền;Ngày;Ghi chú\n")
        n = 0
        while fh.tell() < megabytes * MB:
            fh.write("".join(line.format(n=k, d=k % 28 + 1) for k in range(n, n + 10_000)))
            n += 10_000
    env = {k: v for k, v in os.environ.items() if not k.startswith("NCCTD_")}
    done = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    codes, peak = done.stdout.split()
    assert codes == "no-return"
    size_mb = path.stat().st_size / MB
    assert float(peak) <= 2 * size_mb + 200
    assert float(peak) <= size_mb + 150  # the bytes, and no copy of them


def test_limits_are_the_callers() -> None:
    data = _payments(25_000, extra="a;" + "b" * 5000 + "\n")
    problems = _refusals(read_bytes(data, "x.csv", ReadOptions(limits=Limits(max_line_chars=4000))))
    assert [p.code for p in problems] == ["line-too-long"]
    assert problems[0].params["line"] == 25_002


@pytest.mark.parametrize("fault", ["", "04459,2024-03,trees,1\x00\n", "x," * 20_000 + "\n"])
def test_a_long_table_is_stored_whole_or_not_at_all(tmp_path: Path, fault: str) -> None:
    """Returns read from the first rows while the whole pass runs (aside or here): a fault in
    the last line refuses the file, and nothing of it is stored; without it, every return."""
    from ncctd_cli.ingest import IngestOptions, Ingestor
    from ncctd_cli.store import Store
    from ncctd_cli.vietnamese import Period

    communes = [c.code for c in CATALOG.communes if c.until is not None][:14]
    codes = [i.code for i in CATALOG.indicators]
    lines = ["commune,period,indicator,value"]
    for month in range(1, 13):
        for commune in communes:
            lines.extend(f"{commune},2023-{month:02d},{code},{month}" for code in codes)
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n" + fault, encoding="utf-8")
    options = IngestOptions(read=ON_DEMAND, today=Period(2026, 10), workers=1)
    with Store.open(tmp_path / "s.sqlite", catalog=CATALOG) as store:
        report = Ingestor(store, options).run([path])
        stored = store.conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0]
    summary = report.summary
    if fault:
        assert stored == 0 and summary["stored"] == 0 and report.refused
        assert {p.code for p in report.problems} == {"binary-content" if "\x00" in fault else "too-many-columns"}
    else:
        assert stored == summary["stored"] == 12 * len(communes)
