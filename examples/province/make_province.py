#!/usr/bin/env python3
"""Build ``examples/province/``: the new Lào Cai province as a catalog over time, and returns.

The 2025 reorganisation merged the 319 commune-level units of the old Yên Bái (168) and
Lào Cai (151) provinces into the 99 communes and wards of the new Lào Cai province (code 15)
from 1 July 2025 (Nghị quyết 1673/NQ-UBTVQH15, Nghị quyết 202/2025/QH15). From the
statistics office's conversion table rows for the province (``source/nso_laocai.csv``, the
shape of the national «Bảng chuyển đổi ĐVHC mới - cũ») and the list of the 99 new units
(``source/new_laocai_communes.csv``), this writes:

- the catalog folder: ``communes.csv`` (319 old units valid until 2025-06 under their old
  district, 99 new ones from 2025-07 under the new province), ``changes.csv`` (one row per
  old unit, all whole merges), ``areas.csv`` (old districts, old provinces Yên Bái 15 and
  Lào Cai 10 until 2025-06, new province Lào Cai 15 from 2025-07), and ``indicators.csv``,
  ``rules.csv``, ``settings.csv`` copied from the bundled catalog (``data/``);
- ``returns/YYYY-MM.csv``: long tables (``commune,period,indicator,value``) for 2024-01 …
  2026-10, seven indicators, the old units before 2025-07 and the new ones after, a few
  returns missing on purpose (listed in ``expected.json``);
- ``expected.json``: per month the province totals of the returns received (the stocks of a
  unit that did not report that month carried from its latest earlier month), and for 2025
  each new commune's figures in today's units (flows: its predecessors' months plus its own;
  stocks: its own latest value of the year), computed here from the generator's own series,
  independently of ncctd.

Standard library only; deterministic (every unit has its own seeded random series).

Usage:  python examples/province/make_province.py
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUNDLED = HERE.parent.parent / "data"
SOURCE = HERE / "source"
CHANGE = (2025, 7)
FIRST, LAST = (2024, 1), (2026, 10)
SEED = "ncctd-province-2025"

# code, decimal (values kept in tenths)?, stock?
INDICATORS = [
    ("leader_visits", False, False),
    ("propaganda_sessions", False, False),
    ("propaganda_listeners", False, False),
    ("citizen_participations", False, False),
    ("rural_road_km", True, False),
    ("enterprises_total", False, True),
    ("lighting_km", True, True),
]
MISSING_RATE = 0.004  # returns left out at random, on top of the ones forced below


def month_text(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    found = []
    y, m = first
    while (y, m) <= last:
        found.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return found


def clean(text: str) -> str:
    return " ".join(text.split())


def split_code(text: str) -> tuple[str, str]:
    """``Huyện Mù Căng Chải (137)`` → (``137``, ``Huyện Mù Căng Chải``)."""
    match = re.fullmatch(r"(.*?)\s*\((\d+)\)", clean(text))
    if not match:
        raise SystemExit(f"no code in {text!r}")
    name = match.group(1).replace("Thị Xã ", "Thị xã ")
    return match.group(2), name


# ----------------------------------------------------------------- reference data


@dataclass
class OldUnit:
    code: str
    name: str
    district: str
    successor: str  # new code


@dataclass
class NewUnit:
    code: str
    name: str
    predecessors: list[str] = field(default_factory=list)


def read_sources() -> tuple[list[OldUnit], list[NewUnit], dict[str, tuple[str, str]], dict[str, str]]:
    """Old units (by code), new units (official order), districts {code: (name, province)},
    old provinces {code: name}."""
    with (SOURCE / "new_laocai_communes.csv").open(encoding="utf-8") as fh:
        new_units = [NewUnit(r["code"], clean(r["name"])) for r in csv.DictReader(fh)]
    new_by_code = {u.code: u for u in new_units}
    with (SOURCE / "nso_laocai.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))[2:]  # two header lines
    old_units: list[OldUnit] = []
    districts: dict[str, tuple[str, str]] = {}
    provinces: dict[str, str] = {}
    for row in rows:
        if not any(cell.strip() for cell in row[1:]):
            continue  # the province title row
        _, new_name, new_code, old_name, old_code, note, district, old_province = (clean(c) for c in row[:8])
        if note not in ("Nhập toàn bộ", "Giữ nguyên"):
            raise SystemExit(f"{old_code}: a partial merge ({note}): this generator handles whole merges only")
        if new_by_code[new_code].name != new_name:
            raise SystemExit(f"{new_code}: {new_name!r} is {new_by_code[new_code].name!r} in the list")
        province_code, province_name = split_code(old_province)
        district_code, district_name = split_code(district)
        provinces.setdefault(province_code, province_name)
        districts.setdefault(district_code, (district_name, province_code))
        old_units.append(OldUnit(old_code, old_name, district_code, new_code))
        new_by_code[new_code].predecessors.append(old_code)
    old_units.sort(key=lambda u: u.code)
    for unit in new_units:
        unit.predecessors.sort()
    return old_units, new_units, districts, provinces


# ----------------------------------------------------------------- catalog folder


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_catalog(
    old_units: list[OldUnit], new_units: list[NewUnit], districts: dict[str, tuple[str, str]],
    provinces: dict[str, str],
) -> None:
    for name in ("indicators.csv", "rules.csv", "settings.csv"):
        shutil.copyfile(BUNDLED / name, HERE / name)
    last_old = month_text((CHANGE[0], CHANGE[1] - 1))
    change = month_text(CHANGE)
    write_csv(
        HERE / "communes.csv",
        ["code", "name", "aliases", "from", "to", "parent"],
        [[u.code, u.name, "", "", last_old, u.district] for u in old_units]
        + [[u.code, u.name, "", change, "", "15"] for u in new_units],
    )
    write_csv(
        HERE / "changes.csv",
        ["month", "from", "to"],
        [[change, u.code, u.successor] for u in old_units],
    )
    write_csv(
        HERE / "areas.csv",
        ["code", "name", "level", "parent", "from", "to"],
        [[code, provinces[code], "province", "", "", last_old] for code in sorted(provinces)]
        + [[code, name, "district", parent, "", last_old] for code, (name, parent) in sorted(districts.items())]
        + [["15", "Tỉnh Lào Cai", "province", "", change, ""]],
    )


# ----------------------------------------------------------------- series


class Series:
    """One unit's monthly figures (integers; decimals in tenths). Stocks exist every month,
    reported or not; a new unit's stocks start from its predecessors' June 2025 values."""

    def __init__(self, key: str, size: int, stocks: dict[str, int] | None = None) -> None:
        self.rng = random.Random(f"{SEED}-{key}")
        self.size = size  # in tenths of a "typical" old commune
        self.stocks = stocks or {
            "enterprises_total": self.rng.randint(0, 5),
            "lighting_km": self.rng.randint(5, 50),
        }

    def next_month(self) -> dict[str, int]:
        rng, f = self.rng, self.size / 10
        if rng.random() < 0.08:
            self.stocks["enterprises_total"] += 1
        if rng.random() < 0.15:
            self.stocks["lighting_km"] += rng.randint(1, 5)
        leaders = round(f * rng.uniform(1, 3))
        sessions = round(f * rng.uniform(1, 4))
        return {
            "leader_visits": leaders,
            "propaganda_sessions": sessions,
            "propaganda_listeners": sessions * rng.randint(15, 60),
            "citizen_participations": max(leaders, round(f * rng.uniform(40, 160))),
            "rural_road_km": round(f * rng.uniform(0, 8)),
            "enterprises_total": self.stocks["enterprises_total"],
            "lighting_km": self.stocks["lighting_km"],
        }


def value_text(value: int, decimal: bool) -> str:
    return f"{value // 10}.{value % 10}" if decimal else str(value)


def as_number(value: int, decimal: bool) -> float | int:
    return round(value / 10, 1) if decimal else value


def main() -> None:
    old_units, new_units, districts, provinces = read_sources()
    assert len(old_units) == 319 and len(new_units) == 99, (len(old_units), len(new_units))
    write_catalog(old_units, new_units, districts, provinces)
    decimal = {code: dec for code, dec, _ in INDICATORS}
    stock = {code for code, _, is_stock in INDICATORS if is_stock}

    all_months = months(FIRST, LAST)
    before = [m for m in all_months if m < CHANGE]
    after = [m for m in all_months if m >= CHANGE]
    # values[(code, month)] = figures of every month (reported or not); the series carry on
    values: dict[tuple[str, tuple[int, int]], dict[str, int]] = {}
    sizes: dict[str, int] = {}
    for unit in old_units:
        sizes[unit.code] = random.Random(f"{SEED}-size-{unit.code}").randint(6, 16)
        series = Series(f"old-{unit.code}", sizes[unit.code])
        for month in before:
            values[(unit.code, month)] = series.next_month()
    new_values: dict[tuple[str, tuple[int, int]], dict[str, int]] = {}
    last_before = before[-1]
    for unit in new_units:
        start = {
            s: sum(values[(p, last_before)][s] for p in unit.predecessors) for s in sorted(stock)
        }
        series = Series(f"new-{unit.code}", sum(sizes[p] for p in unit.predecessors), start)
        for month in after:
            new_values[(unit.code, month)] = series.next_month()

    # returns left out: a few at random, and forced cases the roll-ups must get right
    rng = random.Random(f"{SEED}-missing")
    missing: set[tuple[str, tuple[int, int]]] = set()
    for unit in old_units:
        for month in before:
            if rng.random() < MISSING_RATE:
                missing.add((unit.code, month))
    for unit in new_units:
        for month in after:
            if rng.random() < MISSING_RATE:
                missing.add((unit.code, month))
    missing.add((new_units[2].code, (2025, 12)))  # a stock's latest value is then November's
    missing.add((new_units[50].code, (2025, 12)))
    missing.add((old_units[10].code, (2025, 6)))  # an old unit's last month not sent
    for unit in new_units:
        reported = [m for m in after if m[0] == 2025 and (unit.code, m) not in missing]
        assert reported, unit.code

    # the returns, one long CSV a month
    out = HERE / "returns"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    by_month: dict[str, dict[str, object]] = {}
    # a unit's latest reported figures (a stock of a month it did not report is carried from
    # there: what ncctd's roll-up does; a new unit has no figures before its first month)
    last_seen: dict[tuple[bool, str], dict[str, int]] = {}
    for month in all_months:
        units = old_units if month < CHANGE else new_units
        table = values if month < CHANGE else new_values
        rows: list[list[str]] = []
        totals = {code: 0 for code, _, _ in INDICATORS}
        received = 0
        for unit in units:
            if (unit.code, month) in missing:
                before = last_seen.get((month < CHANGE, unit.code))
                if before is not None:
                    for code, _, is_stock in INDICATORS:
                        if is_stock:
                            totals[code] += before[code]
                continue
            last_seen[(month < CHANGE, unit.code)] = table[(unit.code, month)]
            received += 1
            figures = table[(unit.code, month)]
            for code, dec, _ in INDICATORS:
                rows.append([unit.code, month_text(month), code, value_text(figures[code], dec)])
                totals[code] += figures[code]
        write_csv(out / f"{month_text(month)}.csv", ["commune", "period", "indicator", "value"], rows)
        by_month[month_text(month)] = {
            "expected": len(units),
            "received": received,
            "totals": {code: as_number(v, decimal[code]) for code, v in totals.items()},
        }

    # 2025 in today's units
    year = [m for m in all_months if m[0] == 2025]
    current: dict[str, dict[str, object]] = {}
    province = {code: 0 for code, _, _ in INDICATORS}
    for unit in new_units:
        figures: dict[str, int] = {}
        for code, _, is_stock in INDICATORS:
            own = [new_values[(unit.code, m)][code] for m in year if m >= CHANGE and (unit.code, m) not in missing]
            if is_stock:
                if own:
                    figures[code] = own[-1]
                else:  # never the case here (asserted above); the rule, for the record
                    latest = [
                        [values[(p, m)][code] for m in year if m < CHANGE and (p, m) not in missing]
                        for p in unit.predecessors
                    ]
                    figures[code] = sum(found[-1] for found in latest if found)
            else:
                figures[code] = sum(own) + sum(
                    values[(p, m)][code]
                    for p in unit.predecessors
                    for m in year
                    if m < CHANGE and (p, m) not in missing
                )
            province[code] += figures[code]
        current[unit.code] = {
            "name": unit.name,
            "predecessors": unit.predecessors,
            "totals": {code: as_number(v, decimal[code]) for code, v in figures.items()},
        }

    expected = {
        "about": "Tổng kiểm tra, tính bởi make_province.py, độc lập với ncctd / totals computed by the generator, independently of ncctd",
        "catalog": {"units": len(old_units) + len(new_units), "old_units": len(old_units),
                    "new_units": len(new_units), "changes": len(old_units), "change_month": month_text(CHANGE),
                    "areas": len(provinces) + len(districts) + 1},
        "window": [month_text(FIRST), month_text(LAST)],
        "indicators": {code: ("last" if is_stock else "sum") for code, _, is_stock in INDICATORS},
        "missing": sorted([code, month_text(m)] for code, m in missing),
        "by_month": by_month,
        "year_2025_current_units": current,
        "year_2025_province_current_units": {code: as_number(v, decimal[code]) for code, v in province.items()},
    }
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"{len(all_months)} months, {sum(int(str(v['received'])) for v in by_month.values())} returns, "
          f"{size / 1e6:.1f} MB of CSV; {len(missing)} returns left out")


if __name__ == "__main__":
    main()
