"""Reading untrusted files in worker processes under operating-system limits.

A workbook reader (python-calamine) cannot be stopped once it runs, and some small hostile
files make it ask for hundreds of gigabytes (it then aborts the process: no exception to
catch), or loop. So files are read in worker processes, each job under limits the kernel
enforces:

- **address space** (``RLIMIT_AS``): the worker's own size when it starts plus a budget
  (1 GB by default): an allocation past it fails (Rust aborts, Python raises MemoryError);
- **CPU time** (``RLIMIT_CPU``): the soft limit is moved before each job to the CPU time used
  so far plus the job's allowance: past it the kernel sends SIGXCPU, which ends the worker;
- **wall-clock time**: the parent kills a worker whose job runs too long (SIGKILL);
- **the parent's death**: a worker dies with its parent (``PR_SET_PDEATHSIG`` on Linux, a
  watch on the parent's pid elsewhere), so no reader outlives an interrupted batch.

A worker that dies (an abort on an allocation failure, SIGXCPU, SIGKILL, a crash) or times out
costs exactly the job it held: that job's outcome is a :class:`Death` saying why, the jobs
queued behind it go to a fresh worker, and the batch goes on. Each worker has its own pipe, so
the parent always knows which job each one holds (``concurrent.futures`` cannot say which job
killed a pool). A worker's standard output and error go to a file the parent reads after a
death (the reader's last words: "memory allocation of N bytes failed"), never to the user.

This module knows nothing of files or spreadsheets: :class:`Pool` runs a function on jobs.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = ["Death", "Pool", "WorkerLimits", "inside_worker"]


@dataclass(frozen=True)
class WorkerLimits:
    """The limits of one job (``None``: none)."""

    memory_bytes: int | None = None  # address space a worker may add to its size at start
    cpu_seconds: int | None = None  # CPU time for the job
    wall_seconds: float | None = None  # wall-clock time for the job


@dataclass(frozen=True)
class Death:
    """Why a job has no result: its worker ran out of memory (``memory``), out of CPU time
    (``cpu``) or of wall-clock time (``wall``), or died otherwise (``crash``)."""

    cause: str
    detail: str = ""  # the signal or exit status, or the exception's type
    asked_bytes: int | None = None  # ``memory``: the allocation that failed, when the reader said


Outcome = tuple[bool, Any]  # (True, the job's result) or (False, its Death)

_INSIDE: list[bool] = []  # set in a worker


def inside_worker() -> bool:
    """Whether this process is a worker (a reader inside one reads directly: it is contained)."""
    return bool(_INSIDE)


# ------------------------------------------------------------------ the worker's side


def _worker_main(
    conn: Any,
    capture_fd: int | None,
    parent_pid: int,
    close: Sequence[Any],
    work: Callable[[Any], Any],
    setup: Callable[..., None] | None,
    setup_args: tuple[Any, ...],
) -> None:
    """A worker's life: jobs from ``conn`` one at a time, each result sent back, until the
    pipe closes (or a job ran out of memory: the worker then leaves, a fresh one follows)."""
    _INSIDE.append(True)
    for other in close:  # the parent's ends of this and other workers' pipes (fork: inherited)
        with contextlib.suppress(OSError):
            other.close()
    _become_worker(parent_pid, capture_fd)
    if setup is not None:
        setup(*setup_args)
    base = _address_space()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        ticket, job, limits = message
        _set_limits(limits, base)
        _forget_output(capture_fd)
        reply: tuple[int, bool, Any]
        try:
            reply = (ticket, True, work(job))
        except MemoryError:
            reply = (ticket, False, Death("memory"))
        except BaseException as exc:  # a bug in the reading code: this job only
            reply = (ticket, False, Death("crash", type(exc).__name__))
        try:
            conn.send(reply)
        except MemoryError:  # the result itself would not fit
            reply = (ticket, False, Death("memory"))
            conn.send(reply)
        except (BrokenPipeError, EOFError, OSError):
            return
        except Exception as exc:  # a result that cannot be pickled
            reply = (ticket, False, Death("crash", type(exc).__name__))
            conn.send(reply)
        if not reply[1] and reply[2].cause == "memory":
            return  # a process that ran out of memory once is not trusted with the next job


def _become_worker(parent_pid: int, capture_fd: int | None) -> None:
    """Signals, output, core dumps and the parent's death, as a worker needs them."""
    import faulthandler

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's: it stops the workers
    faulthandler.disable()  # its dump on an abort would go to the parent's error stream
    os.environ["RUST_BACKTRACE"] = "0"  # an abort's last words in one line, not a backtrace
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file
    except (ImportError, ValueError, OSError):
        pass
    target = capture_fd if capture_fd is not None else os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):  # nothing a reader prints reaches the user (nor the report on stdout)
        with contextlib.suppress(OSError):
            os.dup2(target, fd)
    _die_with_parent(parent_pid)


def _die_with_parent(parent_pid: int) -> None:
    """The kernel kills this worker when its parent dies (Linux); elsewhere a thread watches
    the parent's pid. A parent already gone: leave now."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            if libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent_pid:
                    os._exit(0)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(0.5)


def _address_space() -> int | None:
    """This process's address space, in bytes (Linux: /proc; elsewhere unknown)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _set_limits(limits: WorkerLimits, base: int | None) -> None:
    """Address space: the worker's size at start plus the budget. CPU: what it has used so far
    plus the job's allowance (the soft limit; the kernel sends SIGXCPU there)."""
    try:
        import resource
    except ImportError:
        return
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = hard
        if limits.memory_bytes is not None and base is not None:
            soft = base + limits.memory_bytes
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = hard
        if limits.cpu_seconds is not None:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            soft = int(usage.ru_utime + usage.ru_stime) + 1 + limits.cpu_seconds
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _forget_output(capture_fd: int | None) -> None:
    """Empty the output file before a job: after a death it holds that job's last words."""
    if capture_fd is None:
        return
    with contextlib.suppress(OSError):
        os.ftruncate(capture_fd, 0)
        os.lseek(capture_fd, 0, os.SEEK_SET)


# ------------------------------------------------------------------ the parent's side


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process
    conn: Any  # the parent's end of the worker's pipe
    capture: IO[bytes] | None  # the worker's standard output and error
    queue: collections.deque[int] = field(default_factory=collections.deque)  # tickets sent
    started: float = 0.0  # when the job at the head of the queue started (at the latest)
    retiring: bool = False  # said it leaves after its last reply
    killed_for: str | None = None  # "wall": the parent killed it
    widest: float = 0.0  # the largest memory budget of a job sent to it


_MEMORY_WORDS = re.compile(rb"memory allocation of (\d+) bytes failed")


class Pool:
    """Worker processes running ``work(job)``; each job under its :class:`WorkerLimits`.

    ``submit`` queues a job and returns its ticket; ``outcome(ticket)`` waits for it:
    ``(True, result)``, or ``(False, Death)`` when the worker holding it died or timed out.
    Up to ``depth`` jobs wait in a worker's pipe (it reads them one after the other while
    the parent does other work). ``setup(*setup_args)`` runs once in each new worker.
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        work: Callable[[Any], Any],
        *,
        workers: int = 1,
        depth: int = 4,
        setup: Callable[..., None] | None = None,
        setup_args: tuple[Any, ...] = (),
        start_method: str | None = None,
    ) -> None:
        import multiprocessing

        if start_method is None:
            start_method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._context = multiprocessing.get_context(start_method)
        self._fork = start_method == "fork"
        self._work = work
        self._setup = setup
        self._setup_args = setup_args
        self._size = max(1, workers)
        self._depth = max(1, depth)
        self._workers: list[_Worker] = []
        self._jobs: dict[int, tuple[Any, WorkerLimits, bool]] = {}  # ticket → job, limits, alone
        self._pending: collections.deque[int] = collections.deque()  # not sent yet, in order
        self._outcomes: dict[int, Outcome] = {}
        self._next = 0
        self.deaths = 0  # workers lost (for tests and reports)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs

    def submit(self, job: Any, limits: WorkerLimits, *, alone: bool = False) -> int:
        """Queue a job; its ticket. ``alone``: send it only to an idle worker (a job carrying
        much data: a worker busy sending its own result would never read it)."""
        ticket = self._next
        self._next += 1
        self._jobs[ticket] = (job, limits, alone)
        self._pending.append(ticket)
        self._dispatch()
        return ticket

    def outcome(self, ticket: int) -> Outcome:
        """The outcome of a submitted job, once (waiting for it)."""
        while ticket not in self._outcomes:
            self._pump()
        self._jobs.pop(ticket, None)
        return self._outcomes.pop(ticket)

    def run(self, job: Any, limits: WorkerLimits) -> Outcome:
        """One job, waited for."""
        return self.outcome(self.submit(job, limits))

    def close(self) -> None:
        """Stop every worker (jobs not done are dropped)."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.conn.close()  # an idle worker leaves on the closed pipe
        deadline = time.monotonic() + 1.0
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            if worker.capture is not None:
                worker.capture.close()
        self._workers.clear()
        self._pending.clear()

    # -- workers

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        capture = tempfile.TemporaryFile() if self._fork else None  # noqa: SIM115 (kept open with the worker; inherited by a forked child)
        close = [parent_end, *(w.conn for w in self._workers)] if self._fork else []
        process = self._context.Process(  # type: ignore[attr-defined]
            target=_worker_main,
            args=(child_end, capture.fileno() if capture else None, os.getpid(), close,
                  self._work, self._setup, self._setup_args),
            daemon=True,  # ended at exit if the parent forgot them
        )
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end, capture)
        self._workers.append(worker)
        return worker

    def _dispatch(self) -> None:
        """Send pending jobs to workers with room (starting workers up to the pool's size). A
        worker that ran a job with a larger memory budget is not given a smaller one: memory it
        took then and freed stays its own (mapped), so the smaller limit would not hold."""
        for worker in [w for w in self._workers if w.retiring and not w.queue]:
            self._bury(worker)  # left after its last reply
        while self._pending:
            ticket = self._pending[0]
            job, limits, alone = self._jobs[ticket]
            need = _budget(limits)
            live = [w for w in self._workers if not w.retiring]
            fit = [w for w in live if w.widest <= need]
            idle = [w for w in fit if not w.queue]
            if idle:
                worker = idle[0]
                if worker.process.exitcode is not None:  # died idle (killed from outside)
                    self._bury(worker)
                    continue
            elif len(self._workers) < self._size:
                worker = self._spawn()
            else:
                unfit = [w for w in live if not w.queue and w.widest > need]
                if unfit:  # make room for a fresh worker
                    unfit[0].retiring = True
                    with contextlib.suppress(OSError):
                        unfit[0].conn.close()  # an idle worker leaves on the closed pipe
                    self._bury(unfit[0])
                    continue
                room = [] if alone else [w for w in fit if len(w.queue) < self._depth]
                if not room:
                    return
                worker = min(room, key=lambda w: len(w.queue))
            try:
                worker.conn.send((ticket, job, limits))
            except (BrokenPipeError, ConnectionError, OSError):
                self._bury(worker)  # gone: its jobs (and this one) go to another worker
                continue
            self._pending.popleft()
            if not worker.queue:
                worker.started = time.monotonic()
            worker.queue.append(ticket)
            worker.widest = max(worker.widest, need)

    def _pump(self) -> None:
        """Wait for replies or deaths (or a deadline), and deal with them."""
        from multiprocessing.connection import wait

        self._dispatch()
        busy = [w for w in self._workers if w.queue]
        if not busy:
            if self._pending:  # every worker gone just now: start again
                self._dispatch()
                return
            raise RuntimeError("no job to wait for")
        now = time.monotonic()
        deadlines = [d for w in busy if (d := self._deadline(w)) is not None]
        timeout = max(0.0, min(deadlines) - now) if deadlines else None
        handles = {}
        for worker in busy:
            handles[worker.conn] = worker
            handles[worker.process.sentinel] = worker
        ready = wait(list(handles), timeout)
        ended = []
        for handle in ready:
            worker = handles[handle]
            self._receive(worker)
            if handle == worker.process.sentinel:
                ended.append(worker)
        for worker in ended:
            self._bury(worker)
        now = time.monotonic()
        for worker in list(self._workers):
            deadline = self._deadline(worker)
            if deadline is not None and now >= deadline:
                worker.killed_for = "wall"
                worker.process.kill()
                worker.process.join()
                self._receive(worker)  # a reply sent just before is still a reply
                self._bury(worker)
        self._dispatch()

    def _deadline(self, worker: _Worker) -> float | None:
        if not worker.queue:
            return None
        wall = self._jobs[worker.queue[0]][1].wall_seconds
        return None if wall is None else worker.started + wall

    def _receive(self, worker: _Worker) -> None:
        """Every reply waiting in a worker's pipe."""
        try:
            while worker.queue and worker.conn.poll():
                ticket, ok, value = worker.conn.recv()
                if worker.queue and worker.queue[0] == ticket:
                    worker.queue.popleft()
                self._outcomes[ticket] = (ok, value)
                worker.started = time.monotonic()
                if not ok and isinstance(value, Death) and value.cause == "memory":
                    worker.retiring = True
        except (EOFError, OSError):
            return

    def _bury(self, worker: _Worker) -> None:
        """A worker that ended: the job it was running (the head of its queue) gets its death;
        the ones queued behind it go back to the front of the pending jobs."""
        worker.process.join()
        if worker in self._workers:
            self._workers.remove(worker)
        self.deaths += 1
        queue = list(worker.queue)
        if queue and not worker.retiring:
            self._outcomes[queue[0]] = (False, self._death_of(worker))
            queue = queue[1:]
        self._pending.extendleft(reversed(queue))
        with contextlib.suppress(OSError):
            worker.conn.close()
        if worker.capture is not None:
            worker.capture.close()

    def _death_of(self, worker: _Worker) -> Death:
        code = worker.process.exitcode
        if worker.killed_for == "wall":
            return Death("wall", "SIGKILL")
        if code == -getattr(signal, "SIGXCPU", -1000):
            return Death("cpu", "SIGXCPU")
        words = b""
        if worker.capture is not None:
            with contextlib.suppress(OSError):
                size = os.fstat(worker.capture.fileno()).st_size
                words = os.pread(worker.capture.fileno(), 8192, max(0, size - 8192))
        found = _MEMORY_WORDS.search(words)
        if found:
            return Death("memory", _signal_name(code), int(found.group(1)))
        if code == -signal.SIGKILL:  # not ours: the system's out-of-memory killer, most likely
            return Death("memory", "SIGKILL")
        return Death("crash", _signal_name(code))


def _budget(limits: WorkerLimits) -> float:
    return float("inf") if limits.memory_bytes is None else float(limits.memory_bytes)


def _signal_name(code: int | None) -> str:
    if code is None or code >= 0:
        return f"exit {code}"
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"
