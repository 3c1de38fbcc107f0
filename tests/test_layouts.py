"""Layouts recognised from content: form, wide and long; each value keeps its cell."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncctd_cli.catalog import Catalog, default_catalog
from ncctd_cli.sheets import Sheet
from tests.pipeline import parse_sheet


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def sheet(rows: list[list[object]], name: str | None = "Báo cáo") -> Sheet:
    return Sheet("f.xlsx", name, rows)


def form_rows(meta_same_cell: bool = True) -> list[list[object]]:
    meta = (
        [["Xã/Thị trấn: Nậm Có", None, None, None], ["Kỳ báo cáo: Tháng 2/2024", None, None, None]]
        if meta_same_cell
        else [["Đơn vị báo cáo:", None, "Xã Nậm Có", None], ["Tháng:", None, "T02/2024", None]]
    )
    return [
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", None, None, None],
        [None, None, None, None],
        *meta,
        [None, None, None, None],
        ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Số lượng"],
        ["I. Sinh hoạt, tuyên truyền", None, None, None],
        ["1", "leader_visits", "Lượt cán bộ lãnh đạo...", 7.0],
        ["2", None, "Số buổi tuyên truyền", "1.234"],
        ["3", "propaganda_listeners", None, None],
        ["Tổng cộng", None, None, 1241.0],
        [None, "Người lập biểu", None, "Chủ tịch UBND xã"],
    ]


@pytest.mark.parametrize("same_cell", [True, False])
def test_form(catalog: Catalog, same_cell: bool) -> None:
    (ret,) = parse_sheet(sheet(form_rows(same_cell)), catalog)
    assert ret.layout == "form"
    assert ret.commune_text == "Nậm Có" if same_cell else ret.commune_text == "Xã Nậm Có"
    assert ret.commune_cell == ("A3" if same_cell else "C3")
    assert ret.period_text in ("Tháng 2/2024", "T02/2024")
    assert ret.values["leader_visits"].raw == 7.0
    assert ret.values["leader_visits"].cell == "D8"
    assert ret.values["propaganda_sessions"].raw == "1.234"  # by label: code cell empty
    assert ret.values["propaganda_listeners"].raw is None  # empty: not reported
    assert not ret.problems


def test_form_label_column_only(catalog: Catalog) -> None:
    rows = [
        ["Đơn vị báo cáo:", None, "Hồ Bốn", None],
        ["Kỳ báo cáo:", None, "2024-01", None],
        ["STT", "Tên chỉ tiêu", "Đơn vị tính", "Kết quả"],
        ["1", "ngày công", "ngày công", 12.0],
        ["2", "Tổng số doanh nghiệp", "doanh nghiệp", 4.0],
    ]
    (ret,) = parse_sheet(sheet(rows), catalog)
    assert {k: v.raw for k, v in ret.values.items()} == {"workdays": 12.0, "enterprises_total": 4.0}


def test_form_unknown_row_with_number_is_an_error(catalog: Catalog) -> None:
    rows = form_rows()
    rows.insert(9, ["4", "", "Số hộ được thăm", 12.0])
    (ret,) = parse_sheet(sheet(rows), catalog)
    (problem,) = ret.problems
    assert problem.code == "unknown-indicator" and problem.cell == "D10"
    assert "Số hộ được thăm" in problem.message


@pytest.mark.parametrize(("decimal_point", "text"), [(False, "1.234,5"), (True, "1,234.5")])
def test_form_unknown_row_with_a_number_as_the_file_writes_it(catalog: Catalog, decimal_point: bool, text: str) -> None:
    """A row naming no indicator whose value cell reads as a number the way the file writes
    numbers (``--decimal-point``: the English way) is data that would be dropped: an error."""
    rows = form_rows()
    rows.insert(9, ["4", "", "Số hộ được thăm", text])
    (ret,) = parse_sheet(sheet(rows), catalog, decimal_point=decimal_point)
    assert [(p.code, p.cell) for p in ret.problems] == [("unknown-indicator", "D10")]


def test_form_unknown_code_with_number_is_an_error(catalog: Catalog) -> None:
    rows = form_rows()
    rows[7][1] = "leader_visit"  # a typo in the code
    (ret,) = parse_sheet(sheet(rows), catalog)
    assert [p.code for p in ret.problems] == ["unknown-indicator"]
    assert "leader_visits" in ret.problems[0].message  # did you mean


def test_form_same_indicator_twice(catalog: Catalog) -> None:
    rows = form_rows()
    rows.insert(9, ["9", "leader_visits", None, 7.0])  # same value again: fine
    (ret,) = parse_sheet(sheet(rows), catalog)
    assert not ret.problems
    rows.insert(9, ["9", "leader_visits", None, "8"])
    (ret,) = parse_sheet(sheet(rows), catalog)
    assert [p.code for p in ret.problems] == ["duplicate-indicator"]


def test_not_a_return(catalog: Catalog) -> None:
    assert parse_sheet(sheet([["Ghi chú", "x"], ["a", 1.0]]), catalog) == []
    assert parse_sheet(sheet([]), catalog) == []


def test_wide(catalog: Catalog) -> None:
    rows: list[list[object]] = [
        [None, None, None, None],
        ["Xã", "Kỳ báo cáo", "Số buổi tuyên truyền", "leader_visits", "Ghi chú"],
        ["Cao Phạ", "1/2024", "26", "4", "ok"],
        ["La Pán Tẩn", "2/2024", None, "6", None],
        [None, None, None, None, None],
        ["Tổng", None, "26", "10", None],
    ]
    returns = parse_sheet(Sheet("w.csv", None, rows, [1, 2, 3, 4, 5, 6]), catalog)
    assert [(r.commune_text, r.period_text) for r in returns] == [
        ("Cao Phạ", "1/2024"),
        ("La Pán Tẩn", "2/2024"),
    ]
    assert returns[0].values["propaganda_sessions"].raw == "26"
    assert returns[0].values["propaganda_sessions"].cell == "C3"
    assert returns[1].values["propaganda_sessions"].raw is None
    assert all(r.layout == "wide" for r in returns)


def test_wide_unknown_column_holding_numbers(catalog: Catalog) -> None:
    rows: list[list[object]] = [
        ["commune_code", "period", "workdays", "goats"],
        ["04462", "2024-01", "3", "12"],
        ["04465", "2024-01", "4", None],
    ]
    first, second = parse_sheet(sheet(rows), catalog)
    assert [p.code for p in first.problems] == ["unknown-indicator"]
    assert first.problems[0].cell == "D2"
    assert not second.problems  # nothing in that column: nothing dropped


def test_long_any_order_vietnamese_headers(catalog: Catalog) -> None:
    rows: list[list[object]] = [
        ["Giá trị", "Chỉ tiêu", "Kỳ báo cáo", "Xã"],
        ["5", "leader_visits", "2024-01", "04489"],
        ["0.5", "lighting_km", "2024-01", "04489"],
        ["7", "leader_visits", "2024-02", "04489"],
        ["2", "Ngày công", "2024-01", "Chế Tạo"],
    ]
    returns = parse_sheet(sheet(rows), catalog)
    # issue 12: rows naming the same commune and month are one return, however spelled
    # (04489 is Chế Tạo)
    assert [(r.commune_text, r.period_text, sorted(r.values)) for r in returns] == [
        ("04489", "2024-01", ["leader_visits", "lighting_km", "workdays"]),
        ("04489", "2024-02", ["leader_visits"]),
    ]
    assert returns[0].values["lighting_km"].cell == "A3"


def test_long_duplicate_and_unknown(catalog: Catalog) -> None:
    rows: list[list[object]] = [
        ["commune", "period", "indicator", "value"],
        ["04489", "2024-01", "leader_visits", "5"],
        ["04489", "2024-01", "leader_visits", "6"],
        ["04489", "2024-01", "goats", "6"],
    ]
    (ret,) = parse_sheet(sheet(rows), catalog)
    assert sorted(p.code for p in ret.problems) == ["duplicate-indicator", "unknown-indicator"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40), st.booleans())
def test_keys_are_numbered_as_they_first_appear(keys: list[int], together: bool) -> None:
    """Property: rows of a key numbered by the key's first appearance, whether its rows come
    together (the quick way) or not."""
    import numpy as np

    from ncctd_cli.layouts import first_seen_numbers

    if together:
        keys = sorted(keys, key=keys.index)  # each key's rows together, keys in first-seen order
    order: dict[int, int] = {}
    expected = [order.setdefault(k, len(order)) for k in keys]
    assert first_seen_numbers(np.array(keys, dtype=np.int64)).tolist() == expected
