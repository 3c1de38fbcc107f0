"""Units over time: communes valid by month, successions, areas, the NSO conversion table.

From 1 July 2025 the 14 units of Mù Cang Chải became 7 communes; codes and names were reused
(04456 was Thị trấn Mù Cang Chải and is Xã Mù Cang Chải; the old and the new Xã Trạm Tấu
have different codes). A code and a month name a unit.
"""

from __future__ import annotations

import csv
import json
import shutil
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

from ncctd_cli.catalog import (
    Area,
    Catalog,
    CatalogError,
    Change,
    ChangeRow,
    Commune,
    NotActive,
    bundled_catalog_folder,
    default_catalog,
)
from ncctd_cli.units import read_conversion_table
from ncctd_cli.vietnamese import Period

DATA = Path(__file__).parent / "data"
ADMIN = DATA / "admin-2025"
NSO = ADMIN / "NSO_BangChuyendoi_national.csv"
PROVINCE = Path(__file__).resolve().parent.parent / "examples" / "province"

JUNE, JULY, AUG, SEP = Period(2025, 6), Period(2025, 7), Period(2025, 8), Period(2025, 9)
Y2024, Y2026 = Period(2024, 1), Period(2026, 1)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def unit(catalog: Catalog, text: str, period: Period) -> Commune:
    found = catalog.resolve(text, period)
    assert isinstance(found, Commune), (text, period, found)
    return found


def edges(changes: list[Change]) -> set[tuple[str, str, str, float]]:
    return {(str(c.month), c.source.key, c.target.key, c.share) for c in changes}


def write_catalog(folder: Path, communes: str, changes: str = "", areas: str = "") -> Path:
    """A catalog folder with the bundled indicators and these communes (and changes, areas)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundled_catalog_folder() / "indicators.csv", folder / "indicators.csv")
    (folder / "communes.csv").write_text(communes, encoding="utf-8")
    if changes:
        (folder / "changes.csv").write_text(changes, encoding="utf-8")
    if areas:
        (folder / "areas.csv").write_text(areas, encoding="utf-8")
    return folder


# ----------------------------------------------------------------- the bundled catalog


def test_bundled_catalog_has_14_old_units_and_7_new(catalog: Catalog) -> None:
    assert len(catalog.units) == 21
    assert [u.code for u in catalog.units_on(JUNE)] == [u.code for u in catalog.communes]
    assert len(catalog.units_on(JUNE)) == 14 and len(catalog.units_on(Period(2019, 1))) == 14
    assert [(u.code, u.name) for u in catalog.units_on(JULY)] == [
        ("04456", "Xã Mù Cang Chải"),
        ("04462", "Xã Nậm Có"),
        ("04465", "Xã Khao Mang"),
        ("04474", "Xã Lao Chải"),
        ("04489", "Xã Chế Tạo"),
        ("04492", "Xã Púng Luông"),
        ("04630", "Xã Tú Lệ"),
    ]
    # time-unaware callers keep seeing the 14 communes, keyed by their codes
    assert len(catalog.communes) == 14 and all(u.key == u.code for u in catalog.communes)
    assert len(catalog.changes) == 14


def test_keys_are_stable_and_distinct_from_codes(catalog: Catalog) -> None:
    keys = [u.key for u in catalog.units]
    assert len(set(keys)) == 21
    old, new = unit(catalog, "04456", Y2024), unit(catalog, "04456", Y2026)
    assert (old.key, new.key) == ("04456", "04456@2025-07")
    assert catalog.unit("04456@2025-07") == new and catalog.unit("04456") == old
    assert catalog.commune_name("04456@2025-07") == "Xã Mù Cang Chải"
    assert catalog.commune_name("04456") == "Thị trấn Mù Căng Chải"
    # Tú Lệ is the first unit of its code in this catalog: keyed by the bare code
    assert unit(catalog, "04630", SEP).key == "04630"


# ----------------------------------------------------------------- resolution by month


@pytest.mark.parametrize(
    ("text", "period", "key", "name"),
    [
        ("04456", Y2024, "04456", "Thị trấn Mù Căng Chải"),
        ("4456", Y2024, "04456", "Thị trấn Mù Căng Chải"),
        (4456.0, Y2026, "04456@2025-07", "Xã Mù Cang Chải"),
        ("04456", Y2026, "04456@2025-07", "Xã Mù Cang Chải"),
        ("Mù Cang Chải", Y2024, "04456", "Thị trấn Mù Căng Chải"),
        ("Mù Cang Chải", Y2026, "04456@2025-07", "Xã Mù Cang Chải"),
        ("Xã Mù Căng Chải", Y2026, "04456@2025-07", "Xã Mù Cang Chải"),
        ("MU CANG CHAI", JUNE, "04456", "Thị trấn Mù Căng Chải"),
        ("mu cang chai", JULY, "04456@2025-07", "Xã Mù Cang Chải"),
        ("TT Mù Cang Chải", Y2024, "04456", "Thị trấn Mù Căng Chải"),
        # the new name written for an old month: the unit of that month with that name
        ("Xã Mù Cang Chải", Y2024, "04456", "Thị trấn Mù Căng Chải"),
        ("Tú Lệ", SEP, "04630", "Xã Tú Lệ"),
        ("xa tu le", SEP, "04630", "Xã Tú Lệ"),
        (unicodedata.normalize("NFD", "Xã Tú Lệ"), SEP, "04630", "Xã Tú Lệ"),
        ("Nậm Có", JUNE, "04462", "Xã Nậm Có"),
        ("Nậm Có", JULY, "04462@2025-07", "Xã Nậm Có"),
        ("Dế Xu Phình", JUNE, "04486", "Xã Dế Su Phình"),
        ("Mỏ Dẻ", Y2024, "04468", "Xã Mồ Dề"),
    ],
)
def test_resolve_by_month(catalog: Catalog, text: object, period: Period, key: str, name: str) -> None:
    found = catalog.resolve(text, period)
    assert isinstance(found, Commune)
    assert (found.key, found.name) == (key, name)


def test_ho_bon_after_the_merge_is_not_active(catalog: Catalog) -> None:
    found = catalog.resolve("Xã Hồ Bốn", AUG)
    assert isinstance(found, NotActive)
    assert found.code == "unit-not-active"
    assert (found.unit.code, found.unit.name, found.period) == ("04459", "Xã Hồ Bốn", AUG)
    assert found.ended and found.since == JULY
    assert [(u.key, u.name) for u in found.successors] == [("04465@2025-07", "Xã Khao Mang")]
    # by code too, and any spelling
    by_code = catalog.resolve("4459", Period(2026, 3))
    assert isinstance(by_code, NotActive) and by_code.unit == found.unit
    assert by_code.successors == found.successors


def test_merged_units_name_their_successor(catalog: Catalog) -> None:
    for text, successor in [("Dế Xu Phình", "Xã Púng Luông"), ("Cao Phạ", "Xã Tú Lệ"), ("Kim Nọi", "Xã Mù Cang Chải")]:
        found = catalog.resolve(text, SEP)
        assert isinstance(found, NotActive), text
        assert [u.name for u in found.successors] == [successor]


def test_a_new_unit_before_its_first_month_names_its_predecessors(catalog: Catalog) -> None:
    found = catalog.resolve("04630", Period(2025, 3))
    assert isinstance(found, NotActive)
    assert not found.ended and found.since == JULY
    assert [u.name for u in found.predecessors] == ["Xã Cao Phạ"]


def test_unknown_text_is_none(catalog: Catalog) -> None:
    assert catalog.resolve("Bản Công", Y2024) is None
    assert catalog.resolve("", Y2024) is None
    assert catalog.resolve("99999", Y2024) is None


def test_time_unaware_lookups_are_unchanged(catalog: Catalog) -> None:
    assert catalog.commune("Mù Cang Chải") == "04456"
    assert catalog.commune("Xã Mù Cang Chải") == "04456"
    assert catalog.commune("Hồ Bốn") == "04459"
    assert catalog.commune("Tú Lệ") == "04630"
    assert catalog.commune_by_code["04630"].name == "Xã Tú Lệ"
    assert catalog.commune_by_code["04456"].name == "Thị trấn Mù Căng Chải"
    assert catalog.suggest_communes("Tú Lệê", period=Y2024) == []
    assert catalog.suggest_communes("Tú Lệê", period=SEP) == ["Xã Tú Lệ"]


# ----------------------------------------------------------------- successions


def test_successions_of_nq_1673(catalog: Catalog) -> None:
    old_town = unit(catalog, "04456", JUNE)
    new_commune = unit(catalog, "04456", JULY)
    assert [(str(c.month), c.source.name, c.target.key, c.share) for c in catalog.successors(old_town)] == [
        ("2025-07", "Thị trấn Mù Căng Chải", "04456@2025-07", 1.0)
    ]
    assert [c.source.name for c in catalog.predecessors(new_commune)] == [
        "Thị trấn Mù Căng Chải", "Xã Mồ Dề", "Xã Chế Cu Nha", "Xã Kim Nọi"
    ]
    assert catalog.current_units(old_town) == {new_commune: 1.0}
    assert catalog.current_units(new_commune) == {new_commune: 1.0}
    pung_luong = unit(catalog, "Púng Luông", SEP)
    assert {u.name: s for u, s in catalog.former_units(pung_luong).items()} == {
        "Xã La Pán Tẩn": 1.0, "Xã Dế Su Phình": 1.0, "Xã Púng Luông": 1.0, "Xã Nậm Khắt": 1.0
    }
    # every old unit's area is held today by exactly one of the 7 communes
    for old in catalog.units_on(JUNE):
        (holder, share), = catalog.current_units(old).items()
        assert holder.valid_in(Y2026) and share == 1.0


def test_tu_le_straddles_the_old_border(catalog: Catalog) -> None:
    """Its other part (Xã Tú Lệ of Văn Chấn, old code 04630 too) is not in this catalog: the
    catalog knows Cao Phạ as its only predecessor, so its months before 2025-07 in today's
    units are Cao Phạ's alone."""
    tu_le = unit(catalog, "04630", SEP)
    assert [u.name for u in catalog.former_units(tu_le)] == ["Xã Cao Phạ"]
    assert catalog.resolve("04630", JUNE) == NotActive(
        tu_le, JUNE, False, JULY, predecessors=(unit(catalog, "Cao Phạ", JUNE),)
    )


def chain_catalog(tmp_path: Path) -> Catalog:
    """A splits 60/40 into B and C (2025-07); B merges into D (2027-01); E, continuing, gives
    30 % of its area to C (2025-07)."""
    folder = write_catalog(
        tmp_path / "chain",
        "code,name,from,to\n"
        "001,Xã A,,2025-06\n"
        "002,Xã B,2025-07,2026-12\n"
        "003,Xã C,2025-07,\n"
        "004,Xã D,2027-01,\n"
        "005,Xã E,,\n",
        "month,from,to,share\n"
        "2025-07,001,002,0.6\n"
        '2025-07,001,003,"0,4"\n'  # a decimal comma, quoted
        "2027-01,002,004,\n"
        "2025-07,005,003,0.3\n",
    )
    return Catalog.from_folder(folder)


def test_chains_and_splits_with_shares(tmp_path: Path) -> None:
    cat = chain_catalog(tmp_path)
    a, b, c, d, e = (cat.unit(k) for k in ("001", "002", "003", "004", "005"))
    assert a and b and c and d and e
    assert cat.current_units(a) == pytest.approx({c: 0.4, d: 0.6})
    assert cat.holders_on(a, Period(2026, 5)) == pytest.approx({b: 0.6, c: 0.4})
    assert cat.current_units(b) == {d: 1.0}
    assert cat.current_units(e) == pytest.approx({c: 0.3, e: 0.7})  # what is not passed on stays
    assert cat.former_units(d) == pytest.approx({a: 0.6, b: 1.0})
    assert cat.former_units(c) == pytest.approx({a: 0.4, e: 0.3})
    assert [x.share for x in cat.successors(a)] == [0.6, 0.4]
    gone = cat.resolve("Xã A", Period(2027, 3))
    assert isinstance(gone, NotActive)
    assert gone.since == JULY and [u.name for u in gone.successors] == ["Xã C", "Xã D"]
    assert [u.name for u in cat.units_on(Period(2026, 1))] == ["Xã B", "Xã C", "Xã E"]


@pytest.mark.parametrize(
    ("communes", "changes", "words"),
    [
        # shares of one unit passing on more than its area
        ("code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-07,\n3,Xã C,2025-07,\n",
         "month,from,to,share\n2025-07,1,2,0.7\n2025-07,1,3,0.5\n", "lớn hơn 1"),
        # the old unit is not valid the month before
        ("code,name,from,to\n1,Xã A,,2025-04\n2,Xã B,2025-07,\n",
         "month,from,to\n2025-07,1,2\n", "phải có hiệu lực tháng 06/2025, tháng trước khi chuyển"),
        # the new unit is not valid in the month
        ("code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-09,\n",
         "month,from,to\n2025-07,1,2\n", "phải có hiệu lực tháng 07/2025 \\(Xã B: từ tháng 09/2025\\)"),
        ("code,name,from,to\n1,Xã A,,2025-06\n", "month,from,to\n2025-07,1,9\n", "không có đơn vị '9'"),
        ("code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-07,\n", "month,from,to\n7/2025,1,2\n", "tháng không đọc được"),
        ("code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-07,\n", "month,from,to,share\n2025-07,1,2,1.5\n", "từ 0 đến 1"),
        ("code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-07,\n", "month,from,to,share\n2025-07,1,2,nửa\n", "tỷ lệ không đọc được"),
        ("code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-07,\n", "month,from,to\n2025-07,1,2\n2025-07,1,2\n", "lặp lại"),
        # two rows of one code whose months overlap
        ("code,name,from,to\n1,Xã A,,2025-06\n1,Xã A mới,2025-06,\n", "", "trùng thời gian"),
        ("code,name,from,to\n1,Xã A,2025-06,2025-01\n", "", "trước tháng bắt đầu"),
        ("code,name,from,to\n1,Xã A,2025-13,\n", "", "tháng không đọc được"),
    ],
)
def test_bad_changes_are_refused_in_vietnamese(tmp_path: Path, communes: str, changes: str, words: str) -> None:
    with pytest.raises(CatalogError, match=words):
        Catalog.from_folder(write_catalog(tmp_path / "bad", communes, changes))


def test_changes_may_name_units_by_name(tmp_path: Path) -> None:
    cat = Catalog.from_folder(
        write_catalog(
            tmp_path / "names",
            "code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-07,\n",
            "month,from,to\n2025-07,Xã A,b\n",
        )
    )
    assert edges(cat.changes) == {("2025-07", "1", "2", 1.0)}


# ----------------------------------------------------------------- areas


def test_areas_of_units(catalog: Catalog) -> None:
    ho_bon = unit(catalog, "Hồ Bốn", JUNE)
    assert [(a.code, a.name, a.level) for a in catalog.areas_of(ho_bon)] == [
        ("137", "Huyện Mù Cang Chải", "district"),
        ("15", "Tỉnh Yên Bái", "province"),
    ]
    tu_le = unit(catalog, "Tú Lệ", SEP)
    assert [a.name for a in catalog.areas_of(tu_le, "province")] == ["Tỉnh Lào Cai"]
    assert catalog.areas_of(tu_le, "district") == []
    # province code 15 is reused: Yên Bái until 2025-06, the new Lào Cai since
    assert catalog.area("15", JUNE).name == "Tỉnh Yên Bái"  # type: ignore[union-attr]
    assert catalog.area("15", JULY).key == "15@2025-07"  # type: ignore[union-attr]
    district = catalog.area("137", Y2024)
    assert district is not None and catalog.area("137", JULY) is None
    assert len(catalog.units_under(district)) == 14


@pytest.mark.parametrize(
    ("communes", "areas", "words"),
    [
        ("code,name,parent\n1,Xã A,9\n", "code,name,level\n8,Huyện H,district\n", "không có trong areas.csv"),
        ("code,name,parent\n1,Xã A,9\n", "", "không có trong areas.csv"),
        # the commune outlives its district
        ("code,name,to,parent\n1,Xã A,2025-09,8\n", "code,name,level,to\n8,Huyện H,district,2025-06\n",
         "không có hiệu lực suốt"),
        ("code,name\n1,Xã A\n", "code,name,level\n8,Huyện H,\n", "thiếu cấp"),
    ],
)
def test_bad_areas_are_refused(tmp_path: Path, communes: str, areas: str, words: str) -> None:
    with pytest.raises(CatalogError, match=words):
        Catalog.from_folder(write_catalog(tmp_path / "bad", communes, areas=areas))


# ----------------------------------------------------------------- files


def test_round_trip(tmp_path: Path, catalog: Catalog) -> None:
    catalog.write_folder(tmp_path / "a")
    again = Catalog.from_folder(tmp_path / "a")
    assert again.units == catalog.units
    assert [u.key for u in again.units] == [u.key for u in catalog.units]
    assert edges(again.changes) == edges(catalog.changes)
    assert again.areas == catalog.areas and [a.key for a in again.areas] == [a.key for a in catalog.areas]
    again.write_folder(tmp_path / "b")
    for name in ("communes.csv", "changes.csv", "areas.csv", "indicators.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_round_trip_with_shares(tmp_path: Path) -> None:
    cat = chain_catalog(tmp_path)
    cat.write_folder(tmp_path / "out")
    assert (tmp_path / "out" / "changes.csv").read_text(encoding="utf-8").splitlines()[0] == "month,from,to,share"
    again = Catalog.from_folder(tmp_path / "out")
    assert edges(again.changes) == edges(cat.changes)


def test_catalog_without_new_columns_behaves_as_before(tmp_path: Path) -> None:
    folder = write_catalog(
        tmp_path / "plain", "code,name,aliases\nA1,Xã Sơn Thịnh,Son Thinh\nA2,Phường Trung Tâm,\n"
    )
    cat = Catalog.from_folder(folder)
    assert cat.units == cat.communes and [u.key for u in cat.units] == ["A1", "A2"]
    assert not cat.has_validity and cat.changes == [] and cat.areas == []
    for period in (Period(1990, 1), Y2024, Y2026):
        assert cat.units_on(period) == cat.units
        assert cat.resolve("son thinh", period) == cat.commune_by_code["A1"]
    assert cat.commune("Trung Tâm") == "A2"
    assert cat.current_units(cat.units[0]) == {cat.units[0]: 1.0}
    cat.write_folder(tmp_path / "out")
    assert (tmp_path / "out" / "communes.csv").read_text(encoding="utf-8").splitlines() == [
        "code,name,aliases", "A1,Xã Sơn Thịnh,Son Thinh", "A2,Phường Trung Tâm,"
    ]
    assert not (tmp_path / "out" / "changes.csv").exists() and not (tmp_path / "out" / "areas.csv").exists()
    # built in Python, as the store builds it
    built = Catalog(cat.indicators, [Commune("A1", "Xã Sơn Thịnh")])
    assert built.communes == built.units and built.units[0].key == "A1"


# ----------------------------------------------------------------- the conversion table


def without_changes(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "nochanges"
    shutil.copytree(folder, copy)
    (copy / "changes.csv").unlink()
    return copy


def test_nso_table_gives_the_bundled_changes(tmp_path: Path, catalog: Catalog) -> None:
    bare = Catalog.from_folder(without_changes(bundled_catalog_folder(), tmp_path))
    assert bare.changes == []
    conversion = read_conversion_table(NSO, bare.timeline)
    assert sorted((str(r.month), r.source, r.target, r.share) for r in conversion.rows) == sorted(
        (str(c.month), c.source.code, c.target.code, c.share) for c in catalog.changes
    )
    # and data/changes.csv is the reference mapping
    with (ADMIN / "old_to_new_mucangchai.csv").open(encoding="utf-8") as fh:
        mapping = {(r["old_code"], r["new_code"]) for r in csv.DictReader(fh)}
    assert {(r.source, r.target) for r in conversion.rows} == mapping
    # the new Tú Lệ also takes Xã Tú Lệ of Văn Chấn, which is not in the catalog
    assert [(n.kind, n.old_code, n.old_name, n.new_code) for n in conversion.notes] == [
        ("predecessor-outside", "04630", "Xã Tú Lệ", "04630")
    ]
    assert "không có trong danh mục" in conversion.notes[0].text_vi()
    with_table = bare.with_conversion_table(NSO)
    assert edges(with_table.changes) == edges(catalog.changes)
    assert with_table.change_notes == conversion.notes


def test_nso_table_given_to_the_folder(tmp_path: Path, catalog: Catalog) -> None:
    folder = without_changes(bundled_catalog_folder(), tmp_path)
    by_argument = Catalog.from_folder(folder, changes_table=NSO)
    shutil.copyfile(NSO, folder / "changes.csv")  # the table itself, as changes.csv
    in_place = Catalog.from_folder(folder)
    assert edges(by_argument.changes) == edges(in_place.changes) == edges(catalog.changes)
    assert in_place.change_notes and in_place.change_notes == by_argument.change_notes


def tram_tau_catalog(tmp_path: Path) -> Path:
    """The 12 old units of Trạm Tấu until 2025-06 and its 4 new communes from 2025-07."""
    with (ADMIN / "old_to_new_tramtau.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lines = ["code,name,from,to"]
    lines += [f"{r['old_code']},{r['old_name']},,2025-06" for r in rows]
    new = dict.fromkeys((r["new_code"], r["new_name"]) for r in rows)
    lines += [f"{code},{name},2025-07," for code, name in new]
    return write_catalog(tmp_path / "tramtau", "\n".join(lines) + "\n")


def test_tram_tau_names_and_codes_by_month(tmp_path: Path) -> None:
    cat = Catalog.from_folder(tram_tau_catalog(tmp_path), changes_table=NSO)
    assert len(cat.units) == 16 and len(cat.changes) == 12 and cat.change_notes == []
    old, new = unit(cat, "Xã Trạm Tấu", Y2024), unit(cat, "Xã Trạm Tấu", Y2026)
    assert (old.code, new.code) == ("04600", "04606")
    assert unit(cat, "04606", Y2024).name == "Xã Pá Hu"
    assert unit(cat, "04609", Y2024).name == "Xã Làng Nhì"
    assert unit(cat, "Phình Hồ", Y2024).code == "04597"
    assert unit(cat, "Phình Hồ", Y2026).code == "04609"
    assert [u.name for u in cat.former_units(new)] == ["Xã Túc Đán", "Xã Pá Lau", "Xã Trạm Tấu", "Xã Pá Hu"]
    assert cat.current_units(old) == {new: 1.0}
    # «Trạm Tấu» without prefix, in 2024: the first unit it names (as Catalog.commune does)
    assert unit(cat, "Trạm Tấu", Y2024).name == "Thị trấn Trạm Tấu"
    with (ADMIN / "old_to_new_tramtau.csv").open(encoding="utf-8") as fh:
        mapping = {(r["old_code"], r["new_code"]) for r in csv.DictReader(fh)}
    assert {(c.source.code, c.target.code) for c in cat.changes} == mapping


def test_partial_merges_keep_their_history(tmp_path: Path) -> None:
    """Ba Đình (Hà Nội): Trúc Bạch and Quán Thánh merged whole into the new Phường Ba Đình,
    Liễu Giai and Vĩnh Phúc into the new Phường Ngọc Hà; the old Phường Ngọc Hà was split
    («Nhập một phần», no shares): no change, its history stays with it."""
    folder = write_catalog(
        tmp_path / "badinh",
        "code,name,from,to\n"
        "00004,Phường Trúc Bạch,,2025-06\n"
        "00006,Phường Vĩnh Phúc,,2025-06\n"
        "00008,Phường Liễu Giai,,2025-06\n"
        "00013,Phường Quán Thánh,,2025-06\n"
        "00016,Phường Ngọc Hà,,2025-06\n"
        "00004,Phường Ba Đình,2025-07,\n"
        "00008,Phường Ngọc Hà,2025-07,\n",
    )
    cat = Catalog.from_folder(folder, changes_table=NSO)
    assert {(c.source.name, c.target.name) for c in cat.changes} == {
        ("Phường Trúc Bạch", "Phường Ba Đình"),
        ("Phường Quán Thánh", "Phường Ba Đình"),
        ("Phường Vĩnh Phúc", "Phường Ngọc Hà"),
        ("Phường Liễu Giai", "Phường Ngọc Hà"),
    }
    kept = [n for n in cat.change_notes if n.kind == "partial-kept"]
    assert {(n.old_code, n.new_code, n.detail) for n in kept} == {
        ("00016", "00004", "Nhập một phần"),
        ("00016", "00008", "Nhập một phần"),
    }
    assert "giữ nguyên ở Phường Ngọc Hà" in kept[0].text_vi()
    old_ngoc_ha = unit(cat, "Phường Ngọc Hà", Y2024)
    assert old_ngoc_ha.code == "00016" and unit(cat, "Phường Ngọc Hà", Y2026).code == "00008"
    assert cat.current_units(old_ngoc_ha) == {old_ngoc_ha: 1.0}
    gone = cat.resolve("00016", AUG)
    assert isinstance(gone, NotActive) and gone.successors == ()
    # other old wards went partly into the new ones: noted, not changes
    outside = {n.old_code for n in cat.change_notes if n.kind == "predecessor-outside"}
    assert {"00019", "00022", "00028", "00007"} <= outside


def test_conversion_table_with_shares(tmp_path: Path) -> None:
    """An optional share column (Tỷ lệ) turns a partial merge into weighted changes."""
    cat = Catalog.from_folder(
        write_catalog(
            tmp_path / "shares",
            "code,name,from,to\n1,Xã A,,2025-06\n2,Xã B,2025-07,\n3,Xã C,2025-07,\n4,Xã D,,2025-06\n",
        )
    )
    table = (
        "Đơn vị hành chính từ ngày 01/7/2025,,,Đơn vị hành chính trước ngày 01/7/2025,,,\n"
        "Tỉnh,Tên Xã mới,Mã Xã mới,Tên Xã cũ,Mã Xã cũ,Ghi chú,Tỷ lệ\n"
        "TỈNH X,,,,,,\n"
        "Tỉnh X (99),Xã B,2,Xã A,1,Nhập một phần,\"0,25\"\n"
        "Tỉnh X (99),Xã C,3,Xã A,1,Nhập một phần,0.75\n"
        "Tỉnh X (99),Xã C,3,Xã Đê,4,Nhập toàn bộ,\n"
    )
    conversion = read_conversion_table(table, cat.timeline)
    assert [(r.source, r.target, r.share) for r in conversion.rows] == [("1", "2", 0.25), ("1", "3", 0.75), ("4", "3", 1.0)]
    assert [(n.kind, n.old_name, n.detail) for n in conversion.notes] == [("name-differs", "Xã Đê", "Xã D")]
    with_shares = cat.with_changes(conversion.rows)
    a = cat.unit("1")
    assert a is not None
    assert {u.name: s for u, s in with_shares.current_units(a).items()} == {"Xã B": 0.25, "Xã C": 0.75}


def test_not_a_conversion_table(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="không phải bảng chuyển đổi"):
        read_conversion_table("a,b\n1,2\n", catalog.timeline)
    with pytest.raises(CatalogError, match="không có bảng chuyển đổi"):
        read_conversion_table(tmp_path / "none.csv", catalog.timeline)


def test_changes_can_be_given_as_rows_or_changes(catalog: Catalog) -> None:
    rows = [ChangeRow(JULY, "04459", "04465")]
    one = catalog.with_changes(rows)
    assert edges(one.changes) == {("2025-07", "04459", "04465@2025-07", 1.0)}
    again = catalog.with_changes(one.changes)
    assert edges(again.changes) == edges(one.changes)
    stranger = Commune("99999", "Xã Lạ")
    with pytest.raises(CatalogError, match="không có trong danh mục"):
        catalog.with_changes([Change(JULY, stranger, one.changes[0].target)])
    assert isinstance(catalog.areas[0], Area)


# ----------------------------------------------------------------- the province example


@pytest.fixture(scope="module")
def province() -> Catalog:
    return Catalog.from_folder(PROVINCE)


def test_province_catalog_loads(province: Catalog) -> None:
    assert len(province.units) == 418
    assert len(province.units_on(JUNE)) == 319 and len(province.units_on(JULY)) == 99
    assert len(province.communes) == 319 and len(province.changes) == 319
    assert {a.level for a in province.areas} == {"province", "district"}
    for old in province.units_on(JUNE):
        (holder, share), = province.current_units(old).items()
        assert holder.valid_in(JULY) and share == 1.0
        assert [a.level for a in province.areas_of(old)] == ["district", "province"]
    assert sum(len(province.former_units(u)) for u in province.units_on(JULY)) == 319
    # names and codes reused inside the province
    assert unit(province, "Phường Lào Cai", Y2024).code == "02641"
    assert unit(province, "Phường Lào Cai", Y2026).code == "02647"
    assert unit(province, "02647", Y2024).name == "Phường Kim Tân"
    tu_le = unit(province, "Tú Lệ", SEP)
    assert sorted(u.name for u in province.former_units(tu_le)) == ["Xã Cao Phạ", "Xã Tú Lệ"]
    assert {a.name for u in province.former_units(tu_le) for a in province.areas_of(u, "district")} == {
        "Huyện Mù Căng Chải", "Huyện Văn Chấn"
    }


def test_province_changes_are_the_nso_rows(province: Catalog) -> None:
    from_table = province.with_conversion_table(PROVINCE / "source" / "nso_laocai.csv")
    assert edges(from_table.changes) == edges(province.changes)
    assert from_table.change_notes == []


def test_province_returns_add_up_to_expected_in_todays_units(province: Catalog) -> None:
    """The 2025 returns, resolved by month and attributed to today's units with the catalog
    (flows: predecessors' months and own; stocks: own latest), give the generator's totals."""
    expected = json.loads((PROVINCE / "expected.json").read_text(encoding="utf-8"))
    stocks = {code for code, how in expected["indicators"].items() if how == "last"}
    flows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    latest: dict[str, dict[str, tuple[Period, float]]] = defaultdict(dict)
    for month in range(1, 13):
        path = PROVINCE / "returns" / f"2025-{month:02d}.csv"
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                period = Period.parse_iso(row["period"])
                found = province.resolve(row["commune"], period)
                assert isinstance(found, Commune), row
                value = float(row["value"])
                for holder, share in province.current_units(found).items():
                    if row["indicator"] in stocks:
                        if holder == found:  # own values only: new units report all year 2025-H2
                            before = latest[holder.code].get(row["indicator"])
                            if before is None or before[0] < period:
                                latest[holder.code][row["indicator"]] = (period, value)
                    else:
                        flows[holder.code][row["indicator"]] += value * share
    for code, want in expected["year_2025_current_units"].items():
        for indicator, value in want["totals"].items():
            got = latest[code][indicator][1] if indicator in stocks else flows[code][indicator]
            assert got == pytest.approx(value), (code, indicator)
    counts = {p: v["received"] for p, v in expected["by_month"].items()}
    assert counts["2025-06"] + 1 == 319 and counts["2025-07"] == 99
