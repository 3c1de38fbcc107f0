"""The catalog: communes by any spelling, indicators by code or label, rules, other districts."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ncctd_cli.catalog import Catalog, CatalogError, Rule, default_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def test_default_catalog_matches_the_contract(catalog: Catalog) -> None:
    assert len(catalog.indicators) == 24
    assert len(catalog.communes) == 14
    stocks = {i.code for i in catalog.indicators if i.is_stock}
    assert stocks == {
        "lighting_km",
        "self_managed_roads",
        "cleanup_road_km",
        "enterprises_total",
        "cooperatives_total",
        "coop_groups_total",
    }
    assert catalog.deadline_day == 5


@pytest.mark.parametrize(
    "spelling",
    [
        "04462",
        "4462",
        4462.0,
        "Xã Nậm Có",
        "Nậm Có",
        "xa nam co",
        "NAM CO",
        "Nam Co",
        "  nậm   có ",
        unicodedata.normalize("NFD", "Xã Nậm Có"),
    ],
)
def test_commune_spellings(catalog: Catalog, spelling: object) -> None:
    assert catalog.commune(spelling) == "04462"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Thị trấn Mù Căng Chải", "04456"),
        ("TT Mù Cang Chải", "04456"),
        ("thi tran mu cang chai", "04456"),
        ("Mu Cang Chai", "04456"),
        ("Mỏ Dẻ", "04468"),
        ("Xã Mồ Dề", "04468"),
        ("Dế Xu Phình", "04486"),
        ("DE SU PHINH", "04486"),
    ],
)
def test_commune_prefixes_and_aliases(catalog: Catalog, spelling: str, code: str) -> None:
    assert catalog.commune(spelling) == code


def test_unknown_commune_suggests_closest(catalog: Catalog) -> None:
    assert catalog.commune("Xã Nậm Cóo") is None
    assert catalog.suggest_communes("Xã Nậm Cóo")[0] == "Xã Nậm Có"
    assert catalog.commune("Bản Công") is None


def test_indicator_by_code_label_any_case(catalog: Catalog) -> None:
    assert catalog.indicator("leader_visits") == "leader_visits"
    assert catalog.indicator("LEADER_VISITS") == "leader_visits"
    assert catalog.indicator("Số buổi tuyên truyền") == "propaganda_sessions"
    assert catalog.indicator("so buoi tuyen truyen") == "propaganda_sessions"
    assert catalog.indicator("Tổng số doanh nghiệp") == "enterprises_total"
    assert catalog.indicator("Tổng cộng") is None


def test_rules() -> None:
    rule = Rule.parse("r", "a + b >= c", "warning", "m")
    assert rule.left == ("a", "b") and rule.right == ("c",)
    assert rule.holds({"a": 1, "b": 2, "c": 3}) is True
    assert rule.holds({"a": 1, "b": 1, "c": 3}) is False
    assert rule.holds({"a": 1, "c": 3}) is None  # not reported: not judged
    with pytest.raises(CatalogError):
        Rule.parse("r", "a ≈ b", "warning", "m")


def write_other_catalog(folder: Path) -> Path:
    """A made-up district with other indicators and communes."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "indicators.csv").write_text(
        "code,label,unit,type,over_time,aliases\n"
        "wells,Giếng nước đào mới,giếng,integer,sum,Giếng\n"
        "bridges_total,Tổng số cầu treo,cầu,integer,last,\n"
        "canal_km,Kênh mương kiên cố hoá,km,decimal,sum,\n",
        encoding="utf-8",
    )
    (folder / "communes.csv").write_text(
        "code,name,aliases\nA1,Xã Sơn Thịnh,Son Thinh\nA2,Phường Trung Tâm,\n", encoding="utf-8"
    )
    (folder / "rules.csv").write_text(
        "code,rule,severity,message\nwells-cap,wells <= 100,error,Quá nhiều giếng\n",
        encoding="utf-8",
    )
    return folder


def test_other_catalog_folder(tmp_path: Path) -> None:
    other = Catalog.from_folder(write_other_catalog(tmp_path / "cat"))
    assert [i.code for i in other.indicators] == ["wells", "bridges_total", "canal_km"]
    assert other.commune("son thinh") == "A1"
    assert other.commune("Trung Tâm") == "A2"
    assert other.indicator("giếng") == "wells"
    assert other.rules[0].severity == "error"


def test_catalog_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        Catalog.from_folder(tmp_path / "none")
    folder = write_other_catalog(tmp_path / "bad")
    (folder / "indicators.csv").write_text(
        "code,label,unit,type,over_time\nx,X,u,integer,average\n", encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="over_time"):
        Catalog.from_folder(folder)
    write_other_catalog(folder)
    (folder / "rules.csv").write_text(
        "code,rule,severity,message\nr,nothing >= wells,warning,m\n", encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="nothing"):
        Catalog.from_folder(folder)


def test_catalog_round_trip(tmp_path: Path, catalog: Catalog) -> None:
    catalog.write_folder(tmp_path / "copy")
    again = Catalog.from_folder(tmp_path / "copy")
    assert again.indicators == catalog.indicators
    assert again.communes == catalog.communes
    assert [r.text for r in again.rules] == [r.text for r in catalog.rules]
