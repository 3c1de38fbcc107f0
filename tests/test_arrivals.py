"""Reading when returns arrived: days as offices write them, «không rõ», manifests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ncctd_cli.arrivals import ArrivalError, parse_received_at, read_manifest
from ncctd_cli.ingest import IngestOptions
from ncctd_cli.vietnamese import is_unknown_word, parse_day


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), st.sampled_from(["/", "-", "."]))
def test_a_day_reads_back_in_every_office_spelling(day: dt.date, sep: str) -> None:
    assert parse_day(f"{day:%d}{sep}{day:%m}{sep}{day:%Y}") == day
    assert parse_day(f"{day.day}{sep}{day.month}{sep}{day.year}") == day
    assert parse_day(day.isoformat()) == day
    assert parse_day(f"{day.isoformat()}T08:30:00+07:00") == day


@pytest.mark.parametrize("text", ["31/02/2024", "2024-13-01", "hôm qua", "03/02", "2024", "03/02/2024x"])
def test_not_a_day(text: str) -> None:
    assert parse_day(text) is None


@pytest.mark.parametrize("text", ["không rõ", "Không Rõ", "khong ro", "chưa rõ", "unknown", "?", " ? "])
def test_unknown_words(text: str) -> None:
    assert is_unknown_word(text)
    assert parse_received_at(text) == ("unknown", None)


def test_received_at_kinds() -> None:
    assert parse_received_at("mtime")[0] == "mtime"
    how, when = parse_received_at("03/02/2024")
    assert how == "given" and when is not None and when.startswith("2024-02-03T12:00:00")
    with pytest.raises(ArrivalError):
        parse_received_at("2999-01-01")


def test_manifest_and_matching(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "\ufefffile\tday\n./a.xlsx\t2024-02-03\nsub\\b.ods\tkhông rõ\n\nc.xls\t\n", encoding="utf-8"
    )
    manifest = read_manifest(path)
    assert set(manifest) == {"a.xlsx", "sub/b.ods", "c.xls"}
    assert manifest["sub/b.ods"] is None and manifest["c.xls"] is None
    options = IngestOptions(arrivals=manifest, received_at="2024-05-01T12:00:00+07:00")
    when, known = options.arrival_of("in/2024/a.xlsx")
    assert known and when is not None and when.startswith("2024-02-03")
    assert options.arrival_of("x/sub/b.ods") == (None, False)
    assert options.arrival_of("x/other/b.ods") == ("2024-05-01T12:00:00+07:00", True)  # not listed
    assert IngestOptions(arrival="unknown").arrival_of("z.xlsx") == (None, False)
    assert IngestOptions(arrival="mtime").arrival_of(str(tmp_path / "absent.xlsx")) == (None, False)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ArrivalError):
        read_manifest(path)
