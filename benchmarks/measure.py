"""Running one command and measuring it: wall time, CPU time and peak memory of its tree.

The peak memory is the largest *sum* of resident set sizes (``VmRSS``) over the whole
process tree under the command, sampled from ``/proc`` every ``SAMPLE_SECONDS``: the tree is
walked through ``/proc/<pid>/task/<tid>/children`` and each process's ``statm`` read. Pages
that forked workers still share copy-on-write with their parent are counted once per
process, so the figure is an upper bound of the memory really in use (a peak shorter than
the sampling interval can be missed). ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is not used:
it reports the largest single process, not the tree. Without ``/proc`` the peak is ``None``.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.02
PROC = Path("/proc")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
TAIL_CHARS = 2000


@dataclass(frozen=True)
class ProcessRun:
    argv: tuple[str, ...]
    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system of every waited-for descendant
    peak_tree_rss: int | None  # bytes; None where /proc is not available
    output_tail: str  # the end of stdout + stderr, for error messages

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def failure_note(self) -> str:
        lines = self.output_tail.strip().splitlines()
        return f"exit {self.returncode}: {lines[-1] if lines else 'no output'}"


class _Waiter:
    """Waits for the process in a thread, so the end time is exact however we sample."""

    def __init__(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        self.process = process
        self.ended = threading.Event()
        self.ended_at = 0.0
        self.timeout = timeout
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        try:
            self.process.wait(self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group we started, only
            self.process.wait()
        self.ended_at = time.perf_counter()
        self.ended.set()


def installed_executable(name: str) -> Path | None:
    """``name`` from the running environment's ``bin`` folder, else from ``PATH``."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def process_tree(root: int) -> list[int]:
    """Pids of ``root`` and all its descendants that are alive right now."""
    found: list[int] = []
    pending = [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(child_pids(pid))
    return found


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            children.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:  # the process (or a thread) ended while we looked
        pass
    return children


def resident_bytes(pid: int) -> int:
    try:
        fields = (PROC / str(pid) / "statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * PAGE_BYTES


def tree_rss(root: int) -> int:
    return sum(resident_bytes(pid) for pid in process_tree(root))


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(
    argv: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 1800.0,
) -> ProcessRun:
    """Run ``argv`` to its end (output to ``log``), sampling its tree's memory meanwhile."""
    can_sample = (PROC / "self" / "task").is_dir()
    cpu_before = children_cpu_seconds()
    peak = 0
    with log.open("wb") as sink:
        began = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=None if env is None else dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        waiter = _Waiter(process, timeout)
        while can_sample and not waiter.ended.wait(SAMPLE_SECONDS):
            peak = max(peak, tree_rss(process.pid))
        waiter.ended.wait()
    return ProcessRun(
        argv=tuple(argv),
        returncode=process.returncode,
        wall_seconds=waiter.ended_at - began,
        cpu_seconds=children_cpu_seconds() - cpu_before,
        peak_tree_rss=peak if can_sample else None,
        output_tail=log.read_text(errors="replace")[-TAIL_CHARS:],
    )
