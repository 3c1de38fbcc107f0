"""Roll-up: the district's figures for a window of months, from the stored returns.

Across communes everything sums. Across months, ``sum`` indicators (flows) sum, and
``last`` indicators (stocks) take each commune's most recent reported value inside the
window (or inside each month, quarter, half or year of a breakdown), then sum over communes.
The aggregation is one SQL statement per kind, on the ``facts`` table's (period, …) key:
its cost grows with the window asked for, not with the months stored outside it.

Units change over time (:mod:`ncctd_cli.units`). ``units="reported"`` takes the units as
they were: each month's figures under the unit that sent them. ``units="current"`` (the
default) attributes every month's figures to the units that hold that area in the window's
last month (following the changes up to it; for a window reaching today, today's units):
flows are summed over a unit's own months and its former units' months (times the share of
their area it took); a stock is the unit's own latest value in the window (or bucket) if it
reported one, else the sum of its former units' latest values. The two differ only when a
change falls inside the window: otherwise (and always for a catalog without changes) both
are the one SQL statement per kind above. With a change inside the window the store is
still aggregated in SQL, per unit and per stretch of months between changes, and only those
aggregates are attributed in Python. Flows of the whole district or of a period breakdown
do not depend on the attribution (an area's months are moved, never lost or doubled) and
keep their one statement.

**Carried stocks.** A stock does not fall because a unit has not reported yet: a unit valid
in a bucket (the window, or a month, quarter… of a breakdown) with no value of a stock in it
keeps its latest stored value from before the bucket, counted in the bucket's figure and
listed in :attr:`Rollup.carried` (unit, indicator, value, and the month it is from, which the
outputs show: «số tháng 12/2023»). Flows are never carried: a month not reported is not
counted. With a change of units inside the window, a holder's stock is its own latest value
in the bucket, else its former units' latest values there, else what is carried.

The number of returns expected in a month is the number of units valid in that month.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .catalog import Catalog, Commune, Indicator
from .i18n import tr
from .store import Store
from .units import code_of_key
from .vietnamese import Period, months_between

if TYPE_CHECKING:
    import pandas as pd

GROUPINGS = ("district", "commune", "month", "quarter", "half", "year")
UNIT_MODES = ("current", "reported")
PERIOD_GROUPINGS = ("month", "quarter", "half", "year")

_BUCKET_SQL = {
    "district": "''",
    "commune": "commune",
    "month": "period",
    "quarter": "substr(period, 1, 4) || '-Q' || ((CAST(substr(period, 6, 2) AS INTEGER) + 2) / 3)",
    "half": "substr(period, 1, 4) || '-H' || ((CAST(substr(period, 6, 2) AS INTEGER) + 5) / 6)",
    "year": "substr(period, 1, 4)",
}


def bucket_of(period: Period, by: str) -> str:
    """The key of the breakdown row a month falls in (the same keys SQL makes)."""
    if by == "month":
        return str(period)
    if by == "quarter":
        return f"{period.year}-Q{period.quarter}"
    if by == "half":
        return f"{period.year}-H{period.half}"
    if by == "year":
        return str(period.year)
    return ""


@dataclass
class RollupRow:
    key: str  # '' (district), a unit's key, an area group's key, or a period key (2024-01, 2024-Q1, 2024-H1, 2024)
    name: str
    values: dict[str, float | int | None]
    expected: int
    received: int
    code: str = ""  # a unit's or an area's code, as people know it (the key is unique: see Rollup.shown)
    members: tuple[str, ...] = ()  # the units (keys) of a unit's or an area's row


@dataclass(frozen=True)
class Carried:
    """A stock taken from before its bucket: the unit had not reported it inside."""

    bucket: str  # the row it counts in: '' (the district, or a unit's row), or a period key
    unit: str  # the unit's key
    indicator: str
    value: float
    period: Period  # the month the value is from (before the bucket)

    def to_json(self, *, with_key: bool = True) -> dict[str, Any]:
        """``commune`` (its code), ``unit`` (its key, ``with_key``), ``indicator``, ``value``,
        ``from`` (the month)."""
        found: dict[str, Any] = {"commune": code_of_key(self.unit)}
        if with_key:
            found["unit"] = self.unit
        found.update({"indicator": self.indicator, "value": self.value, "from": str(self.period)})
        return found


@dataclass
class Rollup:
    """The result of a roll-up: data, with ``to_json()`` and ``to_frame()``.

    ``by`` is ``district``, ``commune``, a period breakdown, or ``area`` (``level`` then
    names the level of ``areas.csv``); ``units`` is ``current`` or ``reported``;
    ``over_time``: the catalog has units over time (JSON then says which units, and names
    each unit by its key as well as its code)."""

    first: Period
    last: Period
    by: str
    indicators: list[Indicator]
    rows: list[RollupRow] = field(default_factory=list)
    units: str = "current"
    level: str | None = None
    over_time: bool = False
    # the whole window's returns (expected, received) when the rows may count a return twice
    # (a unit split between two of today's units counts in both rows)
    reporting: tuple[int, int] | None = None
    # stocks taken from before their bucket (units that had not reported them inside)
    carried: list[Carried] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, float | int | None]:
        """District totals (the single row of a ``district`` roll-up)."""
        if self.by != "district":
            raise ValueError("totals are for a district roll-up")
        return self.rows[0].values

    @property
    def expected(self) -> int:
        return self.reporting[0] if self.reporting else sum(r.expected for r in self.rows)

    @property
    def received(self) -> int:
        return self.reporting[1] if self.reporting else sum(r.received for r in self.rows)

    @property
    def complete(self) -> bool:
        """Every expected return of the window is in."""
        return self.received >= self.expected

    def carried_in(self, row: RollupRow) -> list[Carried]:
        """The carried stocks counted in one row."""
        if self.by_units:
            members = set(row.members)
            return [c for c in self.carried if c.unit in members]
        return [c for c in self.carried if c.bucket == row.key]

    @property
    def by_units(self) -> bool:
        """Rows are units (communes) or areas, not periods."""
        return self.by in ("commune", "area")

    def shown(self) -> list[str]:
        """How each row's unit (or area) is named in CSV and JSON: its code, or, when another
        row of this roll-up has the same code (a code reused after a change, both units in
        the window as reported), its key (``04456@2025-07``; the key of the earliest unit of
        a code is the code itself)."""
        same = Counter(r.code for r in self.rows)
        return [r.code if r.code and same[r.code] == 1 else r.key for r in self.rows]

    def to_json(self) -> dict[str, Any]:
        base: dict[str, Any] = {"from": str(self.first), "to": str(self.last), "by": self.by}
        if self.level is not None:
            base["level"] = self.level
        if self.over_time:
            base["units"] = self.units
        if self.by == "district":
            row = self.rows[0]
            base["totals"] = row.values
            base["reporting"] = {"expected": row.expected, "received": row.received}
            base["carried"] = [self._carried_json(c) for c in self.carried]
            return base
        key_name = {"commune": "commune", "area": "area"}.get(self.by, "period")
        rows = []
        for r, shown in zip(self.rows, self.shown(), strict=True):
            record: dict[str, Any] = {key_name: shown if self.by_units else r.key}
            if self.by_units:
                record["name"] = r.name
                if self.over_time or self.by == "area":
                    record["unit"] = r.key
            record["values"] = r.values
            record["reporting"] = {"expected": r.expected, "received": r.received}
            record["carried"] = [self._carried_json(c) for c in self.carried_in(r)]
            rows.append(record)
        base["rows"] = rows
        base["reporting"] = {"expected": self.expected, "received": self.received}
        return base

    def _carried_json(self, c: Carried) -> dict[str, Any]:
        found = c.to_json(with_key=self.over_time)
        indicator = next((i for i in self.indicators if i.code == c.indicator), None)
        if indicator is not None:
            found["value"] = clean_figure(c.value, indicator)
        return found

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows for CSV: key column(s), then one column per indicator code."""
        codes = [i.code for i in self.indicators]
        if self.by_units:
            header = [self.by, "name", *codes]
            rows = [
                [shown, r.name, *(r.values.get(c) for c in codes)]
                for r, shown in zip(self.rows, self.shown(), strict=True)
            ]
        elif self.by == "district":
            header = ["from", "to", *codes, "expected", "received"]
            r0 = self.rows[0]
            rows = [[str(self.first), str(self.last), *(r0.values.get(c) for c in codes),
                     r0.expected, r0.received]]
        else:
            header = ["period", *codes]
            rows = [[r.key, *(r.values.get(c) for c in codes)] for r in self.rows]
        return header, rows

    def to_frame(self) -> pd.DataFrame:
        """A pandas DataFrame: one row per breakdown key, indicator codes as columns (units
        and areas indexed by their keys, which are unique)."""
        import pandas as pd

        codes = [i.code for i in self.indicators]
        index_name = {"district": "district", "commune": "commune", "area": "area"}.get(self.by, "period")
        frame = pd.DataFrame(
            [[r.values.get(c) for c in codes] for r in self.rows],
            columns=codes,
            index=pd.Index([r.key or "district" for r in self.rows], name=index_name),
            dtype="float64",
        )
        if self.by_units:
            frame.insert(0, "name", [r.name for r in self.rows])
        frame["expected"] = [r.expected for r in self.rows]
        frame["received"] = [r.received for r in self.rows]
        return frame

    def carried_frame(self) -> pd.DataFrame:
        """The carried stocks: one row per unit and indicator taken from before its bucket."""
        import pandas as pd

        return pd.DataFrame(
            [[c.bucket, c.unit, c.indicator, c.value, str(c.period)] for c in self.carried],
            columns=["bucket", "unit", "indicator", "value", "from"],
        )


def grouping_of(by: str, catalog: Catalog) -> tuple[str, str | None]:
    """``by`` as asked (``commune``, ``year``, ``province``, ``area:district``…) → (grouping,
    level): a level of ``areas.csv`` is asked by its name when it is not one of
    :data:`GROUPINGS` (``district`` is the whole district's figures), or as ``area:LEVEL``.
    ValueError for anything else."""
    if by in GROUPINGS:
        return by, None
    wanted = by[len("area:"):] if by.startswith("area:") else by
    for level in catalog.timeline.levels():
        if level.casefold() == wanted.strip().casefold():
            return "area", level
    levels = ", ".join(catalog.timeline.levels())
    raise ValueError(
        f"by must be one of {', '.join(GROUPINGS)}"
        + (f", or a level of areas.csv ({levels}; area:LEVEL)" if levels else "")
    )


def rollup(
    store: Store,
    first: Period,
    last: Period,
    *,
    by: str = "district",
    indicators: list[str] | None = None,
    units: str = "current",
) -> Rollup:
    """Roll up the stored returns of ``first``..``last`` (both included), in today's units
    (``units="current"``: the units of ``last``) or as reported (see the module's docstring)."""
    if units not in UNIT_MODES:
        raise ValueError(f"units must be one of {', '.join(UNIT_MODES)}")
    if first > last:
        raise ValueError("first month after last month")
    catalog = store.catalog
    grouping, level = grouping_of(by, catalog)
    chosen = _choose(catalog, indicators)
    conn = store.conn
    # GROUP BY sorts every row of the window: let SQLite's sorter use a helper thread per core
    # (a year of a country is millions of rows; a no-op where SQLite has no threads)
    conn.execute(f"PRAGMA threads = {_cores()}")
    timeline = catalog.timeline
    moved = units == "current" and bool(timeline.change_months_between(first, last))
    result = Rollup(first, last, grouping, chosen, units=units, level=level, over_time=catalog.has_validity)
    per_unit = grouping in ("commune", "area")
    stocks = [i.code for i in chosen if i.is_stock]
    if not per_unit:
        sums, received, present = _bucket_sums(store, first, last, grouping, chosen, catalog)
        if moved:  # stocks move with the areas; flows and counts do not change
            if stocks:
                attribution = _Attribution(catalog, first, last, units_of_window(store, catalog, first, last))
                moved_stocks = attribution.stocks(store, grouping, stocks)
                for key in [k for k in sums if k[1] in stocks]:
                    del sums[key]
                for (bucket, _holder, code), total in moved_stocks.items():
                    sums[(bucket, code)] = sums.get((bucket, code), 0.0) + total
                result.carried = attribution.carried
        elif stocks:
            result.carried = _carry_buckets(store, catalog, first, last, grouping, stocks, present)
            for c in result.carried:
                sums[(c.bucket, c.indicator)] = sums.get((c.bucket, c.indicator), 0.0) + c.value
        _period_rows(result, catalog, sums, received)
        return result
    in_play = units_of_window(store, catalog, first, last)
    if moved:
        attribution = _Attribution(catalog, first, last, in_play)
        keys, unit_sums, unit_received, unit_expected = attribution.by_holder(store, chosen)
        result.carried = attribution.carried
        members = attribution.members()
    else:
        unit_sums, unit_received, _ = _bucket_sums(store, first, last, "commune", chosen, catalog)
        keys = in_play
        unit_expected = {key: _valid_months(catalog, key, first, last) for key in keys}
        if stocks:
            wanted = [(key, code) for key in keys if unit_expected[key] for code in stocks
                      if unit_sums.get((key, code)) is None]
            result.carried = carried_before(store, "", wanted, first)
            for c in result.carried:
                unit_sums[(c.unit, c.indicator)] = c.value
        members = {key: (key,) for key in keys}
    unit_rows = [
        RollupRow(
            key,
            catalog.commune_name(key),
            {i.code: unit_sums.get((key, i.code)) for i in chosen},
            unit_expected.get(key, 0),
            unit_received.get(key, 0),
            code_of_key(key),
            members.get(key, (key,)),
        )
        for key in keys
    ]
    if grouping == "commune":
        result.rows = [_cleaned(row, chosen) for row in unit_rows]
    else:
        assert level is not None
        result.rows = [_cleaned(row, chosen) for row in _area_rows(catalog, level, unit_rows, chosen)]
    if moved:
        total_received = sum(int(n) for n in _received(store, first, last, "district").values())
        result.reporting = (_expected_total(catalog, months_between(first, last)), total_received)
    return result


# ------------------------------------------------------------------ without moving figures


def _bucket_sums(
    store: Store, first: Period, last: Period, grouping: str, chosen: list[Indicator], catalog: Catalog
) -> tuple[dict[tuple[str, str], float], dict[str, int], dict[tuple[str, str], int]]:
    """The figures of the whole district or of each period bucket, as reported: one SQL
    statement per kind; and of each (bucket, stock), how many units gave it."""
    conn = store.conn
    bucket = _BUCKET_SQL[grouping]
    window = (str(first), str(last))
    flows = [i.code for i in chosen if not i.is_stock]
    stocks = [i.code for i in chosen if i.is_stock]
    sums: dict[tuple[str, str], float] = {}
    present: dict[tuple[str, str], int] = {}
    group = "" if grouping == "district" else "b, "  # a constant key costs a sort for nothing
    if flows:
        # Every row of the window is read once either way; without an IN list to test on
        # each row, a roll-up of (nearly) all indicators is faster: the others are dropped.
        if len(flows) * 2 >= len(catalog.indicators):
            rows = conn.execute(
                f"SELECT {bucket} AS b, indicator, SUM(value) FROM facts "
                f"WHERE period BETWEEN ? AND ? GROUP BY {group}indicator",
                window,
            )
        else:
            marks = ",".join("?" * len(flows))
            rows = conn.execute(
                f"SELECT {bucket} AS b, indicator, SUM(value) FROM facts "
                f"WHERE period BETWEEN ? AND ? AND indicator IN ({marks}) GROUP BY {group}indicator",
                (*window, *flows),
            )
        wanted = set(flows)
        for key, code, total in rows:
            if code in wanted:
                sums[(key, code)] = total
    if stocks:
        # Each commune's latest month in the bucket: with a lone MAX(), SQLite takes the
        # other (bare) columns from the row holding the maximum, here its value (a commune
        # has one row per indicator and month, so there is no tie).
        marks = ",".join("?" * len(stocks))
        for key, code, total, units in conn.execute(
            "SELECT b, indicator, SUM(value), COUNT(*) FROM ("
            f"  SELECT {bucket} AS b, commune, indicator, value, MAX(period)"
            f"  FROM facts WHERE period BETWEEN ? AND ? AND indicator IN ({marks})"
            f"  GROUP BY {group}commune, indicator"
            f") GROUP BY {group}indicator",
            (*window, *stocks),
        ):
            sums[(key, code)] = total
            present[(key, code)] = int(units)
    return sums, _received(store, first, last, grouping), present


# ------------------------------------------------------------------ carried stocks


def _buckets(first: Period, last: Period, grouping: str) -> dict[str, list[Period]]:
    """The months of each bucket of a roll-up (one bucket, '', unless by period)."""
    months = months_between(first, last)
    if grouping not in PERIOD_GROUPINGS:
        return {"": months}
    found: dict[str, list[Period]] = {}
    for month in months:
        found.setdefault(bucket_of(month, grouping), []).append(month)
    return found


def _valid_in(catalog: Catalog, months: list[Period]) -> list[str]:
    """The units valid in at least one of the months, in catalog order."""
    found: dict[str, None] = {}
    for month in months:
        for unit in catalog.units_on(month):
            found.setdefault(unit.key, None)
    return list(found)


def _carry_buckets(
    store: Store, catalog: Catalog, first: Period, last: Period, grouping: str, stocks: list[str],
    present: dict[tuple[str, str], int],
) -> list[Carried]:
    """The stocks units did not give inside each bucket, carried from before it. Only a
    bucket where fewer units gave a stock than are valid in it is looked at unit by unit."""
    carried: list[Carried] = []
    for bucket, months in _buckets(first, last, grouping).items():
        valid = _valid_in(catalog, months)
        short = [code for code in stocks if present.get((bucket, code), 0) < len(valid)]
        if not short:
            continue
        wanted: list[tuple[str, str]] = []
        gave: dict[str, set[str]] = {}
        for code in short:
            gave[code] = {
                key for (key,) in store.conn.execute(
                    "SELECT commune FROM facts WHERE period BETWEEN ? AND ? AND indicator = ? GROUP BY commune",
                    (str(months[0]), str(months[-1]), code),
                )
            }
        wanted = [(key, code) for key in valid for code in short if key not in gave[code]]
        carried.extend(carried_before(store, bucket, wanted, months[0]))
    return carried


def carried_before(store: Store, bucket: str, wanted: list[tuple[str, str]], before: Period) -> list[Carried]:
    """Of each (unit, stock) wanted, its latest stored value before a month, if any (in the
    order wanted)."""
    if not wanted:
        return []
    latest = _latest_before(store, list(dict.fromkeys(k for k, _ in wanted)),
                            list(dict.fromkeys(c for _, c in wanted)), before)
    found = []
    for key, code in wanted:
        hit = latest.get((key, code))
        if hit is not None:
            found.append(Carried(bucket, key, code, hit[0], hit[1]))
    return found


def _latest_before(
    store: Store, units: list[str], codes: list[str], before: Period
) -> dict[tuple[str, str], tuple[float, Period]]:
    """(unit, indicator) → (value, month) of the latest current return before ``before``
    that gave it: each unit's returns found by the store's (commune, period) index, their
    values by the facts' key."""
    found: dict[tuple[str, str], tuple[float, Period]] = {}
    code_marks = ",".join("?" * len(codes))
    for start in range(0, len(units), 500):
        chunk = units[start:start + 500]
        for key, code, value, period in store.conn.execute(
            "SELECT f.commune, f.indicator, f.value, MAX(f.period) FROM returns r "
            "JOIN facts f ON f.period = r.period AND f.commune = r.commune "
            f"WHERE r.is_current = 1 AND r.period < ? AND r.commune IN ({','.join('?' * len(chunk))}) "
            f"AND f.indicator IN ({code_marks}) GROUP BY f.commune, f.indicator",
            (str(before), *chunk, *codes),
        ):
            found[(key, code)] = (float(value), Period.parse_iso(period))
    return found


def _received(store: Store, first: Period, last: Period, grouping: str) -> dict[str, int]:
    bucket = _BUCKET_SQL[grouping]
    return dict(
        store.conn.execute(
            f"SELECT {bucket} AS b, COUNT(*) FROM returns "
            "WHERE is_current = 1 AND period BETWEEN ? AND ? GROUP BY b",
            (str(first), str(last)),
        ).fetchall()
    )


def _expected_total(catalog: Catalog, months: list[Period]) -> int:
    return sum(len(catalog.units_on(m)) for m in months)


def _period_rows(
    result: Rollup, catalog: Catalog, sums: dict[tuple[str, str], float], received: dict[str, int]
) -> None:
    months = months_between(result.first, result.last)
    if result.by == "district":
        keys = [("", "Toàn huyện", _expected_total(catalog, months))]
    else:
        counts: dict[str, int] = {}
        for month in months:
            key = bucket_of(month, result.by)
            counts[key] = counts.get(key, 0) + len(catalog.units_on(month))
        keys = [(key, key, n) for key, n in counts.items()]
    for key, name, expected in keys:
        values = {i.code: clean_figure(sums.get((key, i.code)), i) for i in result.indicators}
        result.rows.append(RollupRow(key, name, values, expected, int(received.get(key, 0))))


def units_of_window(store: Store, catalog: Catalog, first: Period, last: Period) -> list[str]:
    """The units a window's figures come from, by key, in catalog order: those valid in one of
    its months (every unit of a catalog without months), then any other unit with returns
    stored in it (a store's returns from before its catalog knew of a change), then keys
    the catalog does not have."""
    keys = [u.key for u in catalog.units if _valid_months(catalog, u.key, first, last)]
    known = set(keys)
    stored = [
        key for (key,) in store.conn.execute(
            "SELECT DISTINCT commune FROM returns WHERE is_current = 1 AND period BETWEEN ? AND ?",
            (str(first), str(last)),
        )
        if key not in known
    ]
    position = {u.key: n for n, u in enumerate(catalog.units)}
    return keys + sorted(stored, key=lambda k: (position.get(k, len(position)), k))


def _valid_months(catalog: Catalog, key: str, first: Period, last: Period) -> int:
    """How many months of the window a unit is valid in (0 for a key the catalog lacks)."""
    unit = catalog.unit(key)
    if unit is None:
        return 0
    start = first if unit.since is None or unit.since < first else unit.since
    end = last if unit.until is None or last < unit.until else unit.until
    return max(0, end.index - start.index + 1)


# ------------------------------------------------------------------ moving figures to today's units


class _Attribution:
    """Who holds, in the window's last month, the area each unit's figures covered.

    The window's months are cut at the months of changes inside it (stretches); a unit's
    figures of one stretch go to the same units with the same shares
    (:meth:`~ncctd_cli.units.Timeline.holders_of_month` of the stretch's last month)."""

    def __init__(self, catalog: Catalog, first: Period, last: Period, in_play: list[str]) -> None:
        self.catalog = catalog
        self.first, self.last = first, last
        self.cuts = catalog.timeline.change_months_between(first, last)
        self.stretches: list[tuple[Period, Period]] = []
        start = first
        for cut in self.cuts:
            self.stretches.append((start, cut.shift(-1)))
            start = cut
        self.stretches.append((start, last))
        self.in_play = in_play
        self._holders: dict[tuple[str, int], dict[str, float]] = {}
        self.carried: list[Carried] = []  # what stocks() carried and used

    def stretch_of(self, period: str) -> int:
        n = 0
        for cut in self.cuts:
            if period >= str(cut):
                n += 1
        return n

    def stretch_sql(self) -> str:
        """The SQL of a row's stretch number, from its ``period`` ('YYYY-MM' literals)."""
        if not self.cuts:
            return "0"
        cases = " ".join(f"WHEN period < '{cut}' THEN {n}" for n, cut in enumerate(self.cuts))
        return f"CASE {cases} ELSE {len(self.cuts)} END"

    def holders_of(self, key: str, stretch: int) -> dict[str, float]:
        found = self._holders.get((key, stretch))
        if found is None:
            unit = self.catalog.unit(key)
            if unit is None:
                found = {key: 1.0}
            else:
                found = self.catalog.timeline.holders_of_month(unit, self.stretches[stretch][1], self.last)
            self._holders[(key, stretch)] = found
        return found

    def _months_valid(self, unit: Commune, stretch: int) -> int:
        a, b = self.stretches[stretch]
        start = a if unit.since is None or unit.since < a else unit.since
        end = b if unit.until is None or b < unit.until else unit.until
        return max(0, end.index - start.index + 1)

    def members(self) -> dict[str, tuple[str, ...]]:
        """Of each holder: the units whose figures it takes (itself first)."""
        found: dict[str, list[str]] = defaultdict(list)
        for key in self.in_play:
            for stretch in range(len(self.stretches)):
                for holder in self.holders_of(key, stretch):
                    if key not in found[holder]:
                        found[holder].append(key)
        return {h: tuple(sorted(keys, key=lambda k: k != h)) for h, keys in found.items()}

    def expected(self) -> dict[str, int]:
        """Of each holder: the returns expected in the window from the units whose figures
        it takes (a unit split between two holders counts for both)."""
        found: dict[str, int] = defaultdict(int)
        for key in self.in_play:
            unit = self.catalog.unit(key)
            if unit is None:
                continue
            for stretch in range(len(self.stretches)):
                months = self._months_valid(unit, stretch)
                if months:
                    for holder in self.holders_of(key, stretch):
                        found[holder] += months
        return found

    def by_holder(
        self, store: Store, chosen: list[Indicator]
    ) -> tuple[list[str], dict[tuple[str, str], float], dict[str, int], dict[str, int]]:
        """Today's units the window's figures go to (in catalog order; keys the catalog does
        not have last), and of each: its figures ((holder, indicator) → value), the returns
        received from the units whose figures it takes, and those expected."""
        conn = store.conn
        window = (str(self.first), str(self.last))
        stretch = self.stretch_sql()
        flows = [i.code for i in chosen if not i.is_stock]
        stocks = [i.code for i in chosen if i.is_stock]
        sums: dict[tuple[str, str], float] = defaultdict(float)
        if flows:
            marks = ",".join("?" * len(flows))
            for key, n, code, total in conn.execute(
                f"SELECT commune, {stretch} AS s, indicator, SUM(value) FROM facts "
                f"WHERE period BETWEEN ? AND ? AND indicator IN ({marks}) GROUP BY commune, s, indicator",
                (*window, *flows),
            ):
                for holder, share in self.holders_of(key, n).items():
                    sums[(holder, code)] += total * share
        if stocks:
            for (_bucket, holder, code), total in self.stocks(store, "commune", stocks).items():
                sums[(holder, code)] = total
        received: dict[str, int] = defaultdict(int)
        holders: set[str] = set()
        for key, n, count in conn.execute(
            f"SELECT commune, {stretch} AS s, COUNT(*) FROM returns "
            "WHERE is_current = 1 AND period BETWEEN ? AND ? GROUP BY commune, s",
            window,
        ):
            for holder in self.holders_of(key, n):
                received[holder] += int(count)
                holders.add(holder)
        expected = self.expected()
        holders.update(expected)
        position = {u.key: n for n, u in enumerate(self.catalog.units)}
        ordered = sorted(holders, key=lambda k: (position.get(k, len(position)), k))
        return ordered, dict(sums), dict(received), expected

    def stocks(self, store: Store, grouping: str, codes: list[str]) -> dict[tuple[str, str, str], float]:
        """(bucket, holder, indicator) → the holder's stock in the bucket: its own latest
        value if it reported one there, else the sum of its former units' latest values
        (times the share of their area it took), else what is carried from before the bucket
        (:attr:`carried`). ``grouping``: ``commune`` (one bucket: the window), ``district``
        or a period breakdown."""
        bucket = "''" if grouping in ("commune", "district", "area") else _BUCKET_SQL[grouping]
        marks = ",".join("?" * len(codes))
        own: dict[tuple[str, str, str], float] = {}
        former: dict[tuple[str, str, str], float] = defaultdict(float)
        present: set[tuple[str, str, str]] = set()
        for b, key, code, value, period in store.conn.execute(
            f"SELECT {bucket} AS b, commune, indicator, value, MAX(period) FROM facts "
            f"WHERE period BETWEEN ? AND ? AND indicator IN ({marks}) GROUP BY b, commune, indicator",
            (str(self.first), str(self.last), *codes),
        ):
            present.add((b, key, code))
            for holder, share in self.holders_of(key, self.stretch_of(period)).items():
                if holder == key:
                    own[(b, holder, code)] = own.get((b, holder, code), 0.0) + value * share
                else:
                    former[(b, holder, code)] += value * share
        carried: dict[tuple[str, str, str], float] = defaultdict(float)
        grouping_of_buckets = grouping if grouping in PERIOD_GROUPINGS else "district"
        for b, months in _buckets(self.first, self.last, grouping_of_buckets).items():
            wanted = [(key, code) for key in _valid_in(self.catalog, months) for code in codes
                      if (b, key, code) not in present]
            for c in carried_before(store, b, wanted, months[0]):
                used = False
                for holder, share in self.holders_of(c.unit, self.stretch_of(str(c.period))).items():
                    if (b, holder, c.indicator) not in own and (b, holder, c.indicator) not in former:
                        carried[(b, holder, c.indicator)] += c.value * share
                        used = True
                if used:
                    self.carried.append(c)
        return {**carried, **former, **own}


def _area_rows(
    catalog: Catalog, level: str, unit_rows: list[RollupRow], chosen: list[Indicator]
) -> list[RollupRow]:
    """Unit rows grouped by their area of ``level`` (:meth:`~ncctd_cli.units.Timeline.areas_at_level`):
    a unit straddling several areas of that level makes a group of its own («A + B»); a unit
    under none goes to a last row."""
    timeline = catalog.timeline
    position = {a.key: n for n, a in enumerate(catalog.areas)}
    groups: dict[str, RollupRow] = {}
    order: dict[str, tuple[int, ...]] = {}
    for row in unit_rows:
        unit = catalog.unit(row.key)
        areas = timeline.areas_at_level(unit, level) if unit is not None else []
        key = "+".join(a.key for a in areas)
        group = groups.get(key)
        if group is None:
            if areas:
                name, code = " + ".join(a.name for a in areas), "+".join(a.code for a in areas)
            else:
                name, code = tr("(không thuộc đơn vị nào)", "(in no area)"), ""
            group = groups[key] = RollupRow(key, name, {i.code: None for i in chosen}, 0, 0, code)
            order[key] = tuple(position[a.key] for a in areas) or (len(position),)
        for code, value in row.values.items():
            if value is not None:
                before = group.values.get(code)
                group.values[code] = value if before is None else before + value
        group.expected += row.expected
        group.received += row.received
        group.members += row.members
    return [groups[k] for k in sorted(groups, key=lambda k: (len(order[k]) > 1, order[k]))]


def _cleaned(row: RollupRow, chosen: list[Indicator]) -> RollupRow:
    row.values = {i.code: clean_figure(row.values.get(i.code), i) for i in chosen}
    return row


def _cores() -> int:
    import os

    try:
        return min(len(os.sched_getaffinity(0)), 4)
    except (AttributeError, OSError):
        return min(os.cpu_count() or 1, 4)


def _choose(catalog: Catalog, codes: list[str] | None) -> list[Indicator]:
    if not codes:
        return list(catalog.indicators)
    chosen = []
    for text in codes:
        code = catalog.indicator(text)
        if code is None:
            raise KeyError(text)
        chosen.append(catalog.indicator_by_code[code])
    return chosen


def clean_figure(value: float | None, indicator: Indicator) -> float | int | None:
    """A figure as a roll-up gives it: an integer indicator's rounded, a decimal one's to 6
    places (what float sums leave past them is noise)."""
    if value is None:
        return None
    if indicator.is_integer:
        return round(value)
    return round(value, 6)
