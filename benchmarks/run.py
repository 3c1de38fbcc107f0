"""Run every benchmark side by side and print medians and ratios against the targets.

    python benchmarks/run.py            # the full run (2,000 forms, 10,000 communes × 12 months)
    python benchmarks/run.py --quick    # a few seconds: what CI runs (tests/test_benchmark_quick.py)

Every run is a real process, as a user starts it: ``ncctd`` (the console script installed
next to this Python) against the pandas scripts a user would write instead (``peer_*.py``).
Wall time and peak memory (the process's maximum resident set) are measured for each run;
the table shows medians. The results are written as JSON to ``benchmarks/out/``. The exit
status is 1 when a target is missed.

Every ``ncctd ingest`` runs with its default output, what a clerk sees (the summary and the
problem list on stdout, here captured to a file), not ``-q``/``--format json``.

Targets (issues 7 and 14): start-up within 1.5× of ``python -c "import click"``; 2,000 form
returns ingested ≥ 15× faster than the pandas loop, peak memory < 250 MB and flat in the
number of files; the national long CSV (2.88 million values) ingested within 12× of pandas'
read_csv + groupby, both as a mixed file (names, two month spellings, Vietnamese numbers) and
as a clean one (codes, ISO months, a decimal point, as a script writes it); the year's roll-up
within 2× of read_csv + groupby, < 2 GB, totals exact; a one-month roll-up costs the same on a
store twelve times bigger; the year's report workbook of the national store (``ncctd report``,
10,000 communes) in 15 s or less and under 1 GB. ``--quick`` runs small inputs with generous bounds:
it catches a regression that breaks the design, not a few per cent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import NATIONAL_YEAR, generate  # noqa: E402

FULL = {"forms": 2000, "communes": 10_000, "repeat": 5, "repeat_national": 3, "repeat_startup": 15}
QUICK = {"forms": 60, "communes": 150, "repeat": 3, "repeat_national": 3, "repeat_startup": 7}

# (what, how the ratio is read, bound for the full run, bound for --quick)
TARGETS = {
    "startup": ("ncctd --help ÷ python -c 'import click'", "max", 1.5, 2.5),
    "forms_speedup": ("pandas loop ÷ ncctd ingest (forms)", "min", 15.0, 1.5),
    "forms_peak_mb": ("peak memory of ncctd ingest (forms), MB", "max", 250.0, 250.0),
    # flat: four times the files, not four times the memory (what grows is the report and
    # the history, about 10 KB a return, not the files' contents)
    "forms_memory_growth": ("peak memory, all forms ÷ a quarter of them", "max", 1.5, 1.5),
    "national_ingest": ("ncctd ingest ÷ pandas read_csv+groupby (national)", "max", 12.0, 15.0),
    "national_clean_ingest": ("the same, a clean file (codes, ISO months, 12.5)", "max", 12.0, 15.0),
    "national_rollup": ("ncctd rollup (year) ÷ pandas read_csv+groupby", "max", 2.0, 3.0),
    "national_peak_mb": ("peak memory of ncctd ingest (national), MB", "max", 2048.0, 2048.0),
    "window_growth": ("one-month roll-up, big store ÷ small store", "max", 1.5, 3.0),
    "report_seconds": ("ncctd report (national year), seconds", "max", 15.0, 15.0),
    "report_peak_mb": ("peak memory of ncctd report (national), MB", "max", 1024.0, 1024.0),
}


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str


def run(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run a process to its end: its wall time, and the peak memory of it and its worker
    processes together (their resident sets summed, sampled every 10 ms, and never less
    than the process's own peak as wait4 reports it)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=cwd, env={**_env(), **(env or {})})
        peak = [0.0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, peak, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            message = err.read().decode("utf-8", errors="replace")
            raise RuntimeError(f"{' '.join(map(str, args))} failed ({code}):\n{message}")
        own = usage.ru_maxrss / 1024  # kilobytes on Linux
        return Run(seconds, max(own, peak[0]), out.read().decode("utf-8", errors="replace"))


def _sample_tree(pid: int, peak: list[float], done: threading.Event) -> None:
    """Every 10 ms, the resident sets of the process tree summed. Cheaply (``statm``, plain
    ``os`` calls, the tree walked every 50 ms): the sampler shares the machine with what it
    measures, and reading every ``status`` of a tree walked each time took 4 % of a core,
    taken from ncctd's two."""
    page_kb = os.sysconf("SC_PAGE_SIZE") / 1024
    tree: list[int] = []
    samples = 0
    while not done.wait(0.01):
        if samples % 5 == 0:  # the processes looked for every 50 ms (workers start and end rarely)
            tree = _tree(pid)
        samples += 1
        total = 0
        for one in tree:
            try:
                with open(f"/proc/{one}/statm", "rb") as fh:
                    total += int(fh.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue
        peak[0] = max(peak[0], total * page_kb / 1024)


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        try:
            for task in os.listdir(f"/proc/{one}/task"):
                with open(f"/proc/{one}/task/{task}/children", "rb") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return found


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NCCTD_", "NO_COLOR"))}
    env["PYTHONIOENCODING"] = "utf-8"
    # Bytecode is cached as on a user's machine (PYTHONDONTWRITEBYTECODE would make every
    # run compile any module whose cache is missing or stale: milliseconds of start-up).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def ncctd_command() -> list[str]:
    """The ``ncctd`` console script installed with this Python, else ``python -m ncctd_cli``."""
    script = Path(sys.executable).parent / "ncctd"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ncctd_cli"]


def median(runs: list[Run]) -> tuple[float, float]:
    return statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs)


def machine() -> dict[str, object]:
    import sqlite3

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    versions = {}
    for name in ("pandas", "openpyxl", "xlsxwriter", "numpy", "python_calamine", "click"):
        try:
            from importlib.metadata import version

            versions[name] = version(name.replace("_", "-"))
        except Exception:
            versions[name] = "?"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        **versions,
    }


# ------------------------------------------------------------------ the benchmarks


def bench_startup(repeat: int) -> dict[str, object]:
    ncctd = ncctd_command()
    commands = {
        "python -c 'import click'": [sys.executable, "-c", "import click"],
        "ncctd --help": [*ncctd, "--help"],
        "ncctd ingest --help": [*ncctd, "ingest", "--help"],
        "ncctd rollup --help": [*ncctd, "rollup", "--help"],
    }
    times: dict[str, list[Run]] = {name: [] for name in commands}
    for args in commands.values():  # a first run, not timed: bytecode and file caches warm
        run(args)
    for _ in range(repeat):
        for name, args in commands.items():  # interleaved: the machine's mood hits all alike
            times[name].append(run(args))
    medians = {name: median(runs)[0] for name, runs in times.items()}
    base = medians["python -c 'import click'"]
    heavy = heavy_imports([*ncctd, "ingest", "--help"]) + heavy_imports([*ncctd, "--help"])
    return {
        "seconds": medians,
        "ratio": max(v for k, v in medians.items() if k.startswith("ncctd")) / base,
        "heavy_imports": sorted(set(heavy)),
    }


def heavy_imports(args: list[str]) -> list[str]:
    """Which of pandas, openpyxl, rich, numpy, python_calamine, xlsxwriter ``args`` imports."""
    if args[0].endswith("ncctd"):
        args = [sys.executable, "-X", "importtime", "-m", "ncctd_cli", *args[1:]]
    else:
        args = [args[0], "-X", "importtime", *args[1:]]
    done = subprocess.run(args, capture_output=True, text=True, env=_env(), check=True)
    found = []
    for line in done.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name.split(".")[0] in ("pandas", "openpyxl", "rich", "numpy", "python_calamine", "xlsxwriter"):
            found.append(name.split(".")[0])
    return found


def bench_forms(work: Path, expected: dict, repeat: int, tmp: Path) -> dict[str, object]:
    forms = work / "forms"
    files = sorted(forms.glob("*.xlsx"))
    ncctd = ncctd_command()
    ours: list[Run] = []
    peers: list[Run] = []
    for n in range(repeat):
        db = tmp / f"forms-{n}.sqlite"
        ours.append(run([*ncctd, "--db", str(db), "ingest", str(forms)]))  # what the clerk sees
        stored = _stored(db)
        if stored != len(files):
            raise RuntimeError(f"forms: {stored} returns stored of {len(files)}\n{ours[-1].stdout[-2000:]}")
        peers.append(run([sys.executable, str(HERE / "peer_forms.py"), str(forms)]))
    # peak memory for a quarter of the files, read the same way (as many worker processes
    # as the whole batch had): flat means about the same
    quarter = files[: max(1, len(files) // 4)]
    workers = {"NCCTD_WORKERS": str(_workers_for(len(files)))}
    small = run([*ncctd, "--db", str(tmp / "forms-quarter.sqlite"), "-q", "ingest", *map(str, quarter)], env=workers)
    # totals: the store's roll-up against the generator's exact figures
    rolled = run([*ncctd, "--db", str(tmp / "forms-0.sqlite"), "rollup", "--from", expected["first"],
                  "--to", expected["last"], "--format", "json"])
    totals = json.loads(rolled.stdout)["totals"]
    wrong = {k: (totals.get(k), v) for k, v in expected["totals"].items() if abs((totals.get(k) or 0) - v) > 1e-6}
    ours_s, ours_mb = median(ours)
    peer_s, peer_mb = median(peers)
    return {
        "files": len(files),
        "ncctd_seconds": ours_s,
        "pandas_seconds": peer_s,
        "speedup": peer_s / ours_s,
        "ncctd_peak_mb": ours_mb,
        "pandas_peak_mb": peer_mb,
        "quarter_peak_mb": small.peak_mb,
        "memory_growth": ours_mb / small.peak_mb,
        "per_file_ms": 1000 * ours_s / len(files),
        "totals_exact": not wrong,
        "totals_wrong": wrong,
    }


def _stored(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM returns WHERE is_current = 1").fetchone()[0])
    finally:
        conn.close()


def _workers_for(files: int) -> int:
    """How many processes ``ncctd ingest`` reads this many files with (see ingest.py)."""
    from ncctd_cli.ingest import PARALLEL_MIN_FILES, _workers

    return _workers([Path(str(n)) for n in range(files)], None) if files >= PARALLEL_MIN_FILES else 1


def bench_national(work: Path, expected: dict, repeat: int, repeat_peer: int, tmp: Path) -> dict[str, object]:
    folder = work / "national"
    ncctd = ncctd_command()
    found: dict[str, object] = {"values": expected["values"]}
    for name, csv_file, clean in (("", folder / "national.csv", False), ("clean_", folder / "national-clean.csv", True)):
        peer = [sys.executable, str(HERE / "peer_national.py"), str(csv_file), *(["--clean"] if clean else [])]
        peers = [run(peer) for _ in range(repeat_peer)]
        ours: list[Run] = []
        inits: list[Run] = []
        for n in range(repeat):
            db = tmp / f"national-{name}{n}.sqlite"
            inits.append(run([*ncctd, "--db", str(db), "-q", "init", "--config", str(folder / "catalog")]))
            ours.append(run([*ncctd, "--db", str(db), "ingest", str(csv_file)]))  # what the clerk sees
            stored = _stored(db)
            if stored != expected["communes"] * 12:
                raise RuntimeError(f"national {name}: {stored} returns stored\n{ours[-1].stdout[-2000:]}")
            if n:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
        peer_s, peer_mb = median(peers)
        ours_s, ours_mb = median(ours)
        found.update({
            f"{name}pandas_seconds": peer_s,
            f"{name}pandas_peak_mb": peer_mb,
            f"{name}init_seconds": median(inits)[0],
            f"{name}ingest_seconds": ours_s,
            f"{name}ingest_ratio": ours_s / peer_s,
            f"{name}ingest_peak_mb": ours_mb,
            f"{name}values_per_second": expected["values"] / ours_s,
        })
    big = tmp / "national-0.sqlite"
    year = ["rollup", "--year", str(NATIONAL_YEAR), "--format", "json"]
    rollups = [run([*ncctd, "--db", str(big), *year]) for _ in range(repeat_peer)]
    totals = json.loads(rollups[0].stdout)["totals"]
    clean_totals = json.loads(run([*ncctd, "--db", str(tmp / "national-clean_0.sqlite"), *year]).stdout)["totals"]
    exact = tmp / "pandas-exact.json"
    run([sys.executable, str(HERE / "peer_national.py"), str(folder / "national.csv"), "--exact",
         str(folder / "catalog" / "indicators.csv"), "--json", str(exact)])
    by_pandas = json.loads(exact.read_text(encoding="utf-8"))
    wrong = {
        k: (totals.get(k), clean_totals.get(k), v, by_pandas.get(k))
        for k, v in expected["totals"].items()
        if max(abs((totals.get(k) or 0) - v), abs((clean_totals.get(k) or 0) - v), abs(by_pandas.get(k, 0) - v)) > 1e-6
    }
    rollup_s = median(rollups)[0]
    # the year's report workbook (xlsx), as the analyst writes it
    book = tmp / "report.xlsx"
    reports = [run([*ncctd, "--db", str(big), "-q", "report", "--year", str(NATIONAL_YEAR), "-o", str(book),
                    "--force"]) for _ in range(repeat_peer)]
    with zipfile.ZipFile(book) as written:  # a whole workbook: eight sheets, eight charts
        parts = written.namelist()
    if sum(p.startswith("xl/worksheets/sheet") for p in parts) != 8 or sum(p.startswith("xl/charts/chart") for p in parts) != 8:
        raise RuntimeError(f"report: an unexpected workbook: {parts}")
    report_s, report_mb = median(reports)
    found.update({
        "report_seconds": report_s,
        "report_peak_mb": report_mb,
        "report_mb": book.stat().st_size / 2**20,
        "rollup_seconds": rollup_s,
        "rollup_ratio": rollup_s / float(found["pandas_seconds"]),  # type: ignore[arg-type]
        "totals_exact": not wrong,
        "totals_wrong": wrong,
        "store_mb": big.stat().st_size / 2**20,
    })
    return found


def bench_window(work: Path, repeat: int, tmp: Path) -> dict[str, object]:
    """A one-month roll-up on a store holding that month only, and on one holding the year."""
    folder = work / "national"
    ncctd = ncctd_command()
    small = tmp / "month.sqlite"
    big = tmp / "national-0.sqlite"
    run([*ncctd, "--db", str(small), "-q", "init", "--config", str(folder / "catalog")])
    run([*ncctd, "--db", str(small), "-q", "ingest", str(folder / "national-month.csv")])
    month = f"{NATIONAL_YEAR}-06"
    code = (
        "import sys, time\n"
        "from ncctd_cli.store import Store\nfrom ncctd_cli.rollup import rollup\n"
        "from ncctd_cli.vietnamese import Period\n"
        "store = Store.open_readonly(sys.argv[1]); store.catalog\n"
        "first, last = Period.parse_iso(sys.argv[2]), Period.parse_iso(sys.argv[3])\n"
        "times = []\n"
        "for _ in range(int(sys.argv[4])):\n"
        "    t = time.perf_counter(); rollup(store, first, last); times.append(time.perf_counter() - t)\n"
        "print(sorted(times)[len(times) // 2])\n"
    )

    def inside(db: Path, first: str, last: str) -> float:
        return float(run([sys.executable, "-c", code, str(db), first, last, str(max(repeat, 5))]).stdout)

    small_month = inside(small, month, month)
    big_month = inside(big, month, month)
    big_year = inside(big, f"{NATIONAL_YEAR}-01", f"{NATIONAL_YEAR}-12")
    cli = ["rollup", "--from", month, "--to", month, "--format", "json"]
    small_cli = median([run([*ncctd, "--db", str(small), *cli]) for _ in range(repeat)])[0]
    big_cli = median([run([*ncctd, "--db", str(big), *cli]) for _ in range(repeat)])[0]
    return {
        "small_store_mb": small.stat().st_size / 2**20,
        "big_store_mb": big.stat().st_size / 2**20,
        "month_small_store_seconds": small_month,
        "month_big_store_seconds": big_month,
        "year_big_store_seconds": big_year,
        "growth": big_month / small_month,
        "cli_month_small_store_seconds": small_cli,
        "cli_month_big_store_seconds": big_cli,
    }


# ------------------------------------------------------------------ report


def verdicts(results: dict, quick: bool) -> dict[str, dict[str, object]]:
    measured = {
        "startup": results["startup"]["ratio"],
        "forms_speedup": results["forms"]["speedup"],
        "forms_peak_mb": results["forms"]["ncctd_peak_mb"],
        "forms_memory_growth": results["forms"]["memory_growth"],
        "national_ingest": results["national"]["ingest_ratio"],
        "national_clean_ingest": results["national"]["clean_ingest_ratio"],
        "national_rollup": results["national"]["rollup_ratio"],
        "national_peak_mb": results["national"]["ingest_peak_mb"],
        "window_growth": results["window"]["growth"],
        "report_seconds": results["national"]["report_seconds"],
        "report_peak_mb": results["national"]["report_peak_mb"],
    }
    out = {}
    for key, (what, kind, full, quick_bound) in TARGETS.items():
        bound = quick_bound if quick else full
        value = measured[key]
        ok = value >= bound if kind == "min" else value <= bound
        out[key] = {"what": what, "value": round(value, 3), "bound": bound, "kind": kind, "ok": ok}
    return out


def print_table(results: dict) -> None:
    s, f, n, w = results["startup"], results["forms"], results["national"], results["window"]
    rows = [
        ("start-up", "python -c 'import click'", s["seconds"]["python -c 'import click'"], ""),
        ("", "ncctd --help", s["seconds"]["ncctd --help"], ""),
        ("", "ncctd ingest --help", s["seconds"]["ncctd ingest --help"], ""),
        ("", "ncctd rollup --help", s["seconds"]["ncctd rollup --help"], ""),
        (f"{f['files']} forms", "pandas read_excel loop", f["pandas_seconds"], f"{f['pandas_peak_mb']:.0f} MB"),
        ("", "ncctd ingest", f["ncctd_seconds"], f"{f['ncctd_peak_mb']:.0f} MB"),
        ("", f"ncctd ingest ({f['files'] // 4} files)", None, f"{f['quarter_peak_mb']:.0f} MB"),
        (f"{n['values']:,} values", "pandas read_csv+groupby", n["pandas_seconds"], f"{n['pandas_peak_mb']:.0f} MB"),
        ("", "ncctd init (catalog)", n["init_seconds"], ""),
        ("", "ncctd ingest", n["ingest_seconds"], f"{n['ingest_peak_mb']:.0f} MB"),
        ("", "ncctd rollup --year", n["rollup_seconds"], ""),
        ("", "ncctd report --year (xlsx)", n["report_seconds"], f"{n['report_peak_mb']:.0f} MB"),
        ("clean file", "pandas read_csv+groupby", n["clean_pandas_seconds"], f"{n['clean_pandas_peak_mb']:.0f} MB"),
        ("", "ncctd ingest", n["clean_ingest_seconds"], f"{n['clean_ingest_peak_mb']:.0f} MB"),
        ("window", f"1 month, store of 1 month ({w['small_store_mb']:.0f} MB)", w["month_small_store_seconds"], "in-process"),
        ("", f"1 month, store of 12 months ({w['big_store_mb']:.0f} MB)", w["month_big_store_seconds"], "in-process"),
        ("", "12 months, same store", w["year_big_store_seconds"], "in-process"),
    ]
    print(f"\n{'':18} {'':44} {'median s':>9} {'peak':>11}")
    for group, what, seconds, extra in rows:
        shown = f"{seconds:9.3f}" if seconds is not None else f"{'':9}"
        print(f"{group:18} {what:44} {shown} {extra:>11}")
    print(f"\n{'target':52} {'measured':>9} {'bound':>8}  ")
    for v in results["targets"].values():
        sign = "≥" if v["kind"] == "min" else "≤"
        print(f"{v['what']:52} {v['value']:9.2f} {sign}{v['bound']:7.2f}  {'ok' if v['ok'] else 'MISSED'}")
    print(
        f"\ntotals exact: forms {f['totals_exact']}, national {n['totals_exact']}; "
        f"heavy imports at --help: {s['heavy_imports'] or 'none'}"
    )
    m = results["machine"]
    print(f"machine: {m['nproc']} × {m['cpu']}, Python {m['python']}, SQLite {m['sqlite']}, pandas {m['pandas']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs, generous bounds (CI)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where the JSON goes")
    parser.add_argument("--work", type=Path, help="where the inputs are generated (kept, reused)")
    parser.add_argument("--repeat", type=int, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if args.repeat:
        sizes.update(repeat=args.repeat, repeat_national=args.repeat)
    work = args.work or args.out / ("work-quick" if args.quick else "work")
    started = time.perf_counter()
    expected = generate(work, sizes["forms"], sizes["communes"])
    results: dict[str, object] = {"mode": "quick" if args.quick else "full", "machine": machine()}
    tmp = Path(tempfile.mkdtemp(prefix="ncctd-bench-"))
    try:
        results["startup"] = bench_startup(sizes["repeat_startup"])
        results["forms"] = bench_forms(work, expected["forms"], sizes["repeat"], tmp)
        results["national"] = bench_national(
            work, expected["national"], sizes["repeat_national"], sizes["repeat"], tmp
        )
        results["window"] = bench_window(work, sizes["repeat"], tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["targets"] = verdicts(results, args.quick)
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "results-quick.json" if args.quick else "results.json"
    (args.out / name).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print_table(results)
    print(f"written: {args.out / name} ({results['seconds']} s)")
    ok = all(v["ok"] for v in results["targets"].values())  # type: ignore[union-attr]
    exact = results["forms"]["totals_exact"] and results["national"]["totals_exact"]  # type: ignore[index]
    heavy = results["startup"]["heavy_imports"]  # type: ignore[index]
    return 0 if ok and exact and not heavy else 1


if __name__ == "__main__":
    sys.exit(main())
