"""The core end to end: the real ``ncctd`` in a subprocess on the sample and example returns."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.test_catalog import write_other_catalog


def test_samples_roll_up_to_expected_totals(run_ncctd, db: Path, samples_dir: Path, samples_expected: dict) -> None:
    done = run_ncctd("--db", db, "ingest", samples_dir, "--format", "json")
    assert done.returncode == 1, done.stderr  # two files refused
    report = json.loads(done.stdout)
    assert report["summary"] == {
        "stored": samples_expected["returns_expected"],
        "replaced": 0,
        "unchanged": 0,
        "rejected": 2,
        "skipped_files": 0,
    }
    refused = {Path(r["file"]).name for r in report["returns"] if r["status"] == "rejected"}
    assert refused == set(samples_expected["refused_files"])
    codes = {p["code"] for r in report["returns"] for p in r["problems"]}
    assert codes == {"negative-value", "unknown-commune"}
    assert "Traceback" not in done.stderr

    window = samples_expected["window"]
    done = run_ncctd("--db", db, "rollup", "--from", window[0], "--to", window[1], "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["totals"] == samples_expected["totals"]  # to the last digit
    assert result["reporting"] == {"expected": 42, "received": 41}

    done = run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-01", "--format", "json")
    assert json.loads(done.stdout)["totals"] == samples_expected["totals_2024_01"]


def test_rerun_is_unchanged(run_ncctd, db: Path, samples_dir: Path) -> None:
    run_ncctd("--db", db, "ingest", samples_dir)
    done = run_ncctd("--db", db, "ingest", samples_dir, "--format", "json")
    summary = json.loads(done.stdout)["summary"]
    assert (summary["stored"], summary["unchanged"], summary["rejected"]) == (0, 41, 2)


def test_examples_reproduce_the_article(run_ncctd, db: Path) -> None:
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    done = run_ncctd("--db", db, "ingest", EXAMPLES / "returns")
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_ncctd("--db", db, "rollup", "--from", "2021-01", "--to", "2023-12", "--format", "json")
    assert json.loads(done.stdout)["totals"] == expected["totals"]
    done = run_ncctd("--db", db, "rollup", "--by", "year", "--format", "json")
    rows = json.loads(done.stdout)["rows"]
    assert {r["period"]: r["values"] for r in rows} == expected["by_year"]
    # the terminal table speaks Vietnamese numbers
    table = run_ncctd("--db", db, "rollup", "--from", "2021-01", "--to", "2023-12").stdout
    assert "4.612" in table and "149,6" in table and "300.041" in table
    assert "504/504" in table


def test_rollup_csv_by_commune(run_ncctd, db: Path, samples_dir: Path, samples_expected: dict) -> None:
    run_ncctd("--db", db, "ingest", samples_dir)
    done = run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-03", "--by", "commune", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 14
    assert list(rows[0])[:3] == ["commune", "name", "leader_visits"]
    for code, total in samples_expected["totals"].items():
        assert sum(float(r[code] or 0) for r in rows) == pytest.approx(total)
    done = run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-03", "--by", "month", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["period"] for r in rows] == ["2024-01", "2024-02", "2024-03"]


def test_another_catalog_needs_no_code_change(run_ncctd, db: Path, tmp_path: Path) -> None:
    folder = write_other_catalog(tmp_path / "huyen-khac")
    assert run_ncctd("--db", db, "init", "--config", folder).returncode == 0
    returns = tmp_path / "tra-ve.csv"
    returns.write_text(
        "Xã;Kỳ báo cáo;Giếng nước đào mới;Tổng số cầu treo;Kênh mương kiên cố hoá\n"
        "Sơn Thịnh;01/2024;3;2;0,5\n"
        "Sơn Thịnh;02/2024;1;3;1,25\n"
        "Trung Tâm;02/2024;120;1;0\n",
        encoding="utf-8",
    )
    done = run_ncctd("--db", db, "ingest", returns, "--format", "json")
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert [r["status"] for r in report["returns"]] == ["stored", "stored", "rejected"]
    assert report["returns"][2]["problems"][0]["code"] == "rule-wells-cap"
    done = run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-02", "--format", "json")
    result = json.loads(done.stdout)
    assert result["totals"] == {"wells": 4, "bridges_total": 3, "canal_km": 1.75}
    assert result["reporting"] == {"expected": 4, "received": 2}
    listed = run_ncctd("--db", db, "communes", "--format", "json").stdout
    assert [c["code"] for c in json.loads(listed)] == ["A1", "A2"]


def test_reading_commands_do_not_create_the_store(run_ncctd, tmp_path: Path) -> None:
    db = tmp_path / "chua-co.sqlite"
    done = run_ncctd("--db", db, "rollup", "--from", "2024-01", "--to", "2024-03", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)["totals"].values()) == {None}
    done = run_ncctd("--db", db, "indicators", "--format", "csv")
    assert done.returncode == 0 and "leader_visits" in done.stdout
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []


def test_ncctd_db_environment_variable(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    db = tmp_path / "tu-bien.sqlite"
    run_ncctd("ingest", samples_dir / "bc_04456_2024-01.xlsx", env={"NCCTD_DB": str(db)})
    assert db.exists()
    assert not (tmp_path / "ncctd.sqlite").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("rollup", "--from", "2024-13", "--to", "2024-12"),
        ("rollup", "--from", "2024-03", "--to", "2024-01"),
        ("ingest", "khong-co-tep.xlsx"),
        ("rollup", "--by", "week"),
        ("ingest", "--no-such-option", "x"),
    ],
)
def test_usage_errors_exit_2(run_ncctd, db: Path, args: tuple[str, ...]) -> None:
    done = run_ncctd("--db", db, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_validate_stores_nothing(run_ncctd, db: Path, samples_dir: Path) -> None:
    done = run_ncctd("--db", db, "validate", samples_dir, "--format", "json")
    assert done.returncode == 1
    summary = json.loads(done.stdout)["summary"]
    assert (summary["valid"], summary["rejected"]) == (41, 2)
    assert not db.exists()
    good = run_ncctd("--db", db, "validate", samples_dir / "bc_04456_2024-01.xlsx")
    assert good.returncode == 0


def test_the_process_ends_with_its_commands_code_and_output(tmp_path: Path, samples_dir: Path) -> None:
    """When the command is done, the whole output is written, the store closed (no -wal
    file left) and the command's exit code kept; a reader that goes away early (``| head``)
    gets no traceback on stderr."""
    from tests.conftest import _env

    store = tmp_path / "store.sqlite"
    args = [sys.executable, "-m", "ncctd_cli", "--db", str(store), "--lang", "en"]
    done = subprocess.run([*args, "ingest", str(samples_dir), "--format", "json"], capture_output=True,
                          text=True, env=_env(), cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stderr  # the samples hold two files to refuse
    report = json.loads(done.stdout)  # all of it: the last byte written too
    assert report["summary"]["stored"] == 41
    assert not Path(f"{store}-wal").exists()  # closed (checkpointed) before the end
    proc = subprocess.Popen([*args, "indicators"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env(), cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader gone before the first line
    err = proc.stderr.read().decode("utf-8", "replace")
    # 1 when the pipe broke while the command wrote (click's rule for EPIPE), 0 when only
    # the last flush met it: never a traceback
    assert proc.wait(timeout=60) in (0, 1)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from ncctd_cli.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit: pass\n"
        "for name in ['ingest', 'rollup', 'validate', 'init']:\n"
        "    try:\n        cli.main([name, '--help'], standalone_mode=False)\n    except SystemExit: pass\n"
        "heavy = [m for m in ('pandas', 'openpyxl', 'rich', 'python_calamine') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in done.stdout + "\n", done.stdout[-200:]
