"""Measure ncctd on the wild corpus (issue 12): every case ingested by the real ``ncctd`` into a
throwaway store, its stored values read back with ``ncctd history``, and judged against the
case's expectation. Prints one line per case and a summary per class.

    python -m tests.wild_report                  # the whole corpus, in a temporary folder
    python -m tests.wild_report --only i- j-     # cases whose name starts so
    python -m tests.wild_report --keep /tmp/wild # keep the corpus and stores to look at
    python -m tests.wild_report --json out.json  # the results for a machine

Exit status 1 when any case fails. A store is needed (not ``--dry-run``) because the ingest report does not carry the values: the
only way to see what a person would get is to store them and read them back. Each case has its
own copy of a freshly initialised store, so nothing leaks between cases.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.wild_corpus import CLASSES, Case, Expect, Refusal, build, corpus

TIMEOUT = 120


@dataclass(frozen=True)
class Problem:
    code: str
    cell: str | None
    message: str


@dataclass(frozen=True)
class Outcome:
    """What ncctd did with one case, and whether that is what the case expects."""

    case: Case
    ok: bool
    got: str
    stored: dict[tuple[str, str], dict[str, float]]
    refusals: tuple[Problem, ...]
    exit_code: int

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case.name,
            "class": self.case.klass,
            "ok": self.ok,
            "expected": self.case.expect.label(),
            "got": self.got,
            "exit_code": self.exit_code,
            "stored": [{"commune": c, "period": p, "values": v} for (c, p), v in self.stored.items()],
            "refusals": [p.__dict__ for p in self.refusals],
        }


def _env() -> dict[str, str]:
    """The user's environment without ncctd's settings; bytecode caching on (a harness that sets
    PYTHONDONTWRITEBYTECODE makes every one of the ~200 runs recompile ncctd: twice as slow)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NCCTD_", "NO_COLOR")) and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def ncctd(args: Sequence[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line, from this interpreter (the worktree's ncctd in its venv)."""
    return subprocess.run(
        [sys.executable, "-m", "ncctd_cli", *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", env=_env(), cwd=cwd, timeout=TIMEOUT,
    )


def fresh_store(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "template.sqlite"
    done = ncctd(["--db", store, "init"], cwd=folder)
    if done.returncode != 0:
        raise RuntimeError(f"ncctd init failed: {done.stderr}")
    return store


def _same(got: dict[str, float], want: dict[str, float]) -> bool:
    return got.keys() == want.keys() and all(
        abs(got[k] - want[k]) <= 1e-9 * max(1.0, abs(want[k])) for k in want)


def _found(wanted: Refusal, refusals: Iterable[Problem]) -> bool:
    return any(
        p.code == wanted.code
        and (wanted.cell is None or p.cell == wanted.cell)
        and (not wanted.mentions or any(m.lower() in p.message.lower() for m in wanted.mentions))
        for p in refusals)


def judge(expect: Expect, stored: dict[tuple[str, str], dict[str, float]],
          refusals: Sequence[Problem]) -> tuple[bool, list[str]]:
    """(met, what is wrong). Met: exactly the expected returns stored with exactly their values
    and the expected refusals found (none if none expected); or an acceptable clear no with
    nothing wrong stored."""
    want = {(r.commune, r.period): r.values for r in expect.read}
    wrong = [k for k, v in stored.items() if k not in want or not _same(v, want[k])]
    missing = [k for k in want if k not in stored]
    refused_ok = all(_found(r, refusals) for r in expect.refused)
    primary = not wrong and not missing and refused_ok and (bool(expect.refused) or not refusals)
    clear_no = not wrong and any(_found(r, refusals) for r in expect.alternatives)
    why = []
    for key in wrong:
        why.append(f"{key[0]} {key[1]} " + (_diff(stored[key], want[key]) if key in want else "stored, not expected"))
    why += [f"{c} {p} not stored" for c, p in missing]
    why += [f"no {r.label()}" for r in expect.refused if not _found(r, refusals)]
    if not expect.refused and refusals and not clear_no:
        why.append("refused")
    return primary or clear_no, why


def _diff(got: dict[str, float], want: dict[str, float]) -> str:
    parts = []
    for code in sorted(got.keys() | want.keys()):
        g, w = got.get(code), want.get(code)
        if g is None or w is None or abs(g - w) > 1e-9 * max(1.0, abs(w)):
            parts.append(f"{code}={_num(g)}≠{_num(w)}")
    return "WRONG " + ", ".join(parts[:3]) + (f" (+{len(parts) - 3})" if len(parts) > 3 else "")


def _num(v: float | None) -> str:
    return "∅" if v is None else f"{v:g}"


def run_case(case: Case, corpus_dir: Path, template: Path, stores: Path) -> Outcome:
    folder = corpus_dir / case.name
    store = stores / f"{case.name}.sqlite"
    shutil.copy(template, store)
    try:
        done = ncctd(["--db", store, "ingest", "--format", "json", *case.files], cwd=folder)
    except subprocess.TimeoutExpired:
        return Outcome(case, False, f"timeout after {TIMEOUT} s", {}, (), -1)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return Outcome(case, False, f"no JSON, exit {done.returncode}: {tail[:80]}", {}, (), done.returncode)
    stored: dict[tuple[str, str], dict[str, float]] = {}
    refusals: list[Problem] = []
    for ret in report.get("returns", []):
        if ret["status"] in ("stored", "replaced", "unchanged"):
            key = (ret["commune"], ret["period"])
            if key not in stored:
                stored[key] = _current_values(store, folder, *key)
        elif ret["status"] == "rejected":
            refusals += [Problem(p["code"], p.get("cell"), p.get("message", ""))
                         for p in ret["problems"] if p.get("severity") == "error"]
    skipped = report.get("skipped", [])
    ok, why = judge(case.expect, stored, refusals)
    got = _describe(ok, case.expect, stored, refusals, skipped, why)
    return Outcome(case, ok, got, stored, tuple(refusals), done.returncode)


CURRENT_VALUES = """
SELECT v.indicator, v.value FROM returns r JOIN return_values v ON v.return_id = r.id
WHERE r.commune = ? AND r.period = ? AND r.is_current = 1
"""


def _current_values(store: Path, folder: Path, commune: str, period: str) -> dict[str, float]:
    """The stored values of a commune-month: read from the store (fast), or, should its schema
    change, through ``ncctd history`` (the public way, ~0.2 s a call)."""
    try:
        with closing(sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)) as db:
            return {k: float(v) for k, v in db.execute(CURRENT_VALUES, (commune, period))}
    except sqlite3.Error:
        return _history_values(store, folder, commune, period)


def _history_values(store: Path, folder: Path, commune: str, period: str) -> dict[str, float]:
    done = ncctd(["--db", store, "history", "--commune", commune, "--period", period,
                  "--format", "json"], cwd=folder)
    history = json.loads(done.stdout)
    current = [v for v in history["versions"] if v.get("current")]
    return {k: float(v) for k, v in current[-1]["values"].items()} if current else {}


def _describe(ok: bool, expect: Expect, stored: dict[tuple[str, str], dict[str, float]],
              refusals: Sequence[Problem], skipped: Sequence[str], why: Sequence[str]) -> str:
    want = {(r.commune, r.period): r.values for r in expect.read}
    parts = []
    good = [k for k in stored if k in want and _same(stored[k], want[k])]
    if good:
        parts.append("read " + ", ".join(f"{c} {p}" for c, p in good))
    parts += [w for w in why if w != "refused" and not w.startswith("no ")
              and not (ok and w.endswith("not stored"))]
    if refusals:
        codes = Counter(p.code + (f"@{p.cell}" if p.cell and p.code not in ("no-return",) else "")
                        for p in refusals)
        parts.append("refused " + ", ".join(f"{c}×{n}" if n > 1 else c for c, n in codes.items()))
    if skipped:
        parts.append(f"skipped {len(skipped)} file(s)")
    return "; ".join(parts) or "nothing"


def run_corpus(cases: Sequence[Case], corpus_dir: Path, work: Path, *, jobs: int | None = None) -> list[Outcome]:
    """Run every case (already built into ``corpus_dir``) in parallel; results in case order."""
    stores = work / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    template = fresh_store(work / "template")
    workers = jobs or max(2, min(8, 2 * (os.cpu_count() or 1)))  # runs wait on I/O too
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: run_case(c, corpus_dir, template, stores), cases))


def table(outcomes: Sequence[Outcome], *, width: int = 60) -> str:
    def cut(text: str, n: int) -> str:
        return text if len(text) <= n else text[: n - 1] + "…"

    lines = [f"{'class':7} {'case':40} {'expected':{width}} {'got':{width}} result"]
    for o in outcomes:
        lines.append(f"{o.case.klass:7} {cut(o.case.name, 40):40} {cut(o.case.expect.label(), width):{width}} "
                     f"{cut(o.got, width):{width}} {'OK' if o.ok else 'FAIL'}")
    return "\n".join(lines)


def summary(outcomes: Sequence[Outcome]) -> str:
    lines = [f"{'class':8} {'ok':>3} {'fail':>4}  about"]
    for klass, about in CLASSES.items():
        mine = [o for o in outcomes if o.case.klass == klass]
        if mine:
            ok = sum(o.ok for o in mine)
            lines.append(f"{klass:8} {ok:3} {len(mine) - ok:4}  {about}")
    ok = sum(o.ok for o in outcomes)
    lines.append(f"{'total':8} {ok:3} {len(outcomes) - ok:4}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=[], help="case name prefixes")
    parser.add_argument("--keep", type=Path, help="build the corpus and stores here, and keep them")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--jobs", type=int, help="parallel cases (default: twice the CPUs, 2 to 8)")
    parser.add_argument("--width", type=int, default=60, help="column width of the table")
    args = parser.parse_args(argv)
    cases = [c for c in corpus() if not args.only or c.name.startswith(tuple(args.only))]
    work = args.keep or Path(tempfile.mkdtemp(prefix="wild-report-"))
    try:
        if args.keep and (work / "corpus").exists():
            shutil.rmtree(work / "corpus")
        build(work / "corpus", [c.name for c in cases])
        outcomes = run_corpus(cases, work / "corpus", work, jobs=args.jobs)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(outcomes, width=args.width))
    print()
    print(summary(outcomes))
    if args.json:
        args.json.write_text(json.dumps([o.to_json() for o in outcomes], ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
