"""One writer at a time per lakehouse: an exclusive lock that the kernel releases when the
process ends, however it ends.

Generating the landing zone and updating the tables both hold :func:`writer_lock` (an
exclusive ``flock`` on the lakehouse's lock file) for as long as they write, so a second
writer fails at once with one line, and a process killed mid-write leaves no lock behind:
whatever it left half-done is for the next writer to recover. The lock is re-entrant
within a process, so ``retail run`` can hold it across generating and updating while each
also takes it. :func:`try_writer_lock` is for readers that recover a killed writer's
leftovers only when no writer is running.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.lakehouse import Lakehouse


class LakehouseBusyError(InputError):
    """Another process is writing to the lakehouse (one line, exit code 2)."""


_held: dict[Path, int] = {}  # lock file -> how many holders in this process
_open: dict[Path, IO[str]] = {}  # lock file -> the handle that holds it


def _forget_in_child() -> None:
    """A forked child (a generator worker) holds no lock of its parent's: it closes its
    copies of the handles, without unlocking, so the lock ends with the parent however
    the parent ends, even while the child still runs."""
    for handle in _open.values():
        handle.close()
    _open.clear()
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)


@contextmanager
def writer_lock(lakehouse: Lakehouse) -> Iterator[None]:
    """Hold the lakehouse's writer lock for the block; fail at once if another process does."""
    with _locked(lakehouse) as taken:
        if not taken:
            holder = _holder(lakehouse.lock)
            problem = f"another process is writing to this lakehouse ({holder})"
            raise LakehouseBusyError(f"{lakehouse.root}: {problem}")
        yield


@contextmanager
def try_writer_lock(lakehouse: Lakehouse) -> Iterator[bool]:
    """Hold the writer lock for the block if no other process does: yields whether it does."""
    with _locked(lakehouse) as taken:
        yield taken


@contextmanager
def _locked(lakehouse: Lakehouse) -> Iterator[bool]:
    path = lakehouse.lock.resolve() if lakehouse.lock.exists() else lakehouse.lock.absolute()
    if _held.get(path):
        _held[path] += 1
        try:
            yield True
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:  # closing releases the lock
        if not _take(handle):
            yield False
            return
        _mark_holder(handle)
        _held[path], _open[path] = 1, handle
        try:
            yield True
        finally:
            del _held[path], _open[path]


def _take(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _mark_holder(handle: IO[str]) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()


def _holder(lock: Path) -> str:
    try:
        return lock.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"
