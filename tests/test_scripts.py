"""The contract scripts rely on: exit codes, JSON shapes, idempotency, dry runs, atomic
batches, problems files, standard input, quiet and plain output, exports.

Every run is the real ``ncctd`` in a subprocess; figures are compared with a clean import.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pty
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ncctd_cli.catalog import default_catalog
from tests.conftest import _env

PROBLEM_KEYS = ["severity", "code", "message", "file", "sheet", "cell", "commune", "period", "indicator"]
RETURN_KEYS = ["file", "sheet", "commune", "period", "status", "problems"]
INGEST_SUMMARY = ["stored", "replaced", "unchanged", "rejected", "skipped_files"]
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CELL = re.compile(r"[A-Z]{1,3}[1-9][0-9]*")


# ------------------------------------------------------------------ helpers


def ingest_json(run_ncctd, db: Path, *args: object, input: str | bytes | None = None) -> tuple[int, dict]:
    done = run_ncctd("--db", db, "ingest", *args, "--format", "json", input=input)
    assert "Traceback" not in str(done.stderr), done.stderr
    return done.returncode, json.loads(done.stdout)


def rollup_json(run_ncctd, db: Path, *args: str) -> dict:
    done = run_ncctd("--db", db, "rollup", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def table_rows(db: Path) -> dict[str, list[tuple]]:
    """Everything a store holds about returns, for before/after comparisons."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("returns", "return_values", "facts", "problems")
        }
    finally:
        conn.close()


def folder_state(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def good_files(samples_dir: Path, samples_expected: dict) -> list[Path]:
    return sorted(p for p in samples_dir.iterdir() if p.name not in samples_expected["refused_files"])


def long_csv(rows: list[tuple[str, str, str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["commune", "period", "indicator", "value"])
    writer.writerows(rows)
    return out.getvalue()


def one_return(commune: str, period: str, **values: object) -> list[tuple[str, str, str, object]]:
    return [(commune, period, code, value) for code, value in values.items()]


@pytest.fixture
def clean(run_ncctd, tmp_path: Path, samples_dir: Path) -> dict:
    """The samples imported once, alone: the figures every other run must reproduce."""
    db = tmp_path / "clean.sqlite"
    code, report = ingest_json(run_ncctd, db, samples_dir)
    assert code == 1  # the two bad sample files
    return {
        "db": db,
        "report": report,
        "totals": rollup_json(run_ncctd, db, "--from", "2024-01", "--to", "2024-03"),
        "rows": table_rows(db),
    }


# ------------------------------------------------------------------ exit codes


USAGE_ERRORS = [
    ("rollup", "--from", "2024-13", "--to", "2024-12"),
    ("rollup", "--from", "tháng năm", "--to", "2024-12"),
    ("rollup", "--from", "2024-03", "--to", "2024-01"),
    ("rollup", "--to", "2024-01", "--from", "2024-03"),
    ("rollup", "--year", "2024", "--from", "2024-01"),
    ("rollup", "--by", "week"),
    ("rollup", "--format", "xml"),
    ("rollup", "--excel-csv", "--format", "json", "--from", "2024-01", "--to", "2024-01"),
    ("rollup", "--from", "2024-01", "--to", "2024-01", "--indicators", "khong_co_chi_tieu"),
    ("rollup", "--from", "2024-01", "--to", "2024-01", "-o", "khong-co-thu-muc/x.csv"),
    ("ingest", "khong-co-tep.xlsx"),
    ("ingest", "--dry-run", "khong-co-thu-muc"),
    ("validate", "khong-co-tep.xlsx"),
    ("ingest", "--no-such-option", "x"),
    ("ingest",),
    ("ingest", "{sample}", "--problems", "van-de.txt"),
    ("ingest", "{sample}", "--encoding", "khong-co-bang-ma"),
    ("ingest", "{sample}", "-o", "{existing}"),
    ("ingest", "{sample}", "--problems", "{existing}"),
    ("validate", "{sample}", "-o", "khong-co-thu-muc/bao-cao.json"),
    ("ingest", "{sample}", "--format", "yaml"),
    ("init", "--config", "khong-co-thu-muc"),
    ("khong-co-lenh",),
    ("--timeout", "-5", "rollup"),
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=lambda a: " ".join(a)[:60])
def test_usage_errors_exit_2_and_change_nothing(
    run_ncctd, tmp_path: Path, samples_dir: Path, args: tuple[str, ...]
) -> None:
    existing = tmp_path / "da-co.json"
    existing.write_text("giữ nguyên\n", encoding="utf-8")
    sample = samples_dir / "bc_04456_2024-01.xlsx"
    args = tuple(a.format(sample=sample, existing=existing) for a in args)
    db = tmp_path / "store.sqlite"
    done = run_ncctd("--db", db, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.strip()  # says why
    assert not db.exists()  # nothing was opened, let alone created
    assert existing.read_text(encoding="utf-8") == "giữ nguyên\n"


def test_usage_error_wins_over_a_damaged_store(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not sqlite" * 100)
    for args in (
        ("rollup", "--from", "2024-03", "--to", "2024-01"),
        ("ingest", samples_dir / "bc_04456_2024-01.xlsx", "--problems", "x.txt"),
    ):
        assert run_ncctd("--db", bad, *args).returncode == 2
    assert run_ncctd("--db", bad, "rollup", "--from", "2024-01", "--to", "2024-03").returncode == 3


def test_exit_0_and_1(run_ncctd, tmp_path: Path, samples_dir: Path, samples_expected: dict) -> None:
    db = tmp_path / "store.sqlite"
    bad = [samples_dir / name for name in samples_expected["refused_files"]]
    good = samples_dir / "bc_04456_2024-01.xlsx"
    assert run_ncctd("--db", db, "validate", good).returncode == 0
    assert run_ncctd("--db", db, "validate", good, *bad).returncode == 1
    assert run_ncctd("--db", db, "ingest", "--dry-run", good, bad[0]).returncode == 1
    assert not db.exists()
    assert run_ncctd("--db", db, "init").returncode == 0
    assert run_ncctd("--db", db, "ingest", good).returncode == 0
    assert run_ncctd("--db", db, "ingest", good).returncode == 0  # unchanged is not an error
    assert run_ncctd("--db", db, "ingest", good, *bad).returncode == 1
    for args in (("indicators",), ("communes",), ("rollup", "--from", "2024-01", "--to", "2024-01")):
        done = run_ncctd("--db", db, *args)
        assert done.returncode == 0, (args, done.stderr)


OTHER_COMMANDS_USAGE = [
    ("status", "--period", "2024-13"),
    ("history", "--commune", "04456", "--period", "2024-13"),
    ("narrative", "--from", "2024-03", "--to", "2024-01"),
    ("report", "--from", "2024-03", "--to", "2024-01", "-o", "r.xlsx"),
    ("template", "--commune", "04456", "--period", "2024-13", "-o", "t.xlsx"),
]
OTHER_COMMANDS_READ = [
    ("status", "--period", "2024-01", "--format", "json"),
    ("history", "--commune", "04456", "--period", "2024-01", "--format", "json"),
    ("narrative", "--from", "2024-01", "--to", "2024-03", "--allow-incomplete"),
    ("report", "--year", "2024", "-o", "r.xlsx"),
    ("template", "--commune", "04456", "--period", "2024-01", "-o", "t.xlsx"),
]


def _skip_unless_command(run_ncctd, name: str) -> None:
    if run_ncctd(name, "--help").returncode != 0:
        pytest.skip(f"ncctd {name} is not built yet")


@pytest.mark.parametrize("args", OTHER_COMMANDS_USAGE, ids=lambda a: a[0])
def test_other_commands_usage_errors_exit_2(run_ncctd, tmp_path: Path, args: tuple[str, ...]) -> None:
    _skip_unless_command(run_ncctd, args[0])
    done = run_ncctd("--db", tmp_path / "store.sqlite", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", OTHER_COMMANDS_READ, ids=lambda a: a[0])
def test_other_commands_damaged_store_exit_3(run_ncctd, tmp_path: Path, args: tuple[str, ...]) -> None:
    _skip_unless_command(run_ncctd, args[0])
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"SQLite? no.\n" * 300)
    done = run_ncctd("--db", bad, *args)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and str(bad) in done.stderr
    # and on a store that does not exist yet they work, without creating it
    done = run_ncctd("--db", tmp_path / "none.sqlite", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / "none.sqlite").exists()


# ------------------------------------------------------------------ JSON shapes


def test_ingest_json_shape(run_ncctd, tmp_path: Path, samples_dir: Path, samples_expected: dict, clean: dict) -> None:
    report = clean["report"]
    assert list(report) == ["summary", "returns", "skipped"]
    assert list(report["summary"]) == INGEST_SUMMARY
    for status in ("stored", "replaced", "unchanged", "rejected"):
        assert report["summary"][status] == sum(1 for r in report["returns"] if r["status"] == status)
    assert report["summary"]["stored"] == samples_expected["returns_expected"]
    files = {str(p) for p in samples_dir.iterdir()}
    for ret in report["returns"]:
        assert list(ret) == RETURN_KEYS
        assert ret["file"] in files
        assert ret["status"] in ("stored", "rejected")
        if ret["status"] == "stored":
            assert re.fullmatch(r"\d{5}", ret["commune"]) and re.fullmatch(r"\d{4}-\d{2}", ret["period"])
        for problem in ret["problems"]:
            assert list(problem) == [*PROBLEM_KEYS, "params"]  # params: issue 11
            assert isinstance(problem["params"], dict)
            assert problem["severity"] in ("error", "warning")
            assert KEBAB.fullmatch(problem["code"])
            assert problem["file"] == ret["file"]
            assert problem["message"] and problem["message"][0].isupper()
            assert problem["cell"] is None or CELL.fullmatch(problem["cell"])
        if ret["status"] == "rejected":
            assert any(p["severity"] == "error" for p in ret["problems"])
    assert report["skipped"] == []

    # validate: its own summary keys; --atomic adds "cancelled"; the keys never depend on the data
    done = run_ncctd("--db", tmp_path / "v.sqlite", "validate", samples_dir, "--format", "json")
    validated = json.loads(done.stdout)
    assert list(validated["summary"]) == ["valid", "rejected", "skipped_files"]
    assert validated["summary"]["valid"] == report["summary"]["stored"]
    only_bad = [samples_dir / name for name in samples_expected["refused_files"]]
    done = run_ncctd("--db", tmp_path / "v.sqlite", "validate", *only_bad, "--format", "json")
    assert json.loads(done.stdout)["summary"] == {"valid": 0, "rejected": len(only_bad), "skipped_files": 0}
    _, atomic = ingest_json(run_ncctd, tmp_path / "a.sqlite", "--atomic", samples_dir / "bc_04456_2024-01.xlsx")
    assert list(atomic["summary"]) == [*INGEST_SUMMARY[:-1], "cancelled", "skipped_files"]


def test_ingest_csv_report(run_ncctd, tmp_path: Path, samples_dir: Path, clean: dict) -> None:
    done = run_ncctd("--db", tmp_path / "s.sqlite", "ingest", samples_dir, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["file", "sheet", "commune", "period", "status", "errors", "warnings"]
    expected = [(r["file"], r["status"], sum(p["severity"] == "error" for p in r["problems"]))
                for r in clean["report"]["returns"]]
    assert [(r["file"], r["status"], int(r["errors"])) for r in rows] == expected


def test_rollup_json_shape(run_ncctd, clean: dict) -> None:
    result = clean["totals"]
    assert {"from", "to", "totals", "reporting"} <= set(result)
    assert (result["from"], result["to"]) == ("2024-01", "2024-03")
    assert list(result["totals"]) == [i.code for i in default_catalog().indicators]
    assert set(result["reporting"]) == {"expected", "received"}
    assert result["reporting"]["received"] == clean["report"]["summary"]["stored"]
    by_commune = rollup_json(run_ncctd, clean["db"], "--from", "2024-01", "--to", "2024-03", "--by", "commune")
    assert [r["commune"] for r in by_commune["rows"]] == [c.code for c in default_catalog().communes]
    for row in by_commune["rows"]:
        assert {"commune", "name", "values", "reporting"} <= set(row)


# ------------------------------------------------------------------ idempotent


def test_same_import_again_changes_nothing(run_ncctd, samples_dir: Path, clean: dict) -> None:
    code, again = ingest_json(run_ncctd, clean["db"], samples_dir)
    assert code == 1  # the same two files are refused again
    first = clean["report"]["summary"]
    assert again["summary"] == {**first, "stored": 0, "unchanged": first["stored"]}
    assert table_rows(clean["db"]) == clean["rows"]
    # --replace with the same values: still unchanged, never a new version
    code, replaced = ingest_json(run_ncctd, clean["db"], "--replace", samples_dir)
    assert replaced["summary"]["unchanged"] == first["stored"] and replaced["summary"]["replaced"] == 0
    assert table_rows(clean["db"]) == clean["rows"]


def test_renamed_and_moved_files_are_recognised(
    run_ncctd, tmp_path: Path, samples_dir: Path, samples_expected: dict, clean: dict
) -> None:
    moved = tmp_path / "thu-muc-khac" / "lan-2"
    moved.mkdir(parents=True)
    for n, path in enumerate(good_files(samples_dir, samples_expected)):
        shutil.copy(path, moved / f"tep-so-{n:02d}{path.suffix}")
    code, report = ingest_json(run_ncctd, clean["db"], tmp_path / "thu-muc-khac")
    assert code == 0
    assert report["summary"]["unchanged"] == clean["report"]["summary"]["stored"]
    assert report["summary"]["stored"] == 0
    assert table_rows(clean["db"]) == clean["rows"]


def test_same_values_in_another_layout_are_unchanged(run_ncctd, tmp_path: Path, clean: dict) -> None:
    """Recognised by content: a form return re-typed as a long CSV is the same return."""
    conn = sqlite3.connect(clean["db"])
    commune, period, return_id = conn.execute(
        "SELECT commune, period, id FROM returns WHERE layout != 'csv' ORDER BY id LIMIT 1"
    ).fetchone()
    values = conn.execute("SELECT indicator, value FROM return_values WHERE return_id = ?", (return_id,)).fetchall()
    conn.close()
    text = long_csv([(commune, period, code, repr(v)) for code, v in values])
    retyped = tmp_path / "go-lai.csv"
    retyped.write_text(text, encoding="utf-8")
    code, report = ingest_json(run_ncctd, clean["db"], "--decimal-point", retyped)
    assert code == 0
    assert [r["status"] for r in report["returns"]] == ["unchanged"]
    assert table_rows(clean["db"]) == clean["rows"]


# ------------------------------------------------------------------ dry run


def test_dry_run_on_a_new_store_creates_no_file(run_ncctd, tmp_path: Path, samples_dir: Path, clean: dict) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = work / "store.sqlite"
    done = run_ncctd("--db", db, "ingest", "--dry-run", samples_dir, "--format", "json", cwd=work)
    assert done.returncode == 1
    assert list(work.iterdir()) == []  # no store, no -wal, no -shm
    # it reported what the real run does
    assert json.loads(done.stdout) == clean["report"]
    # NCCTD_DB and the default path too
    for env in (None, {"NCCTD_DB": str(db)}):
        done = run_ncctd("ingest", "--dry-run", samples_dir, cwd=work, env=env)
        assert done.returncode == 1 and "negative-value" in done.stdout
    assert list(work.iterdir()) == []


def test_dry_run_on_an_existing_store_changes_no_byte(
    run_ncctd, tmp_path: Path, samples_dir: Path, samples_expected: dict
) -> None:
    folder = tmp_path / "kho"
    folder.mkdir()
    db = folder / "store.sqlite"
    files = good_files(samples_dir, samples_expected)
    code, first = ingest_json(run_ncctd, db, *files[:5])
    assert code == 0
    n_first = first["summary"]["stored"]
    before = folder_state(folder)
    assert list(before) == ["store.sqlite"]
    mtime = db.stat().st_mtime_ns
    code, dry = ingest_json(run_ncctd, db, "--dry-run", *files)
    assert code == 0
    assert dry["summary"]["unchanged"] == n_first
    assert dry["summary"]["stored"] == len(dry["returns"]) - n_first > 0
    assert folder_state(folder) == before and db.stat().st_mtime_ns == mtime
    # the dry run of an atomic batch says what would be cancelled
    code, report = ingest_json(
        run_ncctd, db, "--dry-run", "--atomic", *files, samples_dir / samples_expected["refused_files"][0]
    )
    assert code == 1
    assert report["summary"]["stored"] == 0 and report["summary"]["cancelled"] > 0
    assert folder_state(folder) == before
    # and the real run then does what the dry run said
    code, real = ingest_json(run_ncctd, db, *files)
    assert code == 0
    assert real == dry


# ------------------------------------------------------------------ atomic


def test_atomic_stores_nothing_unless_all_accepted(
    run_ncctd, tmp_path: Path, samples_dir: Path, samples_expected: dict, clean: dict
) -> None:
    db = tmp_path / "store.sqlite"
    code, first = ingest_json(run_ncctd, db, *good_files(samples_dir, samples_expected)[:3])
    assert code == 0
    n_first = first["summary"]["stored"]
    before = table_rows(db)
    code, report = ingest_json(run_ncctd, db, "--atomic", samples_dir)
    assert code == 1
    summary = report["summary"]
    n_good = clean["report"]["summary"]["stored"]
    assert summary["stored"] == 0
    assert summary["rejected"] == len(samples_expected["refused_files"])
    assert summary["unchanged"] == n_first  # already there, stays
    assert summary["cancelled"] == n_good - n_first
    assert table_rows(db) == before  # not one row more

    # without the bad files the whole batch goes in, in one piece
    good = good_files(samples_dir, samples_expected)
    code, report = ingest_json(run_ncctd, db, "--atomic", *good)
    assert code == 0
    assert report["summary"]["stored"] == n_good - n_first
    assert report["summary"]["cancelled"] == 0
    assert rollup_json(run_ncctd, db, "--from", "2024-01", "--to", "2024-03") == clean["totals"]


# ------------------------------------------------------------------ strict


def test_strict_turns_warnings_into_errors(run_ncctd, tmp_path: Path) -> None:
    # fewer listeners than sessions, fewer participants than leaders: the catalog's rules warn
    text = long_csv(
        one_return(
            "04456", "2024-05", propaganda_sessions=9, propaganda_listeners=1,
            leader_visits=50, cadre_participations=1, citizen_participations=1,
        )
    )
    path = tmp_path / "canh-bao.csv"
    path.write_text(text, encoding="utf-8")
    code, lenient = ingest_json(run_ncctd, tmp_path / "a.sqlite", path)
    assert code == 0
    [ret] = lenient["returns"]
    assert ret["status"] == "stored"
    warnings = [(p["code"], p["cell"]) for p in ret["problems"]]
    assert warnings and all(p["severity"] == "warning" for p in ret["problems"])

    code, strict = ingest_json(run_ncctd, tmp_path / "b.sqlite", "--strict", path)
    assert code == 1
    [ret] = strict["returns"]
    assert ret["status"] == "rejected"
    assert [(p["code"], p["cell"]) for p in ret["problems"]] == warnings
    assert all(p["severity"] == "error" for p in ret["problems"])
    assert rollup_json(run_ncctd, tmp_path / "b.sqlite", "--from", "2024-05", "--to", "2024-05")["reporting"][
        "received"
    ] == 0
    # validate --strict agrees
    done = run_ncctd("--db", tmp_path / "b.sqlite", "validate", "--strict", path)
    assert done.returncode == 1


# ------------------------------------------------------------------ problems file


@pytest.mark.parametrize("suffix", [".csv", ".json", ".CSV"])
def test_problems_file(run_ncctd, tmp_path: Path, samples_dir: Path, clean: dict, suffix: str) -> None:
    target = tmp_path / f"van-de{suffix}"
    code, report = ingest_json(run_ncctd, tmp_path / "s.sqlite", "--dry-run", samples_dir, "--problems", target)
    assert code == 1
    expected = [p for r in report["returns"] for p in r["problems"]]
    assert expected == [p for r in clean["report"]["returns"] for p in r["problems"]]
    assert len(expected) >= 2
    if suffix == ".json":
        assert json.loads(target.read_text(encoding="utf-8")) == expected
    else:
        raw = target.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0] == PROBLEM_KEYS
        assert rows[1:] == [["" if p[k] is None else str(p[k]) for k in PROBLEM_KEYS] for p in expected]
    # a clean batch still writes the file, empty
    target.unlink()
    code, _ = ingest_json(run_ncctd, tmp_path / "s.sqlite", samples_dir / "bc_04456_2024-01.xlsx", "--problems", target)
    assert code == 0
    if suffix == ".json":
        assert json.loads(target.read_text(encoding="utf-8")) == []
    else:
        assert list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig")))) == [PROBLEM_KEYS]
    # an existing problems file is not overwritten without --force
    done = run_ncctd("--db", tmp_path / "s.sqlite", "validate", samples_dir, "--problems", target)
    assert done.returncode == 2
    done = run_ncctd("--db", tmp_path / "s.sqlite", "validate", samples_dir, "--problems", target, "--force")
    assert done.returncode == 1 and target.stat().st_size > 50


# ------------------------------------------------------------------ standard input, encodings


def test_csv_on_standard_input(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    source = samples_dir / "bang_ngang_cp1258.csv"
    from_file = tmp_path / "file.sqlite"
    code, by_file = ingest_json(run_ncctd, from_file, source)
    assert code == 0 and by_file["summary"]["stored"] > 0
    window = ("--from", "2024-01", "--to", "2024-03")

    db = tmp_path / "stdin.sqlite"
    code, by_stdin = ingest_json(run_ncctd, db, "-", input=source.read_bytes())
    assert code == 0
    assert by_stdin["summary"] == by_file["summary"]
    assert {r["file"] for r in by_stdin["returns"]} == {"<stdin>"}
    assert rollup_json(run_ncctd, db, *window) == rollup_json(run_ncctd, from_file, *window)
    # the same again from the file: recognised
    code, again = ingest_json(run_ncctd, db, source)
    assert again["summary"]["unchanged"] == by_file["summary"]["stored"]
    # mixed with files, and through --dry-run and validate
    code, mixed = ingest_json(
        run_ncctd, tmp_path / "mixed.sqlite", "--dry-run", "-", samples_dir / "bc_04456_2024-01.xlsx",
        input=source.read_bytes(),
    )
    assert mixed["summary"]["stored"] == by_file["summary"]["stored"] + 1
    done = run_ncctd("--db", db, "validate", "-", input=source.read_bytes())
    assert done.returncode == 0


def test_forced_encoding(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    data = (samples_dir / "bang_ngang_cp1258.csv").read_bytes()
    code, detected = ingest_json(run_ncctd, tmp_path / "a.sqlite", "--dry-run", "-", input=data)
    code_cp, forced = ingest_json(run_ncctd, tmp_path / "a.sqlite", "--dry-run", "--encoding", "cp1258", "-", input=data)
    assert code == code_cp == 0
    assert forced["summary"] == detected["summary"]
    # forcing the wrong one is honoured too: the names no longer match, nothing is accepted
    code, wrong = ingest_json(run_ncctd, tmp_path / "a.sqlite", "--dry-run", "--encoding", "latin-1", "-", input=data)
    assert code == 1
    assert wrong["summary"]["stored"] == 0 and wrong["summary"]["rejected"] >= 1


def test_decimal_point(run_ncctd, tmp_path: Path) -> None:
    texts = {"rural_road_km": "1.250", "lighting_km": "2.5", "cement_tonnes": "12.125"}
    path = tmp_path / "english.csv"
    path.write_text(long_csv(one_return("04459", "2024-06", **texts)), encoding="utf-8")
    window = ("--from", "2024-06", "--to", "2024-06")

    code, _ = ingest_json(run_ncctd, tmp_path / "en.sqlite", "--decimal-point", path)
    assert code == 0
    totals = rollup_json(run_ncctd, tmp_path / "en.sqlite", *window)["totals"]
    assert {k: totals[k] for k in texts} == {k: float(v) for k, v in texts.items()}

    # without it, "." groups thousands (Vietnamese): 1.250 is one thousand two hundred and fifty
    code, _ = ingest_json(run_ncctd, tmp_path / "vi.sqlite", path)
    totals = rollup_json(run_ncctd, tmp_path / "vi.sqlite", *window)["totals"]
    assert totals["rural_road_km"] == float(texts["rural_road_km"].replace(".", ""))
    assert totals["cement_tonnes"] == float(texts["cement_tonnes"].replace(".", ""))


# ------------------------------------------------------------------ quiet


def test_quiet_prints_only_errors(run_ncctd, tmp_path: Path, samples_dir: Path, samples_expected: dict) -> None:
    good = samples_dir / "bc_04456_2024-01.xlsx"
    done = run_ncctd("--db", tmp_path / "a.sqlite", "-q", "ingest", good)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    done = run_ncctd("--db", tmp_path / "a.sqlite", "ingest", good, "--quiet")  # after the command too
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")

    # warnings only: nothing printed with -q, but shown without it
    warn = tmp_path / "warn.csv"
    warn.write_text(
        long_csv(one_return("04456", "2024-07", propaganda_sessions=9, propaganda_listeners=1)), encoding="utf-8"
    )
    loud = run_ncctd("--db", tmp_path / "b.sqlite", "validate", warn)
    assert loud.returncode == 0 and "[rule-" in loud.stdout
    done = run_ncctd("--db", tmp_path / "b.sqlite", "-q", "ingest", warn)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")

    # a skipped file is a note: on stderr, and not with -q
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(good, folder)
    (folder / "ghi-chu.pdf").write_bytes(b"%PDF-1.4\n")
    loud = run_ncctd("--db", tmp_path / "c.sqlite", "ingest", "--dry-run", folder)
    assert "ghi-chu.pdf" in loud.stderr and "ghi-chu.pdf" not in loud.stdout
    done = run_ncctd("--db", tmp_path / "c.sqlite", "-q", "ingest", "--dry-run", folder)
    assert (done.stdout, done.stderr) == ("", "")

    # errors: printed, with their code and cell, and nothing else
    bad = [samples_dir / name for name in samples_expected["refused_files"]]
    done = run_ncctd("--db", tmp_path / "a.sqlite", "-q", "ingest", good, *bad, warn)
    assert done.returncode == 1
    _, report = ingest_json(run_ncctd, tmp_path / "z.sqlite", "--dry-run", good, *bad, warn)
    errors = [p for r in report["returns"] for p in r["problems"] if p["severity"] == "error"]
    assert errors
    for problem in errors:
        assert f"[{problem['code']}]" in done.stdout
    assert "[rule-" not in done.stdout  # the warning is not
    assert "Kết quả" not in done.stdout  # nor the summary
    assert done.stderr == ""


# ------------------------------------------------------------------ colour, ANSI, progress


def run_on_terminal(
    args: list[str], *, cwd: Path, env: dict[str, str] | None = None, stdout_tty: bool = True, stderr_tty: bool = True
) -> tuple[int, bytes, bytes]:
    """Run ncctd with stdout and/or stderr on a pseudo-terminal; returns what each received."""
    environment = _env({"TERM": "xterm-256color", "COLUMNS": "120", **(env or {})})
    masters: dict[str, int] = {}
    kwargs: dict[str, object] = {}
    for name, on_tty in (("stdout", stdout_tty), ("stderr", stderr_tty)):
        if on_tty:
            master, slave = pty.openpty()
            masters[name] = master
            kwargs[name] = slave
        else:
            kwargs[name] = subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "ncctd_cli", *args], stdin=subprocess.DEVNULL, cwd=cwd, env=environment, **kwargs
    )
    for name in masters:
        os.close(kwargs[name])  # type: ignore[arg-type]
    received = {"stdout": b"", "stderr": b""}

    def pump(name: str, fd: int) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not chunk:
                break
            received[name] += chunk

    threads = [threading.Thread(target=pump, args=item) for item in masters.items()]
    for thread in threads:
        thread.start()
    out, err = proc.communicate(timeout=120)
    for thread in threads:
        thread.join(timeout=30)
    for fd in masters.values():
        os.close(fd)
    received["stdout"] = out or received["stdout"]
    received["stderr"] = err or received["stderr"]
    return proc.returncode, received["stdout"], received["stderr"]


ESC = b"\x1b["


def test_no_ansi_when_piped(run_ncctd, tmp_path: Path, samples_dir: Path) -> None:
    db = tmp_path / "s.sqlite"
    for args in (("ingest", samples_dir), ("rollup", "--from", "2024-01", "--to", "2024-03"), ("indicators",)):
        done = run_ncctd("--db", db, *args)
        assert done.stdout.strip()
        assert "\x1b" not in done.stdout + done.stderr, args


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, samples_dir: Path) -> None:
    base = ["--db", str(tmp_path / "s.sqlite"), "ingest", "--dry-run", str(samples_dir)]
    code, out, err = run_on_terminal(base, cwd=tmp_path)
    assert code == 1
    assert ESC in out  # colour on a terminal: the check below can fail
    assert b"negative-value" in out
    for env, args in (({"NO_COLOR": "1"}, base), (None, ["--no-color", *base]), (None, [*base, "--no-color"])):
        code, out, err = run_on_terminal(args, cwd=tmp_path, env=env)
        assert code == 1
        assert b"negative-value" in out
        assert ESC not in out and ESC not in err, (env, args)


def test_progress_only_on_stderr_and_only_on_a_terminal(tmp_path: Path, samples_dir: Path) -> None:
    args = ["--db", str(tmp_path / "s.sqlite"), "ingest", "--dry-run", str(samples_dir), "--format", "json"]
    # both on a terminal: a progress display, on stderr only
    _, out, err = run_on_terminal(args, cwd=tmp_path)
    assert ESC in err
    assert ESC not in out
    json.loads(out.decode().replace("\r\n", "\n"))  # stdout is still clean JSON
    # stdout piped (a script reading the JSON): no progress, no ANSI anywhere
    _code, out, err = run_on_terminal(args, cwd=tmp_path, stdout_tty=False)
    assert err == b"" and ESC not in out
    assert json.loads(out)["summary"]["rejected"] == 2
    # quiet, or NO_COLOR: none either
    for extra_args, env in ((["-q"], None), ([], {"NO_COLOR": "1"}), (["--no-color"], None)):
        _, out, err = run_on_terminal([*extra_args, *args], cwd=tmp_path, env=env)
        assert ESC not in err and ESC not in out, (extra_args, env)


# ------------------------------------------------------------------ exports


def test_rollup_csv_columns_and_stable_order(
    run_ncctd, tmp_path: Path, samples_dir: Path, samples_expected: dict, clean: dict
) -> None:
    window = ("--from", "2024-01", "--to", "2024-03")
    codes = [i["code"] for i in json.loads(run_ncctd("indicators", "--format", "json").stdout)]
    communes = json.loads(run_ncctd("communes", "--format", "json").stdout)
    done = run_ncctd("--db", clean["db"], "rollup", *window, "--by", "commune", "--format", "csv")
    assert done.returncode == 0
    raw = done.stdout
    assert not raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[0] == ["commune", "name", *codes]
    assert [(r[0], r[1]) for r in rows[1:]] == [(c["code"], c["name"]) for c in communes]
    by_commune = rollup_json(run_ncctd, clean["db"], *window, "--by", "commune")
    for row, record in zip(rows[1:], by_commune["rows"], strict=True):
        values = [record["values"][c] for c in codes]
        assert [float(x) if x else None for x in row[2:]] == values
    # the same returns stored in another order give the same bytes
    other = tmp_path / "reverse.sqlite"
    assert run_ncctd("--db", other, "-q", "ingest", *reversed(good_files(samples_dir, samples_expected))).returncode == 0
    conn = sqlite3.connect(other)
    order = [row[0] for row in conn.execute("SELECT commune || period FROM returns ORDER BY id")]
    conn.close()
    assert order != sorted(order)  # really stored in another order
    again = run_ncctd("--db", other, "rollup", *window, "--by", "commune", "--format", "csv").stdout
    assert again == raw


def test_excel_csv_and_iso_periods(run_ncctd, tmp_path: Path, clean: dict) -> None:
    window = ("--from", "2024-01", "--to", "2024-03")
    plain = run_ncctd("--db", clean["db"], "rollup", *window, "--by", "month", "--format", "csv")
    excel = run_ncctd("--db", clean["db"], "rollup", *window, "--by", "month", "--format", "csv", "--excel-csv",
                      "-o", tmp_path / "excel.csv")
    assert excel.returncode == 0
    data = (tmp_path / "excel.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == plain.stdout.count("\n")
    # issue 14: --excel-csv is for Excel set to Vietnamese (; and a decimal comma, months as
    # text); --excel-csv en for English settings. The figures are the plain CSV's.
    for lang, delimiter, point in (("vi", ";", ","), ("en", ",", ".")):
        if lang == "en":
            data = run_ncctd("--db", clean["db"], "rollup", *window, "--by", "month", "--excel-csv", "en",
                             input=b"").stdout
            assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
        expected = list(csv.reader(io.StringIO(plain.stdout)))
        assert rows[0] == expected[0]
        for got, want in zip(rows[1:], expected[1:], strict=True):
            assert got[0] == f'="{want[0]}"'  # 2024-01 stays a month, not a date
            assert [float(v.replace(point, ".")) if v else None for v in got[1:]] == [
                float(v) if v else None for v in want[1:]
            ], lang
    # --excel-csv alone means CSV, the same bytes on stdout
    alone = run_ncctd("--db", clean["db"], "rollup", *window, "--by", "month", "--excel-csv", input=b"")
    assert alone.returncode == 0
    assert alone.stdout == (tmp_path / "excel.csv").read_bytes()
    periods = [r[0] for r in csv.reader(io.StringIO(plain.stdout))][1:]
    assert periods == ["2024-01", "2024-02", "2024-03"]
    for by, pattern in (("quarter", r"\d{4}-Q[1-4]"), ("year", r"\d{4}"), ("month", r"\d{4}-\d{2}")):
        result = rollup_json(run_ncctd, clean["db"], *window, "--by", by)
        assert all(re.fullmatch(pattern, r["period"]) for r in result["rows"]), by
        flows = {i.code for i in default_catalog().indicators if i.over_time == "sum"}
        assert flows
        for code, total in clean["totals"]["totals"].items():
            if code not in flows:  # a stock is each commune's latest value, not a sum over time
                continue
            assert sum(r["values"][code] or 0 for r in result["rows"]) == pytest.approx(total or 0), (by, code)


def test_python_api_dry_run_and_atomic_leave_the_store_alone(tmp_path: Path, samples_dir: Path) -> None:
    """Scripts in Python: ``dry_run`` on a real store opened for writing stores nothing."""
    from ncctd_cli import api

    db = tmp_path / "api.sqlite"
    with api.open_store(db) as store:
        report = api.ingest(store, [samples_dir], dry_run=True)
        assert report.summary["stored"] > 0
        assert store.count_returns() == 0
        report = api.ingest(store, [samples_dir], atomic=True)
        assert report.summary["cancelled"] > 0 and report.summary["stored"] == 0
        assert store.count_returns() == 0
        stored = api.ingest(store, [samples_dir]).summary["stored"]
        assert store.count_returns() == stored == report.summary["cancelled"]
