"""The benchmark's results as plain data: one row per measured case, per table, per target."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from benchmarks.measure import ProcessRun
from benchmarks.pipeline_log import Layer, UpdateSummary

Tool = Literal["retail", "tpchgen-cli", "dbldatagen"]
Status = Literal["ok", "failed", "skipped", "not installed"]
# not judged: the target's cases were not asked for, not installed, or computed different rows
Verdict = Literal["pass", "fail", "not judged"]
PipelineTool = Literal["retail run", "retail run --engine spark", "retail run (python)", "pyspark"]
# fresh: new lakehouse, generation + pipeline; again: same lakehouse, pipeline only (bronze
# appends nothing); full-refresh: every table recomputed; medallion: the PySpark job
PipelineRun = Literal["fresh", "again", "full-refresh", "medallion"]

NOT_INSTALLED = "not installed (uv sync --group bench)"


@dataclass(frozen=True)
class Timing:
    """What the repeats of one command add up to."""

    repeats: int
    wall_best: float
    wall_median: float
    wall_worst: float  # the targets' figure: a target met only on a good run is not met
    cpu_median: float
    peak_tree_rss: int | None  # the largest over the repeats

    @classmethod
    def of(cls, runs: Sequence[ProcessRun]) -> Timing:
        peaks = [r.peak_tree_rss for r in runs if r.peak_tree_rss is not None]
        return cls(
            repeats=len(runs),
            wall_best=min(r.wall_seconds for r in runs),
            wall_median=statistics.median(r.wall_seconds for r in runs),
            wall_worst=max(r.wall_seconds for r in runs),
            cpu_median=statistics.median(r.cpu_seconds for r in runs),
            peak_tree_rss=max(peaks) if peaks else None,
        )


@dataclass(frozen=True)
class CaseResult:
    """One generator run at one size: the rows of the main table."""

    tool: Tool
    size: str  # "scale 1", "SF1", ...
    status: Status
    note: str = ""
    rows: int = 0
    bytes: int = 0
    timing: Timing | None = None
    startup_seconds: float | None = None  # Spark only: until the session is ready
    generate_seconds: float | None = None  # Spark only: build + write of every table

    @property
    def rows_per_second(self) -> float | None:
        """Rows over the best wall time (noise on a shared machine only ever adds time)."""
        if self.timing is None or self.timing.wall_best <= 0:
            return None
        return self.rows / self.timing.wall_best

    @property
    def mib_per_second(self) -> float | None:
        if self.timing is None or self.timing.wall_best <= 0:
            return None
        return self.bytes / 2**20 / self.timing.wall_best

    @property
    def completed_repeats(self) -> int:
        return self.timing.repeats if self.timing else 0

    @classmethod
    def unavailable(cls, tool: Tool, size: str, status: Status, note: str) -> CaseResult:
        return cls(tool=tool, size=size, status=status, note=note)


@dataclass(frozen=True)
class TableRate:
    """One table of our generator, in-process: worker seconds summed over its blocks."""

    scale: float
    table: str
    rows: int
    bytes: int
    files: int
    worker_seconds: float

    @property
    def rows_per_worker_second(self) -> float:
        return self.rows / self.worker_seconds if self.worker_seconds > 0 else 0.0


@dataclass(frozen=True)
class TargetCheck:
    target: str
    measured: str
    verdict: Verdict


@dataclass(frozen=True)
class UpdateTiming:
    """The pipeline updates of one case: totals best, median and worst, and the layers and
    rows of the best update (one run's, so its layers add up to what that run took)."""

    repeats: int
    update_best: float
    update_median: float
    update_worst: float  # the targets' figure
    best_layers: dict[Layer, float]
    rows_written: int  # by every dataset of the best update
    rows_by_dataset: dict[str, int]
    rows_vary: bool = False  # whether some update's rows differ from the best one's

    @classmethod
    def of(cls, updates: Sequence[UpdateSummary]) -> UpdateTiming:
        best = min(updates, key=lambda update: update.seconds)
        rows = best.rows_by_dataset()
        return cls(
            repeats=len(updates),
            update_best=best.seconds,
            update_median=statistics.median(update.seconds for update in updates),
            update_worst=max(update.seconds for update in updates),
            best_layers=best.layer_seconds(),
            rows_written=best.rows_written,
            rows_by_dataset=rows,
            rows_vary=any(update.rows_by_dataset() != rows for update in updates),
        )


@dataclass(frozen=True)
class PipelineCase:
    """One way of running the medallion pipeline at one size: the rows of the pipeline table."""

    tool: PipelineTool
    run: PipelineRun
    size: str
    status: Status
    note: str = ""
    timing: Timing | None = None  # the whole process
    updates: UpdateTiming | None = None
    startup_seconds: float | None = None  # PySpark only: until the session is ready

    @property
    def completed_repeats(self) -> int:
        """Updates that completed: the PySpark job runs every repeat in one process."""
        if self.updates is not None:
            return self.updates.repeats
        return self.timing.repeats if self.timing else 0

    @classmethod
    def unavailable(
        cls, tool: PipelineTool, run: PipelineRun, size: str, status: Status, note: str
    ) -> PipelineCase:
        return cls(tool=tool, run=run, size=size, status=status, note=note)
