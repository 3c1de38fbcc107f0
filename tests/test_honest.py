"""Issue 14, part 1: an incomplete period does not look like a collapse.

A store holding 2021–2023 (every return of the bundled examples) and one return of 2024: the 2024 figures carry the
stocks of the 13 communes that have not reported from December 2023, say so, and compare
with 2023 only where the two periods are about as complete. Every check runs the real
``ncctd`` and reads the figures it wrote back from its outputs; the expected figures come
from the store's own table of values (SQLite), not from ncctd."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from .conftest import EXAMPLES

HEADER_ROW = 5  # the workbook's header row (title block, a line, then the header)
WIDE_HEADER = "Xã,Kỳ báo cáo,leader_visits,enterprises_total"
NAM_CO = "04462"


@pytest.fixture
def early_2024(examples_store: Path, tmp_path: Path, run_ncctd) -> Path:  # type: ignore[no-untyped-def]
    """The two years, and Nậm Có's return for January 2024 (9 enterprises)."""
    db = tmp_path / "kho.sqlite"
    shutil.copy(examples_store, db)
    january = tmp_path / "t1-2024.csv"
    january.write_text(f"{WIDE_HEADER}\nNậm Có,2024-01,5,9\n", encoding="utf-8")
    done = run_ncctd("--db", db, "ingest", january)
    assert done.returncode == 0, done.stderr
    return db


def stored(db: Path, period: str, indicator: str) -> dict[str, float]:
    """What the store holds: each commune's value of one indicator in one month."""
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "SELECT commune, value FROM facts WHERE period = ? AND indicator = ?", (period, indicator)
        ).fetchall())


def ncctd_json(run_ncctd, *args: Any) -> Any:  # type: ignore[no-untyped-def]
    done = run_ncctd(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_stocks_of_communes_not_yet_reported_are_carried(early_2024: Path, run_ncctd) -> None:  # type: ignore[no-untyped-def]
    december = stored(early_2024, "2023-12", "enterprises_total")
    assert len(december) == 14
    others = {c: v for c, v in december.items() if c != NAM_CO}
    year = ncctd_json(run_ncctd, "--db", early_2024, "rollup", "--year", "2024")
    assert year["reporting"] == {"expected": 168, "received": 1}
    # not 9 (the one return): the 13 others keep their December figures
    assert year["totals"]["enterprises_total"] == 9 + sum(others.values())
    assert year["totals"]["leader_visits"] == 5  # a flow is never carried
    carried = [c for c in year["carried"] if c["indicator"] == "enterprises_total"]
    assert {c["commune"]: c["value"] for c in carried} == others
    assert {c["from"] for c in carried} == {"2023-12"}
    assert all(c["indicator"] != "leader_visits" for c in year["carried"])
    # by commune: the carried rows say so; Nậm Có's own figure is not carried
    rows = ncctd_json(run_ncctd, "--db", early_2024, "rollup", "--year", "2024", "--by", "commune")["rows"]
    by_code = {r["commune"]: r for r in rows}
    assert by_code[NAM_CO]["values"]["enterprises_total"] == 9
    # its return gave no other stock: those are carried from its own December
    assert "enterprises_total" not in {c["indicator"] for c in by_code[NAM_CO]["carried"]}
    assert {c["from"] for c in by_code[NAM_CO]["carried"]} == {"2023-12"}
    for code, value in others.items():
        assert by_code[code]["values"]["enterprises_total"] == value
        assert {(c["indicator"], c["from"]) for c in by_code[code]["carried"]} >= {("enterprises_total", "2023-12")}


def test_the_terminal_says_the_window_is_incomplete(early_2024: Path, examples_store: Path, run_ncctd) -> None:  # type: ignore[no-untyped-def]
    table = run_ncctd("--db", early_2024, "rollup", "--year", "2024", env={"COLUMNS": "80"})
    assert table.returncode == 0
    text = " ".join(table.stdout.split())
    assert "Số liệu chưa đầy đủ: mới nhận 1/168 báo cáo tháng của kỳ này" in text
    assert "lấy theo số tháng 12/2023" in text
    english = " ".join(run_ncctd("--db", early_2024, "--lang", "en", "rollup", "--year", "2024").stdout.split())
    assert "Incomplete figures: only 1/168 monthly returns received" in english
    complete = run_ncctd("--db", examples_store, "rollup", "--year", "2023").stdout
    assert "chưa đầy đủ" not in complete and "mang sang" not in complete


def test_the_report_workbook_marks_carried_figures_and_withholds_the_change(
    early_2024: Path, run_ncctd, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "bc-2024.xlsx"
    done = run_ncctd("--db", early_2024, "report", "--year", "2024", "-o", out)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(out)["Tổng hợp"]
    assert "mới nhận 1/168 báo cáo" in str(sheet.cell(HEADER_ROW - 1, 1).value)
    header = [c.value for c in sheet[HEADER_ROW]]
    rows = {r[1]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    enterprises = rows["Tổng số doanh nghiệp"]
    december = stored(early_2024, "2023-12", "enterprises_total")
    assert enterprises["Năm 2024"] == 9 + sum(v for c, v in december.items() if c != NAM_CO)
    assert enterprises["Năm 2023 (kỳ trước)"] == sum(december.values())
    assert enterprises["Tăng/giảm so với kỳ trước"] is None  # 1/168 against 168/168: not compared
    assert enterprises["Số mang sang (xã chưa báo cáo)"] == "Kỳ này: 13 xã chưa báo cáo: số tháng 12/2023"
    texts = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("Không tính tăng/giảm: kỳ này mới nhận 1/168 báo cáo (1%), kỳ trước 168/168 (100%)" in t for t in texts)
    # the carried cells are grey, and the by-commune sheet's legend says why
    communes = load_workbook(out)["Theo xã"]
    legend = [str(c) for row in communes.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("lấy theo số đã báo cáo gần nhất (số tháng 12/2023)" in t for t in legend)


def test_a_complete_year_keeps_its_change(examples_store: Path, run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "bc-2023.xlsx"
    assert run_ncctd("--db", examples_store, "report", "--year", "2023", "-o", out).returncode == 0
    sheet = load_workbook(out)["Tổng hợp"]
    header = [c.value for c in sheet[HEADER_ROW]]
    assert "Số mang sang (xã chưa báo cáo)" not in header
    assert sheet.cell(HEADER_ROW - 1, 1).value is None  # no warning line
    rows = {r[1]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert rows["Tổng số doanh nghiệp"]["Tăng/giảm so với kỳ trước"] is not None


def test_narrative_of_an_incomplete_year(early_2024: Path, run_ncctd) -> None:  # type: ignore[no-untyped-def]
    refused = run_ncctd("--db", early_2024, "narrative", "--year", "2024")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "mới nhận 1/168 báo cáo" in refused.stderr and "--allow-incomplete" in refused.stderr
    done = run_ncctd("--db", early_2024, "narrative", "--year", "2024", "--allow-incomplete")
    assert done.returncode == 0
    assert done.stdout.startswith("Số liệu chưa đầy đủ: mới nhận 1/168 báo cáo tháng của kỳ này")
    total = 9 + sum(v for c, v in stored(early_2024, "2023-12", "enterprises_total").items() if c != NAM_CO)
    assert f"nâng tổng số DN toàn huyện lên {total:g} DN" in done.stdout


def test_archives_loaded_with_arrival_unknown_in_the_completeness_sheet(
    examples_store: Path, run_ncctd, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    db = tmp_path / "kho.sqlite"  # the three years, loaded today from the archive
    assert run_ncctd("--db", db, "ingest", "--received-at", "không rõ", EXAMPLES / "returns").returncode == 0
    status = ncctd_json(run_ncctd, "--db", db, "status", "--year", "2023")
    assert (status["unknown"], status["late"], status["on_time"]) == (168, 0, 0)
    out = tmp_path / "bc.xlsx"
    assert run_ncctd("--db", db, "report", "--year", "2023", "-o", out).returncode == 0
    sheet = load_workbook(out)["Tình hình nộp báo cáo"]
    header = [c.value for c in sheet[HEADER_ROW]]
    months = [k for k, h in enumerate(header) if isinstance(h, str) and h.endswith("/2023")]
    assert len(months) == 12
    communes = [r for r in sheet.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 14, values_only=True)]
    assert {r[k] for r in communes for k in months} == {"Không rõ"}  # never «Muộn»
    counts = dict(zip(header, communes[0], strict=False))
    assert (counts["Không rõ"], counts["Muộn"], counts["Đúng hạn"]) == (12, 0, 0)
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("không rõ ngày đến" in c for c in cells)  # the legend
