"""Make ``v1.sqlite``: a store written by the release whose schema is version 1.

Must run with the CODE of commit a5fa1bc (the last commit before store migrations), so that
the file is what clerks' stores really look like, not what today's code would write::

    git worktree add --detach /tmp/ncctd-v1 a5fa1bc
    python tests/data/stores/make_v1.py --code /tmp/ncctd-v1     # any venv with the deps
    git worktree remove /tmp/ncctd-v1

What it holds: the 43 sample files of tests/data/samples-2024q1/returns ingested
(41 returns stored, 2 refused), received on 2024-03-04; then Thị trấn Mù Căng Chải's return for
2024-03 sent again with --replace on 2024-04-08, with other values that bring two
warnings (listeners fewer than sessions; a stock that decreased), so that the store has a
return with two versions and stored problems. VACUUMed with 4 KB pages, WAL files merged in.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

COMMIT = "a5fa1bc"
HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "samples-2024q1"
COMMUNE, PERIOD, EARLIER = "04456", "2024-03", "2024-02"  # Thị trấn Mù Căng Chải


def ncctd(code: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The old release's ``ncctd`` (its package first on the path; ``cwd`` holds none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NCCTD_")}
    env["PYTHONPATH"] = str(code)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "ncctd_cli", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd, check=False,
    )


def check_code(code: Path) -> None:
    head = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not head.startswith(COMMIT):
        sys.exit(f"{code} is at {head[:7]}, not {COMMIT}")
    env = {**os.environ, "PYTHONPATH": str(code)}
    found = subprocess.run(
        [sys.executable, "-c", "import ncctd_cli.store as s; print(s.__file__, s.SCHEMA_VERSION)"],
        capture_output=True, text=True, env=env, cwd=code, check=True,
    ).stdout.split()
    if not Path(found[0]).resolve().is_relative_to(code.resolve()) or found[1] != "1":
        sys.exit(f"the old code was not the one imported: {found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, required=True, help=f"a checkout of {COMMIT}")
    parser.add_argument("--out", type=Path, default=HERE / "v1.sqlite")
    args = parser.parse_args()
    check_code(args.code)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "v1.sqlite"
        done = ncctd(args.code, "--db", db, "-q", "ingest", "--received-at", "2024-03-04", "returns",
                     cwd=SAMPLES)
        if done.returncode != 1 or "Traceback" in done.stderr:  # 1: two files refused
            sys.exit(f"ingest: {done.returncode}\n{done.stdout}\n{done.stderr}")

        conn = sqlite3.connect(db)
        values = dict(conn.execute(
            "SELECT v.indicator, v.value FROM returns r JOIN return_values v ON v.return_id = r.id "
            "WHERE r.commune = ? AND r.period = ? AND r.is_current = 1", (COMMUNE, PERIOD)))
        [earlier] = conn.execute(
            "SELECT v.value FROM returns r JOIN return_values v ON v.return_id = r.id "
            "WHERE r.commune = ? AND r.period = ? AND v.indicator = 'cooperatives_total'",
            (COMMUNE, EARLIER)).fetchone()
        conn.close()
        values["propaganda_listeners"] = values["propaganda_sessions"] - 1
        values["cooperatives_total"] = earlier - 1
        values["trees_planted"] += 10
        correction = Path(tmp) / f"bc_{COMMUNE}_{PERIOD}_sua.csv"
        with correction.open("w", encoding="utf-8", newline="") as fh:
            fh.write("commune,period,indicator,value\n")
            for code, value in values.items():
                fh.write(f"{COMMUNE},{PERIOD},{code},{value:g}\n")
        done = ncctd(args.code, "--db", db, "-q", "ingest", "--replace", "--received-at", "2024-04-08",
                     correction.name, cwd=Path(tmp))
        if done.returncode != 0 or "Traceback" in done.stderr:
            sys.exit(f"replace: {done.returncode}\n{done.stdout}\n{done.stderr}")

        conn = sqlite3.connect(db, isolation_level=None)
        counts = conn.execute(
            "SELECT (SELECT COUNT(*) FROM returns), (SELECT SUM(is_current) FROM returns), "
            "(SELECT COUNT(*) FROM problems), "
            "(SELECT value FROM meta WHERE key = 'schema_version')").fetchone()
        assert counts[:2] == (42, 41) and counts[2] >= 2 and counts[3] == "1", counts
        # 4 KB pages (the release made 16 KB ones): a quarter of the size in the repository,
        # and the schema, the rows and the WAL mode are what the release wrote
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("VACUUM")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()  # the last connection: the WAL is merged into the file and removed
        assert not Path(str(db) + "-wal").exists()
        args.out.write_bytes(db.read_bytes())
    print(f"{args.out}: {counts[0]} returns ({counts[1]} current), {counts[2]} problems, "
          f"{args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
