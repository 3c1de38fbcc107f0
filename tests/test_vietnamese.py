"""The Vietnamese rules: number text, periods, names, number format."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ncctd_cli.vietnamese import (
    NumberTextError,
    Period,
    fold,
    format_number,
    months_between,
    parse_number_text,
    parse_period,
    window_in_words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.700", 1700),
        ("12,5", 12.5),
        ("1.234,5", 1234.5),
        ("1.234.567", 1234567),
        ("1 700", 1700),
        ("1\u00a0700", 1700),
        ("1\u202f700,25", 1700.25),
        ("-", 0),
        ("–", 0),
        ("1.5", 1.5),  # a '.' not followed by exactly three digits is a decimal point
        ("0.500", 0.5),  # not a valid grouping: a decimal point
        ("1.2345", 1.2345),
        ("3,0", 3.0),
        ("17", 17),
        ("  42 ", 42),
        ("0", 0),
        ("-5", -5),  # negative numbers are read; the validator refuses them
        ("1,700", 1.7),  # Vietnamese: ',' is the decimal mark
    ],
)
def test_number_text_vietnamese(text: str, expected: float) -> None:
    assert parse_number_text(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "   ", "\u00a0"])
def test_empty_text_is_not_reported(text: str) -> None:
    assert parse_number_text(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "invalid-number"),
        ("12 cây", "invalid-number"),
        ("1,2,3", "invalid-number"),
        ("1..7", "invalid-number"),
        ("=SUM(A1:A3)", "formula-text"),
        ("+cmd", "formula-text"),
        ("@SUM(1)", "formula-text"),
        ("1 7", "invalid-number"),
    ],
)
def test_number_text_refused(text: str, code: str) -> None:
    with pytest.raises(NumberTextError) as err:
        parse_number_text(text)
    assert err.value.code == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,700.5", 1700.5), ("1.5", 1.5), ("1700", 1700), ("0.25", 0.25), ("2,110", 2110)],
)
def test_number_text_decimal_point_option(text: str, expected: float) -> None:
    assert parse_number_text(text, decimal_point=True) == pytest.approx(expected)


def _vn(number: int, decimals: str = "") -> str:
    grouped = f"{number:,}".replace(",", ".")
    return grouped + ("," + decimals if decimals else "")


@given(st.integers(min_value=0, max_value=10**12))
def test_grouped_integers_read_back(number: int) -> None:
    assert parse_number_text(_vn(number)) == number
    assert parse_number_text(f"{number:,}".replace(",", " ")) == number


@given(st.integers(min_value=0, max_value=10**9), st.from_regex(r"[0-9]{1,4}", fullmatch=True))
def test_grouped_decimals_read_back(whole: int, decimals: str) -> None:
    assert parse_number_text(_vn(whole, decimals)) == pytest.approx(float(f"{whole}.{decimals}"))


@given(st.text(max_size=30))
def test_number_text_never_raises_anything_else(text: str) -> None:
    try:
        result = parse_number_text(text)
    except NumberTextError as err:
        assert err.code in ("invalid-number", "formula-text")
    else:
        assert result is None or isinstance(result, float)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_format_number_reads_back(value: float, decimals: int) -> None:
    text = format_number(value, decimals)
    assert parse_number_text(text) == pytest.approx(round(value, decimals), abs=10**-decimals)


def test_format_number() -> None:
    assert format_number(4612) == "4.612"
    assert format_number(149.6, 1) == "149,6"
    assert format_number(300041) == "300.041"
    assert format_number(2436.5, 1) == "2.436,5"


@pytest.mark.parametrize(
    "text",
    [
        "2023-10",
        "10/2023",
        "10-2023",
        "T10/2023",
        "t10/2023",
        "Tháng 10/2023",
        "THÁNG 10/2023",
        "tháng 10 năm 2023",
        "Tháng 10 năm 2023",
        "15/10/2023",
        "2023-10-15",
        " 10 / 2023 ",
        unicodedata.normalize("NFD", "tháng 10 năm 2023"),
    ],
)
def test_period_spellings(text: str) -> None:
    assert parse_period(text) == Period(2023, 10)


def test_period_single_digit_month() -> None:
    assert parse_period("1/2024") == Period(2024, 1)
    assert parse_period("T03/2024") == Period(2024, 3)


@pytest.mark.parametrize("cell", [dt.date(2023, 10, 31), dt.datetime(2023, 10, 1, 8, 30)])
def test_period_date_cells(cell: object) -> None:
    assert parse_period(cell) == Period(2023, 10)


@pytest.mark.parametrize("text", ["", "abc", "13/2023", "0/2023", "2023", "10/23", "2023-13", 45200.0])
def test_period_unreadable(text: object) -> None:
    assert parse_period(text) is None


@given(st.integers(1900, 2999), st.integers(1, 12))
def test_period_round_trip(year: int, month: int) -> None:
    period = Period(year, month)
    for text in (str(period), f"{month}/{year}", f"T{month:02d}/{year}", f"tháng {month} năm {year}"):
        assert parse_period(text) == period
    assert Period.from_index(period.index) == period


def test_months_between_and_shift() -> None:
    months = months_between(Period(2023, 11), Period(2024, 2))
    assert [str(m) for m in months] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert Period(2024, 1).shift(-1) == Period(2023, 12)


def test_fold_names() -> None:
    assert fold("Xã Nậm Có") == fold("XA NAM CO") == "xa nam co"
    assert fold(unicodedata.normalize("NFD", "Mồ Dề")) == fold("Mồ Dề") == "mo de"
    assert fold("Đơn vị báo cáo:") == "don vi bao cao"
    assert fold("  Thị trấn   Mù Căng Chải ") == "thi tran mu cang chai"


def test_window_in_words() -> None:
    assert window_in_words(Period(2021, 1), Period(2023, 12)) == "3 năm qua"
    assert window_in_words(Period(2023, 1), Period(2023, 12)) == "năm 2023"
    assert window_in_words(Period(2024, 1), Period(2024, 6)) == "6 tháng đầu năm 2024"
    assert window_in_words(Period(2024, 3), Period(2024, 3)) == "tháng 3/2024"
