"""Issue 12's first promise as a property: for any form with hidden rows and columns, a merged
value header over sub-columns, error cells and formulas never computed, either every stored
value is what the visible sheet shows, or the return is refused — and it is refused only for
a reason the person can see (an error, a formula with no value) or a warning tells them.

The forms are real xlsx files written by openpyxl and read through the whole pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncctd_cli.catalog import default_catalog
from ncctd_cli.ingest import IngestOptions, Ingestor
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period

CATALOG = default_catalog()
INDICATORS = [i for i in CATALOG.indicators]
TODAY = Period(2026, 11)


@dataclass
class Row:
    code: str
    value: float | None  # what the cell holds (None: empty)
    kind: str = "number"  # number | error | formula
    hidden: bool = False
    twin: float | None = None  # a hidden twin column's value on this row


@dataclass
class Form:
    rows: list[Row]
    hidden_twin_column: bool = False
    subcolumns: bool = False  # «Số lượng» over «Lũy kế đến tháng trước» | «Trong tháng»
    hidden_period_row: bool = False
    extra: list[int] = field(default_factory=list)  # rows repeated hidden under their visible one


VALUE = st.one_of(st.none(), st.integers(0, 5000).map(float))
ROW = st.builds(
    Row,
    code=st.just(""),
    value=VALUE,
    kind=st.sampled_from(["number"] * 8 + ["error", "formula"]),
    hidden=st.booleans().map(lambda b: b and False),  # set below, rarely
    twin=VALUE,
)


@st.composite
def forms(draw: st.DrawFn) -> Form:
    chosen = draw(st.lists(st.sampled_from(INDICATORS), min_size=1, max_size=10, unique_by=lambda i: i.code))
    rows = []
    for indicator in chosen:
        row = draw(ROW)
        row.code = indicator.code
        row.hidden = draw(st.integers(0, 5)) == 0
        rows.append(row)
    return Form(
        rows=rows,
        hidden_twin_column=draw(st.booleans()),
        subcolumns=draw(st.booleans()),
        hidden_period_row=draw(st.booleans()),
    )


def write(form: Form, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append(["Xã:", "Nậm Có"])
    if form.hidden_period_row:
        ws.append(["Kỳ báo cáo:", "12/2023"])
        ws.row_dimensions[ws.max_row].hidden = True
    ws.append(["Kỳ báo cáo:", "1/2024"])
    ws.append([])
    # columns: A STT, B code, C twin (hidden when asked), D value (or two sub-columns D, E)
    ws.append(["STT", "Mã chỉ tiêu", "Số lượng" if form.hidden_twin_column else None, "Số lượng", None])
    if form.hidden_twin_column:
        ws.column_dimensions["C"].hidden = True
    value_col = 4
    if form.subcolumns:
        ws.merge_cells(start_row=ws.max_row, start_column=4, end_row=ws.max_row, end_column=5)
        ws.append([None, None, None, "Lũy kế đến tháng trước", "Trong tháng"])
        value_col = 5
    for n, row in enumerate(form.rows, 1):
        ws.append([n, row.code])
        r = ws.max_row
        if form.hidden_twin_column and row.twin is not None:
            ws.cell(r, 3).value = row.twin
        if form.subcolumns:
            ws.cell(r, 4).value = 99999.0  # last month's running total: never this month's
        cell = ws.cell(r, value_col)
        if row.kind == "error":
            cell.value = "#DIV/0!"
            cell.data_type = "e"
        elif row.kind == "formula":
            cell.value = "=1+2"  # no computed value: openpyxl writes none
        elif row.value is not None:
            cell.value = row.value
        if row.hidden:
            ws.row_dimensions[r].hidden = True
    wb.save(path)


def visible(form: Form) -> tuple[dict[str, float], bool]:
    """What the person sees: the values of the visible rows, and whether a visible value cell
    shows an error or an uncomputed formula (a reason to refuse the return)."""
    seen: dict[str, float] = {}
    flawed = False
    for row in form.rows:
        if row.hidden:
            continue
        if row.kind in ("error", "formula"):
            flawed = True
        elif row.value is not None:
            seen[row.code] = row.value
    return seen, flawed


def stored_values(store: Store) -> dict[str, float]:
    return dict(
        store.conn.execute(
            "SELECT v.indicator, v.value FROM returns r JOIN return_values v ON v.return_id = r.id "
            "WHERE r.is_current = 1"
        ).fetchall()
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=forms())
def test_what_is_stored_is_what_the_person_sees(tmp_path_factory, form: Form) -> None:
    path = tmp_path_factory.mktemp("visible") / "form.xlsx"
    write(form, path)
    store = Store.scratch()
    report = Ingestor(store, IngestOptions(today=TODAY, workers=1)).run([path])
    (ret,) = report.returns
    seen, flawed = visible(form)
    codes = [p.code for p in ret.problems]
    if ret.status == "stored":
        assert stored_values(store) == seen, codes
        assert ret.period == Period(2024, 1)  # the visible month, never the hidden row's
        if any(r.hidden and (r.value is not None or r.kind != "number") for r in form.rows) or (
            form.hidden_twin_column and any(r.twin is not None for r in form.rows)
        ):
            assert "hidden-cell" in codes or (not any(
                r.hidden and r.value is not None and r.kind == "number" for r in form.rows
            ) and not (form.hidden_twin_column and any(r.twin is not None for r in form.rows))), codes
    else:
        assert ret.status == "rejected", codes
        # refused only for what the person can see, or an empty return
        assert flawed or not seen, codes
        assert set(codes) & {"error-cell", "formula-no-value", "no-values"}, codes


def test_the_property_sees_stored_returns_too(tmp_path: Path) -> None:
    """The property's own yardstick, on one form with every trap and no flaw: it is stored,
    with the visible values only."""
    form = Form(
        rows=[
            Row("leader_visits", 7.0, twin=70.0),
            Row("workdays", 12.0, hidden=True),  # hidden: not seen, not stored
            Row("trees_planted", 30.0, twin=3.0),
        ],
        hidden_twin_column=True,
        subcolumns=True,
        hidden_period_row=True,
    )
    path = tmp_path / "form.xlsx"
    write(form, path)
    store = Store.scratch()
    (ret,) = Ingestor(store, IngestOptions(today=TODAY, workers=1)).run([path]).returns
    assert ret.status == "stored", [p.code for p in ret.problems]
    assert stored_values(store) == {"leader_visits": 7.0, "trees_planted": 30.0} == visible(form)[0]
    assert "hidden-cell" in [p.code for p in ret.problems]
