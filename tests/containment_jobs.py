"""Jobs for tests/test_containment.py: what a worker may be asked to do, well or badly. A module
of its own so that a worker started by "spawn" imports it without importing the tests."""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any


def job(kind: str, value: Any = None) -> Any:
    """Run one kind of job (``(kind, value)`` as the pool's job)."""
    if kind == "echo":
        return value
    if kind == "pid":
        return os.getpid()
    if kind == "allocate":  # Python asks for ``value`` bytes at once: MemoryError past the limit
        return len(bytearray(value))
    if kind == "spin":  # CPU-bound for ever
        while True:
            pass
    if kind == "sleep":
        time.sleep(value)
        return value
    if kind == "abort":  # as Rust does on an allocation failure, after its last words
        os.write(2, b"memory allocation of 549755813888 bytes failed\n" if value else b"fatal\n")
        os.abort()
    if kind == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "exit":
        os._exit(3)
    if kind == "print":
        print("PRINTED TO STDOUT")
        sys.stdout.flush()
        os.write(2, b"thread 'main' panicked at WRITTEN TO STDERR\n")
        return "printed"
    if kind == "raise":
        raise ValueError("a bug")
    raise ValueError(kind)


def run(pair: tuple[str, Any]) -> Any:
    return job(*pair)
