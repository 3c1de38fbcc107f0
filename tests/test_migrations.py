"""Store migrations: a store made by the release of schema 1 (tests/data/stores/v1.sqlite,
see make_v1.py there) opened by this code.

What the store said before is read from the v1 file with plain SQLite queries, never from
ncctd, and compared with what the real ``ncctd`` (a subprocess) says after migrating it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ncctd_cli import __version__, migrations
from ncctd_cli.migrations import LATEST_VERSION, Migration
from ncctd_cli.store import Store, StoreError
from tests.conftest import DATA
from tests.test_concurrency import popen, read_only

V1 = DATA / "stores" / "v1.sqlite"
DATA_TABLES = ("returns", "return_values", "facts", "problems")
CATALOG_TABLES = ("indicators", "communes", "rules", "settings")
ALL_STEPS = [(m.version,) for m in migrations.MIGRATIONS]  # what migrating a v1 store records
UPGRADED = "Đã nâng cấp kho dữ liệu"


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    """A copy of the v1 store, alone in a folder of its own."""
    folder = tmp_path / "kho"
    folder.mkdir()
    db = folder / "ncctd.sqlite"
    shutil.copyfile(V1, db)
    return db


def query(db: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    # the file in the repository is only ever read, as a file nobody writes
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro&immutable=1", uri=True) if db == V1 else sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def schema(db: Path) -> list[tuple[str, str, str, str | None]]:
    return sorted(query(db, "SELECT type, name, tbl_name, sql FROM sqlite_master"))


def rows(db: Path, table: str, columns: str = "*") -> list[tuple[Any, ...]]:
    return sorted(query(db, f"SELECT {columns} FROM {table}"), key=repr)


def counts(db: Path) -> dict[str, int]:
    return {t: query(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in DATA_TABLES}


def v1_columns(db: Path, table: str) -> str:
    """The columns a table had in schema 1 (what the v1 file holds)."""
    return ", ".join(row[1] for row in query(db, f"PRAGMA table_info({table})"))


def schema_version(db: Path) -> str:
    return query(db, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0]


def sibling_names(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir())


def ncctd_json(run_ncctd, db: Path, *args: str) -> dict[str, Any]:
    done = run_ncctd("--db", db, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


# ------------------------------------------------------------------ what v1 said, by SQL


def v1_figures(db: Path) -> dict[str, Any]:
    """What rollup, status and history must say, read from the store with SQL only."""
    facts: dict[str, dict[str, dict[str, float]]] = {}
    for period, commune, indicator, value in query(db, "SELECT * FROM facts"):
        facts.setdefault(period, {}).setdefault(commune, {})[indicator] = value
    summed = dict(
        query(
            db,
            "SELECT f.indicator, SUM(f.value) FROM facts f JOIN indicators i ON i.code = f.indicator "
            "WHERE i.over_time = 'sum' GROUP BY f.indicator",
        )
    )
    status: dict[str, dict[str, tuple[Any, ...]]] = {}
    for commune, period, first, file, versions, updated in query(
        db,
        "SELECT r.commune, r.period, MIN(a.received_at), r.file, COUNT(a.id), r.received_at "
        "FROM returns r JOIN returns a ON a.commune = r.commune AND a.period = r.period "
        "WHERE r.is_current = 1 GROUP BY r.id",
    ):
        status.setdefault(period, {})[commune] = (first, file, versions, updated)
    history: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rid, commune, period, version, received_at, file, sheet, sha256, current in query(
        db,
        "SELECT id, commune, period, version, received_at, file, sheet, sha256, is_current "
        "FROM returns ORDER BY commune, period, version",
    ):
        history.setdefault((commune, period), []).append(
            {
                "version": version, "received_at": received_at, "file": file, "sheet": sheet,
                "sha256": sha256, "current": bool(current),
                "values": dict(query(db, "SELECT indicator, value FROM return_values WHERE return_id = ?", (rid,))),
            }
        )
    communes = [c for (c,) in query(db, "SELECT code FROM communes ORDER BY position")]
    return {"facts": facts, "summed": summed, "status": status, "history": history, "communes": communes}


def check_reads_as(run_ncctd, db: Path, before: dict[str, Any]) -> None:
    """rollup, status and history of ``db`` (the real CLI) say what ``before`` holds."""
    periods = sorted(before["facts"])
    whole = ncctd_json(run_ncctd, db, "rollup")
    assert (whole["from"], whole["to"]) == (periods[0], periods[-1])
    for code, total in before["summed"].items():
        assert whole["totals"][code] == pytest.approx(total), code
    for period in periods:
        month = ncctd_json(run_ncctd, db, "rollup", "--from", period, "--to", period, "--by", "commune")
        # what the month holds (stocks carried from earlier months, issue 14, are not its facts)
        got = {
            r["commune"]: {k: v for k, v in r["values"].items()
                           if v is not None and k not in {c["indicator"] for c in r["carried"]}}
            for r in month["rows"]
        }
        assert {c: v for c, v in got.items() if v} == before["facts"][period]

        status = ncctd_json(run_ncctd, db, "status", "--period", period)
        assert [c["code"] for c in status["communes"]] == before["communes"]
        received = before["status"][period]
        assert status["received"] == len(received)
        for entry in status["communes"]:
            assert entry["received"] == (entry["code"] in received)
            if entry["received"]:
                got_status = (entry["received_at"], entry["file"], entry["versions"], entry["updated_at"])
                assert got_status == received[entry["code"]]
    for (commune, period), versions in before["history"].items():
        if len(versions) > 1 or (commune, period) == ("04495", "2024-02"):
            history = ncctd_json(run_ncctd, db, "history", "--commune", commune, "--period", period)
            assert [{k: v[k] for k in versions[0]} for v in history["versions"]] == versions


# ------------------------------------------------------------------ the schema


def test_the_v1_store_is_what_the_release_wrote() -> None:
    assert schema_version(V1) == "1"
    assert "migrations" not in {name for _, name, _, _ in schema(V1)}
    found = counts(V1)
    assert (found["returns"], found["problems"]) == (42, 2)
    assert found["return_values"] > found["facts"] > 40 * 20  # two versions of one return
    assert query(V1, "SELECT COUNT(*) FROM returns WHERE is_current = 1") == [(41,)]


def test_migrations_number_the_versions_one_by_one() -> None:
    assert [m.version for m in migrations.MIGRATIONS] == list(range(2, LATEST_VERSION + 1))
    assert all(m.description and "\n" not in m.description for m in migrations.MIGRATIONS)
    assert [m.version for m in migrations.pending(1)] == list(range(2, LATEST_VERSION + 1))
    assert migrations.pending(LATEST_VERSION) == []
    with pytest.raises(ValueError):
        migrations.pending(LATEST_VERSION + 1)
    assert migrations.split_sql("CREATE TABLE t (a TEXT DEFAULT ';'); DROP TABLE u;\n") == [
        "CREATE TABLE t (a TEXT DEFAULT ';');",
        "DROP TABLE u;",
    ]


def test_a_new_store_has_the_schema_of_a_migrated_one(tmp_path: Path, v1: Path) -> None:
    fresh = tmp_path / "new.sqlite"
    with Store.open(fresh) as store:
        assert store.migrated is None
    with Store.open(v1) as store:
        assert store.migrated is not None
    assert schema(fresh) == schema(v1)
    assert schema_version(fresh) == schema_version(v1) == str(LATEST_VERSION)
    assert query(fresh, "SELECT COUNT(*) FROM migrations") == [(0,)]  # created as it is: none run


# ------------------------------------------------------------------ migrating in place


def test_a_v1_store_reads_the_same_once_migrated(run_ncctd, v1: Path) -> None:
    before = v1_figures(v1)
    before_counts = counts(v1)
    before_rows = {t: rows(v1, t) for t in (*DATA_TABLES, *CATALOG_TABLES)}
    v1_kept = {t: v1_columns(v1, t) for t in (*DATA_TABLES, *CATALOG_TABLES)}  # later migrations add columns

    done = run_ncctd("--db", v1, "status", "--period", "2024-03")  # the first open migrates
    assert done.returncode == 0, done.stderr
    backup = v1.with_name("ncctd.sqlite.v1.bak")
    assert done.stderr.strip().splitlines() == [
        f"{UPGRADED} {v1} từ lược đồ phiên bản 1 lên {LATEST_VERSION}; "
        f"bản sao lưu trước khi nâng cấp: {backup}"
    ]
    check_reads_as(run_ncctd, v1, before)
    again = run_ncctd("--db", v1, "rollup")
    assert again.returncode == 0 and again.stderr == ""  # said once

    # nothing lost, nothing changed but the schema
    assert counts(v1) == before_counts
    for table, kept in before_rows.items():
        assert rows(v1, table, v1_kept[table]) == kept, table
    assert query(v1, "SELECT DISTINCT params FROM problems") == [("{}",)]
    assert "group_name" in v1_columns(v1, "indicators")
    assert not query(v1, "SELECT 1 FROM sqlite_master WHERE name = 'facts_commune'")

    # recorded
    assert schema_version(v1) == str(LATEST_VERSION)
    recorded = query(v1, "SELECT * FROM migrations ORDER BY version")
    assert [(v, d, by) for v, d, _, by in recorded] == [
        (m.version, m.description, __version__) for m in migrations.MIGRATIONS
    ]
    assert all(at[:4].isdigit() and "T" in at for _, _, at, _ in recorded)

    # the copy from before: the v1 store as it was, one file
    assert sibling_names(v1) == ["ncctd.sqlite", "ncctd.sqlite.v1.bak"]
    assert schema_version(backup) == "1" and schema(backup) == schema(V1)
    for table, kept in before_rows.items():
        assert rows(backup, table) == kept, table
    assert query(backup, "PRAGMA journal_mode") == [("delete",)]


def test_reopening_a_migrated_store_changes_nothing(run_ncctd, v1: Path) -> None:
    with Store.open(v1) as store:
        assert store.migrated is not None
        assert (store.migrated.from_version, store.migrated.to_version) == (1, LATEST_VERSION)
        assert store.migrated.backup == v1.with_name("ncctd.sqlite.v1.bak")
    migrated = schema(v1)
    for opener in (Store.open, Store.open_readonly, Store.scratch):
        with opener(v1) as store:
            assert store.migrated is None, opener
    done = run_ncctd("--db", v1, "ingest", DATA / "samples-2024q1" / "returns" / "bc_04456_2024-01.xlsx")
    assert done.returncode == 0, done.stderr
    assert UPGRADED not in done.stderr
    assert schema(v1) == migrated
    assert query(v1, "SELECT version FROM migrations") == ALL_STEPS
    assert sibling_names(v1) == ["ncctd.sqlite", "ncctd.sqlite.v1.bak"]


def test_an_earlier_copy_is_never_overwritten(v1: Path) -> None:
    earlier = v1.with_name("ncctd.sqlite.v1.bak")
    earlier.write_bytes(b"an earlier copy")
    with Store.open_readonly(v1) as store:  # a writable file: migrated in place by a reader too
        assert store.migrated is not None
        assert store.migrated.backup == v1.with_name("ncctd.sqlite.v1-2.bak")
    assert earlier.read_bytes() == b"an earlier copy"
    assert schema_version(v1.with_name("ncctd.sqlite.v1-2.bak")) == "1"


def test_a_migration_that_fails_leaves_the_store_as_it_was(monkeypatch, v1: Path) -> None:
    before = v1.read_bytes()

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE problems ADD COLUMN params TEXT NOT NULL DEFAULT '{}'")
        raise sqlite3.OperationalError("disk I/O error")

    steps = [Migration(2, "fails half way", half_done), *migrations.MIGRATIONS[1:]]
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    with pytest.raises(StoreError):
        Store.open(v1)
    assert schema(v1) == schema(V1) and schema_version(v1) == "1"
    assert rows(v1, "problems") == rows(V1, "problems")
    assert sibling_names(v1) == ["ncctd.sqlite"]  # no copy left of a store that did not change
    monkeypatch.undo()
    with Store.open(v1) as store:  # and the next open migrates it
        assert store.migrated is not None
    assert v1.read_bytes() != before


# ------------------------------------------------------------------ read-only, newer, at once


def test_a_read_only_v1_store_is_read_through_a_migrated_copy(run_ncctd, v1: Path) -> None:
    before = v1_figures(v1)
    before_bytes = v1.read_bytes()
    folder = v1.parent
    with read_only(v1, folder):
        done = run_ncctd("--db", v1, "rollup", "--format", "json")
        assert done.returncode == 0, done.stderr
        assert "bộ nhớ" in done.stderr and str(v1) in done.stderr and "Traceback" not in done.stderr
        check_reads_as(run_ncctd, v1, before)
        with Store.open_readonly(v1) as store:
            assert store.migrated is not None and store.migrated.in_memory
            assert store.migrated.backup is None
            assert store.persistent and store.path == v1
            assert store.catalog.indicators
            with pytest.raises(sqlite3.OperationalError):  # a copy: writes would be lost
                store.conn.execute("DELETE FROM facts")
        done = run_ncctd("--db", v1, "ingest", DATA / "samples-2024q1" / "returns" / "bc_04456_2024-01.xlsx")
        assert done.returncode == 3 and "Traceback" not in done.stderr
    assert v1.read_bytes() == before_bytes
    assert sibling_names(v1) == ["ncctd.sqlite"]


@pytest.mark.parametrize("version", [str(LATEST_VERSION + 1), "99", "hai"])
def test_a_store_of_a_newer_or_unknown_schema_is_refused(run_ncctd, v1: Path, version: str) -> None:
    conn = sqlite3.connect(v1)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    conn.commit()
    conn.close()
    before = v1.read_bytes()
    words = "mới hơn" if version.isdigit() else "bị hỏng"
    sample = DATA / "samples-2024q1" / "returns" / "bc_04456_2024-01.xlsx"
    for args in (
        ("rollup",),
        ("status", "--period", "2024-01"),
        ("ingest", sample),
        ("ingest", "--dry-run", sample),
        ("validate", sample),
    ):
        done = run_ncctd("--db", v1, *args)
        assert done.returncode == 3, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and words in done.stderr, (args, done.stderr)
        assert str(v1) in done.stderr
    if version.isdigit():
        assert f"phiên bản {version}" in done.stderr and "cập nhật ncctd" in done.stderr
    for opener in (Store.open, Store.open_readonly, Store.scratch):
        with pytest.raises(StoreError):
            opener(v1)
    assert v1.read_bytes() == before
    assert sibling_names(v1) == ["ncctd.sqlite"]


def test_a_store_migrated_while_waiting_for_the_lock_is_not_migrated_again(v1: Path) -> None:
    """The version is read again under the write lock: the second opener finds it done."""
    other = sqlite3.connect(v1, isolation_level=None)  # another process, migrating
    other.execute("BEGIN IMMEDIATE")
    opened: list[Store | BaseException] = []

    def open_store() -> None:
        try:
            opened.append(Store.open(v1, timeout=20))
        except BaseException as exc:
            opened.append(exc)

    waiting = threading.Thread(target=open_store)
    waiting.start()
    time.sleep(0.5)  # it has read version 1 and waits for the write lock
    assert not opened
    migrations.migrate(other, 1, "the other process")
    other.execute("COMMIT")
    other.close()
    waiting.join(30)
    [store] = opened
    assert isinstance(store, Store), store
    assert store.migrated is None
    store.close()
    assert query(v1, "SELECT version, ncctd_version FROM migrations") == [(v, "the other process") for (v,) in ALL_STEPS]
    assert sibling_names(v1) == ["ncctd.sqlite"]


def test_processes_opening_an_old_store_at_once_migrate_it_once(v1: Path, tmp_path: Path) -> None:
    before = v1_figures(v1)
    sample = DATA / "samples-2024q1" / "returns" / "bc_04456_2024-01.xlsx"  # stored already
    runs = [("ingest", sample), ("rollup", "--format", "json"), ("status", "--period", "2024-01")] * 3
    procs = [popen("--db", v1, *args, cwd=tmp_path) for args in runs]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
    said = [stderr for _, stderr in outputs if UPGRADED in stderr]
    assert len(said) == 1, [stderr for _, stderr in outputs]
    assert query(v1, "SELECT version FROM migrations") == ALL_STEPS
    assert sibling_names(v1) == ["ncctd.sqlite", "ncctd.sqlite.v1.bak"]
    totals = json.loads(outputs[1][0])["totals"]
    for code, total in before["summed"].items():
        assert totals[code] == pytest.approx(total)
