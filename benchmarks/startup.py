"""The start-up run: ``uv run python -m benchmarks.startup [--repeat 9]``.

How long the commands a user types most take before they do anything: ``retail --help``
and ``retail query "SELECT 1"`` (against a lakehouse built once at scale 0.02 in a
temporary folder), beside ``python -c pass`` in the same run, the interpreter's own
floor. The commands alternate, one of each per round, so every one sees the same machine
state; each is a whole process timed from spawn to exit. The slowest round decides (a
target met only on a good run is not met), and the command exits 1 when a target is
missed or a command fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.judging import verdict
from benchmarks.model import Verdict
from benchmarks.ours import retail_executable
from benchmarks.targets import HELP_SECONDS, QUERY_SECONDS

LAKEHOUSE_SCALE = "0.02"


@dataclass(frozen=True)
class Case:
    label: str
    argv: tuple[str, ...]
    target: float | None  # wall seconds the slowest round must stay under; None: reference


@dataclass(frozen=True)
class Timing:
    case: Case
    seconds: tuple[float, ...]
    failure: str | None  # the first failed round's output, if any

    @property
    def verdict(self) -> Verdict | None:
        if self.failure is not None:
            return "fail"
        return None if self.case.target is None else verdict(max(self.seconds) < self.case.target)


def cases(lakehouse: Path) -> list[Case]:
    retail = str(retail_executable())
    return [
        Case("python -c pass", (sys.executable, "-c", "pass"), None),
        Case("retail --help", (retail, "--help"), HELP_SECONDS),
        Case(
            'retail query "SELECT 1"',
            (retail, "query", "SELECT 1", "--lakehouse", str(lakehouse)),
            QUERY_SECONDS,
        ),
    ]


def build_lakehouse(root: Path) -> Path:
    lakehouse = root / "lakehouse"
    argv = [str(retail_executable()), "run", "--scale", LAKEHOUSE_SCALE, "--lakehouse"]
    subprocess.run([*argv, str(lakehouse)], check=True, capture_output=True)
    return lakehouse


def time_once(argv: Sequence[str]) -> tuple[float, str | None]:
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    failure = None if done.returncode == 0 else (done.stdout + done.stderr)[-400:]
    return seconds, failure


def measure(all_cases: Sequence[Case], repeat: int) -> list[Timing]:
    seconds: dict[str, list[float]] = {case.label: [] for case in all_cases}
    failures: dict[str, str | None] = dict.fromkeys(seconds)
    for _ in range(repeat):
        for case in all_cases:
            took, failure = time_once(case.argv)
            seconds[case.label].append(took)
            failures[case.label] = failures[case.label] or failure
    return [Timing(c, tuple(seconds[c.label]), failures[c.label]) for c in all_cases]


def results_table(timings: Sequence[Timing], repeat: int) -> Table:
    table = Table(title=f"Start-up, {repeat} rounds, {os.cpu_count()} cores (wall seconds)")
    for name in ("command", "median", "slowest", "over python", "target", "verdict"):
        table.add_column(name, justify="left" if name == "command" else "right")
    floor = statistics.median(timings[0].seconds)
    for timing in timings:
        median = statistics.median(timing.seconds)
        target = timing.case.target
        table.add_row(
            timing.case.label, f"{median:.3f}", f"{max(timing.seconds):.3f}",
            f"{median - floor:+.3f}", f"< {target:g}" if target is not None else "",
            timing.verdict or "",
        )  # fmt: skip
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__)
    parser.add_argument("--repeat", type=int, default=9, help="rounds (default: %(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="retail-startup-") as folder:
        timings = measure(cases(build_lakehouse(Path(folder))), args.repeat)
    console = Console()
    console.print(results_table(timings, args.repeat))
    for timing in timings:
        if timing.failure is not None:
            console.print(f"{timing.case.label} failed: {timing.failure}", markup=False)
    return 1 if any(t.verdict == "fail" for t in timings) else 0


if __name__ == "__main__":
    sys.exit(main())
