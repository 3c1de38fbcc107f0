"""Ingest: files → tables → returns in a frame → checks → store, and the report of what happened.

Good returns in a batch go in even when others are refused; a refused return is refused whole;
returns are written a chunk at a time, each wholly in or wholly out (or the whole batch in one
transaction, with ``atomic``).

Workbooks are read (and their layouts parsed) by worker processes under operating-system limits
(:mod:`ncctd_cli.containment`), several when there are many files, while this process checks and
stores what they send back; a worker that dies is a refusal of the file it held. CSV text is
read here (small CSVs of a big batch go to the workers too). Returns are checked together, a chunk of files
at a time (a big table a piece at a time): every check runs once over the chunk's columns.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import layouts
from .catalog import Catalog
from .checks import Checking, CheckOptions, run_checks
from .frame import Frame, FrameBuilder
from .history import History
from .model import Return, Value, parse_cell_ref
from .problems import Problem
from .sheets import (
    ReadOptions,
    SourceFile,
    TableRefused,
    death_refusal,
    is_workbook_bytes,
    iter_paths,
    preload_readers,
    read_bytes,
    read_path,
    worker_limits,
)
from .store import SaveBatch, Store
from .vietnamese import Period

if TYPE_CHECKING:
    import numpy as np

STATUSES = ("stored", "replaced", "unchanged", "rejected", "cancelled", "valid")

CHUNK_RETURNS = 512  # returns of small files checked together
LAST_CHUNK_RETURNS = 32  # ... and at the end of a batch
SWITCH_SECONDS = 0.001  # the interpreter's switch interval while a batch runs (see run_sources)
PIECE_RETURNS = 8192  # a big table is checked (and stored) a piece at a time


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
    # How each file's arrival is known when the manifest does not name it: "given"
    # (received_at, or now), "unknown" (loaded from an archive: never on time nor late),
    # "mtime" (the file's modification time).
    arrival: str = "given"
    arrivals: dict[str, str | None] = field(default_factory=dict)  # manifest: file → ISO time, None: unknown
    # Worker processes reading files alongside the checking and storing: None picks (one;
    # with several cores and many files up to 4). Workbooks are always read in workers.
    workers: int | None = None

    def arrival_of(self, file: str) -> tuple[str | None, bool]:
        """When one file's returns came in: (ISO time or None for the default, known?)."""
        if self.arrivals:
            found = _manifest_entry(self.arrivals, file)
            if found is not None:
                return found[0], found[0] is not None
        from .arrivals import MTIME, UNKNOWN

        if self.arrival == UNKNOWN:
            return None, False
        if self.arrival == MTIME:
            return _modified_at(file)
        return self.received_at, True


def _manifest_entry(arrivals: dict[str, str | None], file: str) -> tuple[str | None] | None:
    """The manifest's line for a file: the same path, or a line naming its last parts
    (``xa-a.xlsx`` or ``2024-01/xa-a.xlsx`` for ``in/2024-01/xa-a.xlsx``)."""
    path = file.replace("\\", "/")
    if path in arrivals:
        return (arrivals[path],)
    parts = path.split("/")
    for n in range(len(parts) - 1, 0, -1):
        tail = "/".join(parts[-n:])
        if tail in arrivals:
            return (arrivals[tail],)
    return None


def _modified_at(file: str) -> tuple[str | None, bool]:
    import datetime as dt
    import os

    try:
        stamp = os.stat(file).st_mtime
    except OSError:  # not a file on disk (bytes given to the library)
        return None, False
    when = min(dt.datetime.fromtimestamp(stamp).astimezone(), dt.datetime.now().astimezone())
    return when.isoformat(timespec="seconds"), True


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


# ------------------------------------------------------------------ one file


def parse_source(source: SourceFile, catalog: Catalog) -> FrameBuilder:
    """Every return in one read file, with its value cells (``.build()`` makes the frame). A
    file that could not be read, or holds no return, gives one refused pseudo-return (no
    values) naming the file."""
    builder = FrameBuilder()
    if not source.problems:
        try:
            for table in source.tables:
                try:
                    layouts.parse(table, catalog, builder, source.sha256)
                except Exception:
                    table.verify()  # a big CSV's whole pass: the file's own refusal first
                    raise
                table.verify()
        except TableRefused as refused:  # a big CSV, read on demand, broken past its first rows
            builder = FrameBuilder()
            source.refuse(refused.problem.code, **refused.problem.params)
        if not builder.n_returns and not source.problems:
            source.problems.append(Problem.of("no-return").at(file=source.file))
    if source.problems:
        ret = Return(file=source.file, sheet=None, layout=source.kind, file_sha256=source.sha256)
        ret.problems.extend(source.problems)
        ret.status = "rejected"
        builder.add_return(ret)
    return builder


def read_source(
    source: Path | tuple[bytes, str], catalog: Catalog, options: ReadOptions
) -> tuple[str, FrameBuilder]:
    """One file (or ``(bytes, name)``) read and parsed: its name and its returns."""
    read = read_path(source, options) if isinstance(source, Path) else read_bytes(source[0], source[1], options)
    return read.file, parse_source(read, catalog)  # the cells are freed on return


def check_frame(
    frame: Frame, catalog: Catalog, *, today: Period | None = None, decimal_point: bool = False,
    history: History | None = None,
) -> list[Return]:
    """Check a frame's returns on their own (no store): each gets its problems, its status
    (``valid`` or ``rejected``) and its values (:class:`~ncctd_cli.model.Value`)."""
    options = CheckOptions(today=today or Period.today(), decimal_point=decimal_point)
    checking = run_checks(Checking(frame, catalog, options, history))
    materialize_values(checking)
    for ret in frame.returns:
        if ret.status != "rejected":
            ret.status = "rejected" if ret.refused else "valid"
    return frame.returns


def check_returns(
    returns: list[Return], catalog: Catalog, *, today: Period | None = None, decimal_point: bool = False,
    history: History | None = None,
) -> list[Return]:
    """Check returns built by hand (their identity cells and :class:`Value` cells set, as the
    layout parser would set them): the same checks as a batch, no store."""
    builder = FrameBuilder()
    position = catalog.position
    for ret in returns:
        r = builder.add_return(ret)
        for code, value in ret.values.items():
            row, col = parse_cell_ref(value.cell) if value.cell else (-1, 0)
            builder.add_value(r, position.get(code, -1), value.raw, col, row + 1, named=code)
        ret.values = {}
    return check_frame(builder.build(), catalog, today=today, decimal_point=decimal_point, history=history)


def materialize_values(checking: Checking) -> None:
    """Each return's :class:`Value` records (what the Python API gives): its first cell of
    each indicator, with the number read where it is one."""
    import numpy as np

    frame = checking.frame
    numbers = checking.values
    reported = checking.reported
    codes = checking.codes
    for v in np.flatnonzero(checking.kept).tolist():
        ret = frame.returns[int(frame.ret[v])]
        code = codes[int(frame.indicator[v])]
        raw = int(frame.raw[v])
        ret.values[code] = Value(
            code, None if raw < 0 else frame.raws[raw], frame.cell(v),
            float(numbers[v]) if reported[v] else None,
        )


# ------------------------------------------------------------------ a batch


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
        self.codes = [i.code for i in self.catalog.indicators]
        self.history = History(store.history_rows, self.codes)
        self.check_options = CheckOptions(
            today=self.options.today or Period.today(), decimal_point=self.options.read.decimal_point
        )
        self.on_file = on_file
        self._batch: SaveBatch | None = None  # while run() runs
        self.on_start: Callable[[int], None] | None = None  # called with the number of files
        self.report = IngestReport()
        # what the batch's earlier chunks held: (commune, month) → (content hash, where)
        self._seen: dict[tuple[str, int], tuple[str, str]] = {}
        if self.options.validate_only:
            self.report.statuses = ("valid", "rejected")
        elif self.options.atomic:
            self.report.statuses = (*self.report.statuses, "cancelled")

    def run(self, paths: Iterable[Path | str]) -> IngestReport:
        """Ingest files and folders (``"-"``: a CSV on standard input)."""
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
        # a quarter of the time). It is paused for the run; the young garbage of small files
        # read here is collected every few of them (_read_here), and what the run keeps is
        # frozen at the end (moved out of the collector's sight) rather than walked at the
        # next collection.
        collecting = gc.isenabled()
        gc.disable()
        # The store's thread writes a chunk (SQLite, without the GIL) while this one checks
        # the next: each statement it runs waits for the GIL between two, up to the switch
        # interval (5 ms by default), which this thread would keep. Shorter for the run.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SWITCH_SECONDS))
        try:
            return self._run_sources(sources)
        except _Cancel:
            return self.report
        finally:
            sys.setswitchinterval(switch)
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
            self._batch = self.store.batch(replace=self.options.replace, received_at=self.options.received_at)
        builder = FrameBuilder()
        left = len(sources)
        try:
            for file, parsed in read_sources(sources, self.catalog, self.options):
                left -= 1
                self.report.files += 1
                if self.on_file:
                    self.on_file(file)
                when, known = self.options.arrival_of(file)
                if when is not None or not known:
                    for ret in parsed.returns:
                        ret.received_at, ret.arrival_known = when, known
                builder.extend(parsed)
                # near the end, smaller chunks: what is checked after the last file is read
                # (while no worker reads) is a few returns, not a chunk
                if builder.n_returns >= min(CHUNK_RETURNS, max(LAST_CHUNK_RETURNS, left)):
                    self.add_frame(builder.build())
                    if self._batch is not None:
                        # ...and each chunk written as it comes, in the store's thread while the
                        # next chunk is read: the store is free when the next chunk's checks
                        # ask it for new communes' history (one write of 1,500 forms' returns
                        # held them up 30-80 ms), and what is written after the last file is
                        # read is a few returns
                        self._batch.flush(wait=False)
            if builder.n_returns:
                self.add_frame(builder.build())
            if self._batch is not None:
                self._batch.flush()
                self.store.wait_for_writes()
        finally:
            self._batch = None

    # ---------------------------------------------------------------- checking and storing

    def add_frame(self, frame: Frame) -> None:
        """Check and store the returns of a frame, a piece at a time; their statuses and
        problems land on the returns, which join the report in order."""
        size = 1 if self.options.strict else PIECE_RETURNS
        styles = None
        if len(frame.returns) > size:
            whole = Checking(frame, self.catalog, self.check_options)
            # how each file writes numbers, from all of its cells, not a piece's
            styles = whole.file_styles()
            if len(frame.returns) > PIECE_RETURNS:
                # what the store knows of the frame's communes, read before the first piece is
                # committed (a piece's checks then never wait for the store's writing thread)
                self.history.prefetch(sorted({c for c in whole.communes if c is not None}))
        for first in range(0, len(frame.returns), size):
            self._add_piece(frame.piece(first, first + size) if styles is not None else frame, styles)
            if size > 1 and len(frame.returns) > size and self._batch is not None:
                # each piece written whole in the store's thread while the next is checked (a
                # piece is one chunk: see BATCH_RETURNS): the thread never waits for this one
                # to finish a piece (a national file: 9.0 → 8.2 s)
                self._batch.flush(wait=False)

    def _add_piece(self, frame: Frame, styles: dict[str, tuple[int, dict[int, str]]] | None = None) -> None:
        import numpy as np

        if not self.options.strict:
            checking = Checking(
                frame, self.catalog, self.check_options, self.history, accept=self._accept, seen=self._seen,
                known_styles=styles,
            )
            run_checks(checking)
            accepted = checking.accepted  # (the store's decisions, if no check needed them yet)
        else:  # a piece of one return: its warnings refuse it before the store decides
            checking = run_checks(
                Checking(frame, self.catalog, self.check_options, self.history, seen=self._seen, known_styles=styles)
            )
            for ret in frame.returns:
                ret.problems[:] = [replace(p, severity="error") for p in ret.problems]
            candidates = np.array([r.status != "rejected" and not r.refused for r in frame.returns], dtype=bool)
            accepted = self._accept(checking, candidates)
        self._store(checking, accepted)
        for ret in frame.returns:
            if ret.status == "pending":
                ret.status = "rejected"
            self.report.returns.append(ret)

    def _accept(self, checking: Checking, candidates: np.ndarray) -> np.ndarray:
        """The store's decision for each candidate (no error so far), in order: stored,
        replaced, unchanged, or refused (other values already stored, no --replace). Returns
        which are taken (they count in the history of the returns after them)."""
        import numpy as np

        frame = checking.frame
        chosen = np.flatnonzero(candidates).tolist()
        if self.options.validate_only or self._batch is None:
            for r in chosen:
                frame.returns[r].status = "valid"
            return candidates
        digests = checking.digests(chosen)
        taken = candidates.copy()
        for r in chosen:
            ret, digest = frame.returns[r], digests[r]
            ret.status = self._batch.decide(ret, digest)
            if ret.status == "rejected":
                taken[r] = False
        return taken

    def _store(self, checking: Checking, accepted: np.ndarray) -> None:
        """Queue the returns to write (stored, replaced), and count the accepted ones in the
        history of what comes next."""
        import numpy as np

        frame = checking.frame
        values = np.flatnonzero(checking.reported & accepted[frame.ret])
        values = values[np.argsort(frame.ret[values], kind="stable")]
        rets = frame.ret[values]
        if self._batch is not None and not self.options.validate_only:
            codes = np.array(self.codes, dtype=object)[frame.indicator[values]].tolist()
            numbers = checking.values[values].tolist()
            cells = frame.cells(values)
            starts = np.searchsorted(rets, np.arange(len(frame.returns) + 1)).tolist()
            writing = [r for r in np.flatnonzero(accepted).tolist() if frame.returns[r].status in ("stored", "replaced")]
            digests = checking.digests(writing)
            enqueue = self._batch.enqueue
            for r in writing:
                a, b = starts[r], starts[r + 1]
                enqueue(frame.returns[r], dict(zip(codes[a:b], numbers[a:b], strict=True)), digests[r], cells[a:b])
        # the history of the returns to come
        if not len(values):
            return
        commune_no, named = checking.commune_numbers
        self.history.add(named, commune_no[rets], frame.indicator[values], checking.month[rets], checking.values[values])


# ------------------------------------------------------------------ reading, in worker processes

PARALLEL_MIN_FILES = 16  # fewer files: one worker (workbooks), the rest read here
PARALLEL_MAX_BYTES = 8 * 1024 * 1024  # bigger CSVs are read here (no copying of their returns)
# Files submitted ahead of the one being checked, per worker (enough for the workers to go on
# reading while this process checks a chunk: 30-50 ms for 512 forms), and at most this many
# bytes of them in all (a batch of bigger files: fewer ahead, whose returns may wait here)
WINDOW_FILES = 256
WINDOW_BYTES = 64 * 1024 * 1024
SNIFF_BYTES = 8  # what tells a workbook (zip, OLE2) from text


def read_sources(
    sources: list[Path | tuple[bytes, str]], catalog: Catalog, options: IngestOptions
) -> Iterator[tuple[str, FrameBuilder]]:
    """Every source read and parsed, in order. Workbooks are read in worker processes under
    the limits of ``options.read.limits`` (one worker for a few files; with several cores and
    many files up to 4, which then read the small CSVs too) while this process checks and
    stores what they send back, a bounded number of files ahead. A worker that dies is a
    refusal of the file it held; the next file goes to a fresh worker."""
    workers = _workers(sources, options.workers)
    contained: list[bool] = []  # which sources a worker reads, found as they are reached
    sizes: list[int] = []  # ...and their sizes

    def is_contained(n: int) -> bool:
        while len(contained) <= n:
            inside, size = _contained(sources[len(contained)], workers > 1, options.read)
            contained.append(inside)
            sizes.append(size)
        return contained[n]

    found = 0  # the workers needed: as many as the first sources they read, up to `workers`
    for n in range(len(sources)):
        found += is_contained(n)
        if found == workers:
            break
    if not found:
        for source in sources:
            yield _read_here(source, catalog, options.read)
        return
    from .containment import Pool

    preload_readers()
    limits = worker_limits(options.read.limits)
    window = WINDOW_FILES * workers
    tickets: dict[int, int] = {}
    submitted = 0
    ahead = 0  # bytes of the files submitted and not yet handed on
    with Pool(_worker_read, workers=found, depth=WINDOW_FILES // 2,
              setup=_worker_start, setup_args=(catalog, options.read)) as pool:
        for n, source in enumerate(sources):
            while submitted < len(sources) and submitted <= n + window and (submitted <= n or ahead < WINDOW_BYTES):
                if is_contained(submitted):
                    waiting = sources[submitted]
                    # a path goes as its text (a Path object costs five times as much to send)
                    job = waiting if isinstance(waiting, tuple) else str(waiting)
                    tickets[submitted] = pool.submit(job, limits, alone=isinstance(waiting, tuple))
                    ahead += sizes[submitted]
                submitted += 1
            if n == 0:
                import numpy  # noqa: F401 (what checking needs, imported while the workers read)
            if not is_contained(n):
                yield _read_here(source, catalog, options.read)
                continue
            ahead -= sizes[n]
            ok, value = pool.outcome(tickets.pop(n))
            if ok:
                yield value
                continue
            name = str(source) if isinstance(source, Path) else source[1]
            refused = SourceFile(name, "unknown").refuse(**death_refusal(value, options.read.limits))
            yield name, parse_source(refused, catalog)


_YOUNG_EVERY = 16  # small files read here between two collections of young garbage
_READ_HERE = [0]  # small files read in this process


def _read_here(source: Path | tuple[bytes, str], catalog: Catalog, options: ReadOptions) -> tuple[str, FrameBuilder]:
    """A file read in this process (not a worker's). The garbage collector is paused for a
    run (see :meth:`Ingestor.run_sources`): what reading small files here left (zip and XML
    objects, some in cycles) is collected every few of them. (What workers send holds no
    cycle: nothing to collect for it.)"""
    file, parsed = read_source(source, catalog, options)
    if parsed.n_returns < 1000:
        _READ_HERE[0] += 1
        if _READ_HERE[0] % _YOUNG_EVERY == 0:
            gc.collect(0)
    return file, parsed


def _contained(source: Path | tuple[bytes, str], parallel: bool, options: ReadOptions) -> tuple[bool, int]:
    """Whether a source is read by a worker, and its size: a workbook always (from its first
    bytes); a small CSV when several workers read a big batch. What cannot be opened, or is
    too large, is read here (to be refused the usual way)."""
    if isinstance(source, tuple):
        return is_workbook_bytes(source[0][:SNIFF_BYTES]), len(source[0])
    try:
        size = source.stat().st_size
        if size > options.limits.max_file_bytes:
            return False, size
        if parallel and size <= PARALLEL_MAX_BYTES:
            return True, size  # whatever it is (not opened here: a batch has thousands of files)
        with source.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return False, 0
    return is_workbook_bytes(head), size


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


_WORKER: dict[str, Any] = {}


def _worker_start(catalog: Catalog, options: ReadOptions) -> None:
    gc.freeze()  # what it was forked with is never garbage: not walked (nor copied) again
    gc.enable()  # forked from a run that paused it: a worker reads many small files
    preload_readers()  # (spawned: imported before any limit applies)
    _WORKER["catalog"] = catalog
    _WORKER["options"] = options


def _worker_read(source: str | tuple[bytes, str]) -> tuple[str, FrameBuilder]:
    """One file (its path, or its bytes and name) read and parsed, in a worker process (the
    reader reads it there directly)."""
    return read_source(Path(source) if isinstance(source, str) else source, _WORKER["catalog"], _WORKER["options"])


class _Cancel(Exception):
    """Raised inside an atomic batch to roll it back."""


def ingest(
    store: Store,
    paths: Iterable[Path | str],
    options: IngestOptions | None = None,
) -> IngestReport:
    """Ingest files and folders into ``store``: the library entry point of ``ncctd ingest``."""
    return Ingestor(store, options).run(paths)
