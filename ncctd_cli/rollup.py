"""Roll-up: the district's figures for a window of months, from the stored returns.

Across communes everything sums. Across months, ``sum`` indicators (flows) sum, and
``last`` indicators (stocks) take each commune's most recent reported value inside the
window (or inside each month, quarter, half or year of a breakdown), then sum over communes.
The aggregation is one SQL statement per kind, on the ``facts`` table's (period, …) key:
its cost grows with the window asked for, not with the months stored outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .catalog import Catalog, Indicator
from .store import Store
from .vietnamese import Period, months_between

if TYPE_CHECKING:
    import pandas as pd

GROUPINGS = ("district", "commune", "month", "quarter", "half", "year")

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
    key: str  # '' (district), a commune code, or a period key (2024-01, 2024-Q1, 2024-H1, 2024)
    name: str
    values: dict[str, float | int | None]
    expected: int
    received: int


@dataclass
class Rollup:
    """The result of a roll-up: data, with ``to_json()`` and ``to_frame()``."""

    first: Period
    last: Period
    by: str
    indicators: list[Indicator]
    rows: list[RollupRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, float | int | None]:
        """District totals (the single row of a ``district`` roll-up)."""
        if self.by != "district":
            raise ValueError("totals are for a district roll-up")
        return self.rows[0].values

    @property
    def expected(self) -> int:
        return sum(r.expected for r in self.rows)

    @property
    def received(self) -> int:
        return sum(r.received for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        base: dict[str, Any] = {"from": str(self.first), "to": str(self.last), "by": self.by}
        if self.by == "district":
            row = self.rows[0]
            base["totals"] = row.values
            base["reporting"] = {"expected": row.expected, "received": row.received}
            return base
        key_name = "commune" if self.by == "commune" else "period"
        base["rows"] = [
            {
                key_name: r.key,
                **({"name": r.name} if self.by == "commune" else {}),
                "values": r.values,
                "reporting": {"expected": r.expected, "received": r.received},
            }
            for r in self.rows
        ]
        base["reporting"] = {"expected": self.expected, "received": self.received}
        return base

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows for CSV: key column(s), then one column per indicator code."""
        codes = [i.code for i in self.indicators]
        if self.by == "commune":
            header = ["commune", "name", *codes]
            rows = [[r.key, r.name, *(r.values.get(c) for c in codes)] for r in self.rows]
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
        """A pandas DataFrame: one row per breakdown key, indicator codes as columns."""
        import pandas as pd

        codes = [i.code for i in self.indicators]
        index_name = {"district": "district", "commune": "commune"}.get(self.by, "period")
        frame = pd.DataFrame(
            [[r.values.get(c) for c in codes] for r in self.rows],
            columns=codes,
            index=pd.Index([r.key or "district" for r in self.rows], name=index_name),
            dtype="float64",
        )
        if self.by == "commune":
            frame.insert(0, "name", [r.name for r in self.rows])
        frame["expected"] = [r.expected for r in self.rows]
        frame["received"] = [r.received for r in self.rows]
        return frame


def rollup(
    store: Store,
    first: Period,
    last: Period,
    *,
    by: str = "district",
    indicators: list[str] | None = None,
) -> Rollup:
    """Roll up the stored returns of ``first``..``last`` (both included)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    if first > last:
        raise ValueError("first month after last month")
    catalog = store.catalog
    chosen = _choose(catalog, indicators)
    bucket = _BUCKET_SQL[by]
    window = (str(first), str(last))
    flows = [i.code for i in chosen if not i.is_stock]
    stocks = [i.code for i in chosen if i.is_stock]
    sums: dict[tuple[str, str], float] = {}
    conn = store.conn
    # GROUP BY sorts every row of the window: let SQLite's sorter use a helper thread per core
    # (a year of a country is millions of rows; a no-op where SQLite has no threads)
    conn.execute(f"PRAGMA threads = {_cores()}")
    group = "" if by == "district" else "b, "  # a constant key costs a sort for nothing
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
        for key, code, total in conn.execute(
            "SELECT b, indicator, SUM(value) FROM ("
            f"  SELECT {bucket} AS b, commune, indicator, value, MAX(period)"
            f"  FROM facts WHERE period BETWEEN ? AND ? AND indicator IN ({marks})"
            f"  GROUP BY {group}commune, indicator"
            f") GROUP BY {group}indicator",
            (*window, *stocks),
        ):
            sums[(key, code)] = total
    received = dict(
        conn.execute(
            f"SELECT {bucket} AS b, COUNT(*) FROM returns "
            "WHERE is_current = 1 AND period BETWEEN ? AND ? GROUP BY b",
            window,
        ).fetchall()
    )
    result = Rollup(first, last, by, chosen)
    months = months_between(first, last)
    n_communes = len(catalog.communes)
    if by == "district":
        keys = [("", "Toàn huyện", n_communes * len(months))]
    elif by == "commune":
        keys = [(c.code, c.name, len(months)) for c in catalog.communes]
    else:
        counts: dict[str, int] = {}
        for month in months:
            key = bucket_of(month, by)
            counts[key] = counts.get(key, 0) + 1
        keys = [(key, key, n * n_communes) for key, n in counts.items()]
    for key, name, expected in keys:
        values = {i.code: _clean(sums.get((key, i.code)), i) for i in chosen}
        result.rows.append(RollupRow(key, name, values, expected, int(received.get(key, 0))))
    return result


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


def _clean(value: float | None, indicator: Indicator) -> float | int | None:
    if value is None:
        return None
    if indicator.is_integer:
        return round(value)
    return round(value, 6)
