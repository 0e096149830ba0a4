"""The PySpark comparison of the pipeline: ``spark_medallion_job.py`` as a measured process.

The landing zone comes from ``retail generate --scale S`` (not timed); the job then runs the
project's medallion SQL on ``local[2]`` Spark ``repeat`` times in one session and reports
its start-up and each run's seconds. The row counts of every dataset are compared with our
own run at the same scale. Without PySpark or Java the row is "not installed" or "skipped"
(its targets are not judged); a crash, or fewer runs than asked, makes it "failed" (its
targets fail).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.measure import ProcessRun, run_measured
from benchmarks.model import NOT_INSTALLED, PipelineCase, Timing, UpdateTiming
from benchmarks.ours import retail_executable, scale_label
from benchmarks.pipeline_log import spark_update
from benchmarks.spark_compare import has_java, spark_env

JOB = Path(__file__).with_name("spark_medallion_job.py")
TIMEOUT_SECONDS = 1800.0
SHOWN_DIFFERENCES = 3


def generate_landing(scale: float, lakehouse: Path, log: Path) -> ProcessRun:
    argv = [str(retail_executable()), "generate", "--scale", f"{scale:g}"]
    return run_measured([*argv, "--lakehouse", str(lakehouse)], log)


def run_job(lakehouse: Path, repeat: int, folder: Path) -> tuple[ProcessRun, dict[str, Any]]:
    result = folder / "result.json"
    argv = [sys.executable, str(JOB), "--lakehouse", str(lakehouse), "--out", str(folder / "out")]
    argv += ["--result", str(result), "--repeat", str(repeat)]
    run = run_measured(
        argv, folder / "spark.log", env=spark_env(), cwd=folder, timeout=TIMEOUT_SECONDS
    )
    document: dict[str, Any] = json.loads(result.read_text()) if result.exists() else {}
    return run, document


@dataclass(frozen=True)
class Reference:
    """The rows of each dataset in one of our runs, and which tool ran it."""

    tool: str
    rows: dict[str, int]


def rows_note(
    ours: dict[str, int] | None, theirs: dict[str, int], whose: str = "retail run"
) -> str:
    """Whether every dataset has as many rows as in our run (by ``whose``) at the same scale."""
    if ours is None:
        return "rows not compared (no retail run at this scale)"
    names = sorted(set(ours) | set(theirs))
    differ = [n for n in names if ours.get(n) != theirs.get(n)]
    if not differ:
        return f"rows of all {len(names)} datasets = {whose}'s"
    shown = ", ".join(f"{n} {theirs.get(n, 0):,} vs {ours.get(n, 0):,}" for n in differ)
    return "rows differ: " + shown[: 60 * SHOWN_DIFFERENCES]


def benchmark_spark_medallion(
    scale: float, repeat: int, workdir: Path, ours: Reference | None
) -> PipelineCase:
    """The job at our ``scale``'s landing zone (or why it could not run).

    ``ours`` is the rows of each dataset in our own update at this scale, to compare with.
    """
    label = scale_label(scale)
    if importlib.util.find_spec("pyspark") is None:
        return PipelineCase.unavailable(
            "pyspark", "medallion", label, "not installed", NOT_INSTALLED
        )
    if not has_java():
        reason = "skipped: no Java runtime"
        return PipelineCase.unavailable("pyspark", "medallion", label, "skipped", reason)
    with tempfile.TemporaryDirectory(prefix="spark-medallion-bench-", dir=workdir) as tmp:
        folder = Path(tmp)
        landing = generate_landing(scale, folder / "lakehouse", folder / "generate.log")
        if not landing.ok:
            reason = f"retail generate failed: {landing.failure_note}"
            return PipelineCase.unavailable("pyspark", "medallion", label, "failed", reason)
        run, document = run_job(folder / "lakehouse", repeat, folder)
    if not run.ok or not document.get("runs"):
        reason = run.failure_note if not run.ok else "the job wrote no timings"
        return PipelineCase.unavailable("pyspark", "medallion", label, "failed", reason)
    updates = [spark_update(r) for r in document["runs"]]
    timing = UpdateTiming.of(updates)
    version, first = document.get("spark_version", "?"), updates[0].seconds
    rows = rows_note(
        ours.rows if ours else None, timing.rows_by_dataset, ours.tool if ours else "retail run"
    )
    runs = "1 run" if len(updates) == 1 else f"{len(updates)} runs in one session, the first"
    note = f"Spark {version} local[2], Parquet; {runs} (cold JVM) {first:.1f} s; {rows}"
    short = len(updates) < repeat
    return PipelineCase(
        tool="pyspark",
        run="medallion",
        size=label,
        status="failed" if short else "ok",
        note=f"short: {len(updates)} of {repeat} runs; {note}" if short else note,
        timing=Timing.of([run]),
        updates=timing,
        startup_seconds=float(document["startup_seconds"]),
    )
