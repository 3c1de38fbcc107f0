"""Every registered check through every layout (issue 11): each check is written once, over a
batch's columns, so a return that breaks it must be caught whether it came as a form (xlsx), a
wide table or a long table, read row by row or by columns. A check added to the registry
without a case here fails :func:`test_every_registered_check_has_a_case`."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ncctd_cli.checks import CHECKS
from ncctd_cli.ingest import IngestOptions, Ingestor
from ncctd_cli.sheets import ReadOptions
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period

TODAY = Period(2026, 11)
MONTH = "2024-07"


@dataclass
class Case:
    """A return that breaks one check: its commune and period cells, its (indicator, raw)
    cells in order, and the history stored before it (long-table rows)."""

    commune: str | None = "Nậm Có"
    period: str | None = MONTH
    cells: list[tuple[str, str]] = field(default_factory=lambda: [("leader_visits", "5")])
    history: list[tuple[str, str, str]] = field(default_factory=list)  # (period, indicator, value)


CASES: dict[str, Case] = {
    "unknown-indicator": Case(cells=[("leader_visits", "5"), ("chi_tieu_la", "12")]),
    "duplicate-indicator": Case(cells=[("leader_visits", "5"), ("leader_visits", "6")]),
    "missing-commune": Case(commune=None),
    "unknown-commune": Case(commune="Xã Không Có"),
    "unit-not-active": Case(commune="Xã Hồ Bốn", period="2025-08"),  # merged into Khao Mang
    "missing-period": Case(period=None),
    "invalid-period": Case(period="tháng mười"),
    "future-period": Case(period="2099-01"),
    "invalid-number": Case(cells=[("leader_visits", "mười")]),
    "formula-text": Case(cells=[("leader_visits", "=1+1")]),
    "negative-value": Case(cells=[("trees_planted", "-5")]),
    "fraction-for-integer": Case(cells=[("workdays", "2,5")]),
    "no-values": Case(cells=[("leader_visits", "")]),
    "rule-<code>": Case(cells=[("propaganda_sessions", "30"), ("propaganda_listeners", "12")]),
    "stock-decreased": Case(cells=[("enterprises_total", "3")], history=[("2024-06", "enterprises_total", "5")]),
    "outlier": Case(
        cells=[("trees_planted", "2500")],
        history=[(f"2024-0{m}", "trees_planted", str(20 + m)) for m in range(1, 7)],
    ),
}


def write_form(case: Case, path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    if case.commune is not None:
        ws.append(["Xã:", case.commune])
    if case.period is not None:
        ws.append(["Kỳ báo cáo:", case.period])
    ws.append([])
    ws.append(["STT", "Mã chỉ tiêu", "Số lượng"])
    for n, (code, raw) in enumerate(case.cells, 1):
        ws.append([n, code, None])
        cell = ws.cell(ws.max_row, 3)
        if raw:
            cell.value = raw
            cell.data_type = "s"  # text as typed (openpyxl would make "=1+1" a formula)
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path


def write_wide(case: Case, path: Path) -> Path:
    path = path.with_suffix(".csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Xã", "Kỳ báo cáo", *(code for code, _ in case.cells)])
        writer.writerow([case.commune or "", case.period or "", *(raw for _, raw in case.cells)])
    return path


def write_long(case: Case, path: Path) -> Path:
    path = path.with_suffix(".csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["commune", "period", "indicator", "value"])
        for code, raw in case.cells:
            writer.writerow([case.commune or "", case.period or "", code, raw])
    return path


LAYOUTS = {
    "form-xlsx": (write_form, None),
    "wide-rows": (write_wide, None),
    "wide-columns": (write_wide, 1),
    "long-rows": (write_long, None),
    "long-columns": (write_long, 1),
}


def test_every_registered_check_has_a_case() -> None:
    registered = {code for check in CHECKS for code in check.codes}
    assert registered == set(CASES), registered ^ set(CASES)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("code", sorted(CASES))
def test_each_check_in_each_layout(tmp_path: Path, code: str, layout: str) -> None:
    case = CASES[code]
    write, min_lines = LAYOUTS[layout]
    store = Store.scratch()
    if case.history:
        earlier = tmp_path / "history.csv"
        earlier.write_text(
            "commune,period,indicator,value\n" + "".join(f"04462,{p},{i},{v}\n" for p, i, v in case.history),
            encoding="utf-8",
        )
        done = Ingestor(store, IngestOptions(today=TODAY, workers=1)).run([earlier])
        assert done.summary["stored"] == len({p for p, _, _ in case.history})
    path = write(case, tmp_path / f"case_{layout}")
    options = IngestOptions(today=TODAY, workers=1, read=ReadOptions(column_min_lines=min_lines))
    report = Ingestor(store, options).run([path])
    (ret,) = report.returns
    found = [p.code for p in ret.problems]
    wanted = code.replace("<code>", "listeners-vs-sessions")
    assert wanted in found, (layout, found)
    problem = next(p for p in ret.problems if p.code == wanted)
    assert (problem.message and problem.text("en") and problem.text("vi") != problem.text("en")) or code.startswith("rule")
    assert problem.file == str(path)
