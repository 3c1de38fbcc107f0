"""Completeness: which communes have sent their return for a month, on time or late.

The returns expected in a month are those of the units valid in that month (units change
over time: :mod:`ncctd_cli.units`): 14 for 2025-05 and 7 for 2025-09 in the bundled catalog.
A unit is listed for the months it is valid in; its other months are no return of its.

A return counts as received when a version of it was accepted into the store (a refused
file does not count). Its time is the time of the **first** accepted version: a commune that
sent on time and corrected later stays on time; a correction does not make a return late,
and a late return does not become on time by being corrected. The figures in use (and the
``file`` reported) are the current version's.

The deadline for month M is day ``deadline_day`` (catalog setting, default the 5th) of month
M+1, the whole day included; a shorter month clamps it to its last day. A missing return is
``missing`` once the deadline has passed and ``not_due`` before.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from .catalog import Commune
from .store import Store
from .vietnamese import Period, months_between

# unknown: received, the day it arrived not known (loaded from an archive): neither on time nor late
STATES = ("on_time", "late", "unknown", "missing", "not_due")


def deadline(period: Period, day: int) -> _dt.date:
    """Day ``day`` of the month after ``period`` (its last day if that month is shorter)."""
    following = period.shift(1)
    last = calendar.monthrange(following.year, following.month)[1]
    return _dt.date(following.year, following.month, min(day, last))


@dataclass(frozen=True)
class Receipt:
    """A return in the store: when it first came in, and the version in use."""

    commune: str
    period: Period
    received_at: str  # the first accepted version (ISO 8601, with its UTC offset)
    file: str | None  # the current version's file
    sheet: str | None
    versions: int
    updated_at: str  # the current version's time (equal to received_at with one version)
    arrival_known: bool = True  # False: loaded later from an archive, its arrival day unknown

    @property
    def received_date(self) -> _dt.date:
        return _dt.datetime.fromisoformat(self.received_at).date()


def receipts(store: Store, first: Period, last: Period) -> dict[tuple[str, Period], Receipt]:
    """Every stored return in a window, by (commune, period)."""
    rows = store.conn.execute(
        """
        SELECT cur.commune, cur.period, cur.file, cur.sheet, cur.received_at,
               (SELECT COUNT(*) FROM returns v
                 WHERE v.commune = cur.commune AND v.period = cur.period),
               f.received_at, f.arrival_known
        FROM returns cur
        JOIN returns f ON f.commune = cur.commune AND f.period = cur.period
         AND f.version = (SELECT MIN(m.version) FROM returns m
                           WHERE m.commune = cur.commune AND m.period = cur.period)
        WHERE cur.is_current = 1 AND cur.period BETWEEN ? AND ?
        """,
        (str(first), str(last)),
    ).fetchall()
    found: dict[tuple[str, Period], Receipt] = {}
    for commune, period_text, file, sheet, updated_at, versions, received_at, known in rows:
        period = Period.parse_iso(period_text)
        found[(commune, period)] = Receipt(
            commune, period, received_at, file, sheet, int(versions), updated_at, bool(known)
        )
    return found


@dataclass(frozen=True)
class Entry:
    """One commune's return for one month: received or not, on time or not."""

    code: str
    name: str
    period: Period
    deadline: _dt.date
    state: str  # on_time | late | missing | not_due
    receipt: Receipt | None = None
    key: str = ""  # the unit's key (its code unless a later unit reuses the code)

    @property
    def received(self) -> bool:
        return self.receipt is not None

    @property
    def on_time(self) -> bool | None:
        """True/False for a received return; None when there is nothing to judge (not yet,
        or the day it arrived is not known)."""
        if self.receipt is None or not self.receipt.arrival_known:
            return None
        return self.state == "on_time"

    @property
    def days_late(self) -> int:
        if self.receipt is None or not self.receipt.arrival_known:
            return 0
        return max(0, (self.receipt.received_date - self.deadline).days)

    def to_json(self, *, unit: bool = False) -> dict[str, Any]:
        """``unit``: say the unit's key too (a catalog with units over time)."""
        r = self.receipt
        found: dict[str, Any] = {"code": self.code}
        if unit:
            found["unit"] = self.key or self.code
        found.update({
            "name": self.name,
            "received": self.received,
            "received_at": r.received_at if r and r.arrival_known else None,
            "file": r.file if r else None,
            "on_time": self.on_time,
            "state": self.state,
            "days_late": self.days_late if r else None,
            "versions": r.versions if r else 0,
            "updated_at": r.updated_at if r else None,
        })
        return found


def judge(
    commune: Commune, period: Period, receipt: Receipt | None, due: _dt.date, today: _dt.date
) -> Entry:
    if receipt is None:
        state = "not_due" if today <= due else "missing"
    elif not receipt.arrival_known:
        state = "unknown"  # in the store, the day it arrived not known: neither on time nor late
    else:
        state = "on_time" if receipt.received_date <= due else "late"
    return Entry(commune.code, commune.name, period, due, state, receipt, commune.key)


def counts(entries: list[Entry]) -> dict[str, int]:
    found = {"expected": len(entries), "received": sum(1 for e in entries if e.received)}
    found.update({state: sum(1 for e in entries if e.state == state) for state in STATES})
    return found


@dataclass
class Completeness:
    """Units × months: every expected return of a window and its state.

    ``communes`` are the units valid in at least one month of the window, in catalog order;
    ``entries`` are keyed by (unit key, month), for the months each unit is valid in.
    ``over_time``: the catalog has units over time (JSON then names each unit's key too)."""

    first: Period
    last: Period
    deadline_day: int
    today: _dt.date
    communes: list[Commune]
    entries: dict[tuple[str, Period], Entry] = field(default_factory=dict)
    year: int | None = None
    over_time: bool = False

    @property
    def months(self) -> list[Period]:
        return months_between(self.first, self.last) if self.first <= self.last else []

    def entry(self, code: str, period: Period) -> Entry:
        """A unit's entry for a month, by its key, or by its code (the unit of that code valid
        in that month)."""
        found = self.entries.get((code, period))
        if found is not None:
            return found
        for commune in self.communes:
            if commune.code == code and (commune.key, period) in self.entries:
                return self.entries[(commune.key, period)]
        raise KeyError((code, period))

    def month(self, period: Period) -> list[Entry]:
        """The entries of a month: one per unit valid in it, in catalog order."""
        return [self.entries[(c.key, period)] for c in self.communes if (c.key, period) in self.entries]

    def commune(self, key: str) -> list[Entry]:
        """A unit's entries (by its key; a bare code is the earliest unit of that code), for the
        months of the window it is valid in."""
        return [self.entries[(key, p)] for p in self.months if (key, p) in self.entries]

    def shown_codes(self) -> list[str]:
        """How each listed unit is named in a grid: its code, or its key when another listed
        unit has the same code (04456 until 2025-06 and 04456@2025-07 since, in a 2025 grid)."""
        from collections import Counter

        same = Counter(c.code for c in self.communes)
        return [c.code if same[c.code] == 1 else c.key for c in self.communes]

    @property
    def totals(self) -> dict[str, int]:
        return counts(list(self.entries.values()))

    # -- JSON

    def month_json(self, period: Period) -> dict[str, Any]:
        """The contract's shape for one month, with deadline, counts and per-commune state."""
        entries = self.month(period)
        return {
            "period": str(period),
            "deadline": deadline(period, self.deadline_day).isoformat(),
            **counts(entries),
            "communes": [e.to_json() for e in entries],  # (a month: codes are unambiguous)
        }

    def grid_json(self) -> dict[str, Any]:
        """Communes × months: the state of every return, with counts per month and commune
        (a unit's ``months`` are those it is valid in)."""
        communes = []
        for c in self.communes:
            entries = self.commune(c.key)
            record: dict[str, Any] = {"code": c.code}
            if self.over_time:
                record.update({
                    "unit": c.key,
                    "from": str(c.since) if c.since else None,
                    "to": str(c.until) if c.until else None,
                })
            record.update({"name": c.name, **counts(entries), "months": {str(e.period): e.state for e in entries}})
            communes.append(record)
        return {
            "year": self.year,
            "from": str(self.first),
            "to": str(self.last),
            "deadline_day": self.deadline_day,
            **self.totals,
            "months": [
                {
                    "period": str(p),
                    "deadline": deadline(p, self.deadline_day).isoformat(),
                    **counts(self.month(p)),
                }
                for p in self.months
            ],
            "communes": communes,
        }

    def to_json(self) -> dict[str, Any]:
        """One month: the month shape; a year or a longer window: the grid shape."""
        if self.first == self.last and self.year is None:
            return self.month_json(self.first)
        return self.grid_json()

    # -- flat tables (CSV)

    def month_rows(self, period: Period) -> tuple[list[str], list[list[Any]]]:
        header = [
            "code", "name", "received", "received_at", "file", "on_time", "state",
            "days_late", "versions", "updated_at",
        ]
        rows = [[e.to_json()[h] for h in header] for e in self.month(period)]
        return header, rows

    def grid_rows(self) -> tuple[list[str], list[list[Any]]]:
        """Units × months; a month a unit is not valid in is an empty cell."""
        header = ["code", "name", *(str(p) for p in self.months), "received", "on_time", "late", "unknown", "missing"]
        rows = []
        for c, shown in zip(self.communes, self.shown_codes(), strict=True):
            entries = self.commune(c.key)
            states = {e.period: e.state for e in entries}
            n = counts(entries)
            rows.append(
                [shown, c.name, *(states.get(p, "") for p in self.months), n["received"], n["on_time"],
                 n["late"], n["unknown"], n["missing"]]
            )
        return header, rows


def completeness(
    store: Store,
    first: Period,
    last: Period,
    *,
    today: _dt.date | None = None,
    year: int | None = None,
) -> Completeness:
    """The state of every unit's return for every month from ``first`` to ``last`` that
    the unit is valid in."""
    today = today or _dt.date.today()
    catalog = store.catalog
    found = receipts(store, first, last)
    months = months_between(first, last) if first <= last else []
    valid = {m: catalog.units_on(m) for m in months}
    listed = {u.key for units in valid.values() for u in units}
    result = Completeness(
        first, last, catalog.deadline_day, today, [u for u in catalog.units if u.key in listed],
        year=year, over_time=catalog.has_validity,
    )
    for period in months:
        due = deadline(period, catalog.deadline_day)
        for commune in valid[period]:
            result.entries[(commune.key, period)] = judge(
                commune, period, found.get((commune.key, period)), due, today
            )
    return result


def month_status(store: Store, period: Period, *, today: _dt.date | None = None) -> Completeness:
    """Who has sent the return for one month."""
    return completeness(store, period, period, today=today)


def year_status(store: Store, year: int, *, today: _dt.date | None = None) -> Completeness:
    """Communes × months of a year, up to the current month (no return can exist after it)."""
    today = today or _dt.date.today()
    last = min(Period(year, 12), Period(today.year, today.month))
    return completeness(store, Period(year, 1), last, today=today, year=year)
