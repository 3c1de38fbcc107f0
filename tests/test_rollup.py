"""Roll-up semantics: flows sum, stocks take each commune's latest value, replacements count."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from ncctd_cli.api import ingest, rollup
from ncctd_cli.catalog import default_catalog
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period

from .conftest import EXAMPLES
from .printed import needs_libreoffice, to_pdf


def write_long(path: Path, rows: list[tuple[str, str, str, object]]) -> Path:
    lines = ["commune,period,indicator,value"] + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "s.sqlite")


def test_flows_sum_and_stocks_take_latest_value(store: Store, tmp_path: Path) -> None:
    rows = [
        # commune 04462 reports every month
        ("04462", "2024-01", "trees_planted", 10),
        ("04462", "2024-01", "enterprises_total", 4),
        ("04462", "2024-02", "trees_planted", 5),
        ("04462", "2024-02", "enterprises_total", 5),
        ("04462", "2024-03", "trees_planted", 1),
        ("04462", "2024-03", "enterprises_total", 6),
        # commune 04465 misses March: its February stock still counts
        ("04465", "2024-01", "trees_planted", 3),
        ("04465", "2024-01", "enterprises_total", 2),
        ("04465", "2024-02", "trees_planted", 4),
        ("04465", "2024-02", "enterprises_total", 3),
        # a stock left empty in March: the latest reported value counts
        ("04468", "2024-02", "enterprises_total", 7),
        ("04468", "2024-03", "trees_planted", 2),
    ]
    report = ingest(store, [write_long(tmp_path / "a.csv", rows)])
    assert report.summary["stored"] == 7 and not report.refused
    result = rollup(store, "2024-01", "2024-03")
    assert result.totals["trees_planted"] == 10 + 5 + 1 + 3 + 4 + 2
    assert result.totals["enterprises_total"] == 6 + 3 + 7
    assert result.totals["rural_road_km"] is None  # nobody reported it: not zero
    assert result.to_json()["reporting"] == {"expected": 42, "received": 7}
    # a window ending in February takes February's stocks
    assert rollup(store, "2024-01", "2024-02").totals["enterprises_total"] == 5 + 3 + 7
    # by month: each month's own stocks, and (issue 14) a unit that did not give a stock in a
    # month keeps its latest earlier value, listed as carried
    months = rollup(store, "2024-01", "2024-03", by="month")
    by_month = {r.key: r.values for r in months.rows}
    assert [by_month[m]["enterprises_total"] for m in ("2024-01", "2024-02", "2024-03")] == [6, 15, 6 + 3 + 7]
    assert [(c.bucket, c.unit, c.indicator, c.value, str(c.period)) for c in months.carried] == [
        ("2024-03", "04465", "enterprises_total", 3.0, "2024-02"),  # no March return
        ("2024-03", "04468", "enterprises_total", 7.0, "2024-02"),  # March's return left it empty
    ]  # flows are never carried; 04468 had nothing before February to carry into January
    march = next(r for r in months.to_json()["rows"] if r["period"] == "2024-03")
    assert march["carried"] == [
        {"commune": "04465", "unit": "04465", "indicator": "enterprises_total", "value": 3, "from": "2024-02"},
        {"commune": "04468", "unit": "04468", "indicator": "enterprises_total", "value": 7, "from": "2024-02"},
    ]
    assert rollup(store, "2024-01", "2024-03").carried == []  # every stock given inside the window
    assert by_month["2024-03"]["trees_planted"] == 3
    by_quarter = rollup(store, "2024-01", "2024-03", by="quarter").rows
    assert [(r.key, r.values["enterprises_total"]) for r in by_quarter] == [("2024-Q1", 16)]
    by_commune = {r.key: r for r in rollup(store, "2024-01", "2024-03", by="commune").rows}
    assert len(by_commune) == 14
    assert by_commune["04465"].values["enterprises_total"] == 3
    assert (by_commune["04465"].expected, by_commune["04465"].received) == (3, 2)
    assert by_commune["04456"].values["trees_planted"] is None


def test_replacement_is_what_rollups_use(store: Store, tmp_path: Path) -> None:
    first = write_long(tmp_path / "v1.csv", [("04462", "2024-01", "workdays", 10)])
    second = write_long(tmp_path / "v2.csv", [("04462", "2024-01", "workdays", 12)])
    assert ingest(store, [first]).summary["stored"] == 1
    refused = ingest(store, [second])
    assert refused.summary["rejected"] == 1
    assert refused.returns[0].problems[0].code == "already-stored"
    assert rollup(store, "2024-01", "2024-01").totals["workdays"] == 10
    assert ingest(store, [second], replace=True).summary["replaced"] == 1
    assert rollup(store, "2024-01", "2024-01").totals["workdays"] == 12
    assert ingest(store, [second]).summary["unchanged"] == 1
    versions = store.versions("04462", Period(2024, 1))
    assert [(v.version, v.values, v.is_current) for v in versions] == [
        (1, {"workdays": 10.0}, False),
        (2, {"workdays": 12.0}, True),
    ]


def test_years_and_halves_roll_up_from_months(store: Store, tmp_path: Path) -> None:
    rows = [("04462", f"2023-{m:02d}", "workdays", m) for m in range(1, 13)]
    rows += [("04462", f"2023-{m:02d}", "lighting_km", f"{m / 10:.1f}") for m in range(1, 13)]
    ingest(store, [write_long(tmp_path / "y.csv", rows)])
    halves = rollup(store, "2023-01", "2023-12", by="half").rows
    assert [(r.key, r.values["workdays"], r.values["lighting_km"]) for r in halves] == [
        ("2023-H1", 21, 0.6),
        ("2023-H2", 57, 1.2),
    ]
    (year,) = rollup(store, "2023-01", "2023-12", by="year").rows
    assert (year.values["workdays"], year.values["lighting_km"]) == (78, 1.2)
    assert (year.expected, year.received) == (168, 12)


def test_indicator_subset_and_frame(store: Store, samples_dir: Path, samples_expected: dict) -> None:
    ingest(store, [samples_dir])
    result = rollup(store, "2024-01", "2024-03", indicators=["leader_visits", "Tổng số doanh nghiệp"])
    assert list(result.totals) == ["leader_visits", "enterprises_total"]
    frame = rollup(store, "2024-01", "2024-03", by="commune").to_frame()
    assert list(frame.columns[1:25]) == [i.code for i in store.catalog.indicators]
    for code, total in samples_expected["totals"].items():
        assert frame[code].sum() == pytest.approx(total)


def test_decimal_sums_are_exact(store: Store, tmp_path: Path) -> None:
    rows = [("04462", f"2023-{m:02d}", "rural_road_km", "0,1") for m in range(1, 11)]
    path = tmp_path / "d.csv"
    path.write_text(
        "commune;period;indicator;value\n" + "\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8"
    )
    ingest(store, [path])
    assert rollup(store, "2023-01", "2023-12").totals["rural_road_km"] == 1.0


def test_bad_windows(store: Store) -> None:
    with pytest.raises(ValueError):
        rollup(store, "2024-03", "2024-01")
    with pytest.raises(ValueError):
        rollup(store, "2024-01", "2024-03", by="week")


# ------------------------------------------------------------------ issue 14: the roll-up as people read it


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled examples: 14 communes, 2021–2023."""
    path = tmp_path_factory.mktemp("examples") / "ex.sqlite"
    with Store.open(path) as store:
        assert ingest(store, [EXAMPLES / "returns"]).summary["stored"] == 504
    return path


CATALOG = default_catalog()
# Words of the catalog (labels, units, commune names): data, printed as the catalog has them.
DATA_WORDS = {
    word
    for text in [*(i.label for i in CATALOG.indicators), *(i.unit for i in CATALOG.indicators),
                 *(c.name for c in CATALOG.communes)]
    for word in re.findall(r"\w+", text)
}


def tables_of(text: str, title: str) -> list[list[str]]:
    """The stacked tables of a roll-up on the terminal, each as its lines."""
    tables: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith(title):
            tables.append([])
        elif tables:
            tables[-1].append(line)
    return tables


def test_a_rollup_by_commune_fits_80_columns(examples_db: Path, run_ncctd) -> None:  # type: ignore[no-untyped-def]
    """COLUMNS=80: every line fits, the communes in few stacked tables (7 before issue 14), each
    name whole on one line, the district's column last, no line padded with spaces."""
    done = run_ncctd("--db", examples_db, "rollup", "--year", "2023", "--by", "commune", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not [line for line in lines if line != line.rstrip()]
    tables = tables_of(done.stdout, "Tổng hợp: Năm 2023")
    assert 2 <= len(tables) <= 4
    headers = [table[0] for table in tables]
    for commune in CATALOG.communes:
        short = commune.name.removeprefix("Xã ").replace("Thị trấn ", "TT ")
        assert sum(short in header for header in headers) == 1, short  # never broken
    assert headers[-1].rstrip().endswith("Toàn huyện")
    reporting = [line for line in tables[-1] if line.startswith("Báo cáo đã nhận")]
    assert reporting and reporting[0].split()[-1] == "168/168"
    district = json.loads(run_ncctd("--db", examples_db, "rollup", "--year", "2023", "--format", "json").stdout)
    visits = next(line for line in tables[-1] if line.startswith("Lượt cán bộ lãnh đạo"))
    assert visits.split()[-1] == f"{district['totals']['leader_visits']:,}".replace(",", ".")


def test_a_rollup_written_to_a_file_is_not_padded(examples_db: Path, run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for by in ("district", "commune", "month", "quarter"):
        done = run_ncctd("--db", examples_db, "rollup", "--year", "2023", "--by", by, "-o", f"{by}.txt",
                         env={"COLUMNS": ""})
        assert done.returncode == 0, done.stderr
        lines = (tmp_path / f"{by}.txt").read_text(encoding="utf-8").splitlines()
        assert lines and max(len(line) for line in lines) <= 100
        assert not [line for line in lines if line != line.rstrip()], by


@pytest.mark.parametrize(
    ("by", "lang", "labels"),
    [
        ("month", "vi", ["T1/2023", "T12/2023"]),
        ("quarter", "vi", ["Quý I/2023", "Quý IV/2023"]),
        ("half", "vi", ["6 tháng đầu năm 2023", "6 tháng cuối năm 2023"]),
        ("year", "vi", ["Năm 2023"]),
        ("month", "en", ["Jan 2023", "Dec 2023"]),
        ("quarter", "en", ["Q1 2023", "Q4 2023"]),
        ("half", "en", ["H1 2023", "H2 2023"]),
    ],
)
def test_periods_are_named_as_in_the_workbook(examples_db: Path, run_ncctd, by: str, lang: str, labels: list[str]) -> None:  # type: ignore[no-untyped-def]
    done = run_ncctd("--lang", lang, "--db", examples_db, "rollup", "--year", "2023", "--by", by)
    assert done.returncode == 0, done.stderr
    for label in labels:
        assert label in done.stdout, label
    assert "2023-01" not in done.stdout and "2023-Q1" not in done.stdout


@pytest.mark.parametrize("by", ["district", "commune", "month", "quarter", "half", "year"])
def test_a_rollup_in_english_has_no_vietnamese_of_ours(examples_db: Path, run_ncctd, by: str) -> None:  # type: ignore[no-untyped-def]
    """--lang en: titles, headings, the reporting row and the numbers are English; the
    catalog's labels, units and commune names are data and stay as written."""
    done = run_ncctd("--lang", "en", "--db", examples_db, "rollup", "--from", "2022-07", "--to", "2023-06",
                     "--by", by, env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    ours = {w for w in re.findall(r"\w+", done.stdout) if not w.isascii() and w not in DATA_WORDS}
    assert not ours, ours
    assert "Roll-up: Jul 2022 – Jun 2023" in done.stdout
    assert "Returns received" in done.stdout
    assert "Tổng hợp" not in done.stdout and "Chỉ tiêu" not in done.stdout and "ĐVT" not in done.stdout
    if by == "district":
        assert re.search(r"\b\d{1,3}(,\d{3})+\b", done.stdout)  # 1,234: English grouping


def test_excel_csv_for_vietnamese_and_english_settings(examples_db: Path, run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = ("--year", "2023", "--by", "commune", "--indicators", "rural_road_km,leader_visits")
    plain = list(csv.reader(io.StringIO(run_ncctd("--db", examples_db, "rollup", *window, "--format", "csv").stdout)))
    for option, delimiter, point in ((["--excel-csv"], ";", ","), (["--excel-csv", "vi"], ";", ","),
                                     (["--excel-csv", "en"], ",", "."),
                                     (["--format", "csv", "--excel-csv", "en"], ",", ".")):
        done = run_ncctd("--db", examples_db, "rollup", *window, *option, input=b"")
        assert done.returncode == 0, done.stderr
        data = done.stdout
        assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == len(plain)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
        assert rows[0] == plain[0] == ["commune", "name", "rural_road_km", "leader_visits"]
        for got, want in zip(rows[1:], plain[1:], strict=True):
            assert got[0] == f'="{want[0]}"' and want[0].startswith("04")  # 04456 stays 04456
            assert got[1] == want[1]
            assert got[2] == want[2].replace(".", point) and (point in got[2] or "." not in want[2])
            assert got[3] == want[3]
    wrong = run_ncctd("--db", examples_db, "rollup", *window, "--excel-csv", "fr")
    assert wrong.returncode == 2
    assert run_ncctd("--db", examples_db, "rollup", *window, "--excel-csv", "--format", "json").returncode == 2


@pytest.mark.slow
@needs_libreoffice
@pytest.mark.parametrize(("lang", "options"), [("vi", "59,34,76,1,,1066"), ("en", "44,34,76,1,,1033")])
def test_libreoffice_opens_the_excel_csv(examples_db: Path, run_ncctd, tmp_path: Path, lang: str, options: str) -> None:  # type: ignore[no-untyped-def]
    """The CSV opened as LibreOffice set to Vietnamese (or English) opens it: codes are the
    text 04456, figures are numbers (0,3 read with a decimal comma), months are not dates."""
    for by in ("commune", "month"):
        done = run_ncctd("--db", examples_db, "rollup", "--year", "2023", "--by", by, "--excel-csv", lang,
                         "-o", f"{by}.csv")
        assert done.returncode == 0, done.stderr
        book = to_pdf(tmp_path / f"{by}.csv", tmp_path / "xlsx", infilter=f"CSV:{options}", fmt="xlsx")
        ws = openpyxl.load_workbook(book, data_only=True).active
        rows = list(ws.iter_rows(values_only=True))
        expected = json.loads(run_ncctd("--db", examples_db, "rollup", "--year", "2023", "--by", by,
                                        "--format", "json").stdout)["rows"]
        assert len(rows) == len(expected) + 1
        codes = [i.code for i in CATALOG.indicators]
        for row, want in zip(rows[1:], expected, strict=True):
            key = want["commune"] if by == "commune" else want["period"]
            assert row[0] == key and isinstance(row[0], str)  # 04456, 2023-01: text
            values = row[2:] if by == "commune" else row[1:]
            for code, value in zip(codes, values, strict=True):
                assert value == pytest.approx(want["values"][code]), (key, code)
