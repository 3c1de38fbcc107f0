"""``kill -9`` in the middle of a large import: the store stays whole, every return is
either wholly in or wholly out, and running the import again finishes the job."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import _env
from tests.test_concurrency import (
    ncctd_args,
    rollup_json,
    stored_values,
    window_of,
    write_long_returns,
)


def count_stored(db: Path) -> int:
    """How many returns are stored, read-only (never creating or changing the store)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet, or its schema not yet committed
        return 0


def kill_mid_import(db: Path, folder: Path, cwd: Path, total: int) -> int:
    """Start ``ncctd ingest folder``; once about a third of the returns are stored, SIGKILL
    it. Returns how many returns were stored when it was killed (-1: it finished first)."""
    proc = subprocess.Popen(
        ncctd_args("--db", db, "-q", "ingest", folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=cwd,
    )
    seen = 0
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            seen = count_stored(db)
            if seen >= total // 3:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != -signal.SIGKILL:
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        return -1
    if seen >= total:  # killed, but only after the last return was in: not a crash mid-import
        return -1
    return seen


def check_crash_and_rerun(run_ncctd, tmp_path: Path, months: int) -> None:
    # Should the import ever get so fast that it ends before it can be killed, try again with
    # more returns rather than test nothing.
    for attempt in range(3):
        folder = tmp_path / f"returns-{attempt}"
        files = write_long_returns(folder, months * (attempt + 1))
        total = 14 * len(files)
        db = tmp_path / f"killed-{attempt}.sqlite"
        if kill_mid_import(db, folder, tmp_path, total) != -1:
            break
    else:
        pytest.fail("the import always ended before it could be killed")

    clean_db = tmp_path / "clean.sqlite"
    done = run_ncctd("--db", clean_db, "ingest", folder, "--format", "json", timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["stored"] == total
    clean_values = stored_values(clean_db)
    window = window_of(files)
    clean_totals = rollup_json(run_ncctd, clean_db, *window)
    clean_by_month = rollup_json(run_ncctd, clean_db, *window, "--by", "month")

    # the store is whole; every stored return has all its values, exactly the clean import's
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0]
        assert 0 < stored < total
        # facts (what roll-ups read) agree with the stored versions, value for value
        facts = conn.execute(
            "SELECT period, commune, indicator, value FROM facts ORDER BY 1, 2, 3"
        ).fetchall()
        versions = conn.execute(
            "SELECT r.period, r.commune, v.indicator, v.value FROM returns r "
            "JOIN return_values v ON v.return_id = r.id WHERE r.is_current = 1 ORDER BY 1, 2, 3"
        ).fetchall()
        assert facts == versions
    finally:
        conn.close()
    partial = stored_values(db)
    assert len(partial) == stored
    for key, values in partial.items():
        assert values == clean_values[key], key  # wholly in

    # running the same import again finishes the job
    done = run_ncctd("--db", db, "ingest", folder, "--format", "json", timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert summary["unchanged"] == stored
    assert summary["stored"] == total - stored
    assert summary["rejected"] == 0
    assert stored_values(db) == clean_values
    assert rollup_json(run_ncctd, db, *window) == clean_totals
    assert rollup_json(run_ncctd, db, *window, "--by", "month") == clean_by_month
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT COUNT(*), MAX(version) FROM returns").fetchone() == (total, 1)
    finally:
        conn.close()


def test_kill_9_mid_import_then_rerun(run_ncctd, tmp_path: Path) -> None:
    """1 400 returns in 100 files."""
    check_crash_and_rerun(run_ncctd, tmp_path, months=100)


@pytest.mark.slow
def test_kill_9_mid_large_import_then_rerun(run_ncctd, tmp_path: Path) -> None:
    """5 600 returns in 400 files (1992-03 … 2025-06)."""
    check_crash_and_rerun(run_ncctd, tmp_path, months=400)
