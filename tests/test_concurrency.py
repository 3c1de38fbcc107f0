"""Two writers at once, a locked store, a damaged store, a store that cannot be written.

Every run is the real ``ncctd`` in a subprocess; every figure is checked against a clean
import of the same files into a store of its own.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ncctd_cli.catalog import default_catalog
from tests.conftest import _env

# ------------------------------------------------------------------ shared helpers


def write_long_returns(
    folder: Path, months: int, *, last: tuple[int, int] = (2025, 6), seed: int = 7
) -> list[Path]:
    """``months`` CSV files in the long layout (``commune,period,indicator,value``), one per
    month going back from ``last``, each holding the 14 communes' returns with every indicator
    (the 14 units of the bundled catalog report until 2025-06: the 7 communes since).
    Values are random but valid (integers for integer indicators, ``12.3`` for the others)."""
    catalog = default_catalog()
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    year, month = last
    for n in range(months):
        index = year * 12 + (month - 1) - n
        period = f"{index // 12}-{index % 12 + 1:02d}"
        path = folder / f"thang_{period}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["commune", "period", "indicator", "value"])
            for commune in catalog.communes:
                for indicator in catalog.indicators:
                    if indicator.is_integer:
                        value: object = rng.randint(1, 60)
                    else:
                        value = f"{rng.randint(1, 40)}.{rng.randint(1, 9)}"
                    writer.writerow([commune.code, period, indicator.code, value])
        files.append(path)
    return sorted(files)


def ncctd_args(*args: object) -> list[str]:
    return [sys.executable, "-m", "ncctd_cli", *map(str, args)]


def popen(*args: object, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ncctd_args(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(env),
        cwd=cwd,
    )


def stored_values(db: Path) -> dict[tuple[str, str], dict[str, float]]:
    """Every current return in a store, read with SQLite directly: (commune, period) → values."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found: dict[tuple[str, str], dict[str, float]] = {}
        for commune, period, indicator, value in conn.execute(
            "SELECT r.commune, r.period, v.indicator, v.value FROM returns r "
            "JOIN return_values v ON v.return_id = r.id WHERE r.is_current = 1"
        ):
            found.setdefault((commune, period), {})[indicator] = value
        return found
    finally:
        conn.close()


def rollup_json(run_ncctd, db: Path, first: str, last: str, *extra: str) -> dict:
    done = run_ncctd("--db", db, "rollup", "--from", first, "--to", last, "--format", "json", *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def window_of(files: list[Path]) -> tuple[str, str]:
    periods = sorted(f.stem.removeprefix("thang_") for f in files)
    return periods[0], periods[-1]


@pytest.fixture
def batch(tmp_path: Path) -> list[Path]:
    """80 months x 14 communes = 1 120 returns in 80 CSV files."""
    return write_long_returns(tmp_path / "returns", 80)


@pytest.fixture
def clean(run_ncctd, tmp_path: Path, batch: list[Path]) -> dict:
    """A clean import of the batch, alone, into a store of its own: what every run must equal."""
    db = tmp_path / "clean.sqlite"
    done = run_ncctd("--db", db, "ingest", tmp_path / "returns", "--format", "json")
    assert done.returncode == 0, done.stderr
    first, last = window_of(batch)
    return {
        "db": db,
        "summary": json.loads(done.stdout)["summary"],
        "values": stored_values(db),
        "totals": rollup_json(run_ncctd, db, first, last),
        "by_commune": rollup_json(run_ncctd, db, first, last, "--by", "commune"),
        "window": (first, last),
    }


# ------------------------------------------------------------------ two writers


def test_two_imports_of_the_same_files_at_once(run_ncctd, tmp_path: Path, batch: list[Path], clean: dict) -> None:
    n = clean["summary"]["stored"]
    assert n == 14 * len(batch)
    db = tmp_path / "shared.sqlite"  # does not exist yet: both processes race to create it
    first = popen("--db", db, "ingest", tmp_path / "returns", "--format", "json", cwd=tmp_path)
    second = popen("--db", db, "ingest", tmp_path / "returns", "--format", "json", cwd=tmp_path)
    assert first.poll() is None or second.poll() is None  # really at the same time
    out = [p.communicate(timeout=300) for p in (first, second)]
    for proc, (_, stderr) in zip((first, second), out, strict=True):
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr
    reports = [json.loads(stdout) for stdout, _ in out]

    # every return was stored by exactly one of them; the other found it unchanged
    status: dict[tuple[str, str], list[str]] = {}
    for report in reports:
        for ret in report["returns"]:
            status.setdefault((ret["commune"], ret["period"]), []).append(ret["status"])
    assert len(status) == n
    assert all(sorted(s) == ["stored", "unchanged"] for s in status.values())
    assert sum(r["summary"]["stored"] for r in reports) == n
    assert sum(r["summary"]["unchanged"] for r in reports) == n

    # nothing lost, nothing doubled: one version each, values and totals as the clean import
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*), MAX(version) FROM returns").fetchone() == (n, 1)
    assert conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0] == sum(
        len(v) for v in clean["values"].values()
    )
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 2  # schema made once
    conn.close()
    assert stored_values(db) == clean["values"]
    assert rollup_json(run_ncctd, db, *clean["window"]) == clean["totals"]
    assert rollup_json(run_ncctd, db, *clean["window"], "--by", "commune") == clean["by_commune"]


def test_a_clerk_and_a_script_writing_different_returns(
    run_ncctd, tmp_path: Path, batch: list[Path], clean: dict
) -> None:
    db = tmp_path / "shared.sqlite"
    assert run_ncctd("--db", db, "init").returncode == 0
    odd, even = batch[0::2], batch[1::2]
    clerk = popen("--db", db, "ingest", *odd, "--format", "json", cwd=tmp_path)
    script = popen("--db", db, "ingest", *even, "--format", "json", cwd=tmp_path)
    results = [p.communicate(timeout=300) for p in (clerk, script)]
    for proc, (stdout, stderr), files in zip((clerk, script), results, (odd, even), strict=True):
        assert proc.returncode == 0, stderr
        assert json.loads(stdout)["summary"]["stored"] == 14 * len(files)
    assert stored_values(db) == clean["values"]
    assert rollup_json(run_ncctd, db, *clean["window"]) == clean["totals"]


def test_many_processes_creating_one_new_store(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    """Several first imports at the same instant into a store that does not exist yet."""
    files = sorted(samples_dir.glob("bc_*.xlsx"))[:6]
    db = tmp_path / "new.sqlite"
    procs = [popen("--db", db, "-q", "ingest", f, cwd=tmp_path) for f in files]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        assert stderr == ""
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0] == len(files)
    assert conn.execute("SELECT COUNT(*) FROM indicators").fetchone()[0] == len(default_catalog().indicators)
    conn.close()


# ------------------------------------------------------------------ locked


@contextlib.contextmanager
def holding_write_lock(db: Path, *, exclusive: bool = False) -> Iterator[sqlite3.Connection]:
    """Another program holding the store: a write transaction (readers still read), or with
    ``exclusive`` an exclusive lock nobody can even read through."""
    conn = sqlite3.connect(db, isolation_level=None)
    if exclusive:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")
    if exclusive:
        conn.execute("COMMIT")  # in exclusive mode the lock stays after the commit
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


@pytest.fixture
def small_store(run_ncctd, tmp_path: Path, samples_dir: Path) -> Path:
    db = tmp_path / "store.sqlite"
    done = run_ncctd("--db", db, "-q", "ingest", samples_dir / "bc_04456_2024-01.xlsx")
    assert done.returncode == 0, done.stderr
    return db


def test_store_locked_past_the_timeout_is_exit_3(run_ncctd, small_store: Path, samples_dir: Path) -> None:
    other = samples_dir / "bc_04456_2024-02.xlsx"
    with holding_write_lock(small_store):
        started = time.monotonic()
        done = run_ncctd("--db", small_store, "--timeout", "0.5", "ingest", other)
        waited = time.monotonic() - started
        assert done.returncode == 3, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert str(small_store) in done.stderr and "khoá" in done.stderr
        assert done.stdout == ""
        assert waited >= 0.5  # it did wait for the lock first
        # the same through the environment
        done = run_ncctd("--db", small_store, "ingest", other, env={"NCCTD_TIMEOUT": "0.3"})
        assert done.returncode == 3 and "Traceback" not in done.stderr
        # WAL: readers are not blocked by a writer
        done = run_ncctd("--db", small_store, "--timeout", "0.5", "rollup", "--format", "json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["reporting"]["received"] == 1
    # the lock gone, the same command goes through: the lock was the only reason
    done = run_ncctd("--db", small_store, "--timeout", "0.5", "ingest", other)
    assert done.returncode == 0, done.stderr


def test_exclusive_lock_stops_readers_too(run_ncctd, small_store: Path, samples_dir: Path) -> None:
    other = samples_dir / "bc_04456_2024-02.xlsx"
    with holding_write_lock(small_store, exclusive=True):
        for args in (
            ("rollup", "--format", "json"),
            ("ingest", "--dry-run", other),
            ("validate", other),
            ("ingest", other),
            ("indicators",),
        ):
            started = time.monotonic()
            done = run_ncctd("--db", small_store, "--timeout", "0.3", *args, timeout=30)
            assert done.returncode == 3, (args, done.stdout, done.stderr)
            assert "khoá" in done.stderr and "Traceback" not in done.stderr
            assert time.monotonic() - started < 20  # the timeout is honoured, not waited for ever


def test_a_writer_waits_for_a_short_lock(run_ncctd, small_store: Path, samples_dir: Path) -> None:
    """A lock released within the timeout only delays the import."""
    released = threading.Event()

    def hold() -> None:
        with holding_write_lock(small_store):
            time.sleep(1.0)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    started = time.monotonic()
    done = run_ncctd("--db", small_store, "--timeout", "20", "ingest", samples_dir / "bc_04456_2024-02.xlsx")
    holder.join()
    assert released.is_set()
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 0.5
    assert len(stored_values(small_store)) == 2


def test_bad_timeouts_are_usage_errors(run_ncctd, small_store: Path) -> None:
    done = run_ncctd("--db", small_store, "--timeout", "-1", "rollup")
    assert done.returncode == 2
    done = run_ncctd("--db", small_store, "rollup", env={"NCCTD_TIMEOUT": "lâu"})
    assert done.returncode == 2 and "NCCTD_TIMEOUT" in done.stderr


# ------------------------------------------------------------------ damaged


def _damaged_copies(source: Path, folder: Path) -> dict[str, Path]:
    folder.mkdir()
    garbage = folder / "rac.sqlite"
    garbage.write_bytes(b"day khong phai SQLite\n" * 200)
    truncated = folder / "cut.sqlite"
    data = source.read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    scribbled = folder / "scribbled.sqlite"
    scribbled.write_bytes(data[:4096] + b"\xff" * (len(data) - 4096))
    other = folder / "other-program.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    return {"garbage": garbage, "truncated": truncated, "scribbled": scribbled, "other": other}


@pytest.mark.parametrize("kind", ["garbage", "truncated", "scribbled", "other"])
def test_damaged_store_is_exit_3(run_ncctd, tmp_path: Path, small_store: Path, samples_dir: Path, kind: str) -> None:
    assert not small_store.with_name(small_store.name + "-wal").exists()  # all in the file
    bad = _damaged_copies(small_store, tmp_path / "damaged")[kind]
    before = bad.read_bytes()
    one = samples_dir / "bc_04456_2024-02.xlsx"
    for args in (
        ("ingest", one),
        ("ingest", "--dry-run", one),
        ("validate", one),
        ("rollup", "--from", "2024-01", "--to", "2024-03"),
        ("indicators",),
        ("communes",),
        ("init",),
    ):
        done = run_ncctd("--db", bad, *args)
        assert done.returncode == 3, (kind, args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert str(bad) in done.stderr
    assert bad.read_bytes() == before  # never "repaired" by writing into it


# ------------------------------------------------------------------ not writable


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and folders read-only, for root too (chattr +i), and undo it afterwards."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only file as root here: {done.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


def test_unwritable_store_is_exit_3_but_still_readable(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    db = folder / "store.sqlite"
    first = samples_dir / "bc_04456_2024-01.xlsx"
    assert run_ncctd("--db", db, "-q", "ingest", first).returncode == 0
    expected = rollup_json(run_ncctd, db, "2024-01", "2024-01")
    before = db.read_bytes()
    with read_only(db, folder):
        with pytest.raises(OSError):
            (folder / "probe").write_text("x")  # really read-only, even for this user
        done = run_ncctd("--db", db, "ingest", samples_dir / "bc_04456_2024-02.xlsx")
        assert done.returncode == 3, done.stdout + done.stderr
        assert "Traceback" not in done.stderr and str(db) in done.stderr
        # a new store in a read-only folder
        done = run_ncctd("--db", folder / "new.sqlite", "ingest", first)
        assert done.returncode == 3 and "Traceback" not in done.stderr
        # reading still works, and a dry run too
        assert rollup_json(run_ncctd, db, "2024-01", "2024-01") == expected
        done = run_ncctd("--db", db, "ingest", "--dry-run", first, "--format", "json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["summary"]["unchanged"] == 1
    assert db.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["store.sqlite"]


def test_missing_store_folder_is_exit_3(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    done = run_ncctd("--db", tmp_path / "khong-co" / "store.sqlite", "ingest", samples_dir / "bc_04456_2024-01.xlsx")
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert not (tmp_path / "khong-co").exists()
