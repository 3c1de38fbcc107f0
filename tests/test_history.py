"""History: every version of a return, oldest first, and what changed between versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl

from ncctd_cli.catalog import default_catalog
from ncctd_cli.commands.history import changes, history_json
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period
from tests.test_status import put

SAMPLE = "bc_04462_2024-01.xlsx"


def corrected_copy(samples_dir: Path, folder: Path, new: dict[str, object]) -> tuple[Path, dict[str, object]]:
    """A commune's corrected return: the sample with some values changed. Returns the file and
    the values it had before, read from the sample itself."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "bc_04462_2024-01_dieu-chinh.xlsx"
    shutil.copy(samples_dir / SAMPLE, target)
    wb = openpyxl.load_workbook(target, data_only=True)  # formulas as the values they show
    ws = wb.active
    before = {}
    for row in ws.iter_rows():
        code = row[1].value
        if code in new:
            before[code] = row[4].value
            row[4].value = new[code]
    assert set(before) == set(new)
    wb.save(target)
    return target, before


def test_changes_lists_what_differs_in_catalog_order() -> None:
    catalog = default_catalog()
    before = {"workdays": 14.0, "leader_visits": 9.0, "rural_road_km": 0.6, "trees_planted": 3.0}
    after = {"workdays": 14.0, "leader_visits": 11.0, "rural_road_km": 0.75, "toilets_built": 2.0}
    assert changes(before, after, catalog) == [
        {"indicator": "leader_visits", "before": 9, "after": 11},
        {"indicator": "rural_road_km", "before": 0.6, "after": 0.75},
        {"indicator": "trees_planted", "before": 3, "after": None},  # no longer reported
        {"indicator": "toilets_built", "before": None, "after": 2},  # newly reported
    ]
    assert changes(before, dict(before), catalog) == []


def test_history_json_oldest_first() -> None:
    store = Store.scratch()
    jan = Period(2024, 1)
    put(store, "04462", jan, "2024-02-03T08:00:00+07:00", visits=5, file="a.xlsx")
    put(store, "04462", jan, "2024-02-09T08:00:00+07:00", visits=8, file="b.xlsx", replace=True)
    data = history_json("04462", "Xã Nậm Có", jan, store.versions("04462", jan), store.catalog)
    assert (data["commune"], data["period"], data["name"]) == ("04462", "2024-01", "Xã Nậm Có")
    first, second = data["versions"]
    assert [first["file"], second["file"]] == ["a.xlsx", "b.xlsx"]
    assert [first["current"], second["current"]] == [False, True]
    assert first["values"] == {"leader_visits": 5} and isinstance(first["values"]["leader_visits"], int)
    assert second["changes"] == [{"indicator": "leader_visits", "before": 5, "after": 8}]
    assert {"received_at", "file", "sha256", "values"} <= set(first)


def test_history_command_after_a_correction(run_ncctd, db: Path, samples_dir: Path, tmp_path: Path) -> None:
    assert run_ncctd("--db", db, "ingest", samples_dir / SAMPLE).returncode == 0
    fixed, before = corrected_copy(samples_dir, tmp_path / "dieu-chinh", {"leader_visits": 12, "rural_road_km": 1.25})

    refused = run_ncctd("--db", db, "ingest", fixed, "--format", "json")
    assert refused.returncode == 1
    [ret] = json.loads(refused.stdout)["returns"]
    assert [p["code"] for p in ret["problems"]] == ["already-stored"]

    done = run_ncctd("--db", db, "ingest", "--replace", fixed, "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout)["summary"]["replaced"] == 1
    again = run_ncctd("--db", db, "ingest", "--replace", fixed, "--format", "json")
    assert json.loads(again.stdout)["summary"]["unchanged"] == 1  # no third version

    data = json.loads(run_ncctd("--db", db, "history", "--commune", "Nậm Có", "--period", "2024-01", "--format", "json").stdout)
    assert [Path(v["file"]).name for v in data["versions"]] == [SAMPLE, fixed.name]
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["versions"][0]["values"]["leader_visits"] == before["leader_visits"]
    assert data["versions"][1]["values"]["leader_visits"] == 12
    assert data["versions"][1]["changes"] == [
        {"indicator": "leader_visits", "before": before["leader_visits"], "after": 12},
        {"indicator": "rural_road_km", "before": before["rural_road_km"], "after": 1.25},
    ]
    assert data["versions"][0]["received_at"] <= data["versions"][1]["received_at"]

    table = run_ncctd("--db", db, "history", "--commune", "04462", "--period", "2024-01")
    assert table.returncode == 0
    out = table.stdout
    assert "Xã Nậm Có — kỳ 2024-01: 2 bản" in out
    assert "Bản 1 → bản 2: 2 chỉ tiêu thay đổi" in out
    assert "Lượt cán bộ lãnh đạo huyện" in out and "1,25" in out
    assert f"{before['rural_road_km']}".replace(".", ",") in out
    assert "* bản đang dùng để tổng hợp." in out

    rollup = json.loads(run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-01", "--format", "json").stdout)
    assert rollup["totals"]["leader_visits"] == 12 and rollup["totals"]["rural_road_km"] == 1.25


def test_history_of_nothing_and_mistakes(run_ncctd, tmp_path: Path) -> None:
    done = run_ncctd("history", "--commune", "Hồ Bốn", "--period", "2024-01", "--format", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"commune": "04459", "name": "Xã Hồ Bốn", "period": "2024-01", "versions": []}
    table = run_ncctd("history", "--commune", "Hồ Bốn", "--period", "2024-01")
    assert "Chưa có báo cáo nào của Xã Hồ Bốn cho kỳ 2024-01." in table.stdout
    assert not (tmp_path / "ncctd.sqlite").exists()
    for args in (["--commune", "Hồ Bốnn", "--period", "2024-01"], ["--commune", "Hồ Bốn"], ["--period", "2024-01"]):
        done = run_ncctd("history", *args)
        assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Xã Hồ Bốn" in run_ncctd("history", "--commune", "Hồ Bốnn", "--period", "2024-01").stderr
    en = run_ncctd("--lang", "en", "history", "--commune", "Hồ Bốn", "--period", "2024-01")
    assert "No return stored for Xã Hồ Bốn, 2024-01." in en.stdout
