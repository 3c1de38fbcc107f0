"""The store: one SQLite file holding the catalog and every version of every return.

- ``returns``: one row per version of a commune's return for a month (file, sha256, time
  received, the values' hash); ``is_current`` marks the version roll-ups use.
- ``return_values``: the values of every version, with the cell each came from.
- ``facts``: the current values only, keyed (period, commune, indicator), which is what
  roll-ups read: their cost grows with the window asked for, not with the history kept.
  (A commune's history is read from ``returns`` and ``return_values``: no second index on
  ``facts`` to keep up at every import.)
- ``problems``: the warnings each stored version came in with: a code and its parameters
  (JSON), worded when shown; those stored before schema 2 have their Vietnamese message.
- ``migrations``: the schema changes applied to the store (see :mod:`ncctd_cli.migrations`).
- ``communes`` (the catalog's communes as a code-keyed reader knows them: the units of its
  first month), and since schema 3 ``units``, ``unit_changes``, ``areas``: the units over
  time (:mod:`ncctd_cli.catalog_tables`). ``returns.commune`` and ``facts.commune`` hold the
  unit's key: its code, or ``code@YYYY-MM`` for a later unit reusing a code.

WAL journal, a busy timeout, and one transaction per return (or per batch with ``atomic``):
a return is always wholly in or wholly out.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from . import __version__, migrations
from .catalog import Catalog, Commune, Indicator, Rule, default_catalog
from .catalog_tables import (
    UNITS_SCHEMA,
    Rekey,
    apply_rekey,
    plan_rekey,
    read_units,
    resolved_changes,
    write_units,
)
from .hashing import content_hash
from .model import Problem, Return
from .units import code_of_key
from .vietnamese import Period

__all__ = ["CatalogMismatch", "SaveBatch", "Store", "StoreError", "StoredVersion", "content_hash", "default_path"]

SCHEMA_VERSION = migrations.LATEST_VERSION  # what SCHEMA makes; older stores are migrated
DEFAULT_TIMEOUT = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS indicators (
  position INTEGER NOT NULL, code TEXT PRIMARY KEY, label TEXT NOT NULL, unit TEXT NOT NULL,
  type TEXT NOT NULL, over_time TEXT NOT NULL, aliases TEXT NOT NULL DEFAULT '',
  group_name TEXT NOT NULL DEFAULT '', max_value REAL);
CREATE TABLE IF NOT EXISTS communes (
  position INTEGER NOT NULL, code TEXT PRIMARY KEY, name TEXT NOT NULL,
  aliases TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS rules (
  code TEXT PRIMARY KEY, rule TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS returns (
  id INTEGER PRIMARY KEY,
  commune TEXT NOT NULL, period TEXT NOT NULL, version INTEGER NOT NULL,
  received_at TEXT NOT NULL, file TEXT, sheet TEXT, layout TEXT, sha256 TEXT,
  content_hash TEXT NOT NULL, is_current INTEGER NOT NULL DEFAULT 1, arrival_known INTEGER NOT NULL DEFAULT 1,
  UNIQUE (commune, period, version));
CREATE UNIQUE INDEX IF NOT EXISTS returns_current
  ON returns (commune, period) WHERE is_current = 1;
CREATE INDEX IF NOT EXISTS returns_period ON returns (period, commune);
CREATE TABLE IF NOT EXISTS return_values (
  return_id INTEGER NOT NULL REFERENCES returns(id), indicator TEXT NOT NULL,
  value REAL NOT NULL, cell TEXT, PRIMARY KEY (return_id, indicator)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facts (
  period TEXT NOT NULL, commune TEXT NOT NULL, indicator TEXT NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (period, commune, indicator)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS problems (
  return_id INTEGER NOT NULL REFERENCES returns(id), severity TEXT NOT NULL, code TEXT NOT NULL,
  message TEXT NOT NULL, file TEXT, sheet TEXT, cell TEXT, commune TEXT, period TEXT,
  indicator TEXT, params TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS problems_return ON problems (return_id);
""" + migrations.MIGRATIONS_TABLE + UNITS_SCHEMA + migrations.CURRENT_BY_MONTH
# SCHEMA is the latest schema written out, exactly as the migrations leave an older store
# (column order, and the SQL text SQLite keeps: ADD COLUMN appends ", <column>" to it).


class StoreError(Exception):
    """The store could not be used (locked, damaged, not writable, full): exit code 3."""


class CatalogMismatch(Exception):
    """A catalog that cannot replace a store's: stored returns of units it does not have
    (``unknown``: (unit key, month) pairs), or of indicators it does not have (``missing``)."""

    def __init__(self, unknown: list[tuple[str, str]], missing: list[str]) -> None:
        super().__init__(f"{len(unknown)} unit-months, {len(missing)} indicators not in the catalog")
        self.unknown = unknown
        self.missing = missing


@dataclass(frozen=True)
class Migrated:
    """What opening a store of an older schema did, for the caller to say (the library
    prints nothing): see :attr:`Store.migrated`."""

    path: Path
    from_version: int
    to_version: int
    # The copy of the store kept next to it before it was changed (``<name>.v1.bak``);
    # None: the file could not be written, and what is read is a migrated copy in memory.
    backup: Path | None

    @property
    def in_memory(self) -> bool:
        return self.backup is None


def default_path() -> Path:
    return Path(os.environ.get("NCCTD_DB") or "ncctd.sqlite")


@dataclass
class StoredVersion:
    id: int
    commune: str
    period: str
    version: int
    received_at: str
    file: str | None
    sheet: str | None
    sha256: str | None
    is_current: bool
    values: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "received_at": self.received_at,
            "file": self.file,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "current": self.is_current,
            "values": self.values,
        }


class Store:
    """A SQLite store. Open with :meth:`open` (writes) or :meth:`open_readonly` (reads)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, *, persistent: bool) -> None:
        self.conn = conn
        self.path = path
        # True: the store at ``path`` (or, read-only, a migrated copy of it in memory);
        # False: an in-memory stand-in (no store yet, dry runs)
        self.persistent = persistent
        # What opening did to a store of an older schema (None: nothing): for the CLI to say.
        self.migrated: Migrated | None = None
        self._catalog: Catalog | None = None
        # A chunk of a batch being committed by a thread (see SaveBatch): the connection is
        # that thread's until wait_for_writes() returns.
        self._writer: threading.Thread | None = None
        self._write_error: BaseException | None = None

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        catalog: Catalog | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Store:
        """Open for writing; a store that does not exist is created with ``catalog``
        (default: the bundled one). A store of an older schema is migrated in place, in one
        transaction, after a copy of it is kept next to it (:attr:`migrated` says so); one
        of a newer schema than this code knows is refused (StoreError)."""
        path = Path(path) if path else default_path()
        try:
            if path.parent and not path.parent.exists():
                raise StoreError(f"Không có thư mục chứa kho dữ liệu: {path.parent}")
            # WAL needs the file and its folder writable (for -wal/-shm): say so before starting.
            if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
                raise StoreError(
                    f"Không ghi được vào kho dữ liệu {path}: tệp hoặc thư mục chứa nó chỉ cho đọc."
                )
            # check_same_thread=False: a batch commits its chunks in a thread (one at a time,
            # see SaveBatch and wait_for_writes), so that SQLite works while Python checks.
            conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
            store = cls(conn, path, persistent=True)
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                store._is_ncctd_store()  # before switching to WAL: not a byte written elsewhere
                store._configure(timeout)
                store._ensure_schema(catalog)
            except BaseException:
                conn.close()
                raise
            return store
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(exc, path)) from exc

    @classmethod
    def open_readonly(cls, path: Path | str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> Store:
        """Open for reading. A store that does not exist reads as the bundled catalog with no
        data, and no file is created.

        A store of an older schema is migrated first, as :meth:`open` does (write lock
        within ``timeout``, a copy kept), if its file and folder can be written; otherwise
        what is read is a migrated copy in memory (slower: done at every open) and the file
        is left as it is. :attr:`migrated` says which. A newer schema is refused."""
        path = Path(path) if path else default_path()
        if not path.exists():
            return cls.scratch()
        try:
            conn = _connect_existing(path, timeout)
            store = cls(conn, path, persistent=True)
            try:
                store._check_schema()
                old = store._schema_version() != SCHEMA_VERSION
                if old and _writable(path):
                    store._migrate()  # (or finds that another process just did)
                    old = False
            except BaseException:
                conn.close()
                raise
            if old:  # a file that cannot be written: read a migrated copy
                conn.close()
                return cls._migrated_copy(path, timeout)
            return store
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(exc, path)) from exc

    @classmethod
    def _migrated_copy(cls, path: Path, timeout: float) -> Store:
        """An older store that cannot be written, read through a migrated copy in memory.
        It stands for the file (its name in reports); it takes no writes, which would be
        lost."""
        store = cls.scratch(path, timeout=timeout)
        store.persistent = True
        store.conn.execute("PRAGMA query_only = ON")
        return store

    @classmethod
    def scratch(
        cls,
        source: Path | str | None = None,
        catalog: Catalog | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Store:
        """An in-memory store: a copy of ``source`` if it exists (for dry runs), else new.
        No file is created, and none is left behind (not even ``-wal``/``-shm``). A copy of
        an older store is migrated (in memory only)."""
        conn = sqlite3.connect(":memory:", isolation_level=None)
        if source is not None and Path(source).exists():
            try:
                disk = _connect_existing(Path(source), timeout)
                try:
                    # Take the read lock first: it honours the busy timeout, where backup()
                    # alone would wait for a locked store for ever.
                    disk.execute("BEGIN")
                    disk.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                    disk.backup(conn)
                finally:
                    disk.close()
            except sqlite3.Error as exc:
                raise StoreError(describe_sqlite_error(exc, Path(source))) from exc
        store = cls(conn, Path(source) if source else None, persistent=False)
        try:
            store._ensure_schema(catalog)
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(exc, store.path)) from exc
        return store

    def close(self) -> None:
        self.wait_for_writes(raise_errors=False)
        self.conn.close()

    def checkpoint_in_background(self) -> None:
        """Copy what the write-ahead log holds into the store's file in the store's thread
        (what closing does otherwise: 20 ms after 2,000 forms), while the caller goes on (the
        CLI prints its report meanwhile); closing then has little left to copy. Nothing for a
        store in memory or inside a transaction; a checkpoint that cannot finish (another
        process reading) is left to closing."""
        if not self.persistent or self.conn.in_transaction:
            return
        conn = self.conn

        def checkpoint() -> None:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

        self._write_in_background(checkpoint)

    def wait_for_writes(self, *, raise_errors: bool = True) -> None:
        """Wait for the chunk a batch is committing in the background; its failure is
        raised here (a StoreError), once."""
        writer = self._writer
        if writer is not None:
            writer.join()
            self._writer = None
        error, self._write_error = self._write_error, None
        if error is not None and raise_errors:
            raise error

    def _write_in_background(self, work: Callable[[], None]) -> None:
        self.wait_for_writes()

        def run() -> None:
            try:
                work()
            except BaseException as exc:
                self._write_error = (
                    StoreError(describe_sqlite_error(exc, self.path)) if isinstance(exc, sqlite3.Error) else exc
                )

        self._writer = threading.Thread(target=run, name="ncctd-commit", daemon=True)
        self._writer.start()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configure(self, timeout: float) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if self.conn.execute("PRAGMA page_count").fetchone()[0] == 0:
            # a new store: pages of 16 KB (a tenth off a national import: fewer page splits
            # and fewer pages to write; SQLite's default is 4 KB)
            self.conn.execute("PRAGMA page_size = 16384")
        # Switching a new store to WAL does not wait on the busy timeout: another process
        # creating the same store at that instant answers "locked" at once. Wait here too.
        deadline = time.monotonic() + timeout
        while True:
            try:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)
        if mode != "wal":
            raise StoreError(f"Không bật được chế độ WAL cho kho dữ liệu {self.path}")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        # 64 MB of page cache (SQLite's default is 2 MB): a big import inserts millions of rows
        # into indexes whose pages it keeps visiting (the facts by month, commune, indicator)
        self.conn.execute("PRAGMA cache_size = -65536")

    def _check_schema(self) -> None:
        row = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path} không phải kho dữ liệu ncctd (thiếu bảng meta).")

    def _ensure_schema(self, catalog: Catalog | None) -> None:
        has_meta = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if not has_meta:
            with self.transaction():
                # Two processes may create the same new store at once: the second one, once it
                # holds the write lock, finds the schema made and leaves it alone.
                if not self._is_ncctd_store():
                    self._create_schema(catalog or default_catalog())
                    return
        self._migrate()

    def _create_schema(self, catalog: Catalog) -> None:
        """A new store: the latest schema directly (no migration to replay)."""
        for statement in migrations.split_sql(SCHEMA):
            self.conn.execute(statement)
        self.conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('created_at', ?)",
            (str(SCHEMA_VERSION), now_iso()),
        )
        self._write_catalog(catalog)

    def _schema_version(self) -> int:
        """The store's schema version. One newer than this code knows is refused: its
        meaning is not ours to guess, and writing to it could damage it."""
        try:
            version = migrations.read_version(self.conn)
        except ValueError:
            version = 0
        if version < migrations.FIRST_VERSION:
            raise StoreError(
                f"Kho dữ liệu {self.path} bị hỏng: không đọc được phiên bản lược đồ "
                "(meta.schema_version)."
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"Kho dữ liệu {self.path} theo lược đồ phiên bản {version}, do một bản ncctd mới "
                f"hơn tạo ra; ncctd {__version__} này chỉ dùng được đến phiên bản {SCHEMA_VERSION}. "
                "Hãy cập nhật ncctd (kho dữ liệu không bị thay đổi)."
            )
        return version

    def _migrate(self) -> None:
        """Bring a store of an older schema to the latest, all migrations in one transaction
        (see :mod:`ncctd_cli.migrations`). The version is read again once the write lock is
        held: a process that waited while another migrated the store finds nothing to do.
        A store on disk is first copied next to it (:meth:`_keep_copy`); the copy is removed
        again if the migration does not commit (the store is then as it was)."""
        if self._schema_version() == SCHEMA_VERSION:
            return
        conn = self.conn
        self.wait_for_writes()
        foreign_keys = int(conn.execute("PRAGMA foreign_keys").fetchone()[0])
        conn.execute("PRAGMA foreign_keys = OFF")  # for tables rebuilt; a no-op inside BEGIN
        copy: Path | None = None
        try:
            with self.transaction():
                version = self._schema_version()
                if version == SCHEMA_VERSION:
                    return
                if self.persistent and self.path is not None:
                    copy = self._keep_copy(version)
                applied = migrations.migrate(conn, version, __version__)
        except BaseException:
            if copy is not None:
                copy.unlink(missing_ok=True)
            raise
        finally:
            conn.execute(f"PRAGMA foreign_keys = {foreign_keys}")
        self._catalog = None
        self.migrated = Migrated(self.path or Path(":memory:"), version, applied[-1].version, copy)

    def _keep_copy(self, version: int) -> Path:
        """Copy the store, as it is before a migration, to ``<name>.v<version>.bak`` next to
        it (``<name>.v1-2.bak``… if that exists: a copy is never overwritten), with the
        SQLite backup API. Called with the write lock held, nothing written yet: the copy is
        exactly the state migrated. Written under a temporary name and renamed: never half a
        copy under the final name."""
        assert self.path is not None
        target = self.path.with_name(f"{self.path.name}.v{version}.bak")
        n = 1
        while target.exists() or target.is_symlink():
            n += 1
            target = self.path.with_name(f"{self.path.name}.v{version}-{n}.bak")
        partial = target.with_name(target.name + ".partial")
        try:
            # Our own connection cannot be the backup's source while it holds the write lock
            # (SQLite answers "locked", and Python would retry for ever): a second one reads.
            waits = int(self.conn.execute("PRAGMA busy_timeout").fetchone()[0]) / 1000
            source = _connect_existing(self.path, waits)
            copy = sqlite3.connect(partial, isolation_level=None)
            try:
                source.execute("BEGIN")
                source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                source.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                copy.close()
                source.close()
            os.replace(partial, target)
        except BaseException as exc:
            partial.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StoreError(
                    f"Không tạo được bản sao lưu {target} trước khi nâng cấp kho dữ liệu "
                    f"{self.path}: {exc.strerror or exc}. Kho dữ liệu không bị thay đổi."
                ) from exc
            raise
        return target

    def _is_ncctd_store(self) -> bool:
        """True for an ncctd store, False for an empty file; another program's SQLite
        database is refused (never written into)."""
        names = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master")}
        if "meta" in names:
            return True
        if names:
            raise StoreError(
                f"{self.path} là cơ sở dữ liệu SQLite của chương trình khác, không phải kho "
                "dữ liệu ncctd: hãy chọn tệp khác (--db)."
            )
        return False

    def _write_catalog(self, catalog: Catalog) -> None:
        c = self.conn
        for table in ("indicators", "communes", "rules", "settings"):
            c.execute(f"DELETE FROM {table}")
        c.executemany(
            "INSERT INTO indicators (position, code, label, unit, type, over_time, aliases, "
            "group_name, max_value) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (n, i.code, i.label, i.unit, i.type, i.over_time, "|".join(i.aliases), i.group, i.max)
                for n, i in enumerate(catalog.indicators)
            ],
        )
        c.executemany(
            "INSERT INTO communes VALUES (?,?,?,?)",
            [(n, m.code, m.name, "|".join(m.aliases)) for n, m in enumerate(catalog.communes)],
        )
        c.executemany(
            "INSERT INTO rules VALUES (?,?,?,?)",
            [(r.code, r.text, r.severity, r.message) for r in catalog.rules],
        )
        c.executemany("INSERT INTO settings VALUES (?,?)", list(catalog.settings.items()))
        write_units(c, catalog)
        self._catalog = None

    def replace_catalog(self, catalog: Catalog) -> Rekey:
        """Put another catalog in the store. A store that holds returns takes it only if
        every stored return still has its unit: its unit key valid in its month, or another
        unit with the same code valid then, which the return moves to (a catalog that now
        knows of the 2025 change: a 2025-09 return stored under the old Xã Nậm Có belongs
        to the new one); and every stored indicator still exists. Otherwise
        :class:`CatalogMismatch` (nothing changed). Returns what was moved."""
        with self.transaction() as c:
            plan = plan_rekey(c, catalog)
            stored = {code for (code,) in c.execute("SELECT DISTINCT indicator FROM facts")}
            missing = sorted(stored - set(catalog.indicator_by_code))
            if plan.unknown or missing:
                raise CatalogMismatch(plan.unknown, missing)
            self._write_catalog(catalog)
            apply_rekey(c, plan.moves)
        return plan

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            c = self.conn
            indicators = [
                Indicator(
                    code, label, unit, typ, over, tuple(a for a in aliases.split("|") if a), grp, high
                )
                for code, label, unit, typ, over, aliases, grp, high in c.execute(
                    "SELECT code, label, unit, type, over_time, aliases, group_name, max_value "
                    "FROM indicators ORDER BY position"
                )
            ]
            stored = read_units(c)
            communes = stored.units or [
                Commune(code, name, tuple(a for a in aliases.split("|") if a))
                for code, name, aliases in c.execute(
                    "SELECT code, name, aliases FROM communes ORDER BY position"
                )
            ]
            rules = [
                Rule.parse(code, rule, severity, message)
                for code, rule, severity, message in c.execute(
                    "SELECT code, rule, severity, message FROM rules ORDER BY rowid"
                )
            ]
            settings = dict(c.execute("SELECT key, value FROM settings").fetchall())
            catalog = Catalog(indicators, communes, rules, settings, areas=stored.areas)
            if stored.changes:
                catalog = catalog.with_changes(resolved_changes(catalog, stored.changes))
            self._catalog = catalog
        return self._catalog

    # ------------------------------------------------------------ writing

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT (or ROLLBACK on any error); nests as a savepoint."""
        self.wait_for_writes()
        if self.conn.in_transaction:
            name = f"sp{id(object())}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            self.conn.execute(f"RELEASE {name}")
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(exc, self.path)) from exc
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self.conn.execute("ROLLBACK")
            raise StoreError(describe_sqlite_error(exc, self.path)) from exc

    def save(self, ret: Return, *, replace: bool = False, received_at: str | None = None) -> str:
        """Store one accepted return in one transaction. Returns its status:
        ``stored``, ``replaced``, ``unchanged``, or ``rejected`` (other values already stored
        and no ``replace``: an ``already-stored`` problem is added). A batch of one: the same
        rules and rows as :class:`SaveBatch` (one way to write a return)."""
        assert ret.commune and ret.period and not ret.refused
        with self.batch(replace=replace, received_at=received_at) as batch:
            batch.save(ret)
        return ret.status

    def batch(self, *, replace: bool = False, received_at: str | None = None) -> SaveBatch:
        """Many returns saved with few statements: see :class:`SaveBatch`."""
        return SaveBatch(self, replace=replace, received_at=received_at)

    # ------------------------------------------------------------ reading

    def history_rows(self, communes: list[str]) -> Iterator[tuple[str, str, str, float]]:
        """The current values of some communes: (commune, period, indicator, value) rows,
        a few hundred communes per query (what the history checks compare with)."""
        self.wait_for_writes()
        for start in range(0, len(communes), 500):
            chunk = communes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.conn.execute(
                "SELECT r.commune, r.period, v.indicator, v.value FROM returns r "
                f"JOIN return_values v ON v.return_id = r.id WHERE r.is_current = 1 AND r.commune IN ({marks})",
                chunk,
            )

    def version_source(self, return_id: int) -> tuple[str | None, str | None]:
        """The file a stored version came from, and when it was received."""
        self.wait_for_writes()
        row = self.conn.execute("SELECT file, received_at FROM returns WHERE id = ?", (return_id,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def current_versions(self, period: str) -> dict[str, tuple[int, int, str]]:
        """The current version of every commune's return for one month:
        ``{commune: (id, version, content_hash)}``."""
        self.wait_for_writes()
        return {
            commune: (rid, version, digest)
            for commune, rid, version, digest in self.conn.execute(
                "SELECT commune, id, version, content_hash FROM returns "
                "WHERE period = ? AND is_current = 1",
                (period,),
            )
        }

    def current_versions_of(self, period: str, communes: list[str]) -> dict[str, tuple[int, int, str]]:
        """:meth:`current_versions` of some communes only."""
        self.wait_for_writes()
        found: dict[str, tuple[int, int, str]] = {}
        for start in range(0, len(communes), 500):
            chunk = communes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for commune, rid, version, digest in self.conn.execute(
                "SELECT commune, id, version, content_hash FROM returns "
                f"WHERE period = ? AND is_current = 1 AND commune IN ({marks})",
                (period, *chunk),
            ):
                found[commune] = (rid, version, digest)
        return found

    def versions(self, commune: str, period: Period) -> list[StoredVersion]:
        """Every version of a unit's return for a month, oldest first. ``commune`` is the
        unit's key, or a code: the unit of that code valid in that month (``04462`` for
        2026-01 is the Xã Nậm Có of 2025-07, key ``04462@2025-07``)."""
        unit = self.catalog.timeline.unit_with_code(code_of_key(commune), period)
        if unit is not None and unit.key != commune and commune not in self.catalog.unit_by_key:
            commune = unit.key  # (a key the catalog does not know: read as a code)
        elif unit is not None and unit.key != commune and not self._has_return(commune, period):
            commune = unit.key
        rows = self.conn.execute(
            "SELECT id, commune, period, version, received_at, file, sheet, sha256, is_current "
            "FROM returns WHERE commune = ? AND period = ? ORDER BY version",
            (commune, str(period)),
        ).fetchall()
        versions = []
        for row in rows:
            values = dict(
                self.conn.execute(
                    "SELECT indicator, value FROM return_values WHERE return_id = ?", (row[0],)
                ).fetchall()
            )
            versions.append(
                StoredVersion(
                    id=row[0], commune=row[1], period=row[2], version=row[3], received_at=row[4],
                    file=row[5], sheet=row[6], sha256=row[7], is_current=bool(row[8]), values=values,
                )
            )
        return versions

    def _has_return(self, commune: str, period: Period) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM returns WHERE commune = ? AND period = ? LIMIT 1", (commune, str(period))
        ).fetchone() is not None

    def received(self, first: Period, last: Period) -> list[tuple[str, str, str, str | None, str | None]]:
        """Current returns in a window: (commune, period, received_at, file, sheet)."""
        return self.conn.execute(
            "SELECT commune, period, received_at, file, sheet FROM returns "
            "WHERE is_current = 1 AND period BETWEEN ? AND ? ORDER BY period, commune",
            (str(first), str(last)),
        ).fetchall()

    def stored_problems(
        self, first: Period | None = None, last: Period | None = None
    ) -> list[Problem]:
        """Warnings the current versions of returns came in with."""
        sql = (
            "SELECT p.severity, p.code, p.message, p.file, p.sheet, p.cell, p.commune, p.period, "
            "p.indicator, p.params FROM problems p JOIN returns r ON r.id = p.return_id "
            "WHERE r.is_current = 1"
        )
        args: list[str] = []
        if first and last:
            sql += " AND r.period BETWEEN ? AND ?"
            args = [str(first), str(last)]
        return [
            Problem(severity, code, json.loads(params or "{}"), file, sheet, cell, commune, period, indicator, stored=message)
            for severity, code, message, file, sheet, cell, commune, period, indicator, params in self.conn.execute(
                sql + " ORDER BY r.period, r.commune", args
            )
        ]

    def stored_range(self) -> tuple[Period, Period] | None:
        row = self.conn.execute("SELECT MIN(period), MAX(period) FROM facts").fetchone()
        if not row or row[0] is None:
            return None
        return Period.parse_iso(row[0]), Period.parse_iso(row[1])

    def count_returns(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM returns WHERE is_current = 1").fetchone()[0])


def _connect_existing(path: Path, timeout: float) -> sqlite3.Connection:
    """Connect to an existing store file without ever creating it.

    ``mode=rw`` lets the last connection to close remove the ``-wal``/``-shm`` files, so a
    read leaves nothing behind; ``mode=ro`` where the file or its folder is not writable.
    """
    folder_writable = os.access(path.parent, os.W_OK)
    query = "mode=rw" if os.access(path, os.W_OK) and folder_writable else "mode=ro"
    if not folder_writable and not path.with_name(path.name + "-wal").exists():
        # A read-only folder (a read-only share, a locked-down copy): SQLite cannot make the
        # -shm file a WAL reader needs. No -wal means every change is in the file, and nobody
        # can be writing there, so it can be read as an immutable file.
        query += "&immutable=1"
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?{query}", uri=True, timeout=timeout, isolation_level=None
    )
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return conn


def _writable(path: Path) -> bool:
    """The store's file and its folder (WAL's -wal/-shm, a migration's copy) can be written."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _already_stored(ret: Return, period: str, source: tuple[str | None, str | None] = (None, None)) -> None:
    """``source``: the file the stored version came from, and when it was received."""
    file, received = source
    ret.problem("already-stored", period=period, stored_file=file, received_at=(received or "")[:10])


# A batch writes its queued returns once they hold this many values or returns, or were
# queued this long ago (or at flush()): chunks big enough that a national file goes in a
# few dozen transactions (one a piece of ingest.PIECE_RETURNS returns, which the ingest
# flushes whole: two a piece made the checks wait for the first), while a batch of forms
# shows in the store as it goes, each transaction holding the write lock briefly.
BATCH_VALUES = 300_000
BATCH_RETURNS = 10_000
BATCH_SECONDS = 0.5


@dataclass
class _Queued:
    ret: Return
    values: dict[str, float]
    digest: str
    received_at: str
    before: Current | None  # the current version it was decided against
    cells: list[str] | None = None  # each value's cell, in ``values`` order (else ret.values)
    generation: int = 0  # of what the batch knew of the store when it was decided
    id: int = 0  # the row it was written as
    queued_at: float = field(default_factory=time.monotonic)


Current = tuple[int | None, int, str]  # (id, version, content hash) of a current version


class SaveBatch:
    """Saves many accepted returns with few statements, one transaction per chunk.

    :meth:`save` decides a return's status at once, by the same rules as
    :meth:`Store.save` (``stored``, ``replaced``, ``unchanged``, or ``rejected`` with an
    ``already-stored`` problem), against the store's current versions (read once per month
    involved, not once per return) and the returns queued before it; the return is queued.
    :meth:`flush` writes the queue in one transaction (a savepoint inside an ``--atomic``
    batch): each return is wholly in or wholly out. If another process wrote to the store
    since the current versions were read (``PRAGMA data_version``), the queued returns are
    decided again inside the transaction from what the store holds then, so nothing of the
    other writer's is overwritten, and a status that changes is corrected on the return.
    The caller must :meth:`flush` at the end (``with store.batch() as b:`` does).
    """

    def __init__(self, store: Store, *, replace: bool = False, received_at: str | None = None) -> None:
        self.store = store
        self.replace = replace
        self.received_at = received_at
        self._known: dict[str, dict[str, Current]] = {}  # period → commune → current
        self._seen: int | None = None  # data_version when _known was read
        self._recheck = False  # some queued return was decided on what is now stale
        self._generation = 0  # bumped each time what the batch knew is found stale
        self._queue: list[_Queued] = []
        self._queued_values = 0
        # decided, not yet queued: the current version decided against, and when
        self._decided: dict[tuple[str, str], tuple[Current | None, int]] = {}
        self._next_id: int | None = None  # the id the next chunk starts at (None: ask the store)
        self._retry: list[_Queued] = []  # returns found decided on what another writer changed
        self._inside = store.conn.in_transaction  # in an --atomic batch's (or a dry run's) transaction
        self._clock = (0, "")

    def __enter__(self) -> SaveBatch:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.flush()

    def _now(self) -> str:
        second = int(time.time())
        if self._clock[0] != second:
            self._clock = (second, now_iso())
        return self._clock[1]

    def _data_version(self) -> int:
        self.store.wait_for_writes()
        return int(self.store.conn.execute("PRAGMA data_version").fetchone()[0])

    def _current(self, period: str) -> dict[str, Current]:
        known = self._known.get(period)
        if known is None:
            try:
                version = self._data_version()
                if version != self._seen:  # another process wrote: what we knew is stale
                    self._known = {}
                    self._generation += 1
                    self._seen = version
                    # ...the ids it took too. Read after the version: a process that commits
                    # in between changes the version again, which the chunk's write sees
                    # (then decided and numbered again); the first chunk too is then written
                    # in the store's thread
                    self._next_id = int(
                        self.store.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM returns").fetchone()[0]
                    )
                    self._recheck = self._recheck or bool(self._queue)
                known = self._known[period] = dict(self.store.current_versions(period))
            except sqlite3.Error as exc:
                raise StoreError(describe_sqlite_error(exc, self.store.path)) from exc
        return known

    def decide(self, ret: Return, digest: str) -> str:
        """Decide a return's status against the store and the returns decided before it:
        ``stored``, ``replaced``, ``unchanged``, or ``rejected`` (with an ``already-stored``
        problem). A stored or replaced return must then be :meth:`enqueue`-d."""
        assert ret.commune and ret.period and not ret.refused
        period = str(ret.period)
        known = self._current(period)
        before = known.get(ret.commune)
        status = _decide(ret, period, before, digest, self.replace, self.store.version_source)
        ret.status = status
        if status in ("stored", "replaced"):
            known[ret.commune] = (None, (before[1] if before else 0) + 1, digest)
            self._decided[(ret.commune, period)] = (before, self._generation)
        return status

    def enqueue(self, ret: Return, values: dict[str, float], digest: str, cells: list[str] | None = None) -> None:
        """Queue a return :meth:`decide` took (its values, in order, with their cells)."""
        before, generation = self._decided.pop((str(ret.commune), str(ret.period)), (None, -1))
        self._queue.append(
            _Queued(ret, values, digest, ret.received_at or self.received_at or self._now(), before, cells, generation)
        )
        self._queued_values += len(values)
        if (
            self._queued_values >= BATCH_VALUES
            or len(self._queue) >= BATCH_RETURNS
            or time.monotonic() - self._queue[0].queued_at >= BATCH_SECONDS
        ):
            self.flush(wait=False)  # may correct the status of a queued return

    def save(
        self,
        ret: Return,
        values: dict[str, float] | None = None,
        *,
        digest: str | None = None,
        cells: list[str] | None = None,
    ) -> str:
        """:meth:`decide` and :meth:`enqueue` one return (``values``: its ``reported`` values,
        if already at hand; ``cells``: the cell of each value, in ``values`` order)."""
        values = ret.reported if values is None else values
        digest = content_hash(values) if digest is None else digest
        status = self.decide(ret, digest)
        if status in ("stored", "replaced"):
            self.enqueue(ret, values, digest, cells)
        return ret.status

    def flush(self, *, wait: bool = True) -> None:
        """Write the queued returns in one transaction. ``wait=False`` (a store of its own
        transaction, on disk): the rows are made ready and the transaction begun here, and
        the chunk's statements (its rows, their copy into ``facts``) and the commit run in a
        thread while the caller goes on (checking the next piece of a big table); the store's
        next use waits for them (:meth:`Store.wait_for_writes`). If someone else wrote since the
        returns were decided, the chunk is decided again against the store first."""
        queue, self._queue, self._queued_values = self._queue, [], 0
        if self._retry:  # a chunk decided on what another writer changed
            queue, self._retry = self._retry + queue, []
            self._recheck = True
        if not queue and not wait:
            return  # nothing to write: nothing to wait for (the chunk before writes on)
        store = self.store
        fresh = (
            bool(queue)
            and not wait
            and store.persistent
            and not self._inside
            and not self._recheck
            and self._next_id is not None
            and all(item.generation == self._generation for item in queue)
        )
        if fresh:
            assert self._next_id is not None
            ready = self._plan(queue, {}, self._next_id)
            if ready is None:
                return
            # the chunk before may still be committing in its thread
            store.wait_for_writes()
            if self._write_fresh(ready, queue):
                self._next_id = ready.last + 1
                return
            queue = []  # decided again below (it is in self._retry)
        # the chunk before may still be committing in its thread: until it has, the
        # connection shows as in a transaction, which is not an --atomic batch's
        store.wait_for_writes()
        if self._retry:
            self.flush(wait=wait)  # another writer changed the store: decided again
            return
        if queue:
            try:
                with store.transaction() as c:
                    plan = self._write(c, queue)
                    if plan is not None:
                        _copy_facts(c, plan.first, plan.last)
                        self._next_id = plan.last + 1
                    # our own commits do not change data_version; others' do
                    self._seen = self._data_version()
            except sqlite3.Error as exc:
                raise StoreError(describe_sqlite_error(exc, store.path)) from exc
        if wait:
            store.wait_for_writes()

    def _write_fresh(self, plan: _Plan, queue: list[_Queued]) -> bool:
        """A chunk's transaction begun here (no other process wrote since the chunk was
        decided), its statements and commit run in the store's thread. False (nothing
        written, the chunk put back in ``_retry``): another process wrote since."""
        store = self.store
        c = store.conn
        # The chunk's rows reference only the returns it writes itself, with ids it chose:
        # the per-row foreign-key look-up (a tenth of a national import) is skipped while it
        # writes. (Outside a transaction only: the pragma is a no-op inside one.)
        c.execute("PRAGMA foreign_keys = OFF")
        try:
            c.execute("BEGIN IMMEDIATE")
            if int(c.execute("PRAGMA data_version").fetchone()[0]) != self._seen:
                c.execute("ROLLBACK")
                c.execute("PRAGMA foreign_keys = ON")
                self._retry.extend(queue)
                self._next_id = None
                return False
        except BaseException as exc:
            if c.in_transaction:
                c.execute("ROLLBACK")
            c.execute("PRAGMA foreign_keys = ON")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(describe_sqlite_error(exc, store.path)) from exc
            raise

        def finish() -> None:
            try:
                _apply(c, plan)
                _copy_facts(c, plan.first, plan.last)
                # what the store's version is once this commits, read while no other process
                # can commit (read after the commit, another's commit could pass as seen)
                seen = int(c.execute("PRAGMA data_version").fetchone()[0])
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
            finally:
                c.execute("PRAGMA foreign_keys = ON")
            self._seen = seen

        store._write_in_background(finish)
        return True

    def _write(self, c: sqlite3.Connection, queue: list[_Queued]) -> _Plan | None:
        """Everything of a chunk but its facts (inside the transaction): what was written."""
        current: dict[tuple[str, str], Current | None] = {}
        fresh = all(item.generation == self._generation for item in queue)
        if not (self._data_version() == self._seen and not self._recheck and fresh):
            # another process wrote since: ask the store
            self._known = {}
            self._generation += 1
            self._recheck = False
            by_period: dict[str, set[str]] = {}
            for item in queue:
                by_period.setdefault(str(item.ret.period), set()).add(str(item.ret.commune))
            for period, communes in by_period.items():
                stored = self.store.current_versions_of(period, sorted(communes))
                for commune in communes:
                    current[(commune, period)] = stored.get(commune)
        next_id = int(c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM returns").fetchone()[0])
        plan = self._plan(queue, current if current or not fresh else {}, next_id, asked=bool(current))
        if plan is not None:
            _apply(c, plan)
        return plan

    def _plan(
        self, queue: list[_Queued], current: dict[tuple[str, str], Current | None], next_id: int,
        *, asked: bool = False,
    ) -> _Plan | None:
        """The rows of a chunk, ids from ``next_id``, each return's status decided again
        against ``current`` (what the store holds, when ``asked``; else what each return was
        decided against). What the returns to come will meet is updated."""
        if not asked:
            for item in queue:  # the store is as it was when the returns were decided
                current.setdefault((str(item.ret.commune), str(item.ret.period)), item.before)
        first_id = next_id
        retire: list[tuple[int]] = []
        forget: list[tuple[str, str]] = []
        rows: list[list[Any]] = []
        written: list[_Queued] = []
        latest: dict[tuple[str, str], int] = {}  # pair → its newest row in this chunk
        for item in queue:
            ret = item.ret
            assert ret.commune and ret.period
            period = str(ret.period)
            pair = (ret.commune, period)
            found = current.get(pair)
            ret.status = _decide(ret, period, found, item.digest, self.replace, self.store.version_source)
            if ret.status not in ("stored", "replaced"):
                continue
            if found:
                if pair in latest:
                    rows[latest[pair]][-1] = 0  # superseded within this chunk
                else:
                    assert found[0] is not None
                    retire.append((found[0],))
                    forget.append((period, ret.commune))
            version = found[1] + 1 if found else 1
            rows.append(
                [next_id, ret.commune, period, version, item.received_at, ret.file, ret.sheet,
                 ret.layout, ret.file_sha256, item.digest, int(ret.arrival_known), 1]
            )
            latest[pair] = len(rows) - 1
            current[pair] = (next_id, version, item.digest)
            item.id = next_id
            written.append(item)
            next_id += 1
        for (commune, period), now in current.items():  # what the returns to come meet
            known = self._known.get(period)
            if known is not None:
                if now is None:
                    known.pop(commune, None)
                else:
                    known[commune] = now
        if not rows:
            return None
        ids: list[int] = []
        codes: list[str] = []
        numbers: list[float] = []
        cells: list[str | None] = []
        for item in written:
            ids.extend([item.id] * len(item.values))
            codes.extend(item.values)
            numbers.extend(item.values.values())
            if item.cells is not None:
                cells.extend(item.cells)
            else:
                by_code = item.ret.values
                cells.extend(by_code[code].cell for code in item.values)
        values: list[Any] = [None] * (4 * len(ids))  # the rows' cells one after the other
        values[0::4], values[1::4], values[2::4], values[3::4] = ids, codes, numbers, cells
        problems = [_problem_row(item.id, p) for item in written for p in item.ret.problems]
        return _Plan(first_id, next_id - 1, retire, forget, rows, values, problems)


@dataclass
class _Plan:
    """A chunk's rows, ready to be written."""

    first: int
    last: int
    retire: list[tuple[int]]
    forget: list[tuple[str, str]]
    returns: list[list[Any]]
    values: list[Any]  # (return id, indicator, value, cell) of each value, flat
    problems: list[tuple[Any, ...]]


def _apply(c: sqlite3.Connection, plan: _Plan) -> None:
    c.executemany("UPDATE returns SET is_current = 0 WHERE id = ?", plan.retire)
    c.executemany("DELETE FROM facts WHERE period = ? AND commune = ?", plan.forget)
    _insert_flat(
        c,
        "INSERT INTO returns (id, commune, period, version, received_at, file, sheet, layout, "
        "sha256, content_hash, arrival_known, is_current) VALUES ",
        12,
        list(chain.from_iterable(plan.returns)),
    )
    _insert_flat(c, "INSERT INTO return_values VALUES ", 4, plan.values)
    c.executemany(PROBLEM_INSERT, plan.problems)


ROWS_PER_STATEMENT = 2000


def rows_per_statement(c: sqlite3.Connection, width: int) -> int:
    """Rows of ``width`` cells one statement takes: ROWS_PER_STATEMENT, or fewer when the
    connection's SQLite takes fewer parameters a statement (999 before 3.32, 32,766 since,
    or what it was built with)."""
    return max(1, min(ROWS_PER_STATEMENT, c.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))


def _insert_flat(c: sqlite3.Connection, insert: str, width: int, cells: list[Any]) -> None:
    """Rows given as their cells one after the other, inserted many rows a statement: each
    statement's fixed cost (the sqlite3 module's and SQLite's own, a third of a national
    import's inserts when paid per row) paid once per :func:`rows_per_statement` rows."""
    rows = rows_per_statement(c, width)
    size = rows * width
    row = "(" + ",".join("?" * width) + ")"
    whole = len(cells) // size * size
    if whole:
        c.executemany(insert + ",".join([row] * rows), (cells[at : at + size] for at in range(0, whole, size)))
    if whole < len(cells):
        c.execute(insert + ",".join([row] * ((len(cells) - whole) // width)), cells[whole:])


PROBLEM_INSERT = (
    "INSERT INTO problems (return_id, severity, code, message, file, sheet, cell, commune, period, "
    "indicator, params) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)


def _problem_row(return_id: int, p: Problem) -> tuple[Any, ...]:
    """A problem as the store keeps it: its code and parameters (worded when shown, in the
    language asked for), and its Vietnamese sentence for whoever reads the file with SQL."""
    return (
        return_id, p.severity, p.code, p.text("vi"), p.file, p.sheet, p.cell, p.commune, p.period,
        p.indicator, p.params_json(),
    )


def _copy_facts(c: sqlite3.Connection, first_id: int, last_id: int) -> None:
    """The current values of the returns written as ids first..last, copied into ``facts``
    inside SQLite rather than sent a second time (one statement: no Python while it runs)."""
    c.execute(
        "INSERT INTO facts SELECT r.period, r.commune, v.indicator, v.value "
        "FROM returns r JOIN return_values v ON v.return_id = r.id "
        "WHERE r.id BETWEEN ? AND ? AND r.is_current = 1",
        (first_id, last_id),
    )


def _decide(
    ret: Return, period: str, current: Current | None, digest: str, replace: bool,
    source: Callable[[int], tuple[str | None, str | None]] | None = None,
) -> str:
    """What saving a return does, given the current version of its commune's month:
    the rules of :meth:`Store.save` (``source``: where a stored version came from)."""
    if current and current[2] == digest:
        return "unchanged"
    if current and not replace:
        if not any(p.code == "already-stored" for p in ret.problems):
            found = source(current[0]) if source is not None and current[0] is not None else (None, None)
            _already_stored(ret, period, found)
        return "rejected"
    return "replaced" if current else "stored"


def now_iso() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def describe_sqlite_error(exc: sqlite3.Error, path: Path | None) -> str:
    """A clerk's sentence for what SQLite said."""
    text = str(exc).lower()
    where = str(path) if path else "kho dữ liệu"
    if "locked" in text or "busy" in text:
        return (
            f"Kho dữ liệu {where} đang bị chương trình khác khoá quá thời gian chờ "
            "(--timeout, NCCTD_TIMEOUT); hãy thử lại sau."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"Kho dữ liệu {where} bị hỏng hoặc không phải tệp SQLite."
    if "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text:
        return f"Không ghi/mở được kho dữ liệu {where} (quyền ghi, hoặc thư mục không tồn tại)."
    if ("disk" in text and "full" in text) or "full" in text:
        return f"Ổ đĩa đầy: không ghi được vào kho dữ liệu {where}."
    return f"Lỗi kho dữ liệu {where}: {exc}"
