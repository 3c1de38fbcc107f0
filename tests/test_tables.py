"""A big CSV read by columns against the same CSV read row by row: the same long tables,
full of faults, must give the same report (returns, order, statuses, problems) and the same
store. (Both readers feed one layout parser and one set of checks; this keeps the readers
honest: pandas' C reader must see the cells the csv module sees.)

Each case is ingested twice into fresh stores: once with every CSV read by columns
(``column_min_lines=1``), once row by row (``column_min_lines=None``).
"""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ncctd_cli.catalog import Catalog, default_catalog
from ncctd_cli.ingest import IngestOptions, Ingestor
from ncctd_cli.sheets import ReadOptions
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = Period(2024, 6)

CATALOG = default_catalog()
COMMUNES = CATALOG.communes
INDICATORS = CATALOG.indicators


def spellings_of_commune(n: int) -> list[str]:
    commune = COMMUNES[n]
    bare = commune.name.removeprefix("Xã ").removeprefix("Thị trấn ")
    return [commune.name, commune.code, bare, bare.upper()]


def value_text(rng: random.Random, indicator, faults: bool) -> str:
    if faults and rng.random() < 0.04:
        return rng.choice(["abc", "-3", "2,5", "-0", "=SUM(A1)", "12..5", " ", "", "-", "1e400" * 0 + "9" * 400])
    if indicator.is_integer:
        number = rng.choice([0, 1, 2, 3, 5, 8, 12, 40, 300, 1700, 25000])
        return f"{number:,}".replace(",", ".")
    return rng.choice(["0", "1,5", "12,25", "3", "0,1", "149,6"])


def make_table(
    rng: random.Random,
    *,
    communes: int = 6,
    months: list[Period],
    faults: bool = True,
    shuffle: bool = False,
    extra_column: bool = False,
    outliers: bool = True,
) -> str:
    header = ["Xã", "Kỳ báo cáo", "Chỉ tiêu", "Giá trị"] + (["Ghi chú"] if extra_column else [])
    lines = [",".join(header)]
    returns = [(c, m) for c in range(communes) for m in months]
    if shuffle:
        rng.shuffle(returns)
    for c, month in returns:
        commune = rng.choice(spellings_of_commune(c)) if faults else COMMUNES[c].name
        if faults and rng.random() < 0.03:
            commune = rng.choice(["Xã Không Có", "Tổng cộng", ""])
        period = rng.choice([str(month), f"{month.month:02d}/{month.year}"])
        if faults and rng.random() < 0.03:
            period = rng.choice(["13/2023", "2027-01", ""])
        chosen = rng.sample(INDICATORS, rng.randint(4, len(INDICATORS)))
        for indicator in chosen:
            name = indicator.code if rng.random() < 0.8 else indicator.label
            text = value_text(rng, indicator, faults)
            if outliers and month.index % 7 == 6 and rng.random() < 0.2:
                text = "900.000" if indicator.is_integer else "9000,5"
            row = [commune, period, name, text]
            if faults and rng.random() < 0.01:
                row[2] = rng.choice(["chi_tieu_la", ""])
            if faults and rng.random() < 0.01:
                lines.append(",".join(_quote(v) for v in row) + ("," if extra_column else ""))
                row[3] = rng.choice([text, "7"])  # the same indicator again
            lines.append(",".join(_quote(v) for v in row) + ("," + rng.choice(["", "x"]) if extra_column else ""))
        if faults and rng.random() < 0.05:
            lines.append("")  # a blank line
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value


def ingest(db: Path, files: list[Path], *, columns: bool, catalog: Catalog | None = None, **options) -> dict:
    read = ReadOptions(column_min_lines=1 if columns else None)
    with Store.open(db, catalog=catalog) as store:
        report = Ingestor(store, IngestOptions(read=read, today=TODAY, workers=1, **options)).run(files)
        return report.to_json()


def dump(db: Path) -> dict[str, list]:
    conn = sqlite3.connect(db)
    try:
        return {
            "returns": conn.execute(
                "SELECT id, commune, period, version, file, sheet, layout, sha256, content_hash, is_current "
                "FROM returns ORDER BY id"
            ).fetchall(),
            "values": conn.execute("SELECT * FROM return_values ORDER BY return_id, indicator").fetchall(),
            "facts": conn.execute("SELECT * FROM facts ORDER BY period, commune, indicator").fetchall(),
            "problems": conn.execute("SELECT * FROM problems ORDER BY rowid").fetchall(),
        }
    finally:
        conn.close()


def both(tmp_path: Path, batches: list[list[Path]], catalog: Catalog | None = None, **options) -> tuple:
    """Every batch ingested in turn, by columns into one store and by rows into another."""
    results = []
    for columns in (True, False):
        db = tmp_path / f"{'columns' if columns else 'rows'}.sqlite"
        reports = [ingest(db, files, columns=columns, catalog=catalog, **options) for files in batches]
        results.append((reports, dump(db)))
    (col_reports, col_store), (row_reports, row_store) = results
    assert col_reports == row_reports
    assert col_store == row_store
    return col_reports, col_store


class Spy:
    """Counts the CSV files read by columns (``judged``) and those the column reader handed
    back to the row reader."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from ncctd_cli import sheets

        self.judged = 0
        self.handed_back = 0
        original = sheets.read_csv_columns

        def read_csv_columns(*args, **kwargs):
            found = original(*args, **kwargs)
            if found is None:
                self.handed_back += 1
            else:
                self.judged += 1
            return found

        monkeypatch.setattr(sheets, "read_csv_columns", read_csv_columns)


MONTHS_2023 = [Period(2023, m) for m in range(1, 13)]


@pytest.mark.parametrize("seed", range(12))
def test_faulty_tables_give_the_same_results_both_ways(tmp_path: Path, seed: int, monkeypatch) -> None:
    rng = random.Random(seed)
    path = tmp_path / "national.csv"
    path.write_text(make_table(rng, months=MONTHS_2023, extra_column=seed % 3 == 0), encoding="utf-8")
    spy = Spy(monkeypatch)
    reports, _ = both(tmp_path, [[path]])
    assert spy.judged == 1  # the faults are in rows: the table itself is judged by columns
    statuses = {r["status"] for r in reports[0]["returns"]}
    assert "stored" in statuses and "rejected" in statuses
    codes = {p["code"] for r in reports[0]["returns"] for p in r["problems"]}
    assert len(codes & {"unknown-commune", "missing-commune", "invalid-number", "negative-value",
                        "invalid-period", "future-period", "unknown-indicator", "duplicate-indicator",
                        "fraction-for-integer", "formula-text"}) >= 4, codes


def test_history_warnings_and_stored_history(tmp_path: Path, monkeypatch) -> None:
    """A year stored first (by each path), then the next year as a table: the outliers and
    falling stocks are found against stored and table values alike."""
    rng = random.Random(99)
    first, second = tmp_path / "2022.csv", tmp_path / "2023.csv"
    first.write_text(make_table(rng, months=[Period(2022, m) for m in range(1, 13)], faults=False), encoding="utf-8")
    second.write_text(make_table(rng, months=MONTHS_2023, faults=False), encoding="utf-8")
    spy = Spy(monkeypatch)
    reports, store = both(tmp_path, [[first], [second]])
    assert spy.judged == 2
    codes = [p["code"] for r in reports[1]["returns"] for p in r["problems"]]
    assert "outlier" in codes and "stock-decreased" in codes
    assert any(p["code"].startswith("rule-") for r in reports[1]["returns"] for p in r["problems"])
    assert store["facts"] and len(store["returns"]) == 2 * 6 * 12


def test_out_of_order_months_are_read_by_columns(tmp_path: Path, monkeypatch) -> None:
    """Returns in any order: the history checks take each return against what comes before it."""
    rng = random.Random(5)
    path = tmp_path / "shuffled.csv"
    path.write_text(make_table(rng, months=MONTHS_2023, shuffle=True), encoding="utf-8")
    spy = Spy(monkeypatch)
    both(tmp_path, [[path]])
    assert spy.handed_back == 0 and spy.judged == 1


def test_a_table_sent_again_is_unchanged_by_columns(tmp_path: Path, monkeypatch) -> None:
    """The same national file again (a script's re-run): every return unchanged, the
    history warnings the same as the row path's (each month checked against the others)."""
    rng = random.Random(7)
    path = tmp_path / "year.csv"
    path.write_text(make_table(rng, months=MONTHS_2023, faults=False), encoding="utf-8")
    spy = Spy(monkeypatch)
    reports, _ = both(tmp_path, [[path], [path]])
    assert {r["status"] for r in reports[1]["returns"]} == {"unchanged"}
    assert any(p["code"] == "outlier" for r in reports[1]["returns"] for p in r["problems"])
    assert spy.judged == 2 and spy.handed_back == 0


def test_a_year_over_its_first_half_is_judged_by_columns(tmp_path: Path, monkeypatch) -> None:
    """Months stored already (the same values) and months after them, in one table."""
    rng = random.Random(8)
    year = make_table(rng, months=MONTHS_2023, faults=False)
    half = tmp_path / "half.csv"
    lines = year.splitlines()
    half.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if re.search(r",(2023-0[1-6]|0[1-6]/2023),", line))])
        + "\n",
        encoding="utf-8",
    )
    whole = tmp_path / "whole.csv"
    whole.write_text(year, encoding="utf-8")
    spy = Spy(monkeypatch)
    reports, _ = both(tmp_path, [[half], [whole]])
    statuses = {r["status"] for r in reports[1]["returns"]}
    assert statuses == {"unchanged", "stored"}, statuses
    assert spy.judged == 2 and spy.handed_back == 0


def test_other_values_for_a_stored_month_the_same_both_ways(tmp_path: Path, monkeypatch) -> None:
    rng = random.Random(9)
    first = tmp_path / "first.csv"
    first.write_text(make_table(rng, months=MONTHS_2023, faults=False), encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text(make_table(rng, months=MONTHS_2023, faults=False), encoding="utf-8")  # other values
    spy = Spy(monkeypatch)
    for n, options in enumerate(({}, {"replace": True})):
        (tmp_path / str(n)).mkdir()
        both(tmp_path / str(n), [[first], [second]], **options)
    assert spy.handed_back == 0 and spy.judged == 4


def test_two_files_in_one_batch_see_each_other(tmp_path: Path, monkeypatch) -> None:
    """The second table's communes have the first's months in their history (read back
    from the store after the first is stored)."""
    rng = random.Random(11)
    first, second = tmp_path / "a-first-half.csv", tmp_path / "b-second-half.csv"
    first.write_text(make_table(rng, months=MONTHS_2023[:6], faults=False), encoding="utf-8")
    second.write_text(make_table(rng, months=MONTHS_2023[6:], faults=False), encoding="utf-8")
    spy = Spy(monkeypatch)
    reports, _ = both(tmp_path, [[first, second]])
    assert spy.judged == 2
    assert any(p["code"] == "outlier" for r in reports[0]["returns"] for p in r["problems"])


@pytest.mark.parametrize(
    "options", [{"strict": True}, {"replace": True}, {"atomic": True}, {"dry_run": True}, {"validate_only": True}]
)
def test_options_give_the_same_results_both_ways(tmp_path: Path, options: dict) -> None:
    rng = random.Random(3)
    path = tmp_path / "national.csv"
    path.write_text(make_table(rng, months=MONTHS_2023), encoding="utf-8")
    both(tmp_path, [[path], [path]], **options)


def test_rules_of_severity_error_refuse_by_columns(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "catalog"
    shutil.copytree(DATA, folder)
    rules = folder / "rules.csv"
    rules.write_text(rules.read_text(encoding="utf-8").replace(",warning,", ",error,"), encoding="utf-8")
    catalog = Catalog.from_folder(folder)
    rng = random.Random(21)
    path = tmp_path / "national.csv"
    path.write_text(make_table(rng, months=MONTHS_2023, faults=False), encoding="utf-8")
    spy = Spy(monkeypatch)
    reports, _ = both(tmp_path, [[path]], catalog=catalog)
    assert spy.judged == 1
    refused = [r for r in reports[0]["returns"] if r["status"] == "rejected"]
    assert refused
    for ret in refused:
        assert any(p["code"].startswith("rule-") and p["severity"] == "error" for p in ret["problems"])


def test_a_small_long_csv_is_still_read_row_by_row(tmp_path: Path) -> None:
    """Below ``column_min_lines`` (the default) nothing changes for the clerk's files."""
    from ncctd_cli.sheets import ColumnTable, read_path

    path = tmp_path / "small.csv"
    path.write_text(make_table(random.Random(1), months=MONTHS_2023[:2], faults=False), encoding="utf-8")
    source = read_path(path)
    assert source.tables == source.sheets and source.sheets
    assert isinstance(read_path(path, ReadOptions(column_min_lines=1)).tables[0], ColumnTable)


def test_a_table_of_nothing_but_total_rows_is_refused_as_without_returns(tmp_path: Path) -> None:
    path = tmp_path / "totals.csv"
    path.write_text("Xã,Kỳ báo cáo,Chỉ tiêu,Giá trị\n" + "Tổng cộng,2023-01,leader_visits,5\n" * 30, encoding="utf-8")
    reports, store = both(tmp_path, [[path]])
    assert [p["code"] for r in reports[0]["returns"] for p in r["problems"]] == ["no-return"]
    assert not store["returns"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    communes=st.integers(1, 8),
    months=st.integers(1, 12),
    stored_first=st.integers(0, 12),
)
def test_any_table_gives_the_same_results_both_ways(
    tmp_path_factory, seed: int, communes: int, months: int, stored_first: int
) -> None:
    """Property: whatever the faults, spellings, sizes and history warnings, and whatever
    the store holds of the same months already (its first ``stored_first`` months, sent
    before), the column path and the row path agree."""
    rng = random.Random(seed)
    tmp = tmp_path_factory.mktemp("table")
    path = tmp / "national.csv"
    text = make_table(rng, communes=communes, months=MONTHS_2023[:months], extra_column=rng.random() < 0.3)
    path.write_text(text, encoding="utf-8")
    batches = [[path]]
    if stored_first:
        wanted = {str(m) for m in MONTHS_2023[:stored_first]} | {f"{m.month:02d}/2023" for m in MONTHS_2023[:stored_first]}
        lines = text.splitlines()
        earlier = tmp / "earlier.csv"
        earlier.write_text(
            "\n".join([lines[0], *(line for line in lines[1:] if len(line.split(",")) > 1 and line.split(",")[1] in wanted)])
            + "\n",
            encoding="utf-8",
        )
        batches.insert(0, [earlier])
    both(tmp, batches)


def test_the_real_command_takes_a_big_faulty_table_by_columns(tmp_path: Path, run_ncctd) -> None:
    """``ncctd ingest`` in a subprocess, on a province's long CSV big enough for the column
    path (12 years × 14 communes, faults included): the same report and store as the row
    path, exit code 1 (refused returns), the problems file written."""
    import json

    rng = random.Random(42)
    months = [Period(year, month) for year in range(2013, 2025) for month in range(1, 13)]
    path = tmp_path / "province.csv"
    path.write_text(make_table(rng, communes=14, months=months), encoding="utf-8")
    least = ReadOptions().column_min_lines
    assert least is not None and path.read_text(encoding="utf-8").count("\n") >= least
    report, problems = tmp_path / "report.json", tmp_path / "problems.csv"
    done = run_ncctd(
        "--db", tmp_path / "cli.sqlite", "-q", "ingest", path, "--format", "json", "-o", report,
        "--problems", problems,
    )
    assert done.returncode == 1, done.stderr
    by_command = json.loads(report.read_text(encoding="utf-8"))
    with Store.open(tmp_path / "rows.sqlite") as store:
        options = IngestOptions(read=ReadOptions(column_min_lines=None), workers=1)
        by_rows = Ingestor(store, options).run([path]).to_json()
    assert by_command == by_rows
    assert dump(tmp_path / "cli.sqlite") == dump(tmp_path / "rows.sqlite")
    assert by_command["summary"]["stored"] > 1000 and problems.read_text(encoding="utf-8").count("\n") > 10


def test_number_like_cells_keep_their_spelling(tmp_path: Path, monkeypatch) -> None:
    """pandas reads a column of number-like cells as numbers ("1.700" → 1.7, "04456" →
    4456): the column path must read what the file says, as the row path does."""
    lines = ["Mã xã,Kỳ báo cáo,Chỉ tiêu,Giá trị"]
    for month in range(1, 13):
        for code, text in (("propaganda_listeners", "1.700"), ("propaganda_sessions", "25.000"),
                           ("rural_road_km", "1.500"), ("leader_visits", "12")):
            lines.append(f"04456,2023-{month:02d},{code},{text}")
    path = tmp_path / "numbers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spy = Spy(monkeypatch)
    reports, store = both(tmp_path, [[path]])
    assert spy.judged == 1 and reports[0]["summary"]["stored"] == 12
    values = {(indicator, value) for _, indicator, value, _ in store["values"]}
    assert ("propaganda_listeners", 1700.0) in values and ("rural_road_km", 1500.0) in values


@pytest.mark.parametrize("variant", ["crlf", "semicolon", "tab", "bom", "windows-1258", "utf-16"])
def test_csv_dialects_and_encodings_the_same_both_ways(tmp_path: Path, variant: str, monkeypatch) -> None:
    """The column path reads the text the row reader decoded (encoding, BOM, line ends,
    delimiter), with pandas' C reader: the same cells, hence the same results."""
    from ncctd_cli.vietnamese import encode_windows_1258

    text = make_table(random.Random(variant), communes=5, months=MONTHS_2023, extra_column=True)
    if variant == "semicolon":
        text = text.replace(",", ";")
    elif variant == "tab":
        text = text.replace(",", "\t")
    elif variant == "crlf":
        text = text.replace("\n", "\r\n")
    path = tmp_path / "table.csv"
    if variant == "bom":
        path.write_bytes(("\ufeff" + text).encode("utf-8"))
    elif variant == "windows-1258":
        path.write_bytes(encode_windows_1258(text))
    elif variant == "utf-16":
        path.write_bytes(text.encode("utf-16"))
    else:
        path.write_text(text, encoding="utf-8")
    spy = Spy(monkeypatch)
    both(tmp_path, [[path]])
    assert spy.judged == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.lists(
        st.lists(
            st.sampled_from([*'ab1,.;"\r\t -=', ",", ",", "04456", "2023-01", "leader_visits", "1.700", "Xã"]),
            max_size=12,
        ).map("".join),
        max_size=40,
    )
)
@example(body=["a;", ";"])  # a last line of separators only: cut before the delimiter is sniffed, both ways
def test_garbled_long_tables_never_break_and_agree(tmp_path_factory, body: list[str]) -> None:
    """Property: a long table's header over any garbled lines (quotes left open, lone CRs,
    ragged widths, number-like and empty cells): no exception, and both paths agree."""
    tmp = tmp_path_factory.mktemp("garbled")
    path = tmp / "garbled.csv"
    path.write_text("Xã,Kỳ báo cáo,Chỉ tiêu,Giá trị\n" + "\n".join(body) + "\n", encoding="utf-8", newline="")
    both(tmp, [[path]])
