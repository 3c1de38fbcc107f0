"""Containment (issue 12): workbooks are read in worker processes under operating-system limits.

A worker killed by each limit (memory: calamine asking for 512 GB, a Python allocation; CPU
time; wall-clock time), or crashing, costs exactly the file it held: that file gets a clean
refusal with its own code, the next file goes in, the results come back in order, nothing a
worker prints reaches the user, and no worker outlives its parent (``kill -9``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from ncctd_cli import sheets
from ncctd_cli.containment import Death, Pool, WorkerLimits
from ncctd_cli.guards import Limits
from ncctd_cli.ingest import IngestOptions, Ingestor
from ncctd_cli.problems import Problem
from ncctd_cli.sheets import ReadOptions, read_bytes, read_path
from ncctd_cli.store import Store
from tests.containment_jobs import run as run_job

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples-2024q1" / "returns"
GOOD = SAMPLES / "bc_04456_2024-01.xlsx"
GOOD_2 = SAMPLES / "bc_04462_2024-02.ods"
GOOD_3 = SAMPLES / "bc_04465_2024-01.xls"
FAR_CELL = DATA / "hostile" / "corpus" / "far_cell.xlsx"  # calamine asks for 512 GB
ROOT = Path(__file__).parent.parent

GENEROUS = WorkerLimits(memory_bytes=256 << 20, cpu_seconds=20, wall_seconds=60)


# ------------------------------------------------------------------ the pool


def test_results_come_back_in_order_from_several_workers() -> None:
    with Pool(run_job, workers=2, depth=3) as pool:
        tickets = [pool.submit(("echo", n), GENEROUS) for n in range(40)]
        assert [pool.outcome(t) for t in tickets] == [(True, n) for n in range(40)]
        assert pool.deaths == 0


@pytest.mark.parametrize(
    ("job", "limits", "cause", "detail"),
    [
        (("allocate", 1 << 30), WorkerLimits(memory_bytes=128 << 20), "memory", ""),
        (("abort", True), GENEROUS, "memory", "SIGABRT"),  # Rust's last words on an allocation failure
        (("spin", None), WorkerLimits(cpu_seconds=1), "cpu", "SIGXCPU"),
        (("sleep", 60), WorkerLimits(wall_seconds=1), "wall", "SIGKILL"),
        (("abort", False), GENEROUS, "crash", "SIGABRT"),
        (("segfault", None), GENEROUS, "crash", "SIGSEGV"),
        (("killed", None), GENEROUS, "memory", "SIGKILL"),  # what the kernel's OOM killer does
        (("exit", None), GENEROUS, "crash", "exit 3"),
        (("raise", None), GENEROUS, "crash", "ValueError"),
    ],
)
def test_a_death_costs_exactly_its_job(job: tuple[str, object], limits: WorkerLimits, cause: str, detail: str) -> None:
    """Jobs queued before and behind the deadly one (in the same worker's pipe) all complete,
    in order; the deadly one gets its cause."""
    started = time.monotonic()
    with Pool(run_job, workers=1, depth=4) as pool:
        before = pool.submit(("echo", "before"), GENEROUS)
        deadly = pool.submit(job, limits)
        after = [pool.submit(("echo", n), GENEROUS) for n in range(3)]
        assert pool.outcome(before) == (True, "before")
        ok, death = pool.outcome(deadly)
        assert not ok and isinstance(death, Death)
        assert (death.cause, death.detail) == (cause, detail)
        assert [pool.outcome(t) for t in after] == [(True, n) for n in range(3)]
    assert time.monotonic() - started < 15


def test_the_failed_allocation_is_read_from_the_readers_last_words() -> None:
    with Pool(run_job) as pool:
        ok, death = pool.run(("abort", True), GENEROUS)
    assert not ok and death.asked_bytes == 549755813888


def test_the_cpu_limit_is_per_job() -> None:
    """A worker that has used CPU time on earlier jobs gets the whole allowance for the next."""
    with Pool(run_job) as pool:
        for _ in range(3):
            assert pool.run(("echo", 1), WorkerLimits(cpu_seconds=1)) == (True, 1)
        ok, death = pool.run(("spin", None), WorkerLimits(cpu_seconds=1))
        assert (ok, death.cause) == (False, "cpu")
        assert pool.run(("echo", 2), WorkerLimits(cpu_seconds=1)) == (True, 2)


def test_a_worker_that_ran_out_of_memory_is_replaced() -> None:
    with Pool(run_job) as pool:
        first = pool.run(("pid", None), GENEROUS)[1]
        assert pool.run(("allocate", 1 << 30), WorkerLimits(memory_bytes=128 << 20))[1].cause == "memory"
        second = pool.run(("pid", None), GENEROUS)[1]
        assert first != second
        assert pool.run(("allocate", 64 << 20), WorkerLimits(memory_bytes=256 << 20)) == (True, 64 << 20)


def test_a_smaller_memory_budget_gets_a_fresh_worker() -> None:
    """Memory a worker took for an earlier job and freed stays mapped in it: a job with a
    smaller budget goes to a fresh worker, where the smaller limit holds."""
    with Pool(run_job) as pool:
        first = pool.run(("pid", None), WorkerLimits(memory_bytes=1 << 30))[1]
        assert pool.run(("allocate", 400 << 20), WorkerLimits(memory_bytes=1 << 30)) == (True, 400 << 20)
        ok, death = pool.run(("allocate", 400 << 20), WorkerLimits(memory_bytes=64 << 20))
        assert (ok, death.cause) == (False, "memory")
        assert pool.run(("pid", None), WorkerLimits(memory_bytes=1 << 30))[1] != first


def test_a_spawned_worker_works_too() -> None:
    """Where fork is not available (Windows) workers are spawned: the same pool, limits where
    the system has them."""
    with Pool(run_job, start_method="spawn") as pool:
        assert pool.run(("echo", "ok"), GENEROUS) == (True, "ok")
        ok, death = pool.run(("segfault", None), GENEROUS)
        assert (ok, death.cause) == (False, "crash")
        assert pool.run(("echo", "again"), GENEROUS) == (True, "again")


_SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    if {other_system!r}:
        sys.platform = "darwin"  # the watch on the parent's pid instead of PR_SET_PDEATHSIG
    from ncctd_cli.containment import Pool, WorkerLimits
    from tests.containment_jobs import run
    pool = Pool(run, workers=2)
    pids = [pool.run(("pid", None), WorkerLimits())[1]]
    pool.submit(("sleep", 600), WorkerLimits())  # busy: not reading its pipe
    pool.submit(("sleep", 600), WorkerLimits())
    time.sleep(0.3)
    tasks = __import__("pathlib").Path("/proc/self/task").iterdir()
    print(" ".join(c for t in tasks for c in (t / "children").read_text().split()), flush=True)
    time.sleep(600)
""")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("other_system", [False, True], ids=["pdeathsig", "pid-watch"])
def test_workers_die_with_their_parent(tmp_path: Path, other_system: bool) -> None:
    """``kill -9`` of the parent: its workers, even busy ones, are gone within a second."""
    script = tmp_path / "parent.py"
    script.write_text(_SCRIPT.format(root=str(ROOT), other_system=other_system), encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)]


def test_nothing_a_worker_prints_reaches_the_user(tmp_path: Path) -> None:
    script = tmp_path / "quiet.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from ncctd_cli.containment import Pool, WorkerLimits
        from tests.containment_jobs import run
        with Pool(run) as pool:
            print(pool.run(("print", None), WorkerLimits()))
            print(pool.run(("abort", True), WorkerLimits())[1].cause)
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["(True, 'printed')", "memory"]
    assert "PRINTED" not in done.stdout + done.stderr
    assert "panicked" not in done.stderr and "memory allocation" not in done.stderr


# ------------------------------------------------------------------ the reader


def test_calamine_asking_for_512_gb_is_refused_and_the_next_file_reads() -> None:
    started = time.monotonic()
    far = read_path(FAR_CELL)
    assert [p.code for p in far.problems] == ["reader-out-of-memory"]
    problem = far.problems[0]
    assert problem.params["asked_mb"] == 512 * 1024 and problem.params["limit_mb"] == 1024
    assert "--max-memory-mb" in problem.message and "XFD1048576" in problem.message
    assert "--max-memory-mb" in problem.text("en")
    good = read_path(GOOD)
    assert not good.problems and good.sheets
    assert time.monotonic() - started < 5


def test_the_memory_limit_is_the_callers(tmp_path: Path, run_ncctd) -> None:
    """A workbook of 600,000 cells takes calamine some 100 MB: refused under 64 MB, read under
    the default limit, with the limit named. (Through the real command: a worker forked from a
    long-running process, such as this test's, also has the memory its parent took and freed.)"""
    _big_xlsx(tmp_path / "big.xlsx", 100_000)
    tight = run_ncctd("validate", "big.xlsx", "--format", "json", "--max-memory-mb", "64")
    (problem,) = json.loads(tight.stdout)["returns"][0]["problems"]
    assert (problem["code"], problem["params"]["limit_mb"]) == ("reader-out-of-memory", 64)
    roomy = run_ncctd("validate", "big.xlsx", "--format", "json")
    assert [p["code"] for p in json.loads(roomy.stdout)["returns"][0]["problems"]] == ["no-return"]


def test_a_csv_is_read_here_a_workbook_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    pids: list[int] = []
    real = sheets.read_workbook_bytes
    monkeypatch.setattr(sheets, "_SHARED", [])  # a fresh kept worker, forked with the patch

    def spy(job: tuple[bytes, str, str, ReadOptions]) -> sheets.SourceFile:
        source = real(job)
        source.file = f"{source.file}@{os.getpid()}"
        return source

    monkeypatch.setattr(sheets, "read_workbook_bytes", spy)
    try:
        assert read_bytes(b"a;b\n1;2\n", "x.csv").file == "x.csv"
        for path in (GOOD, GOOD_2, GOOD_3):
            name = read_path(path).file
            pids.append(int(name.rsplit("@", 1)[1]))
    finally:
        for pool in sheets._SHARED:
            pool.close()
    assert len(set(pids)) == 1 and pids[0] != os.getpid()  # one kept worker, not this process


def _slow_reader(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Reading any file named «cham…» spins (CPU) or sleeps (wall clock) in the worker; the
    workers of a batch are forked after this, so they read with it."""
    real = sheets._read_workbook

    def reader(
        data: bytes, source: sheets.SourceFile, limits: Limits | None = None, unpacked: dict[str, bytes] | None = None
    ) -> sheets.SourceFile:
        if Path(source.file).name.startswith("cham"):
            if how == "cpu":
                while True:
                    pass
            time.sleep(600)
        return real(data, source, limits, unpacked)

    monkeypatch.setattr(sheets, "_read_workbook", reader)


@pytest.mark.parametrize(("how", "code", "variant"), [("cpu", "reader-timeout", "cpu"), ("wall", "reader-timeout", "wall")])
def test_a_file_out_of_time_is_refused_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, code: str, variant: str
) -> None:
    _slow_reader(monkeypatch, how)
    folder = tmp_path / "lo"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.xlsx")
    shutil.copy(GOOD, folder / "cham.xlsx")
    shutil.copy(GOOD_2, folder / "d.ods")
    shutil.copy(GOOD_3, folder / "e.xls")
    limits = Limits(max_cpu_seconds=1, max_wall_seconds=2 if how == "wall" else 30)
    started = time.monotonic()
    with Store.scratch() as store:
        report = Ingestor(store, IngestOptions(validate_only=True, read=ReadOptions(limits=limits))).run([folder])
    assert time.monotonic() - started < 20
    by_file = {Path(r.file).name: r for r in report.returns}
    assert [Path(r.file).name for r in report.returns] == ["a.xlsx", "cham.xlsx", "d.ods", "e.xls"]
    assert by_file["cham.xlsx"].status == "rejected"
    (problem,) = by_file["cham.xlsx"].problems
    assert (problem.code, problem.params.get("variant")) == (code, variant)
    assert "--max-seconds" in problem.message
    assert all(by_file[n].status == "valid" for n in ("a.xlsx", "d.ods", "e.xls"))


def test_a_batch_of_many_files_with_deadly_ones_keeps_its_order(tmp_path: Path) -> None:
    """Several workers, read-ahead, and deadly files among good ones (calamine asking for
    512 GB; files cut short): every file reported, in order, each with its outcome."""
    folder = tmp_path / "lo"
    folder.mkdir()
    expected = {}
    for n in range(60):
        name = f"f{n:02d}.xlsx"
        if n % 7 == 3:
            shutil.copy(FAR_CELL, folder / name)
            expected[name] = "reader-out-of-memory"
        elif n % 11 == 5:
            (folder / name).write_bytes(GOOD.read_bytes()[:3000])
            expected[name] = "corrupt-file"
        else:
            shutil.copy(GOOD, folder / name)
            expected[name] = None
    with Store.scratch() as store:
        report = Ingestor(store, IngestOptions(validate_only=True, workers=2)).run([folder])
    assert [Path(r.file).name for r in report.returns] == sorted(expected)
    for ret in report.returns:
        want = expected[Path(ret.file).name]
        assert [p.code for p in ret.problems][:1] == ([want] if want else []), ret.file


def test_the_real_command_refuses_a_deadly_file_cleanly(tmp_path: Path, run_ncctd) -> None:
    """Through the real ncctd: the far cell refused with its code and a Vietnamese message,
    the good file stored, exit 1, not a word from the dying reader."""
    shutil.copy(FAR_CELL, tmp_path / "far.xlsx")
    shutil.copy(GOOD, tmp_path / "good.xlsx")
    done = run_ncctd("--db", "kho.sqlite", "ingest", "far.xlsx", "good.xlsx", "--format", "json")
    assert done.returncode == 1, done.stderr
    for text in (done.stdout, done.stderr):
        assert "memory allocation" not in text and "panicked" not in text and "Traceback" not in text
    report = json.loads(done.stdout)
    assert report["summary"]["stored"] == 1
    (far,) = [r for r in report["returns"] if r["file"] == "far.xlsx"]
    assert [p["code"] for p in far["problems"]] == ["reader-out-of-memory"]
    assert "bộ nhớ" in far["problems"][0]["message"]


def test_the_memory_limit_option(tmp_path: Path, run_ncctd) -> None:
    shutil.copy(GOOD, tmp_path / "good.xlsx")
    tight = run_ncctd("validate", "good.xlsx", "--format", "json", env={"NCCTD_MAX_MEMORY_MB": "64"})
    roomy = run_ncctd("validate", "good.xlsx", "--format", "json", "--max-memory-mb", "2048")
    assert json.loads(roomy.stdout)["summary"]["valid"] == 1
    # 64 MB on top of the worker is plenty for a form: refused only if the limit did not apply
    assert json.loads(tight.stdout)["summary"]["valid"] == 1
    far = run_ncctd("validate", FAR_CELL, "--format", "json", "--max-memory-mb", "64")
    problem = json.loads(far.stdout)["returns"][0]["problems"][0]
    assert (problem["code"], problem["params"]["limit_mb"]) == ("reader-out-of-memory", 64)


def _big_xlsx(path: Path, rows: int) -> Path:
    """An xlsx of ``rows`` × 6 cells that holds no return (written by hand, fast)."""
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x{r}</t></is></c><c r="B{r}"><v>{r}</v></c>'
        f'<c r="C{r}"><v>{r * 2}</v></c><c r="D{r}" t="inlineStr"><is><t>ghi chú</t></is></c>'
        f'<c r="E{r}"><v>1.5</v></c><c r="F{r}"><v>7</v></c></row>'
        for r in range(1, rows + 1)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", f'<Types xmlns="{pkg}/content-types"><Default Extension="rels" '
                   f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override '
                   'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{pkg}/relationships"><Relationship Id="r1" '
                   f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Lớn" '
                   'sheetId="1" r:id="r1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{pkg}/relationships"><Relationship '
                   f'Id="r1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{cells}</sheetData></worksheet>")
    return path


@pytest.mark.slow
def test_the_real_command_stops_a_file_out_of_cpu_time(tmp_path: Path, run_ncctd) -> None:
    """A real workbook of 4.8 million cells takes calamine several seconds of CPU: with
    ``--max-seconds 1`` it is refused (SIGXCPU), and the good file after it is stored."""
    _big_xlsx(tmp_path / "big.xlsx", 800_000)
    shutil.copy(GOOD, tmp_path / "good.xlsx")
    started = time.monotonic()
    done = run_ncctd("--db", "kho.sqlite", "ingest", "big.xlsx", "good.xlsx", "--format", "json",
                     "--max-seconds", "1", "--max-cells", "10000000", "--max-memory-mb", "4096")
    assert time.monotonic() - started < 30
    report = json.loads(done.stdout)
    big = next(r for r in report["returns"] if r["file"] == "big.xlsx")
    assert [(p["code"], p["params"].get("variant")) for p in big["problems"]] == [("reader-timeout", "cpu")]
    assert report["summary"]["stored"] == 1


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_kill_9_of_ncctd_ingest_leaves_no_worker(tmp_path: Path) -> None:
    """The real ``ncctd ingest`` killed with -9 while its workers read: none of them lives on."""
    folder = tmp_path / "lo"
    folder.mkdir()
    for n in range(3):
        _big_xlsx(folder / f"big{n}.xlsx", 150_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NCCTD_")}
    env["NCCTD_WORKERS"] = "2"
    parent = subprocess.Popen([sys.executable, "-m", "ncctd_cli", "--db", str(tmp_path / "k.sqlite"),
                               "-q", "ingest", str(folder)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            try:
                workers = _children(parent.pid)
            except OSError:
                workers = []
            time.sleep(0.02)
        assert len(workers) == 2, "the workers never started"
        time.sleep(0.2)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)]


def test_a_death_is_worded_in_both_languages() -> None:
    for death, code in ((Death("memory", "SIGABRT", 1 << 39), "reader-out-of-memory"),
                        (Death("cpu", "SIGXCPU"), "reader-timeout"), (Death("wall", "SIGKILL"), "reader-timeout"),
                        (Death("crash", "SIGSEGV"), "reader-crashed")):
        refusal = sheets.death_refusal(death, Limits())
        assert refusal["code"] == code
        problem = Problem.of(**refusal)
        assert problem.text("vi") != problem.text("en")
        assert "{" not in problem.text("vi") + problem.text("en")
