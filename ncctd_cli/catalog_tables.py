"""The catalog's units over time in a store: the tables of schema 3, written, read, and the
returns moved to the unit they belong to when a catalog learns of a change.

Schema 3 adds three tables beside ``communes``:

- ``units``: every unit (every row of ``communes.csv``): its key, code, name, aliases,
  months of validity (``valid_from``/``valid_to``, ``YYYY-MM``, NULL = open) and parent area;
- ``unit_changes``: the successions (month, source unit key, target unit key, share);
- ``areas``: the units above communes (former districts, provinces), with their own keys.

``communes`` keeps what it always held: the catalog's communes as a reader that knows
communes by code alone sees them (the units of the catalog's first month, keyed by their
codes), so that SQL written against earlier stores still reads the same. What the store
keeps per return (``returns.commune``, ``facts.commune``) is the unit's **key**: the bare
code for the earliest unit of a code (every unit of a catalog without validity months),
``code@YYYY-MM`` for a later unit reusing it. A store migrated from schema 2 therefore keeps
its months under the units they were stored under, with no row rewritten.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from .catalog import Area, Catalog, Change, Commune
from .units import code_of_key
from .vietnamese import Period

UNITS_SCHEMA = """
CREATE TABLE IF NOT EXISTS units (
  position INTEGER NOT NULL, key TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL,
  aliases TEXT NOT NULL DEFAULT '', valid_from TEXT, valid_to TEXT,
  parent TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS unit_changes (
  position INTEGER NOT NULL, month TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, share REAL NOT NULL DEFAULT 1,
  PRIMARY KEY (month, source, target)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS areas (
  position INTEGER NOT NULL, key TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL,
  level TEXT NOT NULL, parent TEXT NOT NULL DEFAULT '', valid_from TEXT, valid_to TEXT);
"""


def _month(period: Period | None) -> str | None:
    return None if period is None else str(period)


def _period(text: str | None) -> Period | None:
    return None if not text else Period.parse_iso(text)


def _aliases(text: str) -> tuple[str, ...]:
    return tuple(a for a in text.split("|") if a)


def write_units(conn: sqlite3.Connection, catalog: Catalog) -> None:
    """The catalog's units, changes and areas, replacing those stored (inside the caller's
    transaction)."""
    for table in ("units", "unit_changes", "areas"):
        conn.execute(f"DELETE FROM {table}")
    conn.executemany(
        "INSERT INTO units (position, key, code, name, aliases, valid_from, valid_to, parent) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [
            (n, u.key, u.code, u.name, "|".join(u.aliases), _month(u.since), _month(u.until), u.parent)
            for n, u in enumerate(catalog.units)
        ],
    )
    conn.executemany(
        "INSERT INTO unit_changes (position, month, source, target, share) VALUES (?,?,?,?,?)",
        [(n, str(c.month), c.source.key, c.target.key, c.share) for n, c in enumerate(catalog.changes)],
    )
    conn.executemany(
        "INSERT INTO areas (position, key, code, name, level, parent, valid_from, valid_to) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [
            (n, a.key, a.code, a.name, a.level, a.parent, _month(a.since), _month(a.until))
            for n, a in enumerate(catalog.areas)
        ],
    )


@dataclass
class StoredUnits:
    """What the units tables hold (empty lists: a store whose units are its ``communes``)."""

    units: list[Commune] = field(default_factory=list)
    changes: list[tuple[Period, str, str, float]] = field(default_factory=list)  # keys
    areas: list[Area] = field(default_factory=list)


def read_units(conn: sqlite3.Connection) -> StoredUnits:
    """The stored units, changes (by unit key) and areas, in catalog order."""
    found = StoredUnits()
    for code, name, aliases, since, until, parent in conn.execute(
        "SELECT code, name, aliases, valid_from, valid_to, parent FROM units ORDER BY position"
    ):
        found.units.append(Commune(code, name, _aliases(aliases), _period(since), _period(until), parent))
    for month, source, target, share in conn.execute(
        "SELECT month, source, target, share FROM unit_changes ORDER BY position"
    ):
        found.changes.append((Period.parse_iso(month), source, target, float(share)))
    for code, name, level, parent, since, until in conn.execute(
        "SELECT code, name, level, parent, valid_from, valid_to FROM areas ORDER BY position"
    ):
        found.areas.append(Area(code, name, level, parent, _period(since), _period(until)))
    return found


def resolved_changes(catalog: Catalog, rows: list[tuple[Period, str, str, float]]) -> list[Change]:
    """Stored changes (unit keys) as changes of a catalog built from the stored units."""
    return [
        Change(month, catalog.unit_by_key[source], catalog.unit_by_key[target], share)
        for month, source, target, share in rows
        if source in catalog.unit_by_key and target in catalog.unit_by_key
    ]


# ------------------------------------------------------------------ returns under a new catalog


@dataclass
class Rekey:
    """What a new catalog means for the returns a store holds, by (unit key, month):

    - ``moves``: stored under a unit not valid that month, while another unit with the same
      code is (a store of schema 2 kept a 2025-09 return from 04462 under the old Xã Nậm Có,
      key ``04462``; it belongs to the new one, ``04462@2025-07``): (key, month, new key);
    - ``outside``: stored under a unit of the catalog not valid that month, and no unit of
      that code is: kept where it is (nothing is lost; roll-ups in today's units pass it on
      with the unit's area);
    - ``unknown``: stored under a key the catalog does not have at all (the catalog cannot
      replace the store's)."""

    moves: list[tuple[str, str, str]] = field(default_factory=list)
    outside: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)


def plan_rekey(conn: sqlite3.Connection, catalog: Catalog) -> Rekey:
    """Where each stored (unit, month) goes under ``catalog`` (see :class:`Rekey`)."""
    plan = Rekey()
    timeline = catalog.timeline
    for key, period_text in conn.execute("SELECT DISTINCT commune, period FROM returns ORDER BY commune, period"):
        period = Period.parse_iso(period_text)
        unit = catalog.unit_by_key.get(key)
        if unit is not None and unit.valid_in(period):
            continue
        other = timeline.unit_with_code(code_of_key(key), period)
        if other is not None and other.key != key:
            plan.moves.append((key, period_text, other.key))
        elif unit is not None:
            plan.outside.append((key, period_text))
        else:
            plan.unknown.append((key, period_text))
    return plan


def apply_rekey(conn: sqlite3.Connection, moves: list[tuple[str, str, str]]) -> None:
    """Move returns (every version) and their current values to the unit they belong to."""
    rows = [(new, old, period) for old, period, new in moves]
    conn.executemany("UPDATE returns SET commune = ? WHERE commune = ? AND period = ?", rows)
    conn.executemany("UPDATE facts SET commune = ? WHERE commune = ? AND period = ?", rows)
