"""The clerk's month, end to end, in real subprocesses against a fresh store:

forms out (template --all) → forms filled in (openpyxl, as a clerk would) → ingest → status →
a correction (ingest --replace) → history shows two versions → the roll-up uses the new one.
Every figure checked here is one the test itself typed into a form.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ncctd_cli.catalog import default_catalog
from tests.conftest import ROOT
from tests.test_template import clerk_values, fill_form

CATALOG = default_catalog()
CODES = [c.code for c in CATALOG.communes]
NAM_CO = "04462"


def test_the_clerks_month(run_ncctd, tmp_path: Path) -> None:
    db = tmp_path / "kho.sqlite"

    # 1. forms out: one per commune; the store is only read, not created
    done = run_ncctd("--db", db, "template", "--all", "--period", "2024-01", "-o", "bieu-mau/")
    assert done.returncode == 0, done.stderr
    forms = {CODES[n]: tmp_path / line for n, line in enumerate(done.stdout.split())}
    assert len(forms) == 14 and all(p.name.startswith(f"bieu-mau_{c}_") for c, p in forms.items())
    assert not db.exists()

    # 2. forms back: ten in the first days of February, two a few days late, two never
    on_time, late = CODES[:10], CODES[10:12]
    missing = CODES[12:]
    sent: dict[str, dict[str, float | int]] = {}
    for n, code in enumerate(on_time + late):
        values = clerk_values(CATALOG, n)
        if n % 3 == 0:
            values.pop("houses_for_poor")  # left blank: not reported
        sent[code] = values
        batch = "dot-1" if code in on_time else "dot-2"
        (tmp_path / "nhan-ve" / batch).mkdir(parents=True, exist_ok=True)
        fill_form(forms[code], values, out=tmp_path / "nhan-ve" / batch / forms[code].name)

    first = run_ncctd("--db", db, "ingest", "--received-at", "03/02/2024", "nhan-ve/dot-1", "--format", "json")
    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads(first.stdout)
    assert report["summary"] == {"stored": 10, "replaced": 0, "unchanged": 0, "rejected": 0, "skipped_files": 0}
    assert all(r["problems"] == [] for r in report["returns"])  # the forms come back clean
    second = run_ncctd("--db", db, "ingest", "--received-at", "2024-02-09", "nhan-ve/dot-2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "đã lưu" in second.stdout and "Cần xem lại" not in second.stdout

    # 3. who has sent
    status = json.loads(run_ncctd("--db", db, "status", "--period", "2024-01", "--format", "json").stdout)
    assert (status["expected"], status["received"], status["on_time"], status["late"], status["missing"]) == (14, 12, 10, 2, 2)
    by_code = {c["code"]: c for c in status["communes"]}
    assert [c for c in CODES if by_code[c]["on_time"] is True] == on_time
    assert [c for c in CODES if by_code[c]["on_time"] is False] == late
    assert [c for c in CODES if not by_code[c]["received"]] == missing
    assert {by_code[c]["days_late"] for c in late} == {4}
    assert Path(by_code[NAM_CO]["file"]).name == forms[NAM_CO].name
    table = run_ncctd("--db", db, "status", "--period", "2024-01").stdout
    for code in missing:
        assert CATALOG.commune_name(code) in table.split("Chưa gửi, đã quá hạn (2): ")[1]
    assert table.count("CHƯA GỬI") == 2 and table.count("muộn 4 ngày") == 2

    # 4. Nậm Có corrects two figures and sends the form again, weeks later
    corrected = dict(sent[NAM_CO])
    corrected["leader_visits"] = int(corrected["leader_visits"]) + 3
    corrected["rural_road_km"] = 2.5
    fix_dir = tmp_path / "nhan-ve" / "dieu-chinh"
    fix_dir.mkdir()
    fill_form(forms[NAM_CO], corrected, out=fix_dir / "nam-co_sua.xlsx")
    refused = run_ncctd("--db", db, "ingest", "nhan-ve/dieu-chinh/")
    assert refused.returncode == 1 and "already-stored" in refused.stdout and "--replace" in refused.stdout
    replaced = run_ncctd("--db", db, "ingest", "--replace", "nhan-ve/dieu-chinh/", "--format", "json")
    assert replaced.returncode == 0
    assert json.loads(replaced.stdout)["summary"]["replaced"] == 1

    # 5. two versions, and what changed
    history = json.loads(
        run_ncctd("--db", db, "history", "--commune", "Nậm Có", "--period", "2024-01", "--format", "json").stdout
    )
    assert [Path(v["file"]).name for v in history["versions"]] == [forms[NAM_CO].name, "nam-co_sua.xlsx"]
    assert history["versions"][1]["changes"] == [
        {"indicator": "leader_visits", "before": sent[NAM_CO]["leader_visits"], "after": corrected["leader_visits"]},
        {"indicator": "rural_road_km", "before": sent[NAM_CO]["rural_road_km"], "after": 2.5},
    ]
    shown = run_ncctd("--db", db, "history", "--commune", "Nậm Có", "--period", "2024-01").stdout
    assert "2 bản" in shown and "2 chỉ tiêu thay đổi" in shown

    # the correction stays on time: the return first came in on 3 February
    status = json.loads(run_ncctd("--db", db, "status", "--period", "2024-01", "--format", "json").stdout)
    nam_co = next(c for c in status["communes"] if c["code"] == NAM_CO)
    assert nam_co["on_time"] is True and nam_co["versions"] == 2
    assert nam_co["received_at"].startswith("2024-02-03") and Path(nam_co["file"]).name == "nam-co_sua.xlsx"

    # 6. the roll-up uses the corrected figures
    sent[NAM_CO] = corrected
    rollup = json.loads(run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-01", "--format", "json").stdout)
    assert rollup["reporting"] == {"expected": 14, "received": 12}
    for ind in CATALOG.indicators:
        expected = sum(v[ind.code] for v in sent.values() if ind.code in v)
        assert rollup["totals"][ind.code] == pytest.approx(expected), ind.code
    by_commune = run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-01", "--by", "commune", "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(by_commune.stdout)) if r["commune"] == NAM_CO)
    assert float(row["leader_visits"]) == corrected["leader_visits"] and float(row["rural_road_km"]) == 2.5


def test_a_blank_form_is_refused_in_either_language(run_ncctd, tmp_path: Path) -> None:
    """Issue 11: with --lang en the problem messages are English too (codes unchanged)."""
    run_ncctd("template", "--commune", "Kim Nọi", "--period", "2024-02", "-o", "blank.xlsx")
    done = run_ncctd("--db", tmp_path / "s.sqlite", "--lang", "en", "ingest", "blank.xlsx")
    assert done.returncode == 1
    assert "Result" in done.stdout and "refused" in done.stdout and "To look at" in done.stdout
    assert "The return holds no figure" in done.stdout and "[no-values]" in done.stdout
    vi = run_ncctd("--db", tmp_path / "s.sqlite", "ingest", "blank.xlsx")
    assert "bị từ chối" in vi.stdout and "Xã Kim Nọi, tháng 02/2024, trang «Báo cáo»" in vi.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_only(run_ncctd, tmp_path: Path) -> None:
    """More than a few files on a terminal: a progress bar (on stderr) that counts the files;
    piped: none."""
    import pty

    run_ncctd("template", "--all", "--period", "2024-01", "-o", "forms")
    for n, form in enumerate(sorted((tmp_path / "forms").iterdir())):
        fill_form(form, clerk_values(CATALOG, n))
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NCCTD_", "NO_COLOR"))}
    env.update({"COLUMNS": "80", "TERM": "xterm", "PYTHONIOENCODING": "utf-8"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "ncctd_cli", "--db", "p.sqlite", "ingest", "forms"],
        stdin=slave, stdout=slave, stderr=slave, cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "14/14" in screen and "━" in screen  # the bar counted every file
    assert "đã lưu" in screen
    piped = run_ncctd("--db", "q.sqlite", "ingest", "forms")
    assert "━" not in piped.stderr + piped.stdout and "\x1b[" not in piped.stderr + piped.stdout
