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
queued behind it go to a fresh worker, and the batch goes on. Each worker has its own pipes and
writes the ticket of the job it runs into memory shared with the parent, so the parent always
knows which job each one holds (``concurrent.futures`` cannot say which job killed a pool),
while replies travel a few at a time. A worker's standard output and error go to a file the parent reads after a
death (the reader's last words: "memory allocation of N bytes failed"), never to the user.

This module knows nothing of files or spreadsheets: :class:`Pool` runs a function on jobs.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


_BATCH = 24  # replies a worker may hold before sending them
_BATCH_SECONDS = 0.01  # ...or for this long
_LOOK_AGAIN = 0.25  # how often a waiting parent looks at which job each worker runs


def _worker_main(
    conn: Any,
    capture_fd: int | None,
    parent_pid: int,
    progress: Any,
    work: Callable[[Any], Any],
    setup: Callable[..., None] | None,
    setup_args: tuple[Any, ...],
) -> None:
    """A worker's life: jobs from ``conn`` one at a time, until the pipe closes (or a job ran
    out of memory: the worker then leaves, a fresh one follows).

    Before each job its ticket is written to ``progress`` (memory shared with the parent):
    after a death the parent knows which job it was, so replies need not be sent one by one
    (each would wake the parent): they are sent a few at a time, and always before the worker
    waits for more work. (``progress`` None: each reply is sent at once.)"""
    import pickle

    _INSIDE.append(True)
    _become_worker(parent_pid, capture_fd)
    if setup is not None:
        setup(*setup_args)
    base = _address_space()
    replies: list[bytes] = []
    held_since = 0.0
    while True:
        send = replies and (
            progress is None or len(replies) >= _BATCH or not conn.poll()
            or time.monotonic() - held_since >= _BATCH_SECONDS
        )
        if send and not _send_replies(conn, replies):
            return
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        ticket, job, limits = message  # limits: (memory, cpu, wall), as WorkerLimits holds them
        if progress is not None:
            struct.pack_into("!q", progress, 0, ticket)
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
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:  # the result itself would not fit
            reply = (ticket, False, Death("memory"))
            data = pickle.dumps(reply)
        except Exception as exc:  # a result that cannot be pickled
            reply = (ticket, False, Death("crash", type(exc).__name__))
            data = pickle.dumps(reply)
        if not replies:
            held_since = time.monotonic()
        replies.append(data)
        if not reply[1] and reply[2].cause == "memory":
            _send_replies(conn, replies)
            return  # a process that ran out of memory once is not trusted with the next job


def _send_replies(conn: Any, replies: list[bytes]) -> bool:
    """Send the replies held (pickled); False when the parent is gone."""
    try:
        if isinstance(conn, _Channel):
            conn.send_pickled(replies)
        else:
            for data in replies:
                conn.send_bytes(data)
    except (BrokenPipeError, EOFError, OSError):
        return False
    replies.clear()
    return True


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


_SET: dict[str, Any] = {}  # the limits set last, and the hard ones (a worker keeps them until they change)


def _set_limits(limits: tuple[int | None, int | None, float | None], base: int | None) -> None:
    """Address space: the worker's size at start plus the budget. CPU: what it has used so far
    plus the job's allowance (the soft limit; the kernel sends SIGXCPU there). A limit already
    where it should be is not set again (a batch's jobs of a few milliseconds each: the same
    budget, and a CPU limit that moves once a second), and the hard limits, which only the
    worker could lower, are read once."""
    try:
        import resource
    except ImportError:
        return
    memory_bytes, cpu_seconds, _ = limits
    if _SET.get("budget") != (memory_bytes, base):
        try:
            hard = _hard("as hard", resource.RLIMIT_AS)
            soft = hard
            if memory_bytes is not None and base is not None:
                soft = base + memory_bytes
                if hard != resource.RLIM_INFINITY:
                    soft = min(soft, hard)
            if _SET.get("as") != soft:
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
                _SET["as"] = soft
            _SET["budget"] = (memory_bytes, base)
        except (ValueError, OSError):
            pass
    try:
        hard = _hard("cpu hard", resource.RLIMIT_CPU)
        soft = hard
        if cpu_seconds is not None:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            soft = int(usage.ru_utime + usage.ru_stime) + 1 + cpu_seconds
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
        if _SET.get("cpu") != soft:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
            _SET["cpu"] = soft
    except (ValueError, OSError):
        pass


def _hard(key: str, which: int) -> int:
    """A hard limit of this process (read once: it is never raised, and never lowered here)."""
    found = _SET.get(key)
    if found is None:
        import resource

        found = _SET[key] = resource.getrlimit(which)[1]
    return int(found)


def _forget_output(capture_fd: int | None) -> None:
    """Empty the output file before a job: after a death it holds that job's last words."""
    if capture_fd is None:
        return
    with contextlib.suppress(OSError):
        if os.lseek(capture_fd, 0, os.SEEK_CUR):  # something was written (rare)
            os.ftruncate(capture_fd, 0)
            os.lseek(capture_fd, 0, os.SEEK_SET)


# ------------------------------------------------------------------ the parent's side


class _Channel:
    """Messages (pickled, length first) over two pipes: a forked worker's replies and jobs.
    A worker gone mid-message is an EOFError, like one gone before it. Replies are read a
    block at a time (several at once when they have piled up)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self._buffer = bytearray()

    def send_pickled(self, messages: list[bytes]) -> None:
        """Messages already pickled, small ones in one write."""
        small = bytearray()
        for data in messages:
            header = struct.pack("!Q", len(data))
            if len(data) <= 1 << 16:
                small += header
                small += data
                continue
            if small:
                _write_all(self.write_fd, bytes(small))
                small.clear()
            _write_all(self.write_fd, header)
            _write_all(self.write_fd, data)
        if small:
            _write_all(self.write_fd, bytes(small))

    def recv(self) -> Any:
        import pickle

        self._fill(8)
        (size,) = struct.unpack_from("!Q", self._buffer)
        self._fill(8 + size)
        message = pickle.loads(memoryview(self._buffer)[8 : 8 + size])
        del self._buffer[: 8 + size]
        return message

    def _fill(self, size: int) -> None:
        while len(self._buffer) < size:
            # asked for what the message still lacks, between 64 KB and the pipe's megabyte: a
            # read asking for a megabyte allocates one (17 µs), for 64 KB a few pages (1 µs)
            chunk = os.read(self.read_fd, min(max(size - len(self._buffer), _READ_AT_LEAST), _READ_AT_MOST))
            if not chunk:
                raise EOFError
            self._buffer += chunk

    def poll(self, timeout: float = 0.0) -> bool:
        if len(self._buffer) >= 8 and len(self._buffer) >= 8 + struct.unpack_from("!Q", self._buffer)[0]:
            return True
        return bool(select.select([self.read_fd], [], [], timeout)[0])

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.read_fd = self.write_fd = -1


_READ_AT_LEAST = 1 << 16
_READ_AT_MOST = 1 << 20


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _widen(fd: int) -> None:
    """A pipe of up to a megabyte where the system allows it (Linux; 64 KB otherwise): a
    worker goes on reading files while the parent is busy, instead of waiting to send."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


def _output_file() -> tuple[int, Callable[[], None]]:
    """A file for a worker's standard output and error, and how to close it: in memory
    (Linux), else an unnamed temporary file."""
    if hasattr(os, "memfd_create"):
        with contextlib.suppress(OSError):
            fd = os.memfd_create("ncctd-worker-output")
            return fd, lambda: os.close(fd)
    import tempfile

    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the worker)
    return file.fileno(), file.close


class _Forked:
    """A worker made by ``os.fork()``: two pipes, its output file, its pid. Nothing else of
    the parent's is needed by the child (no import of multiprocessing: a batch of forms
    starts faster)."""

    def __init__(self, target: tuple[Any, ...], others: list[int]) -> None:
        import mmap

        jobs_read, jobs_write = os.pipe()
        replies_read, replies_write = os.pipe()
        _widen(replies_write)  # replies pile up while the parent does other work
        self.capture, self._close_capture = _output_file()
        self.shared = mmap.mmap(-1, 8)  # the ticket of the job the worker runs (shared)
        struct.pack_into("!q", self.shared, 0, -1)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            code = 0
            try:
                for fd in (jobs_write, replies_read, *others):
                    with contextlib.suppress(OSError):
                        os.close(fd)
                _worker_main(_Channel(jobs_read, replies_write), self.capture, parent, self.shared, *target)
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        os.close(jobs_read)
        os.close(replies_write)
        self.pid = pid
        self.channel = _Channel(replies_read, jobs_write)
        self._code: int | None = None

    def fds(self) -> list[int]:
        """The parent's descriptors of this worker (a worker forked later closes them)."""
        return [self.channel.read_fd, self.channel.write_fd, self.capture]

    def send_many(self, messages: list[Any]) -> None:
        import pickle

        self.channel.send_pickled([pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL) for m in messages])

    def progress(self) -> int | None:
        """The ticket of the job the worker runs (or ran last); None: none yet."""
        ticket: int = struct.unpack_from("!q", self.shared)[0]
        return None if ticket < 0 else ticket

    def handles(self) -> list[Any]:
        return [self.channel.read_fd]  # readable: a reply, or the end when the worker ends

    def exitcode(self) -> int | None:
        if self._code is None:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._code is None:
            if deadline is None:
                with contextlib.suppress(ChildProcessError):
                    _, status = os.waitpid(self.pid, 0)
                    self._code = os.waitstatus_to_exitcode(status)
                return
            if self.exitcode() is not None or time.monotonic() >= deadline:
                return
            time.sleep(0.001)

    def kill(self) -> None:
        if self.exitcode() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def stop_feeding(self) -> None:
        """Close the job pipe: an idle worker leaves."""
        with contextlib.suppress(OSError):
            os.close(self.channel.write_fd)

    def close(self) -> None:
        self.channel.close()
        with contextlib.suppress(OSError):
            self._close_capture()
        self.shared.close()


class _Spawned:
    """A worker started by multiprocessing's "spawn" (where there is no fork: Windows): the
    same interface; its output is thrown away, its limits are those the system has."""

    def __init__(self, target: tuple[Any, ...], context: Any) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.capture = None
        self.process = context.Process(
            target=_worker_main, args=(child, None, os.getpid(), None, *target), daemon=True
        )
        self.process.start()
        child.close()
        self.channel = self.conn

    def fds(self) -> list[int]:
        return []

    def send_many(self, messages: list[Any]) -> None:
        for message in messages:
            self.conn.send(message)

    def progress(self) -> int | None:
        return None  # each reply is sent at once: the job running is the first unanswered

    def handles(self) -> list[Any]:
        return [self.conn, self.process.sentinel]

    def exitcode(self) -> int | None:
        code: int | None = self.process.exitcode
        return code

    def join(self, timeout: float | None = None) -> None:
        self.process.join(timeout)

    def kill(self) -> None:
        self.process.kill()

    def stop_feeding(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()


@dataclass
class _Worker:
    handle: _Forked | _Spawned
    queue: collections.deque[int] = field(default_factory=collections.deque)  # tickets sent
    started: float = 0.0  # when the job at the head of the queue started (at the latest)
    retiring: bool = False  # said it leaves after its last reply
    ended: bool = False  # its pipe ended: it is gone
    killed_for: str | None = None  # "wall": the parent killed it
    widest: float = 0.0  # the largest memory budget of a job sent to it
    seen: int | None = None  # the job it was running when last looked at


_MEMORY_WORDS = re.compile(rb"memory allocation of (\d+) bytes failed")


class Pool:
    """Worker processes running ``work(job)``; each job under its :class:`WorkerLimits`.

    ``submit`` queues a job and returns its ticket; ``outcome(ticket)`` waits for it:
    ``(True, result)``, or ``(False, Death)`` when the worker holding it died or timed out.
    Up to ``depth`` jobs wait in a worker's pipe (it reads them one after the other while
    the parent does other work). ``setup(*setup_args)`` runs once in each new worker.
    Workers are forked where the system can (``start_method="spawn"``: started afresh, as on
    Windows). Use it as a context manager, or call :meth:`close`.
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
        if start_method is None:
            start_method = "fork" if hasattr(os, "fork") else "spawn"
        self._fork = start_method == "fork"
        self._context: Any = None
        if not self._fork:
            import multiprocessing

            self._context = multiprocessing.get_context(start_method)
        self._target = (work, setup, setup_args)
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
        if len(self._pending) == 1:  # (jobs waiting before it: no worker had room, nor has now)
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
            if worker.queue:
                worker.handle.kill()  # busy with a job nobody will ask for
            worker.handle.stop_feeding()  # an idle worker leaves on the closed pipe
        deadline = time.monotonic() + 1.0
        for worker in self._workers:
            worker.handle.join(max(0.0, deadline - time.monotonic()))
            if worker.handle.exitcode() is None:
                worker.handle.kill()
                worker.handle.join()
            worker.handle.close()
        self._workers.clear()
        self._pending.clear()

    # -- workers

    def _spawn(self) -> _Worker:
        handle: _Forked | _Spawned
        if self._fork:
            handle = _Forked(self._target, [fd for w in self._workers for fd in w.handle.fds()])
        else:
            handle = _Spawned(self._target, self._context)
        worker = _Worker(handle)
        self._workers.append(worker)
        return worker

    def _dispatch(self) -> None:
        """Send pending jobs to workers with room (starting workers up to the pool's size),
        each worker's in one write. A worker that ran a job with a larger memory budget is not
        given a smaller one: memory it took then and freed stays its own (mapped), so the
        smaller limit would not hold."""
        for worker in [w for w in self._workers if w.retiring and not w.queue]:
            self._bury(worker)  # left after its last reply
        outgoing: dict[int, tuple[_Worker, list[tuple[int, Any, tuple[Any, ...]]]]] = {}
        while self._pending:
            ticket = self._pending[0]
            job, limits, alone = self._jobs[ticket]
            need = _budget(limits)
            live = [w for w in self._workers if not w.retiring]
            fit = [w for w in live if w.widest <= need]
            idle = [w for w in fit if not w.queue]
            if idle:
                worker = idle[0]
                if worker.handle.exitcode() is not None:  # died idle (killed from outside)
                    self._bury(worker)
                    continue
            elif len(self._workers) < self._size:
                worker = self._spawn()
            else:
                unfit = [w for w in live if not w.queue and w.widest > need]
                if unfit:  # make room for a fresh worker
                    unfit[0].retiring = True
                    unfit[0].handle.stop_feeding()
                    self._bury(unfit[0])
                    continue
                room = [] if alone else [w for w in fit if len(w.queue) < self._depth]
                if not room:
                    break
                worker = min(room, key=lambda w: len(w.queue))
            self._pending.popleft()
            if not worker.queue:
                worker.started = time.monotonic()
            worker.queue.append(ticket)
            worker.widest = max(worker.widest, need)
            message = (ticket, job, (limits.memory_bytes, limits.cpu_seconds, limits.wall_seconds))
            outgoing.setdefault(id(worker), (worker, []))[1].append(message)
        failed = False
        for worker, messages in outgoing.values():
            try:
                worker.handle.send_many(messages)
            except (BrokenPipeError, ConnectionError, OSError):
                sent = {m[0] for m in messages}  # never reached it: not its fault
                worker.queue = collections.deque(t for t in worker.queue if t not in sent)
                self._pending.extendleft(reversed([m[0] for m in messages]))
                self._bury(worker)  # gone: its other jobs go to another worker
                failed = True
        if failed:
            self._dispatch()

    def _pump(self) -> None:
        """Wait for replies or deaths (or a deadline), and deal with them."""
        self._dispatch()
        busy = [w for w in self._workers if w.queue]
        if not busy:
            if self._pending:  # every worker gone just now: start again
                self._dispatch()
                return
            raise RuntimeError("no job to wait for")
        now = time.monotonic()
        for worker in busy:  # a job started since last looked at: its clock starts now
            running = worker.handle.progress()
            if running != worker.seen:
                worker.seen = running
                worker.started = now
        deadlines = [d for w in busy if (d := self._deadline(w)) is not None]
        timeout = max(0.0, min(deadlines) - now) if deadlines else None
        if deadlines and self._fork:
            # replies come a few at a time: look again soon at which job each worker runs
            timeout = min(_LOOK_AGAIN if timeout is None else timeout, _LOOK_AGAIN)
        handles = {h: w for w in busy for h in w.handle.handles()}
        if self._fork:
            ready = select.select(list(handles), [], [], timeout)[0]
        else:
            from multiprocessing.connection import wait

            ready = wait(list(handles), timeout)
        for worker in {id(handles[h]): handles[h] for h in ready}.values():
            self._receive(worker)
            if worker.ended or worker.handle.exitcode() is not None:
                self._receive(worker)  # what it sent before it ended
                self._bury(worker)
        now = time.monotonic()
        for worker in list(self._workers):
            deadline = self._deadline(worker)
            if deadline is not None and now >= deadline:
                worker.killed_for = "wall"
                worker.handle.kill()
                worker.handle.join()
                self._receive(worker)  # a reply sent just before is still a reply
                self._bury(worker)
        self._dispatch()

    def _deadline(self, worker: _Worker) -> float | None:
        running = self._running(worker)
        if running is None:
            return None
        wall = self._jobs[running][1].wall_seconds
        return None if wall is None else worker.started + wall

    def _running(self, worker: _Worker) -> int | None:
        """The job a worker runs: the one it said it started, if still unanswered (replies
        come a few at a time); else the first unanswered."""
        if not worker.queue:
            return None
        said = worker.handle.progress()
        return said if said in worker.queue else worker.queue[0]

    def _receive(self, worker: _Worker) -> None:
        """Every reply waiting in a worker's pipe (its end: the worker is gone)."""
        channel = worker.handle.channel
        try:
            while not worker.ended and channel.poll():
                ticket, ok, value = channel.recv()
                if worker.queue and worker.queue[0] == ticket:
                    worker.queue.popleft()
                self._outcomes[ticket] = (ok, value)
                worker.started = time.monotonic()
                if not ok and isinstance(value, Death) and value.cause == "memory":
                    worker.retiring = True
        except (EOFError, OSError):
            worker.ended = True

    def _bury(self, worker: _Worker) -> None:
        """A worker that ended: the job it was running gets its death; the others it held (not
        started, or done with their replies not sent) go back to the front of the pending
        jobs, in order."""
        worker.handle.join()
        if worker in self._workers:
            self._workers.remove(worker)
        self.deaths += 1
        running = None if worker.retiring else self._running(worker)
        queue = [t for t in worker.queue if t != running]  # done but unsent, or not started
        if running is not None:
            self._outcomes[running] = (False, self._death_of(worker))
        self._pending.extendleft(reversed(queue))
        worker.handle.close()

    def _death_of(self, worker: _Worker) -> Death:
        code = worker.handle.exitcode()
        if worker.killed_for == "wall":
            return Death("wall", "SIGKILL")
        if code == -getattr(signal, "SIGXCPU", -1000):
            return Death("cpu", "SIGXCPU")
        words = b""
        capture = worker.handle.capture
        if capture is not None:
            with contextlib.suppress(OSError):
                size = os.fstat(capture).st_size
                words = os.pread(capture, 8192, max(0, size - 8192))
        found = _MEMORY_WORDS.search(words)
        if found:
            return Death("memory", _signal_name(code), int(found.group(1)))
        if code == -getattr(signal, "SIGKILL", 9):  # not ours: the system's out-of-memory killer, most likely
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
