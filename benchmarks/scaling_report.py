"""The scaling run's records and how they are shown: a Rich table, JSON and an SVG chart.

Each scale has four steps (``retail generate``, ``retail run``, ``retail run
--full-refresh --memory-limit L``, the bare DuckDB job); a step's ``seconds`` are its own
figure (generate: the whole process; retail run: the update from the event log; bare
DuckDB: the job's medallion), beside the whole process's wall, CPU and peak tree RSS.
Rows/s is the landing zone's rows over those seconds.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from rich.table import Table

from benchmarks.judging import exit_code
from benchmarks.loglog_chart import Panel, Series, loglog_svg
from benchmarks.measure import ProcessRun
from benchmarks.model import TargetCheck
from benchmarks.ours import scale_label
from benchmarks.report import DASH, count, memory

StepKind = Literal["generate", "update", "limited", "bare"]
STEPS: tuple[StepKind, ...] = get_args(StepKind)
StepStatus = Literal["ok", "failed", "not run"]
STEP_NAMES: dict[StepKind, str] = {
    "generate": "retail generate",
    "update": "retail run",
    "limited": "retail run, low limit",
    "bare": "bare DuckDB",
}
STEP_COLORS: dict[StepKind, str] = {
    "generate": "#7f7f7f", "update": "#1f77b4", "limited": "#2ca02c", "bare": "#d62728",
}  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One measured process: its seconds (the step's own figure) and the whole process."""

    status: StepStatus
    reason: str = ""
    seconds: float | None = None  # generate: wall; update: event log; bare: the job's own
    process: ProcessRun | None = None

    @classmethod
    def not_run(cls, reason: str) -> Step:
        return cls("not run", f"not run: {reason}")

    def rows_per_second(self, rows: int) -> float | None:
        return rows / self.seconds if self.seconds and rows else None

    @property
    def peak_tree_rss(self) -> int | None:
        return self.process.peak_tree_rss if self.process else None


@dataclass(frozen=True)
class ScalePoint:
    scale: float
    landing_rows: int
    steps: dict[StepKind, Step]
    rows_check: str = ""  # the low-limit run's and the bare job's rows against retail run's
    # per step compared with retail run (low limit, bare DuckDB): whether every dataset has
    # as many rows; absent when either side has no rows to compare
    rows_match: dict[StepKind, bool] = field(default_factory=dict)


def seconds_cell(kind: StepKind, step: Step) -> str:
    """The step's seconds; the whole process's wall beside them where they differ."""
    if step.status != "ok" or step.seconds is None:
        return f"[yellow]{step.status}[/]"
    if kind == "generate" or step.process is None:
        return f"{step.seconds:.2f}"
    return f"{step.seconds:.2f} ({step.process.wall_seconds:.1f})"


def rate_cell(step: Step, rows: int) -> str:
    value = step.rows_per_second(rows)
    return DASH if value is None else f"{value:,.0f}"


COLUMNS = (
    "scale", "landing rows",
    "generate s", "generate\nrows/s", "generate\npeak RSS",
    "update s\n(wall)", "update\nrows/s", "retail run\npeak RSS",
    "low limit\nupdate s", "low limit\nrows/s", "low limit\npeak RSS",
    "bare DuckDB s\n(wall)", "bare DuckDB\nrows/s", "bare DuckDB\npeak RSS",
)  # fmt: skip
TITLE = (
    "Scaling (generate: whole process; update: the event log's update, wall of the whole"
    " process in brackets; low limit: the same with --full-refresh and --memory-limit;"
    " bare DuckDB: the job's medallion, wall in brackets)"
)


def results_table(points: Sequence[ScalePoint]) -> Table:
    notes = [f"{scale_label(p.scale)}: {note}" for p in points for note in point_notes(p)]
    table = Table(title=TITLE, caption="\n".join(notes), caption_justify="left")
    for header in COLUMNS:
        table.add_column(header, justify="left" if header == "scale" else "right", no_wrap=True)
    for point in points:
        cells = [f"{point.scale:g}", count(point.landing_rows or None)]
        for kind in STEPS:
            step = point.steps[kind]
            cells += [seconds_cell(kind, step), rate_cell(step, point.landing_rows)]
            cells.append(memory(step.peak_tree_rss))
        table.add_row(*cells)
    return table


def point_notes(point: ScalePoint) -> list[str]:
    """Why steps failed or did not run (each reason once), and the bare job's row check."""
    reasons = [
        f"{STEP_NAMES[k]} {s.reason}" for k, s in point.steps.items() if s.status == "failed"
    ]
    skipped = {s.reason for s in point.steps.values() if s.status == "not run"}
    return reasons + sorted(skipped) + ([point.rows_check] if point.rows_check else [])


def step_series(
    points: Sequence[ScalePoint], kind: StepKind, value: Callable[[Step], float | None]
) -> Series:
    """One step's values at the scales where it succeeded (bare DuckDB dashed)."""
    steps = [(p.scale, value(p.steps[kind])) for p in points if p.steps[kind].status == "ok"]
    found = tuple((scale, y) for scale, y in steps if y)
    return Series(STEP_NAMES[kind], found, STEP_COLORS[kind], dashed=kind == "bare")


def peak_gib(step: Step) -> float | None:
    return None if step.peak_tree_rss is None else step.peak_tree_rss / 2**30


def chart_svg(points: Sequence[ScalePoint], when: str) -> str:
    """Seconds and peak memory against the scale: retail generate, retail run (the update
    from the event log) at the default and the low memory limit, and bare DuckDB (the
    job's own seconds)."""
    seconds = tuple(step_series(points, k, lambda s: s.seconds) for k in STEPS)
    peaks = tuple(step_series(points, k, peak_gib) for k in STEPS)
    panels = [
        Panel("Seconds (generate: whole process; the others: the pipeline)", "seconds", seconds),
        Panel("Peak RSS of the process tree", "GiB", peaks),
    ]
    title = f"retail-lakehouse scaling, {when}"
    return loglog_svg(panels, [p.scale for p in points], title)


def step_document(step: Step, rows: int) -> dict[str, Any]:
    process = step.process
    return {
        "status": step.status,
        "reason": step.reason,
        "seconds": step.seconds,
        "rows_per_second": step.rows_per_second(rows),
        "wall_seconds": process.wall_seconds if process else None,
        "cpu_seconds": process.cpu_seconds if process else None,
        "peak_tree_rss": step.peak_tree_rss,
    }


def results_document(
    points: Sequence[ScalePoint],
    settings: dict[str, Any],
    machine: dict[str, Any],
    targets: Sequence[TargetCheck],
) -> dict[str, Any]:
    return {
        "machine": machine,
        "settings": settings,
        "points": [
            {
                "scale": p.scale,
                "landing_rows": p.landing_rows,
                "rows_check": p.rows_check,
                "rows_match": p.rows_match,
                "steps": {k: step_document(s, p.landing_rows) for k, s in p.steps.items()},
            }
            for p in points
        ],
        "targets": [asdict(target) for target in targets],
        "exit_code": exit_code(targets),
    }


def memory_total() -> int | None:
    """Bytes of RAM, from ``/proc/meminfo`` (None elsewhere)."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return None
    total = next((line.split()[1] for line in lines if line.startswith("MemTotal:")), None)
    return int(total) * 1024 if total else None


def machine_facts(when: str) -> dict[str, Any]:
    return {
        "date": when,
        "cpu_count": os.cpu_count(),
        "memory_bytes": memory_total(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }
