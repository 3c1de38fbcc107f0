"""The store's schema over time: one migration per change, each recorded in the store.

A store's schema version is ``meta.schema_version``. A store made by an older release is
brought up to :data:`LATEST_VERSION` by the migrations after its version, in order, all in
one transaction (see :meth:`ncctd_cli.store.Store.open` for when, with the write lock and a
backup); each one applied leaves a row in the ``migrations`` table. A new store is created
with the latest schema directly (``store.SCHEMA``) and needs none of them.

To change the schema:

1. append a :class:`Migration` to :data:`MIGRATIONS` whose ``version`` is the next number,
   with a one-line description and its SQL (or a function, for work SQL cannot say);
2. change ``store.SCHEMA`` so that a new store is exactly what the migration makes of the
   store before it: ``ALTER TABLE … ADD COLUMN`` appends ``, <column>`` to the table's SQL
   text, and tests/test_migrations.py compares ``sqlite_master`` of a new store with that
   of the v1 store migrated;
3. if the change is in what the release writes, make a store with the release before it
   (as tests/data/stores/make_v1.py does) when the change needs its own test.

Migrations run with foreign keys off (a table rebuilt as SQLite's ALTER TABLE page says:
create the new table, copy, drop, rename), inside the one transaction: they must not
COMMIT (no ``executescript``). They must also accept every store their version names:
stores made before a change was given a version number may differ (see 1 → 2).
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from .catalog import CatalogError, default_catalog
from .catalog_tables import UNITS_SCHEMA, apply_rekey, plan_rekey, write_units

# The table every migration applied is recorded in (made by the first migration run on a
# store, and by a new store's schema: the same text, so that both read the same).
MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS migrations (
  version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL,
  ncctd_version TEXT NOT NULL);
"""

FIRST_VERSION = 1  # the schema of the releases before migrations (no migrations table)

# Version 6: what a roll-up counts (how many returns of each month are in) read from an index
# alone, not from a table row per return (a national year: 120 → 25 ms).
CURRENT_BY_MONTH = "CREATE INDEX IF NOT EXISTS returns_current_period ON returns (period) WHERE is_current = 1;\n"


@dataclass(frozen=True)
class Migration:
    """One change of the schema: from ``version - 1`` to ``version``."""

    version: int
    description: str  # one line, recorded in the store
    change: str | Callable[[sqlite3.Connection], None]  # SQL statements, or a function

    def apply(self, conn: sqlite3.Connection) -> None:
        if callable(self.change):
            self.change(conn)
            return
        for statement in split_sql(self.change):
            conn.execute(statement)


def split_sql(script: str) -> list[str]:
    """A script's statements, one by one (``executescript`` would COMMIT first)."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):  # a ";" inside a string does not end one
            if pending.strip(" \t\r\n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \t\r\n;"):
        statements.append(pending.strip().rstrip(";"))
    return statements


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _to_2(conn: sqlite3.Connection) -> None:
    """Stores of version 1 were not all alike: the ad-hoc fixes that ran at every open
    (an indicator's form group, the unused index on facts by commune) are done here once."""
    if "group_name" not in _columns(conn, "indicators"):
        conn.execute("ALTER TABLE indicators ADD COLUMN group_name TEXT NOT NULL DEFAULT ''")
    conn.execute("DROP INDEX IF EXISTS facts_commune")
    # A problem is a code and its parameters, worded when shown; the warnings stored
    # before keep their Vietnamese message, with no parameters.
    conn.execute("ALTER TABLE problems ADD COLUMN params TEXT NOT NULL DEFAULT '{}'")


def _to_3(conn: sqlite3.Connection) -> None:
    """Units over time: the tables ``units``, ``unit_changes`` and ``areas``
    (:mod:`ncctd_cli.catalog_tables`). Every commune becomes a unit keyed by its code, valid
    in every month: the returns stay under the units they were stored under, and the
    catalog reads exactly as before. A store holding the bundled catalog (the 14 communes of
    Mù Cang Chải, as every release before wrote it) gets the bundled units over time: the 14
    old units until 2025-06, the 7 communes from 2025-07, the changes and areas; a return of
    schema 2 stored for a month after the change under a code the new unit reuses (04462 in
    2025-09) moves to that unit, the others stay where they are."""
    for statement in split_sql(UNITS_SCHEMA):
        conn.execute(statement)
    conn.execute(  # (a store made by this code and marked older has its units already)
        "INSERT INTO units (position, key, code, name, aliases) "
        "SELECT position, code, code, name, aliases FROM communes WHERE NOT EXISTS (SELECT 1 FROM units)"
    )
    try:
        bundled = default_catalog()
    except CatalogError:  # a broken installation: the store keeps its own communes
        return
    stored = conn.execute("SELECT code, name FROM communes ORDER BY position").fetchall()
    if bundled.has_validity and stored == [(c.code, c.name) for c in bundled.communes]:
        write_units(conn, bundled)
        apply_rekey(conn, plan_rekey(conn, bundled).moves)


def _to_4(conn: sqlite3.Connection) -> None:
    if "max_value" not in _columns(conn, "indicators"):
        conn.execute("ALTER TABLE indicators ADD COLUMN max_value REAL")


def _to_5(conn: sqlite3.Connection) -> None:
    # a return loaded from an archive long after it arrived: its arrival day is not known
    # (not late); every return stored before arrived when it was received
    if "arrival_known" not in _columns(conn, "returns"):
        conn.execute("ALTER TABLE returns ADD COLUMN arrival_known INTEGER NOT NULL DEFAULT 1")


MIGRATIONS: list[Migration] = [
    Migration(
        2,
        "indicators.group_name where missing; index facts_commune dropped; problems.params added",
        _to_2,
    ),
    Migration(
        3,
        "units over time: tables units, unit_changes, areas (the communes as units; the bundled "
        "catalog's 2025 units for a store of the bundled catalog)",
        _to_3,
    ),
    Migration(4, "indicators.max_value added (a catalog's per-indicator maximum; empty: none)", _to_4),
    Migration(5, "returns.arrival_known added (0: the day a return arrived is not known)", _to_5),
    Migration(
        6,
        "index returns_current_period: the current returns by month (a window's returns counted "
        "from the index alone)",
        CURRENT_BY_MONTH,
    ),
]

LATEST_VERSION = MIGRATIONS[-1].version if MIGRATIONS else FIRST_VERSION


def read_version(conn: sqlite3.Connection) -> int:
    """The store's schema version (``meta.schema_version``); ValueError if it has none
    that reads as a whole number."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        raise ValueError("no schema_version")
    return int(str(row[0]).strip())


def pending(version: int) -> list[Migration]:
    """The migrations a store of ``version`` needs, in order (none for the latest;
    ValueError for a version this code does not know, older or newer)."""
    if not FIRST_VERSION <= version <= LATEST_VERSION:
        raise ValueError(f"schema version {version}")
    steps = [m for m in MIGRATIONS if m.version > version]
    if [m.version for m in steps] != list(range(version + 1, LATEST_VERSION + 1)):
        raise AssertionError("MIGRATIONS must number the versions one by one")
    return steps


def migrate(conn: sqlite3.Connection, version: int, ncctd_version: str) -> list[Migration]:
    """Apply the migrations after ``version``, record each, and set ``meta.schema_version``.

    The caller holds the transaction (and the write lock): all or nothing. Returns what
    was applied."""
    steps = pending(version)
    if not steps:
        return []
    for statement in split_sql(MIGRATIONS_TABLE):
        conn.execute(statement)
    for step in steps:
        step.apply(conn)
        conn.execute(
            "INSERT INTO migrations (version, description, applied_at, ncctd_version) "
            "VALUES (?, ?, ?, ?)",
            (step.version, step.description, _now(), ncctd_version),
        )
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(steps[-1].version),),
    )
    return steps


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")
