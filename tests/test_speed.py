"""The fast paths give exactly what the plain ones give.

Each optimisation of issue 7 (docs/PERFORMANCE.md) kept a plain reference to compare with: the
CSV read in one C loop against the record-by-record loop; the sorted history against
``statistics.median`` over every month; the hand-written canonical JSON against
``json.dumps``; the batched save against one ``Store.save`` per return; the roll-up's
``MAX()`` query against a window computed in Python; parallel reading against reading here;
the command list of ``ncctd --help`` against each command's own help.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ncctd_cli import sheets
from ncctd_cli.catalog import default_catalog
from ncctd_cli.ingest import IngestOptions, Ingestor
from ncctd_cli.model import Return, Value
from ncctd_cli.rollup import rollup
from ncctd_cli.store import Store, StoreError, content_hash
from ncctd_cli.vietnamese import Period

CATALOG = default_catalog()

# ------------------------------------------------------------------ CSV


def _read_both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def shape(source: sheets.SourceFile) -> object:
        return (
            [p.code for p in source.problems],
            [(s.rows, [s.ref(r, 0) for r in range(len(s.rows))]) for s in source.sheets],
        )

    fast = shape(sheets.read_bytes(data, "x.csv"))
    with monkeypatch.context() as m:
        m.setattr(sheets, "_read_csv_fast", lambda *_: None)
        plain = shape(sheets.read_bytes(data, "x.csv"))
    return fast, plain


CELL = st.one_of(
    st.sampled_from(["", " ", "  ", "\u00a0", "Nậm Có", "1.700", "12,5", "-", "a;b", "x\ty"]),
    st.text(alphabet='ab ,;"\t\r\n1', max_size=6),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    quote_all=st.booleans(),
)
@example(rows=[["", "", "a;b", "\n;", ""]], delimiter=",", newline="\n", quote_all=False)  # a quote left open at the end
def test_csv_fast_path_is_the_record_loop(
    monkeypatch: pytest.MonkeyPatch, rows: list[list[str]], delimiter: str, newline: str, quote_all: bool
) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(["commune", "period", "indicator", "value"])
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    fast, plain = _read_both(data, monkeypatch)
    assert fast == plain


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n\n3,4\n",  # a blank line
        "a,b\n1,2\n,\n3,4\n",  # a row of empty cells
        "a,b\n 1,\n",  # a cell of spaces
        'a,b\n"x\ny",2\n3,4\n',  # a cell spanning lines
        "a,b\r1,2\r",  # old Mac line ends
        "a,b\n1,2",  # no final line break
        "a;b\n1;\n;2\n",
        "\ufeffa,b\n1,2\n",
    ],
)
def test_csv_fast_path_edge_cases(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    fast, plain = _read_both(text.encode("utf-8"), monkeypatch)
    assert fast == plain


def test_csv_fast_path_shares_repeated_cells() -> None:
    body = "".join(f"Nậm Có,2024-01,workdays,{n}\n" for n in range(5000))
    source = sheets.read_bytes(("commune,period,indicator,value\n" + body).encode(), "x.csv")
    rows = source.sheets[0].rows
    assert rows[1][0] is rows[2][0] and rows[1][2] is rows[4000][2]
    assert source.sheets[0].ref(4000, 3) == "D4001"


# ------------------------------------------------------------------ history


def _naive_warnings(stored: dict[int, float], batch: list[tuple[int, float]], stock: bool) -> list[list[str]]:
    """What the checks must find, the slow way: the returns taken one by one, each checked
    against what is known before it (the stored months and the batch's earlier months, a
    month sent again replacing the earlier value), never its own month."""
    known = dict(stored)
    found = []
    for month, value in batch:
        others = [v for m, v in known.items() if m != month]
        codes = []
        earlier = [m for m in known if m < month]
        if stock and earlier and value < known[max(earlier)] - 1e-9:
            codes.append("stock-decreased")
        if len(others) >= 6:
            median = statistics.median(others)
            if median > 0 and value > 10 * median:
                codes.append("outlier")
        found.append(codes)
        known[month] = value
    return found


VALUES = st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0, 7.0, 9.0, 10.0, 500.0, 1e5, 1e6])


@settings(max_examples=200, deadline=None)
@given(
    stored=st.dictionaries(st.integers(0, 30), st.tuples(VALUES, VALUES), max_size=20),
    batch=st.lists(  # one return per month (the same month twice in a batch is a conflict)
        st.tuples(st.integers(0, 30), VALUES, VALUES),
        max_size=14,
        unique_by=lambda triple: triple[0],
    ),
)
@example(  # a median of half zeros: (0 + 1) / 2, not 0
    stored={m: (0.0, 0.0) if m < 3 else (1.0, 1.0) for m in range(6)}, batch=[(6, 1e5, 1e5)]
)
@example(  # months by file name (January of each year, then February...): the latest before
    stored={}, batch=[(0, 5.0, 1.0), (12, 9.0, 1.0), (1, 4.0, 1.0), (13, 7.0, 1.0), (11, 8.0, 1.0)]
)
def test_history_checks_equal_the_one_by_one_reading(
    stored: dict[int, tuple[float, float]], batch: list[tuple[int, float, float]]
) -> None:
    """Property: the history checks over a whole batch at once (any order of months, stored
    months sent again, a stored history, a stock and a flow in each return) find what a clerk
    checking the returns one by one would."""
    from ncctd_cli.history import History
    from ncctd_cli.ingest import check_returns

    catalog = default_catalog()
    codes = ("enterprises_total", "trees_planted")  # a stock, a flow
    base = Period(2022, 1).index
    rows = [
        ("04462", str(Period.from_index(base + m)), code, pair[n])
        for m, pair in stored.items() for n, code in enumerate(codes)
    ]
    history = History(lambda communes: [r for r in rows if r[0] in communes], [i.code for i in catalog.indicators])
    returns = []
    for month, *values in batch:
        ret = Return("f.csv", None, "long", commune_text="04462", period_text=str(Period.from_index(base + month)))
        ret.values = {code: Value(code, value, "D2") for code, value in zip(codes, values, strict=True)}
        returns.append(ret)
    check_returns(returns, catalog, today=Period(2026, 11), history=history)
    expected: list[list[str]] = [[] for _ in batch]
    for n in range(len(codes)):
        found = _naive_warnings(
            {m: pair[n] for m, pair in stored.items()}, [(m, v[n]) for m, *v in batch], stock=n == 0
        )
        for mine, theirs in zip(expected, found, strict=True):
            mine.extend(theirs)
    assert [sorted(p.code for p in r.problems) for r in returns] == [sorted(codes) for codes in expected]


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 40), st.integers(-5, 5), st.integers(-1, 3)), min_size=1, max_size=60
    ),
    wide=st.booleans(),
)
def test_packed_keys_sort_as_lexsort(rows: list[tuple[int, int, int]], wide: bool) -> None:
    """Property: the history's sort of integer keys packed into one is ``np.lexsort``'s order
    (first key first, ties in the order given), and so is its fallback for keys too wide."""
    import numpy as np

    from ncctd_cli.history import _lexsort_ints

    keys = [np.array(column, dtype=np.int64) for column in zip(*rows, strict=True)]
    if wide:  # spans whose product does not fit in 62 bits
        keys = [key * (1 << 30) for key in keys]
    assert _lexsort_ints(*keys).tolist() == np.lexsort(keys[::-1]).tolist()


def test_a_piece_of_a_big_table_is_one_chunk_of_the_store() -> None:
    """The ingest writes a big table a piece at a time, each piece flushed whole while the next
    is checked: the store's bounds on a chunk must not cut a piece of the default catalog's
    returns in two (the checks would wait for the first half's write)."""
    import importlib

    ingest_module = importlib.import_module("ncctd_cli.ingest")  # (the package's `ingest` is the function)
    store_module = importlib.import_module("ncctd_cli.store")
    pieces = ingest_module.PIECE_RETURNS
    assert pieces <= store_module.BATCH_RETURNS
    assert pieces * len(default_catalog().indicators) <= store_module.BATCH_VALUES


def test_a_stock_is_compared_past_returns_the_store_refused(tmp_path: Path) -> None:
    """A commune's stock falls from February to March, with returns the store refuses (other
    values already stored, no --replace) between the two: the fall is still found."""
    head = "commune,period,indicator,value\n"

    def lines(commune: str, month: str, stock: int) -> str:
        return "".join(
            f"{commune},{month},{code},{stock * n}\n"
            for n, code in enumerate(("trees_planted", "enterprises_total", "cooperatives_total", "coop_groups_total"), 1)
        )

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(head + "".join(lines("04459", f"2023-0{m}", 5) for m in (1, 2, 3)), encoding="utf-8")
    second.write_text(
        head + lines("04462", "2023-02", 10) + "".join(lines("04459", f"2023-0{m}", 6) for m in (1, 2, 3))
        + lines("04462", "2023-03", 7),
        encoding="utf-8",
    )
    with Store.open(tmp_path / "s.sqlite") as store:
        Ingestor(store, IngestOptions(received_at="t")).run([first])
        report = Ingestor(store, IngestOptions(received_at="t")).run([second])
    statuses = [r.status for r in report.returns]
    assert statuses == ["stored", "rejected", "rejected", "rejected", "stored"]
    fell = [p.indicator for p in report.returns[-1].problems if p.code == "stock-decreased"]
    assert fell == ["enterprises_total", "cooperatives_total", "coop_groups_total"]


# ------------------------------------------------------------------ canonical JSON


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-5, 5), st.just(-0.0)),
        max_size=30,
    )
)
def test_content_hash_is_the_json_one(values: dict[str, float]) -> None:
    import hashlib

    import numpy as np

    from ncctd_cli.hashing import content_hashes

    canonical = json.dumps({k: round(v, 9) for k, v in sorted(values.items())}, sort_keys=True)
    assert content_hash(values) == hashlib.sha256(canonical.encode()).hexdigest()
    if all(type(v) is float for v in values.values()):  # the batch's hashes: stored values are floats
        codes = sorted(values)
        position = {c: n for n, c in enumerate(codes)}
        keys = list(values)
        found = content_hashes(
            np.zeros(len(keys), dtype=np.int64), np.array([position[k] for k in keys], dtype=np.int64),
            np.array([values[k] for k in keys], dtype=float), codes, 1,
        )
        assert found == [content_hash(values)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["b", "a", "c_x", "d", "é"]),
            st.one_of(st.sampled_from([0.0, -0.0, 1.5, 2.0, 1e-10, 1e20]), st.floats(allow_nan=False, allow_infinity=False)),
            max_size=5,
        ),
        max_size=6,
    ),
    st.randoms(use_true_random=False),
)
def test_a_batchs_hashes_are_each_returns(returns: list[dict[str, float]], rng: random.Random) -> None:
    """Property: the hashes of many returns at once (their values in any order) are each
    return's own."""
    import numpy as np

    from ncctd_cli.hashing import content_hashes

    codes = ["b", "a", "c_x", "d", "é"]
    cells = [(r, codes.index(code), value) for r, values in enumerate(returns) for code, value in values.items()]
    rng.shuffle(cells)
    found = content_hashes(
        np.array([c[0] for c in cells], dtype=np.int64), np.array([c[1] for c in cells], dtype=np.int64),
        np.array([c[2] for c in cells], dtype=float), codes, len(returns),
    )
    assert found == [content_hash(values) for values in returns]


# ------------------------------------------------------------------ batched saving


@pytest.mark.parametrize("column_min_lines", [None, 2])  # row by row; by columns
def test_the_stored_cell_is_the_values_cell(tmp_path: Path, column_min_lines: int | None) -> None:
    from ncctd_cli.sheets import ReadOptions

    table = tmp_path / "t.csv"
    table.write_text(
        "commune,period,indicator,value\n04459,2023-01,leader_visits,5\n04459,2023-01,trees_planted,7\n"
        "04462,2023-01,leader_visits,2\n",
        encoding="utf-8",
    )
    with Store.open(tmp_path / "s.sqlite") as store:
        options = IngestOptions(received_at="t", read=ReadOptions(column_min_lines=column_min_lines))
        Ingestor(store, options).run([table])
        cells = store.conn.execute("SELECT indicator, value, cell FROM return_values ORDER BY return_id, cell").fetchall()
    assert cells == [("leader_visits", 5.0, "D2"), ("trees_planted", 7.0, "D3"), ("leader_visits", 2.0, "D4")]
    wide = tmp_path / "w.csv"
    wide.write_text("commune,period,leader_visits,trees_planted\n04459,2023-02,5,7\n", encoding="utf-8")
    with Store.open(tmp_path / "s.sqlite") as store:
        Ingestor(store, options).run([wide])
        cells = store.conn.execute(
            "SELECT indicator, cell FROM return_values WHERE return_id = (SELECT MAX(id) FROM returns) ORDER BY cell"
        ).fetchall()
    assert cells == [("leader_visits", "C2"), ("trees_planted", "D2")]


@pytest.mark.parametrize("parameters", [None, 999])  # this SQLite's limit, and the oldest's
@pytest.mark.parametrize("width", [4, 12])
def test_rows_inserted_many_a_statement_are_every_row(parameters: int | None, width: int) -> None:
    """Every row, in order, for row counts around one and two statements' worth."""
    from ncctd_cli.store import _insert_flat, rows_per_statement

    conn = sqlite3.connect(":memory:")
    if parameters is not None:
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, parameters)
    per = rows_per_statement(conn, width)
    assert per * width <= conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    for rows in (0, 1, per - 1, per, per + 1, 2 * per, 2 * per + 1):
        conn.execute("DROP TABLE IF EXISTS t")
        conn.execute(f"CREATE TABLE t ({', '.join(f'c{n}' for n in range(width))})")
        wanted = [tuple([r, f"x{r}", r / 3, None][n % 4] for n in range(width)) for r in range(rows)]
        _insert_flat(conn, "INSERT INTO t VALUES ", width, [cell for row in wanted for cell in row])
        assert conn.execute("SELECT * FROM t ORDER BY rowid").fetchall() == wanted



def _ret(commune: str, month: int, **values: float) -> Return:
    ret = Return("f.csv", None, "long", commune=commune, period=Period(2024, month))
    ret.values = {k: Value(k, v, "D2", v) for k, v in values.items()}
    return ret


def _story(replace: bool) -> list[Return]:
    return [
        _ret("04462", 1, workdays=1.0),
        _ret("04462", 1, workdays=1.0),  # the same again: unchanged
        _ret("04462", 1, workdays=2.0),  # other values: rejected, or replaced
        _ret("04459", 1, workdays=3.0),
        _ret("04462", 1, workdays=4.0),  # replaced twice in one chunk
        _ret("04462", 2, workdays=5.0),
        _ret("04462", 1, workdays=1.0),  # back to the first values
    ]


def _dump(store: Store) -> list[tuple]:
    c = store.conn
    return [
        *c.execute("SELECT commune, period, version, content_hash, is_current, file FROM returns ORDER BY id"),
        *c.execute("SELECT * FROM facts ORDER BY 1, 2, 3"),
        *c.execute("SELECT return_id, indicator, value, cell FROM return_values ORDER BY 1, 2"),
        *c.execute("SELECT return_id, code FROM problems ORDER BY 1, 2"),
    ]


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("chunk", [1, 2, 100])
def test_batch_is_one_save_per_return(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: bool, chunk: int
) -> None:
    import ncctd_cli.store as store_module

    monkeypatch.setattr(store_module, "BATCH_RETURNS", chunk)
    plain = Store.open(tmp_path / "plain.sqlite")
    plain_statuses = [plain.save(r, replace=replace, received_at="t") for r in _story(replace)]
    batched = Store.open(tmp_path / "batched.sqlite")
    rets = _story(replace)
    with batched.batch(replace=replace, received_at="t") as batch:
        for r in rets:
            batch.save(r)
    assert [r.status for r in rets] == plain_statuses
    assert _dump(batched) == _dump(plain)


def test_batch_defers_to_another_writer(tmp_path: Path) -> None:
    """Decided against what the store held, written after another process stored the same
    commune's month: the statuses are corrected, nothing of the other's is overwritten."""
    db = tmp_path / "s.sqlite"
    ours, theirs = Store.open(db), Store.open(db)
    batch = ours.batch()
    first, second = _ret("04462", 1, workdays=1.0), _ret("04459", 1, workdays=2.0)
    assert batch.save(first) == "stored" and batch.save(second) == "stored"
    assert theirs.save(_ret("04462", 1, workdays=9.0)) == "stored"
    assert theirs.save(_ret("04459", 1, workdays=2.0)) == "stored"
    batch.flush()
    assert first.status == "rejected" and [p.code for p in first.problems] == ["already-stored"]
    assert second.status == "unchanged"
    assert ours.conn.execute("SELECT commune, value FROM facts ORDER BY 1").fetchall() == [
        ("04459", 2.0),
        ("04462", 9.0),
    ]


def test_batch_asks_the_store_for_ids_after_another_writer(tmp_path: Path) -> None:
    """Chunks written in the store's thread, then another process stores a return, then the
    batch meets a month it had not looked at (and finds the other's write): the next chunk's
    ids are asked of the store, not taken after the batch's last one (the other took it)."""
    db = tmp_path / "s.sqlite"
    ours, theirs = Store.open(db), Store.open(db)
    batch = ours.batch()
    batch.save(_ret("04462", 1, workdays=1.0))
    batch.flush(wait=False)  # the first chunk: its ids from the store
    batch.save(_ret("04459", 1, workdays=2.0))
    batch.flush(wait=False)  # the next: its ids after the first's, written in the thread
    ours.wait_for_writes()
    assert theirs.save(_ret("04460", 1, workdays=3.0)) == "stored"
    later = _ret("04462", 2, workdays=4.0)
    assert batch.save(later) == "stored"
    batch.flush(wait=False)
    batch.flush()
    assert later.status == "stored"
    assert sorted(ours.conn.execute("SELECT commune, period FROM returns").fetchall()) == [
        ("04459", "2024-01"), ("04460", "2024-01"), ("04462", "2024-01"), ("04462", "2024-02"),
    ]
    assert ours.conn.execute("SELECT COUNT(*) FROM facts").fetchone() == (4,)


def test_batch_store_errors_are_store_errors(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite")
    batch = store.batch()
    batch.save(_ret("04462", 1, workdays=1.0))
    store.conn.execute("DROP TABLE problems")  # the write fails inside the transaction
    with pytest.raises(StoreError):
        batch.flush()
    assert store.conn.execute("SELECT COUNT(*) FROM returns").fetchone() == (0,)


# ------------------------------------------------------------------ roll-up


def test_rollup_stocks_take_each_communes_latest_month(tmp_path: Path) -> None:
    rng = random.Random(3)
    store = Store.open(tmp_path / "s.sqlite")
    stocks = [i.code for i in CATALOG.indicators if i.is_stock]
    facts = {}
    with store.batch() as batch:
        for commune in CATALOG.communes:
            for month in rng.sample(range(1, 13), 7):
                values = {code: float(rng.randint(0, 50)) for code in stocks if rng.random() < 0.8}
                values["workdays"] = float(rng.randint(0, 9))
                batch.save(_ret(commune.code, month, **values))
                facts[(commune.code, month)] = values
    for by in ("district", "commune", "month", "quarter", "half", "year"):
        for first, last in ((1, 12), (2, 7), (5, 5)):
            result = rollup(store, Period(2024, first), Period(2024, last), by=by)
            for row in result.rows:
                in_row = [m for m in range(first, last + 1) if by in ("district", "commune") or _bucket(m, by) == row.key]
                for code in [*stocks, "workdays"]:
                    expected = 0.0
                    seen = False
                    for commune in CATALOG.communes:
                        if by == "commune" and commune.code != row.key:
                            continue
                        given = sorted(m for (c, m), v in facts.items() if c == commune.code and code in v)
                        if code == "workdays":  # a flow: the row's own months
                            months = [m for m in given if m in in_row]
                        elif commune.since is None:  # a stock: the latest up to the row's end
                            months = [m for m in given if m <= in_row[-1]]  # (carried from before it)
                        else:  # a unit of later months: no earlier value of its own to carry
                            months = [m for m in given if m in in_row]
                        if not months:
                            continue
                        seen = True
                        if code == "workdays":
                            expected += sum(facts[(commune.code, m)][code] for m in months)
                        else:
                            expected += facts[(commune.code, months[-1])][code]
                    assert row.values[code] == (round(expected) if seen else None), (by, first, last, row.key, code)


def _bucket(month: int, by: str) -> str:
    if by == "month":
        return f"2024-{month:02d}"
    if by == "quarter":
        return f"2024-Q{(month + 2) // 3}"
    if by == "half":
        return f"2024-H{1 if month <= 6 else 2}"
    return "2024"


# ------------------------------------------------------------------ parallel reading


@pytest.mark.parametrize("window_bytes", [None, 1])
def test_parallel_reading_is_reading_here(
    tmp_path: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch, window_bytes: int | None
) -> None:
    """Two workers (a bounded number of files ahead, or one at a time when the files ahead may
    hold a byte only) give the report and the store one reading here gives."""
    import importlib

    ingest_module = importlib.import_module("ncctd_cli.ingest")  # (the package's `ingest` is the function)
    if window_bytes is not None:
        monkeypatch.setattr(ingest_module, "WINDOW_BYTES", window_bytes)
    files = sorted(samples_dir.iterdir()) * 2  # 86 files: the same returns again are unchanged
    reports = []
    for workers in (1, 2):
        store = Store.open(tmp_path / f"w{workers}.sqlite")
        report = Ingestor(store, IngestOptions(workers=workers, received_at="t")).run(files)
        reports.append(json.dumps(report.to_json(), sort_keys=True))
        store.close()
    assert reports[0] == reports[1]
    assert json.loads(reports[0])["summary"]["unchanged"] == 41
    dumps = []
    for workers in (1, 2):
        conn = sqlite3.connect(tmp_path / f"w{workers}.sqlite")
        dumps.append(conn.execute("SELECT * FROM facts ORDER BY 1, 2, 3").fetchall())
        conn.close()
    assert dumps[0] == dumps[1]


# ------------------------------------------------------------------ ncctd --help


HELP_CHECK = """
import click, json
from ncctd_cli import cli as cli_module
from ncctd_cli.commands.common import tr
wrong = []
for width in (60, 80, 100, 200):
    limit = width - 6 - max(len(n) for n in cli_module.COMMANDS)
    for name in cli_module.COMMANDS:
        command = cli_module.LazyGroup._find(name)
        summary = click.Command(name, help=tr(*cli_module.SUMMARIES[name]))
        if command is None or summary.get_short_help_str(limit) != command.get_short_help_str(limit):
            wrong.append([name, width])
print(json.dumps(wrong))
"""


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_help_command_list_is_each_commands_own(lang: str) -> None:
    """`ncctd --help` lists the commands from cli.SUMMARIES (importing no command module):
    each line must be what the command's own help would give, in both languages."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NCCTD_LANG": lang}
    done = subprocess.run([sys.executable, "-c", HELP_CHECK], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ncctd_cli", "--help"],
        capture_output=True, text=True, env=env,
    )
    assert done.returncode == 0 and "ingest" in done.stdout
    assert "ncctd_cli.commands.ingest" not in done.stderr  # listed without being imported
