"""Scale runs (slow: ``pytest -m slow``): the benchmark's generated inputs through the real
``ncctd``, totals checked against the generator's exact figures and against pandas."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import NATIONAL_YEAR, generate  # noqa: E402


@pytest.mark.slow
def test_a_province_year_and_a_thousand_forms(run_ncctd, tmp_path: Path) -> None:
    """1,000 communes × 12 months × 24 indicators (288,000 values) in one long CSV, and
    1,000 form workbooks: stored whole, rolled up exactly, a second run all unchanged."""
    expected = generate(tmp_path / "work", 1000, 1000)
    national = tmp_path / "work" / "national"
    db = tmp_path / "national.sqlite"
    assert run_ncctd("--db", db, "init", "--config", national / "catalog").returncode == 0
    done = run_ncctd("--db", db, "ingest", national / "national.csv", "--format", "json", timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["stored"] == 12_000
    done = run_ncctd("--db", db, "rollup", "--year", NATIONAL_YEAR, "--format", "json")
    totals = json.loads(done.stdout)["totals"]
    for code, value in expected["national"]["totals"].items():
        assert totals[code] == pytest.approx(value, abs=1e-6), code

    import peer_national

    by_pandas = peer_national.exact(national / "national.csv", national / "catalog" / "indicators.csv")
    assert by_pandas == pytest.approx(totals, abs=1e-6)

    again = run_ncctd("--db", db, "ingest", national / "national.csv", "--format", "json", timeout=600)
    assert json.loads(again.stdout)["summary"]["unchanged"] == 12_000

    forms = tmp_path / "work" / "forms"
    db = tmp_path / "forms.sqlite"
    done = run_ncctd("--db", db, "ingest", forms, "--format", "json", timeout=600)
    assert json.loads(done.stdout)["summary"]["stored"] == 1000, done.stderr
    f = expected["forms"]
    done = run_ncctd("--db", db, "rollup", "--from", f["first"], "--to", f["last"], "--format", "json")
    totals = json.loads(done.stdout)["totals"]
    for code, value in f["totals"].items():
        assert totals[code] == pytest.approx(value, abs=1e-6), code
