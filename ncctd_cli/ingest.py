"""Ingest: files → sheets → returns → validator → store, and the report of what happened.

Good returns in a batch go in even when others are refused; a refused return is refused whole;
each return is stored in its own transaction (or the whole batch in one, with ``atomic``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .layouts import parse_sheet
from .model import Problem, Return
from .sheets import ReadOptions, SourceFile, iter_paths, read_bytes, read_path
from .store import SaveBatch, Store
from .tables import Accepted, LongTable
from .validate import History, Validator
from .vietnamese import Period

STATUSES = ("stored", "replaced", "unchanged", "rejected", "cancelled", "valid")


@dataclass
class IngestOptions:
    replace: bool = False
    dry_run: bool = False  # everything but the storing
    atomic: bool = False  # store nothing unless every return is accepted
    strict: bool = False  # warnings count as errors
    read: ReadOptions = field(default_factory=ReadOptions)
    validate_only: bool = False  # `ncctd validate`: statuses are valid / rejected
    today: Period | None = None
    received_at: str | None = None  # ISO time the returns came in (default: now)
    # Processes reading files alongside the checking and storing: None picks (several
    # cores and many files: up to 4), 1 reads everything in this process.
    workers: int | None = None


@dataclass
class IngestReport:
    """What an ingest (or a validation) did: data, rendered by the CLI or used from Python."""

    returns: list[Return] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    files: int = 0
    # The summary's keys, fixed by the kind of run (never by the data): ingest, ingest
    # --atomic (adds ``cancelled``), validate (``valid``, ``rejected``).
    statuses: tuple[str, ...] = ("stored", "replaced", "unchanged", "rejected")

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.returns for p in r.problems]

    @property
    def summary(self) -> dict[str, int]:
        counts = {s: 0 for s in self.statuses}
        for ret in self.returns:
            if ret.status in counts:
                counts[ret.status] += 1
        counts["skipped_files"] = len(self.skipped_files)
        return counts

    @property
    def refused(self) -> bool:
        return any(r.status in ("rejected", "cancelled") for r in self.returns)

    @property
    def has_warnings(self) -> bool:
        return any(p.severity == "warning" for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "returns": [r.to_json() for r in self.returns],
            "skipped": self.skipped_files,
        }


def read_returns(source: SourceFile, catalog: Catalog, options: ReadOptions) -> list[Return] | LongTable:
    """Every return in one read file; a file with none gives one refused pseudo-return. A
    long CSV read by columns is given as it is: the Ingestor checks it by columns."""
    if source.problems:
        return [_file_return(source, source.problems)]
    if source.table is not None:
        source.table.sha256 = source.sha256
        return source.table
    found: list[Return] = []
    for sheet in source.sheets:
        for ret in parse_sheet(sheet, catalog, decimal_point=options.decimal_point):
            ret.file_sha256 = source.sha256
            found.append(ret)
    if not found:
        problem = Problem(
            "error",
            "no-return",
            "Tệp không có báo cáo nào: không thấy biểu mẫu (ô «Xã:», «Kỳ báo cáo:», hàng tiêu đề "
            "«Mã chỉ tiêu/Chỉ tiêu … Số lượng»), bảng ngang hay bảng dọc.",
            file=source.file,
        )
        return [_file_return(source, [problem])]
    return found


def _file_return(source: SourceFile, problems: list[Problem]) -> Return:
    ret = Return(file=source.file, sheet=None, layout=source.kind, file_sha256=source.sha256)
    ret.problems.extend(problems)
    ret.status = "rejected"
    return ret


class Ingestor:
    """Runs a batch through the pipeline into one store."""

    def __init__(
        self,
        store: Store,
        options: IngestOptions | None = None,
        on_file: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.options = options or IngestOptions()
        self.catalog = store.catalog
        self.history = History(store.history_loader, store.history_loader_many)
        self.validator = Validator(
            self.catalog,
            self.history,
            today=self.options.today,
            decimal_point=self.options.read.decimal_point,
        )
        self.on_file = on_file
        self._batch: SaveBatch | None = None  # while run() runs
        self.on_start: Callable[[int], None] | None = None  # called with the number of files
        self.report = IngestReport()
        if self.options.validate_only:
            self.report.statuses = ("valid", "rejected")
        elif self.options.atomic:
            self.report.statuses = (*self.report.statuses, "cancelled")

    def run(self, paths: Iterable[Path | str]) -> IngestReport:
        """Ingest files and folders (``"-"``: a CSV on standard input)."""
        import sys

        sources: list[Path | tuple[bytes, str]] = []
        for path in paths:
            if str(path) == "-":
                # one byte past the limit is enough for the reader to refuse it (file-too-large)
                limit = self.options.read.limits.max_file_bytes
                sources.append((sys.stdin.buffer.read(limit + 1), "<stdin>"))
                continue
            for file, readable in iter_paths([Path(path)]):
                if readable:
                    sources.append(file)
                else:
                    self.report.skipped_files.append(str(file))
        return self.run_sources(sources)

    def run_sources(self, sources: list[Path | tuple[bytes, str]]) -> IngestReport:
        if self.on_start:
            self.on_start(len(sources))
        # A national file makes millions of small objects, none of them in a reference
        # cycle: the cyclic garbage collector would walk them all again and again (it took
        # a quarter of the time). It is paused for the run; the young garbage of each small
        # file is collected after it, and what the run keeps is frozen at the end (moved
        # out of the collector's sight) rather than walked at the next collection.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run_sources(sources)
        except _Cancel:
            return self.report
        finally:
            self.store.wait_for_writes(raise_errors=False)
            if collecting:
                gc.freeze()
                gc.enable()

    def _run_sources(self, sources: list[Path | tuple[bytes, str]]) -> IngestReport:
        options = self.options
        if options.validate_only or not (options.atomic or options.dry_run):
            self._run(sources)
            return self.report
        # --atomic: one transaction for the batch. --dry-run: the same, always rolled back
        # (the CLI also runs it on an in-memory copy, so the store is not even locked).
        with self.store.transaction():
            self._run(sources)
            if options.atomic and self.report.refused:
                for ret in self.report.returns:
                    if ret.status in ("stored", "replaced"):
                        ret.status = "cancelled"
                raise _Cancel
            if options.dry_run:
                raise _Cancel
        return self.report

    def _run(self, sources: list[Path | tuple[bytes, str]]) -> None:
        # Accepted returns are queued and written a chunk at a time (SaveBatch): one
        # transaction per chunk instead of one per return, each return wholly in or out.
        if not self.options.validate_only:
            self._batch = self.store.batch(
                replace=self.options.replace, received_at=self.options.received_at
            )
        try:
            for file, returns in read_sources(sources, self.catalog, self.options):
                self.report.files += 1
                if self.on_file:
                    self.on_file(file)
                if isinstance(returns, LongTable):
                    self._add_table(returns)
                    continue
                self._add_returns(returns)
                if len(returns) < 1000:
                    gc.collect(0)  # what reading one small file left (zip and XML objects)
            if self._batch is not None:
                self._batch.flush()
                self.store.wait_for_writes()
        finally:
            self._batch = None

    def _add_returns(self, returns: list[Return]) -> None:
        """A file's returns, one by one, the history of their communes loaded first."""
        self._prefetch(returns)
        for ret in returns:
            self.add(ret)

    def _add_table(self, table: LongTable) -> None:
        """A long table checked by columns (tables.py), or row by row when the columns
        cannot judge it; its accepted returns stored in bulk."""
        from .tables import check_table

        check = None if self.options.strict else check_table(table, self.validator, self.history)
        if check is None:
            returns = read_returns(table.row_source(), self.catalog, self.options.read)
            assert not isinstance(returns, LongTable)
            self._add_returns(returns)
            return
        for first, last in check.pieces:  # judged a piece at a time, while the store commits
            check.judge(first, last)
            for r in range(first, last):
                ret, verdict = check.returns[r], check.verdict(r)
                self.report.returns.append(ret)
                if verdict is None:  # a fault in its rows, worded by the Validator
                    ret.status = "rejected"
                    continue
                if not isinstance(verdict, Accepted):
                    ret.status = "rejected"  # a rule of severity error
                elif self.options.validate_only:
                    ret.status = "valid"
                    self.history.add(ret, verdict.values)
                else:
                    assert self._batch is not None
                    ret.status = self._batch.save(ret, verdict.values, digest=verdict.digest, cells=verdict.cells)
        if self._batch is not None:
            # what the table's returns add to the history is read back from the store when
            # a later file needs it, rather than added here return by return
            self._batch.flush(wait=False)
            self.history.forget(check.communes)

    def _prefetch(self, returns: list[Return]) -> None:
        """Load the history of every commune the returns name, in a few queries."""
        if len(returns) < 2:
            return
        communes = set()
        for ret in returns:
            if ret.status != "rejected" and ret.commune_text is not None:
                code = self.validator.commune_code(ret.commune_text)
                if code is not None:
                    communes.add(code)
        self.history.prefetch(sorted(communes))

    def add(self, ret: Return) -> Return:
        """Validate and (unless dry run) store one return; its status says what happened."""
        self.report.returns.append(ret)
        if ret.status == "rejected":
            return ret
        self.validator.check(ret)
        if self.options.strict:
            ret.problems[:] = [
                Problem("error", p.code, p.message, p.file, p.sheet, p.cell, p.commune, p.period, p.indicator)
                for p in ret.problems
            ]
        if ret.refused:
            ret.status = "rejected"
            return ret
        reported = ret.reported
        if self.options.validate_only:
            ret.status = "valid"
        elif self._batch is not None:
            ret.status = self._batch.save(ret, reported)
        else:
            ret.status = self.store.save(
                ret, replace=self.options.replace, received_at=self.options.received_at
            )
        if ret.status != "rejected":
            self.history.add(ret, reported)
        return ret


# ------------------------------------------------------------------ reading, in parallel

PARALLEL_MIN_FILES = 48  # fewer files are read faster than worker processes start
PARALLEL_MAX_BYTES = 8 * 1024 * 1024  # bigger files are read here (no copying of their returns)
CHUNK_FILES = 16  # files a worker reads per task


def read_source(
    source: Path | tuple[bytes, str], catalog: Catalog, options: ReadOptions
) -> tuple[str, list[Return] | LongTable]:
    """One file (or ``(bytes, name)``) read and parsed: its name and the returns it holds."""
    if isinstance(source, Path):
        read = read_path(source, options)
    else:
        read = read_bytes(source[0], source[1], options)
    return read.file, read_returns(read, catalog, options)  # the cells are freed on return


def read_sources(
    sources: list[Path | tuple[bytes, str]], catalog: Catalog, options: IngestOptions
) -> Iterator[tuple[str, list[Return] | LongTable]]:
    """Every source read and parsed, in order. With several cores and many files, worker
    processes read and parse the files (the slow part of a batch of forms) while this
    process checks and stores what they send back, a bounded number of files ahead."""
    workers = _workers(sources, options.workers)
    if workers <= 1:
        for source in sources:
            yield read_source(source, catalog, options.read)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    units: list[list[Path] | Path | tuple[bytes, str]] = []  # a chunk for a worker, or read here
    for source in sources:
        if isinstance(source, Path) and _small(source):
            if not units or not isinstance(units[-1], list) or len(units[-1]) >= CHUNK_FILES:
                units.append([])
            chunk = units[-1]
            assert isinstance(chunk, list)
            chunk.append(source)
        else:
            units.append(source)
    pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_start, initargs=(catalog, options.read)
    )
    futures: dict[int, Future[list[tuple[str, list[Return] | LongTable]]]] = {}
    ahead = 2 * workers
    submitted = 0
    try:
        for n, unit in enumerate(units):
            while pool is not None and submitted < len(units) and submitted <= n + ahead:
                waiting = units[submitted]
                if isinstance(waiting, list):
                    futures[submitted] = pool.submit(_worker_read, waiting)
                submitted += 1
            if not isinstance(unit, list):
                yield read_source(unit, catalog, options.read)
                continue
            future = futures.pop(n, None)
            try:
                if future is None:
                    raise BrokenProcessPool("no worker")
                yield from future.result()
            except BrokenProcessPool:  # a worker died (out of memory, killed): read here
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
                for path in unit:
                    yield read_source(path, catalog, options.read)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _workers(sources: list[Path | tuple[bytes, str]], wanted: int | None) -> int:
    import os

    if wanted is None and os.environ.get("NCCTD_WORKERS", "").strip().isdigit():
        wanted = int(os.environ["NCCTD_WORKERS"])  # for scripts and benchmarks
    if wanted is not None:
        return max(1, wanted)
    if len(sources) < PARALLEL_MIN_FILES:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return min(cores, 4)


def _small(path: Path) -> bool:
    try:
        return path.stat().st_size <= PARALLEL_MAX_BYTES
    except OSError:
        return False  # read here: the error is reported the usual way


_WORKER: dict[str, Any] = {}


def _worker_start(catalog: Catalog, options: ReadOptions) -> None:
    gc.enable()  # forked from a run that paused it: a worker reads many small files
    _WORKER["catalog"] = catalog
    _WORKER["options"] = options


def _worker_read(paths: list[Path]) -> list[tuple[str, list[Return] | LongTable]]:
    return [read_source(path, _WORKER["catalog"], _WORKER["options"]) for path in paths]


class _Cancel(Exception):
    """Raised inside an atomic batch to roll it back."""


def ingest(
    store: Store,
    paths: Iterable[Path | str],
    options: IngestOptions | None = None,
) -> IngestReport:
    """Ingest files and folders into ``store``: the library entry point of ``ncctd ingest``."""
    return Ingestor(store, options).run(paths)
