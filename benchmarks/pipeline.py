"""Our pipeline end to end: ``retail run`` processes, timed, with their updates' event logs.

Each repeat, per scale, takes a fresh lakehouse through three runs in a row:

* ``fresh``: ``retail run --scale S --lakehouse <new folder>``: generation of the landing
  zone, the pipeline, and the process start-up;
* ``again``: the same command on the same lakehouse: the landing zone exists, so only the
  pipeline runs, and the bronze streaming tables find no new files (they append nothing,
  the materialized views are recomputed);
* ``full-refresh``: ``retail run --full-refresh``: every table recomputed from the
  existing landing zone.

After each run, its update (total seconds and each dataset's flow seconds) is read from the
lakehouse's event log. The same sequence runs with ``--engine spark`` (local[2]) at each
``--spark-scales`` scale (default 1), so the cost of the JVM shows next to the embedded
engine's, and with the built-in pipeline written in Python (``pipeline_python.yaml``), so
SQLFrame's cost shows next to SQL's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from benchmarks.measure import ProcessRun, run_measured
from benchmarks.model import (
    PipelineCase,
    PipelineRun,
    PipelineTool,
    Status,
    Timing,
    UpdateTiming,
)
from benchmarks.ours import retail_executable, scale_label
from benchmarks.pipeline_log import UpdateSummary, last_update
from retail_lakehouse.datasets import builtin_settings_path

OUR_RUNS: tuple[PipelineRun, ...] = tuple(r for r in get_args(PipelineRun) if r != "medallion")
EXTRA_ARGUMENTS: dict[PipelineRun, tuple[str, ...]] = {
    "fresh": (),
    "again": (),
    "full-refresh": ("--full-refresh",),
}
TABLES = "tables"
SPARK_MASTER = "local[2]"


@dataclass
class Measured:
    """The repeats of one (scale, run) so far, or the first failure."""

    runs: list[ProcessRun] = field(default_factory=list)
    updates: list[UpdateSummary] = field(default_factory=list)
    failure: str | None = None


ENGINE_ARGUMENTS: dict[PipelineTool, tuple[str, ...]] = {
    "retail run": (),
    "retail run --engine spark": ("--engine", "spark", "--master", SPARK_MASTER),
    "retail run (python)": ("--pipeline", str(builtin_settings_path(language="python"))),
}
ENGINE_NOTES: dict[PipelineTool, tuple[str, ...]] = {
    "retail run --engine spark": (f"local Spark {SPARK_MASTER}, Delta via delta-rs",),
    "retail run (python)": ("the built-in pipeline in Python, through SQLFrame",),
}


def run_argv(scale: float, lakehouse: Path, run: PipelineRun, tool: PipelineTool) -> list[str]:
    argv = [str(retail_executable()), "run", "--scale", f"{scale:g}", *ENGINE_ARGUMENTS[tool]]
    return [*argv, "--lakehouse", str(lakehouse), *EXTRA_ARGUMENTS[run]]


def run_sequence(
    scale: float, workdir: Path, measured: dict[PipelineRun, Measured], tool: PipelineTool
) -> None:
    """fresh, again, full-refresh on one new lakehouse, added to ``measured``."""
    with tempfile.TemporaryDirectory(prefix="retail-pipeline-bench-", dir=workdir) as tmp:
        lakehouse = Path(tmp) / "lakehouse"
        for run in OUR_RUNS:
            log = Path(tmp) / f"{run}.log"
            process = run_measured(run_argv(scale, lakehouse, run, tool), log)
            update = last_update(lakehouse / TABLES) if process.ok else None
            if update is None:
                measured[run].failure = process.failure_note if not process.ok else "no update"
                return  # the later runs need this one
            measured[run].runs.append(process)
            measured[run].updates.append(update)


def benchmark_pipeline(
    scales: Sequence[float], repeat: int, workdir: Path, tool: PipelineTool = "retail run"
) -> list[PipelineCase]:
    """``repeat`` sequences per scale, going round the scales as the generator runs do."""
    measured = {scale: {run: Measured() for run in OUR_RUNS} for scale in scales}
    for _ in range(repeat):
        for scale in scales:
            if not any(m.failure for m in measured[scale].values()):
                run_sequence(scale, workdir, measured[scale], tool)
    return [
        case_of(scale, run, measured[scale][run], tool, repeat)
        for scale in scales
        for run in OUR_RUNS
    ]


def case_of(
    scale: float, run: PipelineRun, measured: Measured, tool: PipelineTool, repeat: int
) -> PipelineCase:
    """The case of one (scale, run): failed when any repeat failed or did not run, even
    after good ones (its timings are still shown), so no target takes the good repeats."""
    label = scale_label(scale)
    if not measured.runs:
        reason = measured.failure or "not run: an earlier run of the sequence failed"
        return PipelineCase.unavailable(tool, run, label, "failed", reason)
    shortfall = shortfall_note(measured, repeat)
    note = "; ".join(ENGINE_NOTES.get(tool, ()) + ((shortfall,) if shortfall else ()))
    timing, updates = Timing.of(measured.runs), UpdateTiming.of(measured.updates)
    status: Status = "failed" if shortfall else "ok"
    return PipelineCase(tool, run, label, status, note, timing, updates)


def shortfall_note(measured: Measured, repeat: int) -> str | None:
    """Why fewer than ``repeat`` runs completed (None when all did)."""
    done = len(measured.runs)
    if measured.failure:
        return f"failed after {done} of {repeat} repeats: {measured.failure}"
    if done < repeat:
        return f"short: {done} of {repeat} repeats (an earlier run of the sequence failed)"
    return None
