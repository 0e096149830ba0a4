"""Running one command and measuring it: wall time, CPU time and peak memory of its tree.

The peak memory is the largest *sum* of resident set sizes over the whole process tree
under the command, sampled from ``/proc`` every ``SAMPLE_SECONDS``: the tree is walked
through ``/proc/<pid>/task/<tid>/children`` and each process's ``/proc/<pid>/stat`` read
(its ``rss``, ``utime`` and ``stime``). Pages that forked workers still share copy-on-write
with their parent are counted once per process, so the figure is an upper bound of the
memory really in use (a peak shorter than the sampling interval can be missed).
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is not used: it reports the largest single
process, not the tree. Without ``/proc`` the peak is ``None``.

CPU time is the larger of two lower bounds: the ``RUSAGE_CHILDREN`` delta (exact, but only
for descendants that were waited for; a JVM started by PySpark often is not) and the sum
over every process seen in the tree of its last sampled ``utime + stime``.

With ``max_tree_rss``, the sampler is also a watchdog: a tree whose summed RSS goes over it
is killed (SIGKILL to its process group and every process seen in it) and the run says so.
An address-space limit (``RLIMIT_AS``) would not do: DuckDB and Arrow reserve far more
virtual memory than they touch.
"""

from __future__ import annotations

import contextlib
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
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UTIME_FIELD, STIME_FIELD, RSS_FIELD = 14, 15, 24  # 1-based, as in proc(5)
TAIL_CHARS = 4000
NOTE_CHARS = 160


@dataclass(frozen=True)
class ProcessRun:
    argv: tuple[str, ...]
    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system over the tree (a lower bound, see the docstring)
    peak_tree_rss: int | None  # bytes; None where /proc is not available
    output_tail: str  # the end of stdout + stderr, for error messages
    killed_over_rss: int | None = None  # the max_tree_rss the tree went over, if killed

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def failure_note(self) -> str:
        """The exit code and the last error-looking line of the output (else its last line)."""
        if self.killed_over_rss is not None:
            return f"killed: tree RSS over {self.killed_over_rss / 2**30:g} GiB"
        lines = [line.strip() for line in self.output_tail.splitlines() if line.strip()]
        errors = [line for line in lines if "Error" in line or "Exception" in line]
        line = (errors or lines or ["no output"])[-1]
        return f"exit {self.returncode}: {line[:NOTE_CHARS]}"


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


@dataclass(frozen=True)
class ProcStat:
    rss_bytes: int
    cpu_seconds: float


def read_stat(pid: int) -> ProcStat | None:
    """``rss`` and ``utime + stime`` from ``/proc/<pid>/stat`` (None if it has gone)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
    cpu_ticks = int(fields[UTIME_FIELD - 3]) + int(fields[STIME_FIELD - 3])
    return ProcStat(int(fields[RSS_FIELD - 3]) * PAGE_BYTES, cpu_ticks / CLOCK_TICKS)


class TreeSampler:
    """Keeps the peak tree RSS and the last CPU time seen of every process in the tree."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_rss = 0
        self.last_rss = 0
        self.last_pids: list[int] = []
        self._cpu_by_pid: dict[int, float] = {}

    def sample(self) -> None:
        total = 0
        self.last_pids = process_tree(self.root)
        for pid in self.last_pids:
            stat = read_stat(pid)
            if stat is not None:
                total += stat.rss_bytes
                self._cpu_by_pid[pid] = stat.cpu_seconds
        self.last_rss = total
        self.peak_rss = max(self.peak_rss, total)

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu_by_pid.values())


def kill_tree(root: int, pids: Sequence[int]) -> None:
    """SIGKILL to the process group we started and to every process last seen in the tree
    (a descendant may have left the group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(root, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


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
    max_tree_rss: int | None = None,
) -> ProcessRun:
    """Run ``argv`` to its end (output to ``log``), sampling its tree's memory meanwhile;
    with ``max_tree_rss`` (bytes), kill the tree when its summed RSS goes over it."""
    can_sample = (PROC / "self" / "task").is_dir()
    cpu_before = children_cpu_seconds()
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
        sampler = TreeSampler(process.pid)
        killed_over: int | None = None
        while can_sample and not waiter.ended.wait(SAMPLE_SECONDS):
            sampler.sample()
            if max_tree_rss is not None and sampler.last_rss > max_tree_rss:
                killed_over = max_tree_rss
                kill_tree(process.pid, sampler.last_pids)
                break
        waiter.ended.wait()
    return ProcessRun(
        argv=tuple(argv),
        returncode=process.returncode,
        wall_seconds=waiter.ended_at - began,
        cpu_seconds=max(children_cpu_seconds() - cpu_before, sampler.cpu_seconds),
        peak_tree_rss=sampler.peak_rss if can_sample else None,
        output_tail=log.read_text(errors="replace")[-TAIL_CHARS:],
        killed_over_rss=killed_over,
    )
