"""Roll-up semantics: flows sum, stocks take each commune's latest value, replacements count."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncctd_cli.api import ingest, rollup
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period


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
