"""Completeness: received, on time or late by the catalog's deadline, missing, not due yet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from ncctd_cli.catalog import Catalog, default_catalog
from ncctd_cli.ingest import check_returns
from ncctd_cli.model import Return, Value
from ncctd_cli.status import completeness, deadline, month_status, year_status
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period

JAN, FEB, MAR = Period(2024, 1), Period(2024, 2), Period(2024, 3)


def put(store: Store, commune: str, period: Period, received_at: str, *, visits: int = 5, file: str | None = None, replace: bool = False) -> str:
    """Store one validated return as if it came in at ``received_at``."""
    ret = Return(file=file or f"bc_{commune}_{period}.xlsx", sheet="Báo cáo", layout="form")
    ret.commune_text, ret.period_text = commune, str(period)
    ret.values = {"leader_visits": Value("leader_visits", visits, "E13")}
    check_returns([ret], store.catalog)
    assert not ret.refused, ret.problems
    return store.save(ret, replace=replace, received_at=received_at)


@pytest.fixture
def store() -> Store:
    return Store.scratch()


def test_deadline_is_a_day_of_the_next_month() -> None:
    assert deadline(JAN, 5) == dt.date(2024, 2, 5)
    assert deadline(Period(2024, 12), 5) == dt.date(2025, 1, 5)
    assert deadline(JAN, 31) == dt.date(2024, 2, 29)  # clamped to a short month
    assert deadline(Period(2023, 1), 30) == dt.date(2023, 2, 28)
    assert default_catalog().deadline_day == 5


def test_on_time_late_missing_not_due(store: Store) -> None:
    put(store, "04456", JAN, "2024-02-05T23:59:00+07:00")  # the whole deadline day counts
    put(store, "04459", JAN, "2024-02-06T00:01:00+07:00")  # a minute late
    put(store, "04462", JAN, "2024-02-20T09:00:00+07:00")
    result = month_status(store, JAN, today=dt.date(2024, 3, 1))
    states = {e.code: e.state for e in result.month(JAN)}
    assert states["04456"] == "on_time"
    assert states["04459"] == "late"
    assert states["04462"] == "late"
    assert {s for c, s in states.items() if c not in ("04456", "04459", "04462")} == {"missing"}
    late = result.entry("04462", JAN)
    assert late.days_late == 15 and late.on_time is False and late.received
    missing = result.entry("04495", JAN)
    assert (missing.received, missing.on_time, missing.receipt) == (False, None, None)

    before = month_status(store, JAN, today=dt.date(2024, 2, 5))  # deadline day itself
    assert {e.state for e in before.month(JAN) if not e.received} == {"not_due"}


def test_correction_keeps_first_receipt_and_counts_versions(store: Store) -> None:
    put(store, "04462", JAN, "2024-02-03T08:00:00+07:00", visits=5, file="first.xlsx")
    assert put(store, "04462", JAN, "2024-02-25T08:00:00+07:00", visits=9, file="fixed.xlsx", replace=True) == "replaced"
    put(store, "04459", JAN, "2024-02-10T08:00:00+07:00", visits=5)
    put(store, "04459", JAN, "2024-02-11T08:00:00+07:00", visits=6, replace=True)
    result = month_status(store, JAN, today=dt.date(2024, 3, 1))
    corrected = result.entry("04462", JAN)
    assert corrected.state == "on_time"  # sent on time; the correction does not make it late
    assert corrected.receipt is not None
    assert corrected.receipt.received_at == "2024-02-03T08:00:00+07:00"
    assert corrected.receipt.updated_at == "2024-02-25T08:00:00+07:00"
    assert corrected.receipt.file == "fixed.xlsx"  # the figures in use come from here
    assert corrected.receipt.versions == 2
    assert result.entry("04459", JAN).state == "late"  # and a late one stays late


def test_month_json_has_the_contract_shape(store: Store) -> None:
    put(store, "04462", JAN, "2024-02-03T08:00:00+07:00")
    data = month_status(store, JAN, today=dt.date(2024, 3, 1)).to_json()
    assert {"period", "expected", "received", "communes"} <= set(data)
    assert (data["period"], data["expected"], data["received"]) == ("2024-01", 14, 1)
    assert (data["on_time"], data["late"], data["missing"], data["deadline"]) == (1, 0, 13, "2024-02-05")
    assert len(data["communes"]) == 14
    row = next(c for c in data["communes"] if c["code"] == "04462")
    assert {"code", "name", "received", "received_at", "file", "on_time"} <= set(row)
    assert row["name"] == "Xã Nậm Có" and row["received"] is True and row["on_time"] is True
    assert row["received_at"] == "2024-02-03T08:00:00+07:00" and row["file"] == "bc_04462_2024-01.xlsx"
    other = next(c for c in data["communes"] if c["code"] == "04456")
    assert (other["received"], other["received_at"], other["file"], other["on_time"]) == (False, None, None, None)


def test_year_grid(store: Store) -> None:
    put(store, "04462", JAN, "2024-02-03T08:00:00+07:00")
    put(store, "04462", FEB, "2024-03-09T08:00:00+07:00")
    put(store, "04456", MAR, "2024-04-01T08:00:00+07:00")
    result = year_status(store, 2024, today=dt.date(2024, 4, 2))
    assert [str(p) for p in result.months] == ["2024-01", "2024-02", "2024-03", "2024-04"]  # not after today
    data = result.to_json()
    assert (data["year"], data["from"], data["to"], data["deadline_day"]) == (2024, "2024-01", "2024-04", 5)
    nam_co = next(c for c in data["communes"] if c["code"] == "04462")
    assert nam_co["months"] == {"2024-01": "on_time", "2024-02": "late", "2024-03": "not_due", "2024-04": "not_due"}
    assert (nam_co["received"], nam_co["on_time"], nam_co["late"]) == (2, 1, 1)
    months = {m["period"]: m for m in data["months"]}
    assert months["2024-01"]["received"] == 1 and months["2024-01"]["missing"] == 13
    assert months["2024-03"]["received"] == 1 and months["2024-03"]["not_due"] == 13
    assert data["received"] == 3 and data["expected"] == 14 * 4
    header, rows = result.grid_rows()
    assert header[:3] == ["code", "name", "2024-01"]
    assert rows[2][:6] == ["04462", "Xã Nậm Có", "on_time", "late", "not_due", "not_due"]


def test_deadline_day_comes_from_the_catalog(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    catalog = default_catalog()
    catalog.settings["deadline_day"] = "10"
    catalog.write_folder(folder)
    other = Catalog.from_folder(folder)
    assert other.deadline_day == 10
    store = Store.scratch(catalog=other)
    put(store, "04462", JAN, "2024-02-08T08:00:00+07:00")
    assert month_status(store, JAN, today=dt.date(2024, 3, 1)).entry("04462", JAN).state == "on_time"
    (folder / "settings.csv").write_text("key,value\ndeadline_day,ngày 5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="deadline_day"):
        Catalog.from_folder(folder)


def test_window_of_months(store: Store) -> None:
    put(store, "04462", FEB, "2024-03-01T08:00:00+07:00")
    result = completeness(store, JAN, MAR, today=dt.date(2024, 6, 1))
    assert result.year is None and len(result.entries) == 14 * 3
    assert result.to_json()["from"] == "2024-01"


# ------------------------------------------------------------------ the command, for real


def test_status_on_a_store_that_does_not_exist(run_ncctd, tmp_path: Path) -> None:
    done = run_ncctd("status", "--period", "2024-01", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["expected"], data["received"], data["missing"]) == (14, 0, 14)
    assert not (tmp_path / "ncctd.sqlite").exists()


def test_status_of_the_samples(run_ncctd, db: Path, samples_dir: Path) -> None:
    run_ncctd("--db", db, "ingest", "--received-at", "2024-02-05", samples_dir)
    done = run_ncctd("--db", db, "status", "--period", "2024-03", "--format", "json")
    data = json.loads(done.stdout)
    received = [c["code"] for c in data["communes"] if c["received"]]
    assert data["received"] == len(received) == 13  # one commune did not send March
    [absent] = [c for c in data["communes"] if not c["received"]]
    assert absent["name"] == "Xã Hồ Bốn"
    assert {c["on_time"] for c in data["communes"] if c["received"]} == {True}  # 5 Feb ≤ 5 Apr
    assert {Path(c["file"]).suffix for c in data["communes"] if c["received"]} <= {".xlsx", ".ods", ".xls", ".csv"}

    table = run_ncctd("--db", db, "status", "--period", "2024-03").stdout
    assert "Báo cáo tháng 03/2024 — hạn gửi 05/04/2024" in table
    assert "CHƯA GỬI" in table and "Chưa gửi, đã quá hạn (1): Xã Hồ Bốn." in table
    assert "đúng hạn" in table and "05/02/2024" in table
    assert "\x1b[" not in table  # no colour when not a terminal

    csv_out = run_ncctd("--db", db, "status", "--period", "2024-03", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert len(rows) == 14 and rows[1]["code"] == "04459" and rows[1]["state"] == "missing"

    grid = run_ncctd("--db", db, "status", "--year", "2024")
    assert grid.returncode == 0
    assert "T1 " in grid.stdout and "T12" in grid.stdout and "✓ đúng hạn" in grid.stdout
    line = next(x for x in grid.stdout.splitlines() if x.startswith("Xã Hồ Bốn"))
    assert line.split()[3:6] == ["✓", "✓", "✗"]
    year = json.loads(run_ncctd("--db", db, "status", "--year", "2024", "--format", "json").stdout)
    assert year["received"] == 41
    assert [m["received"] for m in year["months"]][:3] == [14, 14, 13]


def test_status_late_and_english(run_ncctd, db: Path, samples_dir: Path) -> None:
    run_ncctd("--db", db, "ingest", "--received-at", "10/02/2024", samples_dir / "bc_04462_2024-01.xlsx")
    done = run_ncctd("--db", db, "--lang", "en", "status", "--period", "2024-01")
    assert "Returns for 2024-01 — due 05/02/2024" in done.stdout
    assert "5 day(s) late" in done.stdout and "Commune" in done.stdout and "MISSING" in done.stdout
    vi = run_ncctd("--db", db, "status", "--period", "2024-01").stdout
    assert "muộn 5 ngày" in vi


def test_status_usage_errors(run_ncctd) -> None:
    for args in (
        ["--period", "2999-01"],
        ["--year", "2999"],
        ["--period", "2024-01", "--year", "2024"],
        ["--period", "tháng giêng"],
    ):
        done = run_ncctd("status", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_received_at_cannot_be_in_the_future(run_ncctd, db: Path, samples_dir: Path) -> None:
    done = run_ncctd("--db", db, "ingest", "--received-at", "2999-01-01", samples_dir / "bc_04462_2024-01.xlsx")
    assert done.returncode == 2 and "--received-at" in done.stderr
    assert not db.exists()


def test_status_without_a_period_shows_last_month(run_ncctd) -> None:
    done = run_ncctd("status", "--format", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["period"] == str(Period.today().shift(-1))


# ---------------------------------------------------------------- arrivals (issue 14, part 2)


def _copy_samples(samples_dir: Path, dest: Path, *names: str) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    copies = []
    for name in names:
        target = dest / name
        target.write_bytes((samples_dir / name).read_bytes())
        copies.append(target)
    return copies


def test_archive_loaded_with_arrival_unknown_is_not_late(run_ncctd, db: Path, samples_dir: Path) -> None:
    done = run_ncctd("--db", db, "ingest", "--received-at", "không rõ", samples_dir)
    assert done.returncode in (0, 1), done.stderr  # the two refused samples
    data = json.loads(run_ncctd("--db", db, "status", "--period", "2024-01", "--format", "json").stdout)
    received = [c for c in data["communes"] if c["received"]]
    assert len(received) == 14
    assert {(c["state"], c["on_time"], c["received_at"]) for c in received} == {("unknown", None, None)}
    assert data["late"] == 0 and data["on_time"] == 0 and data["unknown"] == 14
    table = run_ncctd("--db", db, "status", "--period", "2024-01").stdout
    assert "muộn" not in table.replace("0 muộn", "")
    assert "không rõ ngày đến" in table and "14 không rõ ngày đến" in table
    grid = run_ncctd("--db", db, "status", "--year", "2024").stdout
    line = next(x for x in grid.splitlines() if x.startswith("Xã Hồ Bốn"))
    assert line.split()[3:6] == ["?", "?", "✗"]
    en = run_ncctd("--db", db, "--lang", "en", "status", "--period", "2024-01").stdout
    assert "arrival day unknown" in en and "late" not in en.replace("0 late", "")


def test_arrivals_from_a_manifest_and_from_file_times(run_ncctd, db: Path, samples_dir: Path, tmp_path: Path) -> None:
    import os

    inbox = tmp_path / "inbox" / "2024-01"
    files = _copy_samples(samples_dir, inbox, "bc_04462_2024-01.xlsx", "bc_04477_2024-01.ods", "bc_04465_2024-01.xls")
    manifest = tmp_path / "arrivals.csv"
    manifest.write_text(
        "Tên file;Ngày nhận\n2024-01/bc_04462_2024-01.xlsx;03/02/2024\nbc_04477_2024-01.ods;không rõ\n",
        encoding="utf-8",
    )
    stamp = dt.datetime(2024, 2, 20, 9, 0).timestamp()
    os.utime(files[2], (stamp, stamp))  # not in the manifest: its modification time
    done = run_ncctd("--db", db, "ingest", "--arrivals", manifest, "--received-at", "mtime", *files)
    assert done.returncode == 0, done.stderr
    data = json.loads(run_ncctd("--db", db, "status", "--period", "2024-01", "--format", "json").stdout)
    by_code = {c["code"]: c for c in data["communes"]}
    assert by_code["04462"]["state"] == "on_time" and by_code["04462"]["received_at"].startswith("2024-02-03")
    assert by_code["04477"]["state"] == "unknown"
    assert by_code["04465"]["state"] == "late" and by_code["04465"]["received_at"].startswith("2024-02-20")
    assert by_code["04465"]["days_late"] == 15


def test_arrival_options_refuse_what_they_cannot_read(run_ncctd, db: Path, samples_dir: Path, tmp_path: Path) -> None:
    one = samples_dir / "bc_04462_2024-01.xlsx"
    bad_day = run_ncctd("--db", db, "ingest", "--received-at", "hôm qua", one)
    assert bad_day.returncode == 2 and "không phải một ngày" in bad_day.stderr
    manifest = tmp_path / "arrivals.csv"
    manifest.write_text("file,day\nbc_04462_2024-01.xlsx,31/02/2024\n", encoding="utf-8")
    bad_line = run_ncctd("--db", db, "ingest", "--arrivals", manifest, one)
    assert bad_line.returncode == 2 and "dòng 2" in bad_line.stderr and "31/02/2024" in bad_line.stderr
    manifest.write_text("bc_04462_2024-01.xlsx,2999-01-01\n", encoding="utf-8")
    future = run_ncctd("--db", db, "ingest", "--arrivals", manifest, one)
    assert future.returncode == 2 and "sau hôm nay" in future.stderr
    for done in (bad_day, bad_line, future):
        assert "Traceback" not in done.stderr
    assert not db.exists()


def test_arrival_unknown_survives_a_correction(store: Store) -> None:
    ret = Return(file="old.xlsx", sheet="Báo cáo", layout="form", arrival_known=False)
    ret.commune_text, ret.period_text = "04462", str(JAN)
    ret.values = {"leader_visits": Value("leader_visits", 5, "E13")}
    check_returns([ret], store.catalog)
    store.save(ret)
    put(store, "04462", JAN, "2024-03-01T08:00:00+07:00", visits=9, replace=True)
    entry = month_status(store, JAN, today=dt.date(2024, 4, 1)).entry("04462", JAN)
    assert entry.state == "unknown" and entry.receipt is not None and entry.receipt.versions == 2
