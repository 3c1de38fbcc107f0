"""Make ``v2.sqlite``: a store written by the release whose schema is version 2.

Must run with the CODE of commit 79097d1 (the last commit before units over time were wired
into the store: schema 2, communes keyed by code alone), so that the file is what clerks'
stores really look like, not what today's code would write::

    git worktree add --detach /tmp/ncctd-v2 79097d1
    python tests/data/stores/make_v2.py --code /tmp/ncctd-v2     # any venv with the deps
    git worktree remove /tmp/ncctd-v2

What it holds: the 43 sample files of tests/data/samples-2024q1/returns ingested (41
returns stored, 2 refused), received on 2024-03-04, as in ``v1.sqlite``; then returns from
around the 2025 reorganisation, received on 2025-10-03, which that release (knowing the 14
communes of Mù Cang Chải only, for every month) stored under the old communes' codes:

- ``04480`` Xã Cao Phạ, 2025-06: before the change, an old unit's month;
- ``04462``, 2025-09: the code the new Xã Nậm Có reuses (a new unit's month under the old
  unit's code);
- ``Xã Mù Cang Chải``, 2025-09: the new commune's name, which that release read as the old
  Thị trấn Mù Căng Chải (04456, the code the new commune reuses);
- ``04459`` Xã Hồ Bốn, 2025-08: a unit merged into Xã Khao Mang from 2025-07, whose code no
  new unit took.

VACUUMed with 4 KB pages, WAL files merged in.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

COMMIT = "79097d1"
HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "samples-2024q1"
AROUND_THE_CHANGE = [  # (commune as written, period, trees_planted, enterprises_total)
    ("04480", "2025-06", 31, 4),
    ("04462", "2025-09", 12, 7),
    ("Xã Mù Cang Chải", "2025-09", 40, 19),
    ("04459", "2025-08", 5, 2),
]


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
    if not Path(found[0]).resolve().is_relative_to(code.resolve()) or found[1] != "2":
        sys.exit(f"the old code was not the one imported: {found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, required=True, help=f"a checkout of {COMMIT}")
    parser.add_argument("--out", type=Path, default=HERE / "v2.sqlite")
    args = parser.parse_args()
    check_code(args.code)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "v2.sqlite"
        done = ncctd(args.code, "--db", db, "-q", "ingest", "--received-at", "2024-03-04", "returns",
                     cwd=SAMPLES)
        if done.returncode != 1 or "Traceback" in done.stderr:  # 1: two files refused
            sys.exit(f"ingest: {done.returncode}\n{done.stdout}\n{done.stderr}")
        around = Path(tmp) / "quanh-thang-7-2025.csv"
        with around.open("w", encoding="utf-8", newline="") as fh:
            fh.write("commune,period,indicator,value\n")
            for commune, period, trees, enterprises in AROUND_THE_CHANGE:
                fh.write(f"{commune},{period},trees_planted,{trees}\n")
                fh.write(f"{commune},{period},enterprises_total,{enterprises}\n")
        done = ncctd(args.code, "--db", db, "-q", "ingest", "--received-at", "2025-10-03", around.name,
                     cwd=Path(tmp))
        if done.returncode != 0 or "Traceback" in done.stderr:
            sys.exit(f"around the change: {done.returncode}\n{done.stdout}\n{done.stderr}")

        conn = sqlite3.connect(db, isolation_level=None)
        counts = conn.execute(
            "SELECT (SELECT COUNT(*) FROM returns), (SELECT COUNT(*) FROM problems), "
            "(SELECT value FROM meta WHERE key = 'schema_version'), "
            "(SELECT COUNT(*) FROM migrations)").fetchone()
        assert counts[0] == 45 and counts[2] == "2" and counts[3] == 0, counts  # made at 2: no migration
        stored = conn.execute(
            "SELECT commune, period FROM returns WHERE period >= '2025-01' ORDER BY period, commune").fetchall()
        assert stored == [("04480", "2025-06"), ("04459", "2025-08"), ("04456", "2025-09"),
                          ("04462", "2025-09")], stored
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("VACUUM")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()  # the last connection: the WAL is merged into the file and removed
        assert not Path(str(db) + "-wal").exists()
        args.out.write_bytes(db.read_bytes())
    print(f"{args.out}: {counts[0]} returns, {counts[1]} problems, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
