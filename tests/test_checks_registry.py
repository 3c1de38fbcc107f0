"""Every registered check through every layout (issue 11): each check is written once, over a
batch's columns, so a return that breaks it must be caught whether it came as a form, a wide
table or a long table, in a workbook or a CSV read row by row or by columns. A check added to
the registry without a case here fails :func:`test_every_registered_check_has_a_case`.

A case is a return (its commune, period and cells) written in each layout. Cells may carry
what only a workbook can hold (an error cell, a formula never computed, a hidden row): such a
case runs in the workbook layouts only; a few cases belong to one layout by nature (a form's
sub-columns, its note column)."""

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
class Cell:
    """A value cell as written: text, or what only a workbook holds."""

    raw: str
    error: bool = False  # an error cell (#DIV/0!)
    formula: bool = False  # a formula with no saved value
    hidden: bool = False  # its row (or, in a wide table, its column) hidden
    note: str = ""  # a note beside it (forms)


@dataclass
class Case:
    """A return that breaks one check, and the history stored before it."""

    commune: str | None = "Nậm Có"
    period: str | None = MONTH
    cells: list[tuple[str, Cell]] = field(default_factory=lambda: [("leader_visits", Cell("5"))])
    history: list[tuple[str, str, str]] = field(default_factory=list)  # (period, indicator, value)
    twin: list[tuple[str, Cell]] | None = None  # the same commune and month again, these cells
    layouts: tuple[str, ...] | None = None  # only these layouts (None: every one it can be written in)


def cells(*pairs: tuple[str, str]) -> list[tuple[str, Cell]]:
    return [(code, Cell(raw)) for code, raw in pairs]


MOSTLY_EMPTY = [("leader_visits", Cell("5"))] + [
    (code, Cell(""))
    for code in ("propaganda_sessions", "workdays", "houses_for_poor", "trees_planted", "toilets_built",
                 "cement_tonnes", "enterprises_new", "cooperatives_new")
]

CASES: dict[str, Case] = {
    "unknown-indicator": Case(cells=cells(("leader_visits", "5"), ("chi_tieu_la", "12"))),
    "duplicate-indicator": Case(cells=cells(("leader_visits", "5"), ("leader_visits", "6"))),
    "missing-commune": Case(commune=None),
    "unknown-commune": Case(commune="Xã Không Có"),
    "conflicting-identity": Case(commune="04462 - Xã Kim Nọi"),
    "unit-not-active": Case(commune="Xã Hồ Bốn", period="2025-08"),  # merged into Khao Mang
    "missing-period": Case(period=None),
    "invalid-period": Case(period="tháng mười"),
    "future-period": Case(period="2099-01"),
    "invalid-number": Case(cells=cells(("leader_visits", "mười"))),
    "formula-text": Case(cells=cells(("leader_visits", "=1+1"))),
    "error-cell": Case(cells=[("leader_visits", Cell("5")), ("workdays", Cell("#DIV/0!", error=True))]),
    "formula-no-value": Case(cells=[("leader_visits", Cell("5")), ("workdays", Cell("=2+3", formula=True))]),
    "mixed-number-style": Case(cells=cells(("rural_road_km", "0,9"), ("lighting_km", "0.1"), ("cement_tonnes", "2,110"))),
    "number-style": Case(cells=cells(("rural_road_km", "0.9"), ("cement_tonnes", "2,110"))),
    "negative-value": Case(cells=cells(("trees_planted", "-5"))),
    "fraction-for-integer": Case(cells=cells(("workdays", "2,5"))),
    "over-maximum": Case(cells=cells(("trees_planted", "1e300" if False else "99999999999"))),
    "no-values": Case(cells=cells(("leader_visits", ""))),
    "mostly-empty": Case(cells=MOSTLY_EMPTY),
    "duplicate-in-batch": Case(twin=cells(("leader_visits", "6"))),
    "rule-<code>": Case(cells=cells(("propaganda_sessions", "30"), ("propaganda_listeners", "12"))),
    "stock-decreased": Case(cells=cells(("enterprises_total", "3")), history=[("2024-06", "enterprises_total", "5")]),
    "outlier": Case(
        cells=cells(("trees_planted", "2500")),
        history=[(f"2024-0{m}", "trees_planted", str(20 + m)) for m in range(1, 7)],
    ),
    "hidden-cell": Case(cells=[("leader_visits", Cell("5")), ("workdays", Cell("7", hidden=True))]),
    "number-in-note": Case(cells=[("leader_visits", Cell("5")), ("workdays", Cell("", note="12"))], layouts=("form-xlsx",)),
    "ambiguous-column": Case(layouts=("form-xlsx",)),  # written with two sub-columns (see write_form)
}


def _put(ws, row: int, col: int, cell: Cell) -> None:
    target = ws.cell(row, col)
    if cell.error:
        target.value = cell.raw
        target.data_type = "e"
    elif cell.formula:
        target.value = cell.raw  # "=2+3": openpyxl writes a formula, with no saved value
    elif cell.raw:
        target.value = cell.raw
        target.data_type = "s"  # text as typed (openpyxl would make "=1+1" a formula)


def write_form(case: Case, path: Path, code: str) -> list[Path]:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for n, values in enumerate([case.cells, *([case.twin] if case.twin else [])]):
        ws = wb.create_sheet(f"Báo cáo {n + 1}")
        if case.commune is not None:
            ws.append(["Xã:", case.commune])
        if case.period is not None:
            ws.append(["Kỳ báo cáo:", case.period])
        ws.append([])
        ws.append(["STT", "Mã chỉ tiêu", "Số lượng", None, "Ghi chú"])
        if code == "ambiguous-column":
            ws.append([None, None, "Lũy kế đến tháng trước", "Lũy kế từ đầu năm", None])
        for k, (indicator, cell) in enumerate(values, 1):
            ws.append([k, indicator])
            _put(ws, ws.max_row, 3, cell)
            if cell.note:
                ws.cell(ws.max_row, 5).value = cell.note
            if cell.hidden:
                ws.append([k, indicator])  # the visible row, empty: the hidden one holds the number
                ws.row_dimensions[ws.max_row - 1].hidden = True
                _put(ws, ws.max_row, 3, Cell(""))
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return [path]


def _wide_rows(case: Case) -> tuple[list[str], list[list[str]]]:
    header = ["Xã", "Kỳ báo cáo", *(code for code, _ in case.cells)]
    rows = [[case.commune or "", case.period or "", *(c.raw for _, c in case.cells)]]
    if case.twin:
        twin = dict((code, c.raw) for code, c in case.twin)
        rows.append([case.commune or "", case.period or "", *(twin.get(code, "") for code, _ in case.cells)])
    return header, rows


def _long_rows(case: Case) -> list[list[str]]:
    return [[case.commune or "", case.period or "", code, c.raw] for code, c in case.cells]


def write_wide_csv(case: Case, path: Path, code: str) -> list[Path]:
    header, rows = _wide_rows(case)
    path = path.with_suffix(".csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return [path]


def write_long_csv(case: Case, path: Path, code: str) -> list[Path]:
    written = []
    for n, values in enumerate([case.cells, *([case.twin] if case.twin else [])]):
        one = path.with_name(f"{path.name}_{n}.csv")
        with one.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["commune", "period", "indicator", "value"])
            writer.writerows(_long_rows(Case(case.commune, case.period, values)))
        written.append(one)
    return written


def write_wide_xlsx(case: Case, path: Path, code: str) -> list[Path]:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Xã", "Kỳ báo cáo", *(c for c, _ in case.cells)])
    ws.append([case.commune, case.period])
    for k, (_, cell) in enumerate(case.cells, 3):
        _put(ws, 2, k, cell)
        if cell.hidden:
            ws.column_dimensions[ws.cell(1, k).column_letter].hidden = True
    if case.twin:
        twin = dict(case.twin)
        ws.append([case.commune, case.period])
        for k, (c, _) in enumerate(case.cells, 3):
            _put(ws, 3, k, twin.get(c, Cell("")))
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return [path]


def write_long_xlsx(case: Case, path: Path, code: str) -> list[Path]:
    from openpyxl import Workbook

    written = []
    for n, values in enumerate([case.cells, *([case.twin] if case.twin else [])]):
        wb = Workbook()
        ws = wb.active
        ws.append(["commune", "period", "indicator", "value"])
        for indicator, cell in values:
            ws.append([case.commune, case.period, indicator])
            _put(ws, ws.max_row, 4, cell)
            if cell.hidden:
                ws.append([case.commune, case.period, indicator])  # the visible row: empty
                ws.row_dimensions[ws.max_row - 1].hidden = True
        one = path.with_name(f"{path.name}_{n}.xlsx")
        wb.save(one)
        written.append(one)
    return written


WORKBOOK_ONLY = {"error", "formula", "hidden"}

LAYOUTS = {  # name → (writer, column_min_lines, a workbook)
    "form-xlsx": (write_form, None, True),
    "wide-xlsx": (write_wide_xlsx, None, True),
    "long-xlsx": (write_long_xlsx, None, True),
    "wide-csv-rows": (write_wide_csv, None, False),
    "wide-csv-columns": (write_wide_csv, 1, False),
    "long-csv-rows": (write_long_csv, None, False),
    "long-csv-columns": (write_long_csv, 1, False),
}


def applies(case: Case, layout: str) -> bool:
    if case.layouts is not None:
        return layout in case.layouts
    needs_workbook = any(c.error or c.formula or c.hidden for _, c in case.cells)
    return LAYOUTS[layout][2] or not needs_workbook


def test_every_registered_check_has_a_case() -> None:
    registered = {code for check in CHECKS for code in check.codes}
    assert registered == set(CASES), registered ^ set(CASES)


PAIRS = [(code, layout) for code in sorted(CASES) for layout in sorted(LAYOUTS) if applies(CASES[code], layout)]


def test_every_case_runs_in_several_layouts_or_its_own() -> None:
    for code, case in CASES.items():
        n = sum(1 for c, _ in PAIRS if c == code)
        assert n >= (1 if case.layouts else 3), code


@pytest.mark.parametrize(("code", "layout"), PAIRS)
def test_each_check_in_each_layout(tmp_path: Path, code: str, layout: str) -> None:
    case = CASES[code]
    write, min_lines, _ = LAYOUTS[layout]
    store = Store.scratch()
    if case.history:
        earlier = tmp_path / "history.csv"
        earlier.write_text(
            "commune,period,indicator,value\n" + "".join(f"04462,{p},{i},{v}\n" for p, i, v in case.history),
            encoding="utf-8",
        )
        done = Ingestor(store, IngestOptions(today=TODAY, workers=1)).run([earlier])
        assert done.summary["stored"] == len({p for p, _, _ in case.history})
    paths = write(case, tmp_path / f"case_{layout}", code)
    options = IngestOptions(today=TODAY, workers=1, read=ReadOptions(column_min_lines=min_lines))
    report = Ingestor(store, options).run(paths)
    wanted = code.replace("<code>", "listeners-vs-sessions")
    found = [p.code for r in report.returns for p in r.problems]
    assert wanted in found, (layout, found)
    problem = next(p for r in report.returns for p in r.problems if p.code == wanted)
    assert (problem.message and problem.text("en") and problem.text("vi") != problem.text("en")) or code.startswith("rule")
    assert problem.file in {str(p) for p in paths}
