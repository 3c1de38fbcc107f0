"""Ingest: files → sheets → returns → validator → store, and the report of what happened.

Good returns in a batch go in even when others are refused; a refused return is refused whole;
each return is stored in its own transaction (or the whole batch in one, with ``atomic``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .layouts import parse_sheet
from .model import Problem, Return
from .sheets import ReadOptions, SourceFile, iter_paths, read_bytes, read_path
from .store import SaveBatch, Store
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


def read_returns(source: SourceFile, catalog: Catalog, options: ReadOptions) -> list[Return]:
    """Every return in one read file; a file with none gives one refused pseudo-return."""
    if source.problems:
        return [_file_return(source, source.problems)]
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
        # cycle: the cyclic garbage collector would walk them all again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run_sources(sources)
        except _Cancel:
            return self.report
        finally:
            if collecting:
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
            for source in sources:
                if isinstance(source, Path):
                    read = read_path(source, self.options.read)
                else:
                    read = read_bytes(source[0], source[1], self.options.read)
                self.report.files += 1
                if self.on_file:
                    self.on_file(read.file)
                returns = read_returns(read, self.catalog, self.options.read)
                del read  # the cells are no longer needed: free them before checking
                self._prefetch(returns)
                for ret in returns:
                    self.add(ret)
            if self._batch is not None:
                self._batch.flush()
        finally:
            self._batch = None

    def _prefetch(self, returns: list[Return]) -> None:
        """Load the history of every commune the returns name, in a few queries."""
        if len(returns) < 2:
            return
        communes = set()
        for ret in returns:
            if ret.status != "rejected" and ret.commune_text is not None:
                code = self.catalog.commune(ret.commune_text)
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
        if self.options.validate_only:
            ret.status = "valid"
        elif self._batch is not None:
            ret.status = self._batch.save(ret)
        else:
            ret.status = self.store.save(
                ret, replace=self.options.replace, received_at=self.options.received_at
            )
        if ret.status != "rejected":
            self.history.add(ret)
        return ret


class _Cancel(Exception):
    """Raised inside an atomic batch to roll it back."""


def ingest(
    store: Store,
    paths: Iterable[Path | str],
    options: IngestOptions | None = None,
) -> IngestReport:
    """Ingest files and folders into ``store``: the library entry point of ``ncctd ingest``."""
    return Ingestor(store, options).run(paths)
