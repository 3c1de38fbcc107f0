"""Units over time through the real ``ncctd`` (issue 13): returns straddling the 2025 change,
resolved by month and stored under their units; roll-ups in today's units and as reported,
checked against figures computed here from the returns written (the old → new mapping read
from the reference data, not from ncctd); code reuse; the successor named when an old unit
reports late; a split with shares; the conversion table read directly; the clerk's tools;
stores of schema 2 upgraded in place.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from ncctd_cli.migrations import LATEST_VERSION
from tests.conftest import DATA, ROOT

ADMIN = DATA / "admin-2025"
V2 = DATA / "stores" / "v2.sqlite"
PROVINCE = ROOT / "examples" / "province"
CHANGE = "2025-07"
FLOWS = ("trees_planted", "rural_road_km")
STOCKS = ("enterprises_total", "lighting_km")
INDICATORS = ",".join((*FLOWS, *STOCKS))


def months(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    found = []
    while f"{y:04d}-{m:02d}" <= last:
        found.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return found


OLD_MONTHS = months("2024-01", "2025-06")
NEW_MONTHS = months(CHANGE, "2026-10")


def mapping() -> dict[str, str]:
    """Old code → new code, from the reference data (NQ 1673/NQ-UBTVQH15)."""
    with (ADMIN / "old_to_new_mucangchai.csv").open(encoding="utf-8") as fh:
        return {row["old_code"]: row["new_code"] for row in csv.DictReader(fh)}


OLD_TO_NEW = mapping()
OLD = sorted(OLD_TO_NEW)
NEW = sorted(set(OLD_TO_NEW.values()))
# what is left out on purpose: Tú Lệ's first month (its stock then comes from Cao Phạ), and
# Hồ Bốn's last month
SKIPPED = {("04630", CHANGE), ("04459", "2025-06")}


def value(code: str, period: str, indicator: str) -> float:
    """A deterministic figure; stocks never go down, and decimals have one digit."""
    n = int(code[-3:]) % 97
    index = OLD_MONTHS.index(period) if period in OLD_MONTHS else 18 + NEW_MONTHS.index(period)
    if indicator == "trees_planted":
        return float((n * 7 + index * 3) % 41 + 1)
    if indicator == "rural_road_km":
        return ((n + index) % 23) / 10 + 0.1
    if indicator == "enterprises_total":
        return float(n % 13 + index)
    return (n % 17) / 2 + index / 10  # lighting_km


def returns_written() -> list[tuple[str, str, str, float]]:
    """(unit code, period, indicator, value): old units until 2025-06, new ones after."""
    rows = []
    for code, periods in [(c, OLD_MONTHS) for c in OLD] + [(c, NEW_MONTHS) for c in NEW]:
        for period in periods:
            if (code, period) in SKIPPED:
                continue
            for indicator in (*FLOWS, *STOCKS):
                rows.append((code, period, indicator, round(value(code, period, indicator), 1)))
    return rows


def write_returns(folder: Path) -> Path:
    """The returns as files: a long CSV for the old units, a wide CSV for the new ones (by
    code), and a few forms by name (the new name Xã Mù Cang Chải, the old spelling of a
    merged unit) that must resolve by their month."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = returns_written()
    by_name = {("04456", "2026-10"): "Xã Mù Căng Chải", ("04486", "2024-05"): "Dế Xu Phình"}
    with (folder / "cu.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["commune", "period", "indicator", "value"])
        for code, period, indicator, v in rows:
            if period < CHANGE and (code, period) not in by_name:
                writer.writerow([code, period, indicator, v])
    with (folder / "moi.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Mã xã", "Kỳ báo cáo", *FLOWS, *STOCKS])
        table: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        for code, period, indicator, v in rows:
            if period >= CHANGE and (code, period) not in by_name:
                table[(code, period)][indicator] = v
        for (code, period), values in table.items():
            writer.writerow([code, period, *(values[i] for i in (*FLOWS, *STOCKS))])
    for (code, period), name in by_name.items():
        with (folder / f"{code}_{period}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["commune", "period", "indicator", "value"])
            for c, p, indicator, v in rows:
                if (c, p) == (code, period):
                    writer.writerow([name, period, indicator, v])
    return folder


# ------------------------------------------------------------------ figures computed here


def latest(rows: list[tuple[str, str, str, float]], code: str, indicator: str, first: str, last: str,
           new: bool) -> float | None:
    """A unit's latest value of a stock in a window (``new``: the unit after the change)."""
    found = [
        (p, v) for c, p, i, v in rows
        if c == code and i == indicator and first <= p <= last and (p >= CHANGE) == new
    ]
    return max(found)[1] if found else None


def expected_figures(first: str, last: str, units: str) -> dict[str, dict[str, float | None]]:
    """Each row's figures (key: the unit key ncctd names) computed from the returns written."""
    rows = returns_written()
    figures: dict[str, dict[str, float | None]] = {}
    straddles = first < CHANGE <= last
    if units == "current" and last >= CHANGE:
        for new in NEW:
            key = f"{new}@{CHANGE}" if new in OLD else new
            formers = [old for old in OLD if OLD_TO_NEW[old] == new]
            values: dict[str, float | None] = {}
            for indicator in FLOWS:
                total = sum(
                    v for c, p, i, v in rows
                    if i == indicator and first <= p <= last
                    and ((p >= CHANGE and c == new) or (p < CHANGE and c in formers))
                )
                values[indicator] = total
            for indicator in STOCKS:
                own = latest(rows, new, indicator, first, last, new=True)
                if own is None and straddles:
                    found = [latest(rows, f, indicator, first, last, new=False) for f in formers]
                    own = sum(v for v in found if v is not None) if any(v is not None for v in found) else None
                values[indicator] = own
            figures[key] = values
        return figures
    for new_side, codes in ((False, OLD), (True, NEW)):
        if (new_side and last < CHANGE) or (not new_side and first >= CHANGE):
            continue
        for code in codes:
            key = f"{code}@{CHANGE}" if new_side and code in OLD else code
            values = {}
            for indicator in FLOWS:
                found = [
                    v for c, p, i, v in rows
                    if c == code and i == indicator and first <= p <= last and (p >= CHANGE) == new_side
                ]
                values[indicator] = sum(found) if found else None
            for indicator in STOCKS:
                values[indicator] = latest(rows, code, indicator, first, last, new=new_side)
            figures[key] = values
    return figures


def total(figures: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for indicator in (*FLOWS, *STOCKS):
        present = [f[indicator] for f in figures.values() if f[indicator] is not None]
        found[indicator] = sum(present) if present else None  # type: ignore[arg-type]
    return found


def same(got: dict[str, Any], wanted: dict[str, float | None]) -> None:
    for indicator, v in wanted.items():
        if v is None:
            assert got[indicator] is None, indicator
        else:
            assert got[indicator] == pytest.approx(v, abs=1e-6), indicator


# ------------------------------------------------------------------ the store


def ncctd_json(run_ncctd, db: Path, *args: str) -> Any:
    done = run_ncctd("--db", db, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    """A store of the bundled catalog with the returns of 2024-01 … 2026-10 ingested."""
    import subprocess
    import sys

    from tests.conftest import _env

    folder = tmp_path_factory.mktemp("bundled")
    returns = write_returns(folder / "returns")
    db = folder / "kho.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "ncctd_cli", "--db", str(db), "ingest", str(returns), "--format", "json"],
        capture_output=True, text=True, env=_env(), cwd=folder, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert summary["stored"] == len({(c, p) for c, p, _, _ in returns_written()})
    return db


WINDOWS = [("2024-01", "2026-10"), ("2025-01", "2025-12"), ("2024-01", "2024-12"), ("2025-05", "2025-07"),
           ("2025-08", "2026-10")]


@pytest.mark.parametrize(("first", "last"), WINDOWS)
@pytest.mark.parametrize("units", ["current", "reported"])
def test_rollups_in_both_modes_match_figures_computed_here(
    run_ncctd, bundled: Path, first: str, last: str, units: str
) -> None:
    wanted = expected_figures(first, last, units)
    window = ("--from", first, "--to", last, "--indicators", INDICATORS, "--units", units)
    by_commune = ncctd_json(run_ncctd, bundled, "rollup", *window, "--by", "commune")
    assert by_commune["units"] == units
    got = {row["unit"]: row["values"] for row in by_commune["rows"]}
    assert list(got) == list(wanted)
    for key, values in wanted.items():
        same(got[key], values)
    whole = ncctd_json(run_ncctd, bundled, "rollup", *window)
    same(whole["totals"], total(wanted))
    expected = sum(14 if m < CHANGE else 7 for m in months(first, last))
    received = len({(c, p) for c, p, _, _ in returns_written() if first <= p <= last})
    assert whole["reporting"] == {"expected": expected, "received": received}
    assert by_commune["reporting"] == whole["reporting"]


def test_period_buckets_take_each_bucket_own_stocks(run_ncctd, bundled: Path) -> None:
    window = ("--from", "2024-01", "--to", "2026-10", "--indicators", INDICATORS)
    for units in ("current", "reported"):
        by_year = ncctd_json(run_ncctd, bundled, "rollup", *window, "--by", "year", "--units", units)
        for row in by_year["rows"]:
            year = row["period"]
            first, last = max(f"{year}-01", "2024-01"), min(f"{year}-12", "2026-10")
            # a bucket's stocks in today's units: the units of the window's end take each
            # year's stocks from the units that reported in that year
            wanted = total(expected_figures(first, last, units if last >= CHANGE else "reported"))
            same(row["values"], wanted)
    # 2025 as reported adds the old units' June stocks and the new ones' December stocks
    reported = ncctd_json(run_ncctd, bundled, "rollup", "--year", "2025", "--indicators", INDICATORS,
                          "--units", "reported")
    current = ncctd_json(run_ncctd, bundled, "rollup", "--year", "2025", "--indicators", INDICATORS)
    assert reported["totals"]["enterprises_total"] > current["totals"]["enterprises_total"]
    assert reported["totals"]["trees_planted"] == current["totals"]["trees_planted"]


def test_code_reuse_makes_two_units(run_ncctd, bundled: Path) -> None:
    conn = sqlite3.connect(bundled)
    try:
        keys = {p[:4]: k for k, p in conn.execute(
            "SELECT commune, period FROM returns WHERE period IN ('2024-03', '2026-03') AND commune LIKE '04456%'")}
    finally:
        conn.close()
    assert keys == {"2024": "04456", "2026": "04456@2025-07"}
    old = ncctd_json(run_ncctd, bundled, "history", "--commune", "04456", "--period", "2024-03")
    new = ncctd_json(run_ncctd, bundled, "history", "--commune", "04456", "--period", "2026-03")
    assert (old["name"], new["name"]) == ("Thị trấn Mù Căng Chải", "Xã Mù Cang Chải")
    assert old["commune"] == new["commune"] == "04456"
    assert old["versions"][0]["values"]["trees_planted"] == value("04456", "2024-03", "trees_planted")
    assert new["versions"][0]["values"]["trees_planted"] == value("04456", "2026-03", "trees_planted")
    # as reported, both are rows: the later one named by its key, in CSV and JSON
    done = run_ncctd("--db", bundled, "rollup", "--year", "2025", "--by", "commune", "--units", "reported",
                     "--format", "csv")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0][:2] == ["commune", "name"]
    named = [(r[0], r[1]) for r in rows[1:]]
    assert ("04456", "Thị trấn Mù Căng Chải") in named and ("04456@2025-07", "Xã Mù Cang Chải") in named
    assert ("04630", "Xã Tú Lệ") in named  # the first unit of its code: its code alone
    # in today's units the codes are unambiguous: plain codes
    current = ncctd_json(run_ncctd, bundled, "rollup", "--year", "2025", "--by", "commune")
    assert [r["commune"] for r in current["rows"]] == NEW
    assert [r["unit"] for r in current["rows"]][:2] == ["04456@2025-07", "04462@2025-07"]


def test_an_old_unit_reporting_after_the_change_is_refused_naming_its_successor(run_ncctd, tmp_path: Path) -> None:
    late = tmp_path / "ho-bon.csv"
    late.write_text("commune,period,indicator,value\nXã Hồ Bốn,2025-08,trees_planted,5\n"
                    "04486,2025-09,trees_planted,3\nTú Lệ,2025-03,trees_planted,4\n", encoding="utf-8")
    db = tmp_path / "kho.sqlite"
    done = run_ncctd("--db", db, "ingest", late, "--format", "json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    returns = json.loads(done.stdout)["returns"]
    assert [r["status"] for r in returns] == ["rejected"] * 3
    first, second, third = (r["problems"][0] for r in returns)
    assert first["code"] == second["code"] == third["code"] == "unit-not-active"
    assert first["message"] == (
        "Xã Hồ Bốn đã nhập vào Xã Khao Mang từ tháng 07/2025: báo cáo tháng 08/2025 phải do Xã Khao Mang gửi."
    )
    assert first["params"]["other_codes"] == ["04465"] and first["commune"] == "Xã Hồ Bốn"
    assert second["message"].startswith("Xã Dế Su Phình đã nhập vào Xã Púng Luông từ tháng 07/2025")
    assert third["message"] == "Xã Tú Lệ chỉ có từ tháng 07/2025: báo cáo tháng 03/2025 phải do Xã Cao Phạ gửi."
    english = run_ncctd("--lang", "en", "--db", db, "validate", late, "--format", "json")
    message = json.loads(english.stdout)["returns"][0]["problems"][0]["message"]
    assert message == (
        "Xã Hồ Bốn was merged into Xã Khao Mang from 2025-07: the return for 2025-08 must come from Xã Khao Mang."
    )
    table = run_ncctd("--db", db, "validate", late).stdout
    assert "unit-not-active" in table and "Khao Mang" in table
    # the successor's own return for that month is taken, by its new or its old spelling
    fine = tmp_path / "khao-mang.csv"
    fine.write_text("commune,period,indicator,value\nXã Khao Mang,2025-08,trees_planted,5\n"
                    "Xã Tú Lệ,2025-09,trees_planted,4\n", encoding="utf-8")
    assert run_ncctd("--db", db, "ingest", fine).returncode == 0


def test_other_formats_and_breakdowns(run_ncctd, bundled: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    window = ("--from", "2024-01", "--to", "2026-10")
    table = run_ncctd("--db", bundled, "rollup", *window, "--by", "commune")
    assert table.returncode == 0 and "Tú Lệ" in table.stdout and "Hồ Bốn" not in table.stdout
    reported = run_ncctd("--db", bundled, "rollup", *window, "--by", "commune", "--units", "reported")
    assert "Hồ Bốn" in reported.stdout
    out = tmp_path / "tong-hop.xlsx"
    assert run_ncctd("--db", bundled, "rollup", *window, "--by", "commune", "--format", "xlsx", "-o", out).returncode == 0
    sheet = load_workbook(out).active
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("theo đơn vị hành chính của tháng 10/2026" in t for t in texts)
    assert "Xã Mù Cang Chải" in texts and "Xã Hồ Bốn" not in texts
    # by a level of areas.csv: the former district (a level named like the whole-district
    # roll-up, so asked as area:district) and the province
    district = ncctd_json(run_ncctd, bundled, "rollup", *window, "--by", "area:district", "--indicators", INDICATORS)
    assert [(r["area"], r["name"]) for r in district["rows"]] == [("137", "Huyện Mù Cang Chải")]
    same(district["rows"][0]["values"], total(expected_figures("2024-01", "2026-10", "current")))
    province = ncctd_json(run_ncctd, bundled, *("rollup", *window, "--by", "province", "--units", "reported"))
    assert [(r["area"], r["unit"], r["name"]) for r in province["rows"]] == [
        ("15", "15", "Tỉnh Yên Bái"), ("15@2025-07", "15@2025-07", "Tỉnh Lào Cai")]
    assert [r["reporting"]["expected"] for r in province["rows"]] == [14 * 18, 7 * 16]
    bad = run_ncctd("--db", bundled, "rollup", "--by", "huyen")
    assert bad.returncode == 2 and "area:district" in bad.stderr and "Traceback" not in bad.stderr
    assert run_ncctd("--db", bundled, "rollup", "--units", "today").returncode == 2
    # narrative and report take the same choice
    story = run_ncctd("--db", bundled, "narrative", *window, "--format", "md", "--allow-incomplete")
    assert story.returncode == 0 and "của 7 xã, thị trấn" in story.stdout
    story = run_ncctd("--db", bundled, "narrative", *window, "--format", "md", "--units", "reported", "--allow-incomplete")
    assert "của 21 xã, thị trấn" in story.stdout
    book = tmp_path / "bao-cao.xlsx"
    assert run_ncctd("--db", bundled, "report", *window, "-o", book, "--units", "reported").returncode == 0
    sheets = load_workbook(book)
    names = [c for row in sheets["Theo xã"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Xã Hồ Bốn" in names and any("như các đơn vị đã báo cáo" in t for t in names)


def test_python_api_takes_the_units(bundled: Path) -> None:
    import ncctd_cli as nc

    with nc.open_store(bundled, readonly=True) as store:
        current = nc.rollup(store, "2024-01", "2026-10", by="commune", indicators=list(FLOWS))
        reported = nc.rollup(store, "2024-01", "2026-10", by="commune", indicators=list(FLOWS), units="reported")
        frame = current.to_frame()
    assert list(frame.index) == [f"{c}@{CHANGE}" if c in OLD else c for c in NEW]
    assert len(reported.rows) == 21
    assert frame["trees_planted"].sum() == pytest.approx(sum(r.values["trees_planted"] for r in reported.rows))


# ------------------------------------------------------------------ the clerk's tools


def test_status_template_history_communes(run_ncctd, bundled: Path, tmp_path: Path) -> None:
    may = ncctd_json(run_ncctd, bundled, "status", "--period", "2025-05")
    september = ncctd_json(run_ncctd, bundled, "status", "--period", "2025-09")
    assert (may["expected"], september["expected"]) == (14, 7)
    assert [c["code"] for c in september["communes"]] == NEW
    july = ncctd_json(run_ncctd, bundled, "status", "--period", CHANGE)
    assert [c["code"] for c in july["communes"] if not c["received"]] == ["04630"]
    grid = ncctd_json(run_ncctd, bundled, "status", "--year", "2025")
    assert grid["expected"] == 14 * 6 + 7 * 6 and len(grid["communes"]) == 21
    ho_bon = next(c for c in grid["communes"] if c["code"] == "04459")
    assert list(ho_bon["months"]) == months("2025-01", "2025-06") and ho_bon["to"] == "2025-06"
    csv_grid = run_ncctd("--db", bundled, "status", "--year", "2025", "--format", "csv").stdout
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(csv_grid))}
    assert rows["04456"]["2025-09"] == "" and rows["04456@2025-07"]["2025-03"] == ""

    for period, count in (("2025-05", 14), ("2025-09", 7)):
        folder = tmp_path / f"forms-{period}"
        done = run_ncctd("--db", bundled, "template", "--all", "--period", period, "-o", folder)
        assert done.returncode == 0, done.stderr
        assert len(list(folder.glob("*.xlsx"))) == count
    refused = run_ncctd("--db", bundled, "template", "--commune", "Hồ Bốn", "--period", "2025-09", "-o", tmp_path / "x.xlsx")
    assert refused.returncode == 2 and "phải do Xã Khao Mang gửi" in refused.stderr

    former = ncctd_json(run_ncctd, bundled, "history", "--commune", "Khao Mang", "--period", "2025-03", "--former")
    assert (former["commune"], former["unit"], former["versions"]) == ("04465", "04465@2025-07", [])
    assert [(f["commune"], f["name"]) for f in former["former"]] == [("04459", "Xã Hồ Bốn"), ("04465", "Xã Khao Mang")]
    assert former["former"][0]["versions"][0]["values"]["trees_planted"] == value("04459", "2025-03", "trees_planted")
    table = run_ncctd("--db", bundled, "history", "--commune", "Khao Mang", "--period", "2025-03", "--former").stdout
    assert "chỉ có từ tháng 07/2025" in table and "Xã Hồ Bốn — kỳ 2025-03: 1 bản" in table
    late = run_ncctd("--db", bundled, "history", "--commune", "Hồ Bốn", "--period", "2025-09")
    assert late.returncode == 2 and "phải do Xã Khao Mang gửi" in late.stderr

    every = ncctd_json(run_ncctd, bundled, "communes", "--all")
    assert len(every) == 21
    kim_noi = next(c for c in every if c["code"] == "04477")
    assert (kim_noi["to"], kim_noi["successors"]) == (
        "2025-06", [{"code": "04456", "unit": "04456@2025-07", "name": "Xã Mù Cang Chải", "share": 1.0}])
    assert [c["code"] for c in ncctd_json(run_ncctd, bundled, "communes", "--period", "2026-01")] == NEW
    assert len(ncctd_json(run_ncctd, bundled, "communes")) == 14  # the catalog's first month, as before


# ------------------------------------------------------------------ a catalog folder in the contract's format


def write_split_catalog(folder: Path) -> Path:
    """Three old units, two new ones; Xã Bình is split 60/40; the new Xã An Bình reuses Xã
    An's code; Xã Châu Thành straddles the two former districts."""
    from ncctd_cli.catalog import bundled_catalog_folder

    folder.mkdir(parents=True)
    shutil.copyfile(bundled_catalog_folder() / "indicators.csv", folder / "indicators.csv")
    (folder / "communes.csv").write_text(
        "code,name,aliases,from,to,parent\n"
        "10001,Xã An,,,2025-06,H1\n10002,Xã Bình,,,2025-06,H1\n10003,Xã Châu,,,2025-06,H2\n"
        "10001,Xã An Bình,,2025-07,,T\n10009,Xã Châu Thành,,2025-07,,T\n",
        encoding="utf-8",
    )
    (folder / "changes.csv").write_text(
        "month,from,to,share\n2025-07,10001,10001,1\n2025-07,10002,10001,0.6\n"
        "2025-07,10002,10009,0.4\n2025-07,10003,10009,1\n",
        encoding="utf-8",
    )
    (folder / "areas.csv").write_text(
        "code,name,level,parent,from,to\nT,Tỉnh Thử,province,,,\n"
        "H1,Huyện Một,district,T,,2025-06\nH2,Huyện Hai,district,T,,2025-06\n",
        encoding="utf-8",
    )
    return folder


def test_a_split_with_shares_in_a_catalog_folder(run_ncctd, tmp_path: Path) -> None:
    folder = write_split_catalog(tmp_path / "danh-muc")
    db = tmp_path / "kho.sqlite"
    done = run_ncctd("--db", db, "init", "--config", folder)
    assert done.returncode == 0, done.stderr
    figures = {  # (code, period) → (trees_planted, enterprises_total); Bình's divide by 5
        ("10001", "2025-05"): (3, 10), ("10002", "2025-05"): (10, 20), ("10003", "2025-05"): (4, 7),
        ("10001", "2025-06"): (2, 11), ("10002", "2025-06"): (15, 25), ("10003", "2025-06"): (1, 8),
        ("10001", "2025-07"): (30, 40), ("10009", "2025-07"): (20, 33),
    }
    returns = tmp_path / "bao-cao.csv"
    returns.write_text(
        "commune,period,indicator,value\n" + "".join(
            f"{c},{p},trees_planted,{t}\n{c},{p},enterprises_total,{e}\n" for (c, p), (t, e) in figures.items()
        ),
        encoding="utf-8",
    )
    assert run_ncctd("--db", db, "ingest", returns).returncode == 0
    window = ("--from", "2025-05", "--to", "2025-07", "--indicators", "trees_planted,enterprises_total")
    current = {r["unit"]: r["values"] for r in ncctd_json(run_ncctd, db, "rollup", *window, "--by", "commune")["rows"]}
    assert current == {
        "10001@2025-07": {"trees_planted": 3 + 2 + 0.6 * (10 + 15) + 30, "enterprises_total": 40},
        "10009": {"trees_planted": 0.4 * (10 + 15) + 4 + 1 + 20, "enterprises_total": 33},
    }
    june = ("--from", "2025-05", "--to", "2025-06", "--indicators", "trees_planted,enterprises_total")
    before = {r["unit"]: r["values"] for r in ncctd_json(run_ncctd, db, "rollup", *june, "--by", "commune")["rows"]}
    assert before["10002"] == {"trees_planted": 25, "enterprises_total": 25}  # before the change: as reported
    # stocks from the former units when the new unit has not reported yet: a window ending
    # in July, a July without returns from the new units
    empty = tmp_path / "empty.sqlite"
    assert run_ncctd("--db", empty, "init", "--config", folder).returncode == 0
    old_only = tmp_path / "cu.csv"
    old_only.write_text("\n".join(returns.read_text(encoding="utf-8").splitlines()[:13]) + "\n", encoding="utf-8")
    assert run_ncctd("--db", empty, "ingest", old_only).returncode == 0
    stocks = {r["unit"]: r["values"]["enterprises_total"]
              for r in ncctd_json(run_ncctd, empty, "rollup", *window, "--by", "commune")["rows"]}
    assert stocks == {"10001@2025-07": 11 + 0.6 * 25, "10009": 0.4 * 25 + 8}
    # former districts in today's units: Xã Châu Thành straddles them
    district = ncctd_json(run_ncctd, db, "rollup", *window, "--by", "area:district")
    assert [(r["area"], r["name"]) for r in district["rows"]] == [("H1", "Huyện Một"), ("H1+H2", "Huyện Một + Huyện Hai")]
    reported = ncctd_json(run_ncctd, db, "rollup", *window, "--by", "area:district", "--units", "reported")
    assert [r["area"] for r in reported["rows"]] == ["H1", "H2", "H1+H2"]
    listed = ncctd_json(run_ncctd, db, "communes", "--all")
    binh = next(c for c in listed if c["name"] == "Xã Bình")
    assert [(s["unit"], s["share"]) for s in binh["successors"]] == [("10001@2025-07", 0.6), ("10009", 0.4)]


# ------------------------------------------------------------------ the conversion table


def test_the_conversion_table_read_directly(run_ncctd, tmp_path: Path) -> None:
    table = ADMIN / "NSO_BangChuyendoi_national.csv"
    plain, direct = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert run_ncctd("--db", plain, "init").returncode == 0
    done = run_ncctd("--db", direct, "init", "--changes", table)
    assert done.returncode == 0, done.stderr
    assert "predecessor-outside" not in done.stderr and "Tú Lệ" in done.stderr  # the note on Văn Chấn's Tú Lệ
    assert ncctd_json(run_ncctd, plain, "communes", "--all") == ncctd_json(run_ncctd, direct, "communes", "--all")
    conn = sqlite3.connect(direct)
    try:
        stored = conn.execute("SELECT month, source, target, share FROM unit_changes ORDER BY source").fetchall()
    finally:
        conn.close()
    assert [(s, t) for _, s, t, _ in stored] == [
        (old, f"{OLD_TO_NEW[old]}@{CHANGE}" if OLD_TO_NEW[old] in OLD else OLD_TO_NEW[old]) for old in OLD
    ]


def test_the_province_example_gives_the_generators_figures(run_ncctd, tmp_path: Path) -> None:
    """The whole new Lào Cai, its changes read from the statistics office's table: 2025 in
    today's units as make_province.py computed it, and every month's province totals."""
    expected = json.loads((PROVINCE / "expected.json").read_text(encoding="utf-8"))
    db = tmp_path / "tinh.sqlite"
    done = run_ncctd("--db", db, "init", "--config", PROVINCE, "--changes", PROVINCE / "source" / "nso_laocai.csv")
    assert done.returncode == 0, done.stderr
    assert run_ncctd("--db", db, "-q", "ingest", PROVINCE / "returns").returncode == 0
    codes = ",".join(expected["indicators"])
    year = ncctd_json(run_ncctd, db, "rollup", "--year", "2025", "--by", "commune", "--indicators", codes)
    got = {r["commune"]: r["values"] for r in year["rows"]}
    assert set(got) == set(expected["year_2025_current_units"])
    for code, wanted in expected["year_2025_current_units"].items():
        assert {k: v for k, v in got[code].items() if v is not None} == {
            k: v for k, v in wanted["totals"].items() if v is not None}, code
    whole = ncctd_json(run_ncctd, db, "rollup", "--year", "2025", "--indicators", codes)
    assert whole["totals"] == expected["year_2025_province_current_units"]
    for month in ("2024-01", "2025-06", "2025-07", "2026-10"):
        found = ncctd_json(run_ncctd, db, "rollup", "--from", month, "--to", month, "--indicators", codes)
        wanted = expected["by_month"][month]
        assert found["totals"] == wanted["totals"]
        assert found["reporting"] == {"expected": wanted["expected"], "received": wanted["received"]}


# ------------------------------------------------------------------ stores of the current version


def test_a_v2_store_upgrades_in_place(run_ncctd, tmp_path: Path) -> None:
    db = tmp_path / "ncctd.sqlite"
    shutil.copyfile(V2, db)

    def table(sql: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(db)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    before = {t: table(f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("returns", "return_values", "facts", "problems")}
    values_before = table("SELECT r.period, v.indicator, v.value FROM returns r JOIN return_values v ON v.return_id = r.id "
                          "ORDER BY 1, 2, 3")
    done = run_ncctd("--db", db, "status", "--period", "2025-09", "--format", "json")
    assert done.returncode == 0 and f"từ lược đồ phiên bản 2 lên {LATEST_VERSION}" in done.stderr
    assert {t: table(f"SELECT COUNT(*) FROM {t}")[0][0] for t in before} == before  # nothing lost
    assert table("SELECT r.period, v.indicator, v.value FROM returns r JOIN return_values v ON v.return_id = r.id "
                 "ORDER BY 1, 2, 3") == values_before
    assert table("SELECT version FROM migrations") == [(v,) for v in range(3, LATEST_VERSION + 1)]
    assert (tmp_path / "ncctd.sqlite.v2.bak").exists()
    # old months stay under the old units; a 2025-09 return stored under a code a new commune
    # reuses belongs to that commune; Hồ Bốn's 2025-08, whose code nobody took, stays its own
    assert table("SELECT commune, period FROM returns WHERE period >= '2025' ORDER BY period, commune") == [
        ("04480", "2025-06"), ("04459", "2025-08"), ("04456@2025-07", "2025-09"), ("04462@2025-07", "2025-09")]
    assert table("SELECT COUNT(DISTINCT commune) FROM returns WHERE period < '2025'") == [(14,)]
    september = json.loads(done.stdout)
    assert september["expected"] == 7
    assert [c["code"] for c in september["communes"] if c["received"]] == ["04456", "04462"]
    march = ncctd_json(run_ncctd, db, "status", "--period", "2024-03")
    assert march["expected"] == 14
    assert march["received"] == table("SELECT COUNT(*) FROM returns WHERE period = '2024-03' AND is_current = 1")[0][0]
    # in today's units, Hồ Bốn's August goes to Xã Khao Mang, Cao Phạ's June to Xã Tú Lệ
    rows = ncctd_json(run_ncctd, db, "rollup", "--from", "2025-06", "--to", "2025-09", "--by", "commune",
                      "--indicators", "trees_planted")["rows"]
    assert {r["commune"]: r["values"]["trees_planted"] for r in rows if r["values"]["trees_planted"]} == {
        "04456": 40, "04462": 12, "04465": 5, "04630": 31}
    # the 2024 figures read exactly as before
    whole = ncctd_json(run_ncctd, db, "rollup", "--from", "2024-01", "--to", "2024-03")
    summed = dict(table("SELECT f.indicator, SUM(f.value) FROM facts f JOIN indicators i ON i.code = f.indicator "
                        "WHERE i.over_time = 'sum' AND f.period < '2025' GROUP BY f.indicator"))
    for code, wanted in summed.items():
        assert whole["totals"][code] == pytest.approx(wanted), code
    assert run_ncctd("--db", db, "rollup").stderr == ""  # upgraded once


def test_a_catalog_without_the_new_columns_keeps_its_outputs(run_ncctd, tmp_path: Path) -> None:
    from tests.test_catalog import write_other_catalog

    folder = write_other_catalog(tmp_path / "huyen-khac")
    db = tmp_path / "kho.sqlite"
    assert run_ncctd("--db", db, "init", "--config", folder).returncode == 0
    returns = tmp_path / "tra-ve.csv"
    returns.write_text("Xã;Kỳ báo cáo;Giếng nước đào mới\nSơn Thịnh;01/2024;3\n", encoding="utf-8")
    assert run_ncctd("--db", db, "ingest", returns).returncode == 0
    by_commune = ncctd_json(run_ncctd, db, "rollup", "--from", "2024-01", "--to", "2024-01", "--by", "commune")
    assert "units" not in by_commune and all("unit" not in r for r in by_commune["rows"])
    assert ncctd_json(run_ncctd, db, "communes") == [
        {"code": "A1", "name": "Xã Sơn Thịnh", "aliases": "Son Thinh"},
        {"code": "A2", "name": "Phường Trung Tâm", "aliases": ""},
    ]
    status = ncctd_json(run_ncctd, db, "status", "--period", "2024-01")
    assert all("unit" not in c for c in status["communes"])
