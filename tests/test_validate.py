"""The checks: every error and warning of the return contract, as Problem records."""

from __future__ import annotations

import datetime as dt

import pytest

from ncctd_cli.catalog import Catalog, default_catalog
from ncctd_cli.history import OUTLIER_MIN_HISTORY, History
from ncctd_cli.ingest import check_returns
from ncctd_cli.model import Return, Value
from ncctd_cli.vietnamese import Period

TODAY = Period(2026, 11)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def make(commune: object = "Nậm Có", period: object = "2024-01", **values: object) -> Return:
    ret = Return(file="f.xlsx", sheet="S", layout="form", commune_text=commune, period_text=period)
    ret.commune_cell, ret.period_cell = "B2", "B3"
    for n, (code, raw) in enumerate(values.items()):
        ret.values[code] = Value(code, raw, f"E{n + 8}")
    return ret


def check(catalog: Catalog, ret: Return, history: History | None = None) -> list[str]:
    check_returns([ret], catalog, today=TODAY, history=history)
    return [p.code for p in ret.problems]


def test_good_return(catalog: Catalog) -> None:
    ret = make(leader_visits=7.0, propaganda_sessions="1.234", propaganda_listeners="2.000",
               rural_road_km="12,5", houses_for_poor="-", workdays=None)
    assert check(catalog, ret) == []
    assert ret.commune == "04462" and ret.period == Period(2024, 1)
    assert ret.reported == {
        "leader_visits": 7,
        "propaganda_sessions": 1234,
        "propaganda_listeners": 2000,
        "rural_road_km": 12.5,
        "houses_for_poor": 0,
    }


@pytest.mark.parametrize(
    ("values", "code", "cell"),
    [
        ({"trees_planted": "mười"}, "invalid-number", "E8"),
        ({"trees_planted": -5.0}, "negative-value", "E8"),
        ({"trees_planted": "-5"}, "negative-value", "E8"),
        ({"workdays": 2.5}, "fraction-for-integer", "E8"),
        ({"workdays": "2,5"}, "fraction-for-integer", "E8"),
        ({"workdays": "=HYPERLINK(\"http://x\")"}, "formula-text", "E8"),
        ({"workdays": True}, "invalid-number", "E8"),
        ({"workdays": dt.date(2024, 1, 1)}, "invalid-number", "E8"),
        ({"workdays": None}, "no-values", None),
    ],
)
def test_value_errors(catalog: Catalog, values: dict[str, object], code: str, cell: str | None) -> None:
    ret = make(**values)
    assert check(catalog, ret) == [code]
    assert ret.refused
    problem = ret.problems[0]
    assert problem.cell == cell
    assert problem.file == "f.xlsx" and problem.sheet == "S"
    assert problem.commune == "04462" and problem.period == "2024-01"


def test_integer_written_with_zero_decimals_is_fine(catalog: Catalog) -> None:
    ret = make(workdays="3,0", leader_visits=3.0000000000001)
    assert check(catalog, ret) == []
    assert ret.reported == {"workdays": 3, "leader_visits": 3}


@pytest.mark.parametrize(
    ("commune", "period", "code", "cell"),
    [
        ("Bản Công", "2024-01", "unknown-commune", "B2"),
        (None, "2024-01", "missing-commune", "B2"),
        ("Nậm Có", None, "missing-period", "B3"),
        ("Nậm Có", "tháng mười", "invalid-period", "B3"),
        ("Nậm Có", "2026-12", "future-period", "B3"),
        ("Nậm Có", "2027-01", "future-period", "B3"),
    ],
)
def test_identity_errors(catalog: Catalog, commune: object, period: object, code: str, cell: str) -> None:
    ret = make(commune, period, workdays=1.0)
    assert check(catalog, ret) == [code]
    assert ret.problems[0].cell == cell


def test_current_month_is_accepted(catalog: Catalog) -> None:
    assert check(catalog, make(period="11/2026", workdays=1.0)) == []


def test_unknown_commune_message_suggests(catalog: Catalog) -> None:
    ret = make("Nam Coo", workdays=1.0)
    check(catalog, ret)
    assert "Xã Nậm Có" in ret.problems[0].message


def test_rule_warning(catalog: Catalog) -> None:
    ret = make(propaganda_sessions=30.0, propaganda_listeners=12.0)
    assert check(catalog, ret) == ["rule-listeners-vs-sessions"]
    assert not ret.refused


def history_of(series: dict[str, dict[str, float]]) -> History:
    rows = [("04462", p, code, v) for p, values in series.items() for code, v in values.items()]
    codes = [i.code for i in default_catalog().indicators]
    return History(lambda communes: [r for r in rows if r[0] in communes], codes)


def test_stock_going_down_is_a_warning(catalog: Catalog) -> None:
    history = history_of({"2023-11": {"enterprises_total": 5.0}, "2023-12": {"enterprises_total": 4.0}})
    ret = make(period="2024-01", enterprises_total=3.0)
    assert check(catalog, ret, history) == ["stock-decreased"]
    assert "4" in ret.problems[0].message and "2023-12" in ret.problems[0].message
    assert check(catalog, make(period="2024-01", enterprises_total=4.0), history) == []


def test_outlier_is_a_warning(catalog: Catalog) -> None:
    series = {f"2023-{m:02d}": {"trees_planted": 20.0 + m} for m in range(1, OUTLIER_MIN_HISTORY + 1)}
    history = history_of(series)
    assert check(catalog, make(trees_planted=60.0), history) == []
    ret = make(trees_planted=2500.0)
    assert check(catalog, ret, history) == ["outlier"]
    assert not ret.refused


def test_outlier_needs_enough_history(catalog: Catalog) -> None:
    history = history_of({"2023-12": {"trees_planted": 2.0}})
    assert check(catalog, make(trees_planted=2500.0), history) == []


def test_history_includes_the_batch_so_far(catalog: Catalog) -> None:
    history = history_of({})
    first, second = make(period="2024-01", self_managed_roads=5.0), make(period="2024-02", self_managed_roads=3.0)
    check_returns([first, second], catalog, today=TODAY, history=history)
    assert [p.code for p in second.problems] == ["stock-decreased"]
