"""The report workbook and the roll-up workbook, read back with openpyxl and checked against
figures computed here from the returns the test stored (not against the roll-up module)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ncctd_cli.api import ingest
from ncctd_cli.catalog import Catalog, bundled_catalog_folder, default_catalog
from ncctd_cli.ingest import check_returns
from ncctd_cli.model import Return, Value
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period, months_between
from ncctd_cli.workbook import collect_report, collect_report_by_rollups, write_report_xlsx

from .conftest import EXAMPLES
from .printed import needs_libreoffice, page_font_sizes, page_texts, to_pdf

CATALOG = default_catalog()
IND = CATALOG.indicator_by_code
CODES = [
    "leader_visits",
    "propaganda_sessions",
    "propaganda_listeners",
    "rural_road_km",
    "lighting_km",  # a stock (km, decimal)
    "enterprises_total",  # a stock (integer)
    "donations_mvnd",
]
HEADER_ROW = 5
TODAY = dt.date(2026, 11, 26)
Key = tuple[str, Period]


def generated(code: str, c: int, period: Period) -> float:
    k = period.index % 97
    return {
        "leader_visits": 10 + 3 * c + k % 7,
        "propaganda_sessions": 20 + c + k % 5,
        "propaganda_listeners": 400 + 11 * c + k % 13,
        "rural_road_km": round(0.1 * ((k * 7 + c) % 30), 1),
        "lighting_km": round(2.0 + 0.1 * (k % 10) + c, 1),
        "enterprises_total": 3 + c + k // 12,
        "donations_mvnd": round(12.5 + 0.3 * ((k + c) % 9), 1),
    }[code]


def due(period: Period) -> dt.date:
    following = period.shift(1)
    return dt.date(following.year, following.month, 5)


class Truth:
    """What the test stored: current values, first-received dates, warnings."""

    def __init__(self) -> None:
        self.values: dict[Key, dict[str, float]] = {}
        self.first_received: dict[Key, dt.date] = {}
        self.warnings: list[Key] = []

    def totals(self, first: Period, last: Period, communes: list[str] | None = None) -> dict[str, float | None]:
        """Flows: the sum over the window; stocks: each commune's latest value, summed (a
        commune with none in the window: its latest value before it, carried)."""
        keys = [k for k in self.values if k[1] <= last and (communes is None or k[0] in communes)]
        found: dict[str, float | None] = {}
        for code in CODES:
            if IND[code].is_stock:
                latest: dict[str, tuple[Period, float]] = {}
                for commune, period in keys:
                    v = self.values[(commune, period)].get(code)
                    if v is not None and (commune not in latest or period > latest[commune][0]):
                        latest[commune] = (period, v)  # the latest up to the window's end
                found[code] = sum(v for _, v in latest.values()) if latest else None
            else:
                present = [self.values[k][code] for k in keys if k[1] >= first and code in self.values[k]]
                found[code] = sum(present) if present else None
        return found


def put(store: Store, truth: Truth, commune: str, period: Period, values: dict[str, float],
        received: dt.datetime, *, file: str | None = None, replace: bool = False) -> Return:
    ret = Return(file=file or f"bc_{commune}_{period}.xlsx", sheet="Báo cáo", layout="form")
    ret.commune_text, ret.period_text = commune, str(period)
    ret.values = {code: Value(code, v, f"E{n + 10}") for n, (code, v) in enumerate(values.items())}
    check_returns([ret], store.catalog)
    assert not ret.refused, ret.problems
    status = store.save(ret, replace=replace, received_at=received.isoformat())
    assert status in ("stored", "replaced")
    truth.values[(commune, period)] = dict(values)
    truth.first_received.setdefault((commune, period), received.date())
    return ret


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    """Three communes over 2022–2023: one always on time, one always late with a month
    missing and a stock left empty, one that stops in March 2023 and replaced a return."""
    path = tmp_path_factory.mktemp("wb") / "store.sqlite"
    truth = Truth()
    tz = dt.timezone(dt.timedelta(hours=7))
    with Store.open(path) as store:
        for period in months_between(Period(2022, 1), Period(2023, 12)):
            f = period.shift(1)
            values = {code: generated(code, 0, period) for code in CODES}
            put(store, truth, "04462", period, values, dt.datetime(f.year, f.month, 3, 9, tzinfo=tz))
        for period in months_between(Period(2023, 1), Period(2023, 12)):
            if period == Period(2023, 5):
                continue
            f = period.shift(1)
            values = {code: generated(code, 1, period) for code in CODES}
            file = None
            if period == Period(2023, 12):
                del values["lighting_km"]  # the stock not reported: November's counts
            if period == Period(2023, 7):
                values["propaganda_sessions"], values["propaganda_listeners"] = 50, 10
                file = "=canh-bao.xlsx"  # a file name a spreadsheet would run as a formula
            ret = put(store, truth, "04459", period, values,
                      dt.datetime(f.year, f.month, 20, 15, tzinfo=tz), file=file)
            if period == Period(2023, 7):
                assert [p.code for p in ret.problems] == ["rule-listeners-vs-sessions"]
                truth.warnings.append(("04459", period))
        for period in months_between(Period(2022, 6), Period(2023, 3)):
            f = period.shift(1)
            values = {code: generated(code, 2, period) for code in CODES}
            put(store, truth, "04495", period, values, dt.datetime(f.year, f.month, 5, 23, tzinfo=tz))
        # February 2023 corrected in April: the figures change, the return stays on time
        feb = Period(2023, 2)
        corrected = {code: generated(code, 2, feb) * 2 for code in CODES}
        put(store, truth, "04495", feb, corrected, dt.datetime(2023, 4, 10, tzinfo=tz), replace=True)
    return path, truth


@pytest.fixture(scope="module")
def report_2023(stored: tuple[Path, Truth], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = stored
    out = tmp_path_factory.mktemp("out") / "bao-cao-2023.xlsx"
    with Store.open_readonly(path) as store:
        write_report_xlsx(collect_report(store, Period(2023, 1), Period(2023, 12), today=TODAY), out)
    return out


def heading(code: str) -> str:
    return f"{IND[code].label} ({IND[code].unit})"


def read_table(ws: Any) -> list[dict[str, Any]]:
    header = [c.value for c in ws[HEADER_ROW]]
    rows = []
    for values in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if all(v is None for v in values):
            break
        rows.append(dict(zip(header, values, strict=False)))
    return rows


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, abs=1e-6)


# ------------------------------------------------------------------ sheet by sheet


def test_summary_sheet(report_2023: Path, stored: tuple[Path, Truth]) -> None:
    _, truth = stored
    wb = load_workbook(report_2023)
    assert wb.sheetnames[0] == "Tổng hợp"
    rows = {r["Chỉ tiêu"]: r for r in read_table(wb["Tổng hợp"])}
    now = truth.totals(Period(2023, 1), Period(2023, 12))
    before = truth.totals(Period(2022, 1), Period(2022, 12))
    since = truth.totals(Period(2022, 1), Period(2023, 12))  # the first stored month is 2022-01
    for code in CODES:
        row = rows[IND[code].label]
        assert row["Đơn vị tính"] == IND[code].unit
        assert row["Cách tính"] == ("Số cuối kỳ" if IND[code].is_stock else "Cộng dồn")
        assert same(row["Năm 2023"], now[code]), code
        assert same(row["Năm 2022 (kỳ trước)"], before[code]), code
        assert same(row["Luỹ kế từ 01/2022 đến 12/2023"], since[code]), code
        expected_change = (now[code] - before[code]) / before[code]  # type: ignore[operator]
        assert row["Tăng/giảm so với kỳ trước"] == pytest.approx(expected_change, abs=1e-6)
    for indicator in CATALOG.indicators:  # never reported: empty cells, not zero
        if indicator.code not in CODES:
            row = rows[indicator.label]
            assert row["Năm 2023"] is None and row["Luỹ kế từ 01/2022 đến 12/2023"] is None
    received = sum(1 for k in truth.values if k[1].year == 2023)
    assert rows["Số báo cáo tháng đã nhận / phải có"]["Năm 2023"] == f"{received}/{14 * 12}"
    groups = [r["Chỉ tiêu"] for r in rows.values() if r["STT"] in ("I", "II", "III", "IV")]
    assert groups == list(dict.fromkeys(i.group for i in CATALOG.indicators))


def test_commune_sheet(report_2023: Path, stored: tuple[Path, Truth]) -> None:
    _, truth = stored
    rows = read_table(load_workbook(report_2023)["Theo xã"])
    by_name = {r["Xã, thị trấn"]: r for r in rows}
    assert [r["Xã, thị trấn"] for r in rows] == [c.name for c in CATALOG.communes] + ["Toàn huyện"]
    first, last = Period(2023, 1), Period(2023, 12)
    for commune in CATALOG.communes:
        expected = truth.totals(first, last, [commune.code])
        for code in CODES:
            assert same(by_name[commune.name][heading(code)], expected[code]), (commune.code, code)
        received = sum(1 for k in truth.values if k[0] == commune.code and k[1].year == 2023)
        assert by_name[commune.name]["Báo cáo đã nhận"] == received
        assert by_name[commune.name]["Báo cáo phải có"] == 12
    district = truth.totals(first, last)
    for code in CODES:
        assert same(by_name["Toàn huyện"][heading(code)], district[code]), code
    assert by_name["Toàn huyện"][heading("rural_road_km")] is not None
    # December's empty lighting_km: Hồ Bốn's stock is November's
    assert same(by_name["Xã Hồ Bốn"][heading("lighting_km")], generated("lighting_km", 1, Period(2023, 11)))


def test_month_and_quarter_sheets(report_2023: Path, stored: tuple[Path, Truth]) -> None:
    _, truth = stored
    wb = load_workbook(report_2023)
    months = read_table(wb["Theo tháng"])
    assert [r["Tháng"] for r in months] == [f"{m:02d}/2023" for m in range(1, 13)] + ["Cả kỳ"]
    for row, period in zip(months, months_between(Period(2023, 1), Period(2023, 12)), strict=False):
        expected = truth.totals(period, period)
        for code in CODES:
            assert same(row[heading(code)], expected[code]), (period, code)
        assert row["Báo cáo đã nhận"] == sum(1 for k in truth.values if k[1] == period)
        assert row["Báo cáo phải có"] == 14
    whole = truth.totals(Period(2023, 1), Period(2023, 12))
    for code in CODES:
        assert same(months[-1][heading(code)], whole[code]), code
    quarters = read_table(wb["Theo quý"])
    assert [r["Quý"] for r in quarters] == ["Quý I/2023", "Quý II/2023", "Quý III/2023", "Quý IV/2023", "Cả kỳ"]
    for q, row in enumerate(quarters[:4]):
        expected = truth.totals(Period(2023, 3 * q + 1), Period(2023, 3 * q + 3))
        for code in CODES:
            assert same(row[heading(code)], expected[code]), (q, code)


def test_completeness_sheet(report_2023: Path, stored: tuple[Path, Truth]) -> None:
    _, truth = stored
    ws = load_workbook(report_2023)["Tình hình nộp báo cáo"]
    rows = {r["Xã, thị trấn"]: r for r in read_table(ws)}
    words = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Thiếu"}
    for commune in CATALOG.communes:
        row = rows[commune.name]
        counts = dict.fromkeys(words.values(), 0)
        for period in months_between(Period(2023, 1), Period(2023, 12)):
            received = truth.first_received.get((commune.code, period))
            state = "missing" if received is None else ("on_time" if received <= due(period) else "late")
            assert row[f"{period.month:02d}/2023"] == words[state], (commune.code, period)
            counts[words[state]] += 1
        for word, n in counts.items():
            assert row[word] == n
    assert rows["Xã Nậm Khắt"]["02/2023"] == "Đúng hạn"  # corrected late, first sent on time
    assert rows["Xã Hồ Bốn"]["05/2023"] == "Thiếu"
    total = rows["Số báo cáo đã nhận"]
    assert total["01/2023"] == sum(1 for k in truth.values if k[1] == Period(2023, 1))


def test_problems_sheet(report_2023: Path, stored: tuple[Path, Truth]) -> None:
    _, truth = stored
    rows = read_table(load_workbook(report_2023)["Cảnh báo tồn đọng"])
    assert len(rows) == len(truth.warnings) == 1
    (row,) = rows
    assert (row["Xã, thị trấn"], row["Kỳ"], row["Mức"]) == ("Xã Hồ Bốn", "07/2023", "Cảnh báo")
    assert row["Mã"] == "rule-listeners-vs-sessions"
    assert row["Tệp"] == "'=canh-bao.xlsx"  # neutralised, never a formula
    assert "tuyên truyền" in row["Nội dung"]


def test_every_sheet_is_dressed_for_print(report_2023: Path) -> None:
    wb = load_workbook(report_2023)
    assert wb.sheetnames == [
        "Tổng hợp", "Theo xã", "Theo tháng", "Theo quý", "Biểu đồ theo tháng", "Biểu đồ theo xã",
        "Tình hình nộp báo cáo", "Cảnh báo tồn đọng",
    ]
    for ws in wb.worksheets:
        assert ws["A1"].value and "2023" in ws["A1"].value
        assert ws["A3"].value.startswith("Nguồn:")
        assert re.search(r"Lập ngày \d\d/\d\d/\d{4}", ws["A3"].value)
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)  # values, not formulas
        if not ws.title.startswith("Biểu đồ"):
            assert ws.freeze_panes == "C6"
            assert ws.print_title_rows == "$5:$5"
    summary = wb["Tổng hợp"]
    formats = {summary.cell(row=r, column=2).value: summary.cell(row=r, column=5).number_format
               for r in range(6, 40)}
    assert formats[IND["leader_visits"].label].endswith("#,##0")
    assert formats[IND["rural_road_km"].label].endswith("#,##0.0")
    communes = wb["Theo xã"]
    header = [c.value for c in communes[HEADER_ROW]]
    column = header.index(heading("donations_mvnd")) + 1
    assert communes.cell(row=HEADER_ROW + 1, column=column).number_format.endswith("#,##0.0")
    assert communes.column_dimensions["B"].width >= len("Thị trấn Mù Căng Chải")


def test_charts_are_native_and_point_at_the_tables(report_2023: Path) -> None:
    with zipfile.ZipFile(report_2023) as z:
        charts = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    lines = [c for c in charts if re.search(r"<(c:)?lineChart>", c)]
    bars = [c for c in charts if re.search(r"<(c:)?barChart>", c)]
    assert len(lines) == 4 and len(bars) == 4
    refs = [re.findall(r"<(?:c:)?f>([^<]*)</(?:c:)?f>", c) for c in charts]
    for found in refs[:4]:  # the series title, the 12 months, the 12 values
        assert found[1] == "'Theo tháng'!$B$6:$B$17"
        assert re.fullmatch(r"'Theo tháng'!\$([C-Z])\$6:\$\1\$17", found[2])
    for found in refs[4:]:  # the 14 communes, without the district total row
        assert found[1] == "'Theo xã'!$B$6:$B$19"
        assert re.fullmatch(r"'Theo xã'!\$([C-Z])\$6:\$\1\$19", found[2])
    wb = load_workbook(report_2023)
    months = wb["Theo tháng"]
    main = [m.group(1) for found in refs[:4] if (m := re.match(r"'Theo tháng'!\$([A-Z])", found[2]))]
    shown = [months[f"{col}{HEADER_ROW}"].value for col in main]
    assert shown == [heading(c) for c in ("leader_visits", "citizen_participations",
                                          "propaganda_sessions", "rural_road_km")]


# ------------------------------------------------------------------ the command


def test_report_command(stored: tuple[Path, Truth], run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, truth = stored
    done = run_ncctd("--db", path, "report", "--from", "2023-01", "--to", "2023-06", "-o", "h1.xlsx")
    assert done.returncode == 0, done.stderr
    wb = load_workbook(tmp_path / "h1.xlsx")
    rows = {r["Chỉ tiêu"]: r for r in read_table(wb["Tổng hợp"])}
    now = truth.totals(Period(2023, 1), Period(2023, 6))
    before = truth.totals(Period(2022, 7), Period(2022, 12))
    row = rows[IND["leader_visits"].label]
    assert row["6 tháng đầu năm 2023"] == now["leader_visits"]
    assert row["6 tháng cuối năm 2022 (kỳ trước)"] == before["leader_visits"]
    again = run_ncctd("--db", path, "report", "--year", "2023", "-o", "h1.xlsx")
    assert again.returncode == 2 and "--force" in again.stderr
    assert load_workbook(tmp_path / "h1.xlsx")["Tổng hợp"]["A1"].value.endswith("6 THÁNG ĐẦU NĂM 2023")
    forced = run_ncctd("--db", path, "report", "--year", "2023", "-o", "h1.xlsx", "--force")
    assert forced.returncode == 0
    assert load_workbook(tmp_path / "h1.xlsx")["Tổng hợp"]["A1"].value.endswith("NĂM 2023")
    bad = run_ncctd("--db", path, "report", "--year", "2023", "-o", "h1.csv")
    assert bad.returncode == 2 and ".xlsx" in bad.stderr
    assert not list(tmp_path.glob(".*.tmp"))


def test_report_on_a_store_with_nothing_yet(run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = run_ncctd("--db", "none.sqlite", "report", "--year", "2023", "-o", "r.xlsx")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "none.sqlite").exists()
    wb = load_workbook(tmp_path / "r.xlsx")
    rows = read_table(wb["Tổng hợp"])
    assert all(r["Năm 2023"] is None for r in rows if isinstance(r["STT"], int))
    states = read_table(wb["Tình hình nộp báo cáo"])[0]
    assert states["01/2023"] == "Thiếu"
    no_window = run_ncctd("--db", "none.sqlite", "report", "-o", "r2.xlsx")
    assert no_window.returncode == 2


def test_months_not_due_yet(stored: tuple[Path, Truth], tmp_path: Path) -> None:
    path, _ = stored
    with Store.open_readonly(path) as store:
        data = collect_report(store, Period(2023, 12), Period(2023, 12), today=dt.date(2024, 1, 3))
    write_report_xlsx(data, tmp_path / "d.xlsx")
    rows = {r["Xã, thị trấn"]: r for r in read_table(load_workbook(tmp_path / "d.xlsx")["Tình hình nộp báo cáo"])}
    assert rows["Xã Nậm Có"]["12/2023"] == "Đúng hạn"
    assert rows["Xã Hồ Bốn"]["12/2023"] == "Muộn"
    assert rows["Xã Nậm Khắt"]["12/2023"] == "Chưa đến hạn"


# ------------------------------------------------------------------ roll-up as xlsx; breakdowns


@pytest.mark.parametrize("by", ["commune", "month", "quarter", "half", "year", "district"])
def test_rollup_xlsx(by: str, stored: tuple[Path, Truth], run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, truth = stored
    done = run_ncctd("--db", path, "rollup", "--from", "2022-07", "--to", "2023-12", "--by", by,
                     "--format", "xlsx", "-o", "r.xlsx")
    assert done.returncode == 0, done.stderr
    wb = load_workbook(tmp_path / "r.xlsx")
    (ws,) = wb.worksheets
    rows = read_table(ws)
    first, last = Period(2022, 7), Period(2023, 12)
    if by == "district":
        values = {r["Chỉ tiêu"]: r["Tháng 7/2022 – tháng 12/2023"] for r in rows}
        expected = truth.totals(first, last)
        for code in CODES:
            assert same(values[IND[code].label], expected[code]), code
        return
    key = ws.cell(row=HEADER_ROW, column=2).value
    if by == "commune":
        assert [r[key] for r in rows][-1] == "Toàn huyện"
        groups = {c.name: (first, last, [c.code]) for c in CATALOG.communes}
        groups["Toàn huyện"] = (first, last, None)
    elif by == "month":
        groups = {f"{p.month:02d}/{p.year}": (p, p, None) for p in months_between(first, last)}
    elif by == "quarter":
        groups = {"Quý III/2022": (Period(2022, 7), Period(2022, 9), None),
                  "Quý IV/2022": (Period(2022, 10), Period(2022, 12), None),
                  **{f"Quý {r}/2023": (Period(2023, 3 * q + 1), Period(2023, 3 * q + 3), None)
                     for q, r in enumerate(["I", "II", "III", "IV"])}}
    elif by == "half":
        groups = {"6 tháng cuối năm 2022": (Period(2022, 7), Period(2022, 12), None),
                  "6 tháng đầu năm 2023": (Period(2023, 1), Period(2023, 6), None),
                  "6 tháng cuối năm 2023": (Period(2023, 7), Period(2023, 12), None)}
    else:
        groups = {"Năm 2022": (first, Period(2022, 12), None), "Năm 2023": (Period(2023, 1), last, None)}
    assert [r[key] for r in rows] == list(groups)
    for row in rows:
        a, b, communes = groups[row[key]]
        expected = truth.totals(a, b, communes)
        for code in CODES:
            assert same(row[heading(code)], expected[code]), (row[key], code)


def test_rollup_half_and_indicator_subset_in_every_format(stored: tuple[Path, Truth], run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, truth = stored
    args = ["--db", path, "rollup", "--from", "2023-01", "--to", "2023-12", "--by", "half",
            "--indicators", "lighting_km,Lượt cán bộ lãnh đạo huyện dự sinh hoạt với chi bộ, đảng bộ cơ sở"]
    # a label with commas is not one code: the codes are split at commas
    assert run_ncctd(*args).returncode == 2
    args[-1] = "lighting_km,leader_visits"
    halves = [(Period(2023, 1), Period(2023, 6)), (Period(2023, 7), Period(2023, 12))]
    data = json.loads(run_ncctd(*args, "--format", "json").stdout)
    assert [r["period"] for r in data["rows"]] == ["2023-H1", "2023-H2"]
    for row, (a, b) in zip(data["rows"], halves, strict=True):
        expected = truth.totals(a, b)
        assert list(row["values"]) == ["lighting_km", "leader_visits"]
        assert same(row["values"]["lighting_km"], expected["lighting_km"])
        assert same(row["values"]["leader_visits"], expected["leader_visits"])
    csv_text = run_ncctd(*args, "--format", "csv").stdout.splitlines()
    assert csv_text[0] == "period,lighting_km,leader_visits"
    assert csv_text[1].startswith("2023-H1,")
    table = run_ncctd(*args)
    # issue 14: periods on the terminal as the workbook names them
    assert table.returncode == 0 and "6 tháng đầu năm 2023" in table.stdout and "Đường điện thắp sáng" in table.stdout
    assert "Số buổi tuyên truyền" not in table.stdout
    assert run_ncctd(*args, "--format", "xlsx", "-o", "h.xlsx").returncode == 0
    ws = load_workbook(tmp_path / "h.xlsx").worksheets[0]
    assert [c.value for c in ws[HEADER_ROW]] == [
        "STT", "6 tháng", heading("lighting_km"), heading("leader_visits"), "Báo cáo đã nhận", "Báo cáo phải có",
    ]
    unknown = run_ncctd(*args[:-1], "khong_co", "--format", "csv")
    assert unknown.returncode == 2 and "khong_co" in unknown.stderr


# ------------------------------------------------------------------ the three years behind the article


@pytest.fixture(scope="module")
def examples_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("examples") / "ex.sqlite"
    with Store.open(path) as store:
        assert ingest(store, [EXAMPLES / "returns"]).summary["stored"] == 504
    return path


def test_report_2023_from_the_examples(examples_store: Path, run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    done = run_ncctd("--db", examples_store, "report", "--year", "2023", "-o", "bao-cao-2023.xlsx")
    assert done.returncode == 0, done.stderr
    wb = load_workbook(tmp_path / "bao-cao-2023.xlsx")
    rows = {r["Chỉ tiêu"]: r for r in read_table(wb["Tổng hợp"])}
    for indicator in CATALOG.indicators:
        row = rows[indicator.label]
        assert row["Năm 2023"] == pytest.approx(expected["by_year"]["2023"][indicator.code])
        assert row["Năm 2022 (kỳ trước)"] == pytest.approx(expected["by_year"]["2022"][indicator.code])
        assert row["Luỹ kế từ 01/2021 đến 12/2023"] == pytest.approx(expected["totals"][indicator.code])
    district = read_table(wb["Theo xã"])[-1]
    for indicator in CATALOG.indicators:
        assert district[f"{indicator.label} ({indicator.unit})"] == pytest.approx(
            expected["by_year"]["2023"][indicator.code]
        )


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are not installed")
def test_libreoffice_opens_and_prints_the_report(examples_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.xlsx"
    with Store.open_readonly(examples_store) as store:
        write_report_xlsx(collect_report(store, Period(2021, 1), Period(2023, 12)), out)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "bao-cao.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert "GIAI ĐOẠN 2021–2023" in text and "Thị trấn Mù Căng Chải" in text
    assert "4.612" in text  # Vietnamese grouping, whatever LibreOffice's own locale


# ------------------------------------------------------------------ issue 14: one pass, decimals, printing


ROLLUPS = ("window", "previous", "cumulative", "by_commune", "by_month", "by_quarter")


def assert_same_figures(one: Any, other: Any) -> None:
    """Two ReportData hold the same roll-ups: rows, keys, counts and every figure, exactly."""
    for name in ROLLUPS:
        a, b = getattr(one, name), getattr(other, name)
        assert (a.first, a.last, a.by) == (b.first, b.last, b.by), name
        assert [(r.key, r.name, r.expected, r.received) for r in a.rows] == [
            (r.key, r.name, r.expected, r.received) for r in b.rows
        ], name
        for ra, rb in zip(a.rows, b.rows, strict=True):
            assert ra.values == rb.values, (name, ra.key)
        assert sorted(a.carried, key=str) == sorted(b.carried, key=str), name


def flat_catalog() -> Catalog:
    """The bundled catalog as it was before units over time (the 14 units, no validity, no
    changes): a catalog the report's one pass is used for (with units over time the report
    takes the roll-ups)."""
    import csv
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="flat-catalog-"))
    for name in ("indicators.csv", "rules.csv", "settings.csv"):
        shutil.copy(bundled_catalog_folder() / name, folder / name)
    with (bundled_catalog_folder() / "communes.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if not r["from"]]
    with (folder / "communes.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "name", "aliases"])
        writer.writerows([r["code"], r["name"], r["aliases"]] for r in rows)
    catalog = Catalog.from_folder(folder)
    shutil.rmtree(folder)
    assert not catalog.has_validity and len(catalog.communes) == 14
    return catalog


FLAT = flat_catalog()


def test_the_one_pass_gives_the_six_rollups(stored: tuple[Path, Truth]) -> None:
    _, truth = stored
    with Store.scratch(catalog=FLAT) as store:
        for (commune, period), values in truth.values.items():
            ret = Return(file=f"{commune}-{period}.xlsx", sheet="Báo cáo", layout="form")
            ret.commune_text, ret.period_text = commune, str(period)
            ret.values = {code: Value(code, v, "E10") for code, v in values.items()}
            check_returns([ret], store.catalog)
            assert not ret.refused
            store.save(ret, received_at="2024-01-01T00:00:00+07:00")
        for first, last in ((Period(2023, 1), Period(2023, 12)), (Period(2022, 7), Period(2023, 3)),
                            (Period(2023, 12), Period(2023, 12)), (Period(2021, 1), Period(2021, 12))):
            assert_same_figures(collect_report(store, first, last, today=TODAY),
                                collect_report_by_rollups(store, first, last, today=TODAY))


MONTHS = months_between(Period(2022, 1), Period(2023, 12))
COMMUNES = [c.code for c in CATALOG.communes]


@st.composite
def returns(draw: st.DrawFn) -> list[tuple[str, Period, dict[str, float]]]:
    """Up to 40 returns: communes, months, and for each a few of the test's indicators
    (stocks among them) with whole or decimal values; a commune's months come in any order."""
    keys = draw(st.lists(st.tuples(st.sampled_from(COMMUNES), st.sampled_from(MONTHS)), max_size=40, unique=True))
    found = []
    for commune, period in keys:
        codes = draw(st.lists(st.sampled_from(CODES), min_size=0, max_size=len(CODES), unique=True))
        values: dict[str, float] = {}
        for code in codes:
            whole = draw(st.integers(min_value=0, max_value=500))
            values[code] = whole if IND[code].is_integer else whole / draw(st.sampled_from([1, 4, 10, 100]))
        found.append((commune, period, values))
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stored_returns=returns(), bounds=st.tuples(st.sampled_from(MONTHS), st.sampled_from(MONTHS)))
def test_the_one_pass_gives_the_rollups_for_any_store(
    stored_returns: list[tuple[str, Period, dict[str, float]]], bounds: tuple[Period, Period]
) -> None:
    """The report's one pass over the store (issue 14) and six calls of rollup() agree on any
    store: missing months, stocks left empty, decimals, windows reaching before the store."""
    first, last = min(bounds), max(bounds)
    with Store.scratch(catalog=FLAT) as store:
        for commune, period, values in stored_returns:
            ret = Return(file=f"{commune}-{period}.xlsx", sheet="Báo cáo", layout="form")
            ret.commune_text, ret.period_text = commune, str(period)
            ret.values = {code: Value(code, v, "E10") for code, v in values.items()}
            check_returns([ret], store.catalog)
            if not ret.refused:
                store.save(ret, received_at="2024-01-01T00:00:00+07:00")
        assert_same_figures(collect_report(store, first, last, today=TODAY),
                            collect_report_by_rollups(store, first, last, today=TODAY))


@pytest.fixture(scope="module")
def quarter_km(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose roads are in quarters of a kilometre, and lighting in tenths."""
    path = tmp_path_factory.mktemp("km") / "km.sqlite"
    truth = Truth()
    tz = dt.timezone(dt.timedelta(hours=7))
    with Store.open(path) as store:
        for n, commune in enumerate(["04462", "04459"]):
            for period in months_between(Period(2023, 1), Period(2023, 3)):
                values = {"rural_road_km": 0.25 * (n + 1), "lighting_km": 2.5, "leader_visits": 3}
                put(store, truth, commune, period, values, dt.datetime(2023, period.month + 1, 1, tzinfo=tz))
    return path


def number_formats(ws: Any) -> dict[str, str]:
    """Heading → the number format of the column's first figure."""
    header = [c.value for c in ws[HEADER_ROW]]
    return {h: ws.cell(row=HEADER_ROW + 1, column=n + 1).number_format for n, h in enumerate(header) if h}


def test_each_indicator_keeps_its_decimals(quarter_km: Path, run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """0,25 km is shown 0,25, not 0,3 (issue 14); a tenth stays one decimal, a count none."""
    with Store.open_readonly(quarter_km) as store:
        write_report_xlsx(collect_report(store, Period(2023, 1), Period(2023, 3), today=TODAY), tmp_path / "r.xlsx")
    wb = load_workbook(tmp_path / "r.xlsx")
    for sheet in ("Theo xã", "Theo tháng", "Theo quý"):
        formats = number_formats(wb[sheet])
        assert formats[heading("rural_road_km")].endswith("#,##0.00"), sheet
        assert formats[heading("lighting_km")].endswith("#,##0.0"), sheet
        assert formats[heading("leader_visits")].endswith("#,##0"), sheet
    summary = wb["Tổng hợp"]
    rows = {summary.cell(row=r, column=2).value: r for r in range(HEADER_ROW + 1, HEADER_ROW + 40)}
    road = rows[IND["rural_road_km"].label]
    assert summary.cell(row=road, column=5).number_format.endswith("#,##0.00")
    assert summary.cell(row=road, column=5).value == pytest.approx(3 * 0.25 + 3 * 0.5)
    # the roll-up workbook too
    assert run_ncctd("--db", quarter_km, "rollup", "--from", "2023-01", "--to", "2023-03", "--by", "commune",
                     "--format", "xlsx", "-o", "c.xlsx").returncode == 0
    formats = number_formats(load_workbook(tmp_path / "c.xlsx").worksheets[0])
    assert formats[heading("rural_road_km")].endswith("#,##0.00")


def test_the_completeness_sheet_is_set_to_print_a_year_a_page(stored: tuple[Path, Truth], tmp_path: Path) -> None:
    """24 months: a page per year, the names repeated, at 90 % or more, the legend printed."""
    path, _ = stored
    with Store.open_readonly(path) as store:
        write_report_xlsx(collect_report(store, Period(2022, 1), Period(2023, 12), today=TODAY), tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")["Tình hình nộp báo cáo"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert [b.id for b in ws.col_breaks.brk] == [header.index("12/2022") + 1]  # after December 2022
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale >= 90
    assert ws.print_title_cols == "$A:$B"
    last = int(re.search(r"(\d+)$", ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area).group(1))
    legend = [r for r in range(HEADER_ROW, ws.max_row + 1) if ws.cell(row=r, column=2).value == "Thiếu"
              and ws.cell(row=r, column=3).value]
    assert legend and legend[0] <= last  # the legend is inside the print area
    assert "chưa nhận mà đã quá hạn" in ws.cell(row=legend[0], column=3).value
    fonts = {ws.cell(row=HEADER_ROW + 1, column=header.index(m) + 1).font.sz for m in ("01/2022", "06/2023")}
    assert fonts == {10}  # × the scale: 9 points or more printed


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_prints_the_completeness_sheet_readable(examples_store: Path, quarter_km: Path, tmp_path: Path) -> None:
    """The 36-month report printed by LibreOffice (issue 14: the completeness sheet was about
    6 pt with its legend outside the print area): a page per year, every commune's name whole
    on each, all twelve months of its year and no other, the legend, text at 9 pt or more;
    and 0,25 km printed as 0,25."""
    book = tmp_path / "bao-cao.xlsx"
    with Store.open_readonly(examples_store) as store:
        write_report_xlsx(collect_report(store, Period(2021, 1), Period(2023, 12)), book)
    pdf = to_pdf(book, tmp_path / "pdf")
    texts, sizes = page_texts(pdf), page_font_sizes(pdf)
    pages = [n for n, text in enumerate(texts) if "TÌNH HÌNH NỘP BÁO CÁO" in text]
    assert len(pages) == 3
    for year, n in zip((2021, 2022, 2023), pages, strict=True):
        text = texts[n]
        for commune in CATALOG.communes:
            assert commune.name in text, (year, commune.name)
        header = next(line for line in text.splitlines() if "Xã, thị trấn" in line)  # the table's
        months = set(re.findall(r"\b(\d\d)/(20\d\d)\b", header))
        assert months == {(f"{m:02d}", str(year)) for m in range(1, 13)}, year
        # every size on the page is a cell's, header's or footer's size times one scale; the
        # smallest is the footer's 8-point source line: at 90 % or more, the cells' 10 points
        # print at 9 or more
        assert min(sizes[n]) >= 8 * 0.9, (year, sorted(set(sizes[n])))
    assert "chưa nhận mà đã quá hạn" in texts[pages[0]]
    # decimals kept, printed
    small = tmp_path / "km.xlsx"
    with Store.open_readonly(quarter_km) as store:
        write_report_xlsx(collect_report(store, Period(2023, 1), Period(2023, 3)), small)
    text = "\n".join(page_texts(to_pdf(small, tmp_path / "pdf2")))
    assert re.search(r"\b0,75\b", text) and re.search(r"\b1,50\b", text)  # Nậm Có's 3 × 0,25; Hồ Bốn's
