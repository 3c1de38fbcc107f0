"""The quick benchmark, as CI runs it: ``python benchmarks/run.py --quick``.

Small inputs (60 forms, 150 communes × 12 months) and generous bounds: it fails loudly when a
change breaks the design (an import that makes ``--help`` slow, a per-value query, memory
growing with the number of files, a roll-up that scans the whole store), not on a few per
cent of noise. The full run (``python benchmarks/run.py``) measures the real targets.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_meets_its_bounds(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = tmp_path / "results-quick.json"
    assert report.exists(), done.stdout + done.stderr
    results = json.loads(report.read_text(encoding="utf-8"))
    missed = {key: v for key, v in results["targets"].items() if not v["ok"]}
    assert not missed, f"benchmark bounds missed: {missed}\n{done.stdout}"
    assert results["forms"]["totals_exact"], results["forms"]["totals_wrong"]
    assert results["national"]["totals_exact"], results["national"]["totals_wrong"]
    assert results["startup"]["heavy_imports"] == [], "--help imports pandas/openpyxl/rich"
    assert done.returncode == 0, done.stdout + done.stderr
