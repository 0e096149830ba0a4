"""The dbldatagen comparison: runs ``dbldatagen_job.py`` as a measured process, same rows as ours.

The job gets the row counts of our built-in spec at the chosen scale and a local
``local[2]`` Spark session; its whole-process wall time (Python, PySpark import, JVM, build,
write, stop) is the comparable figure, and the job's own split into start-up and generation
is reported beside it. Without PySpark, dbldatagen or Java the row is "not installed" or
"skipped"; a crash makes it "failed" (no target of its own, but the run's exit code).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import ProcessRun, run_measured
from benchmarks.model import NOT_INSTALLED, CaseResult, Timing
from benchmarks.ours import rows_at, scale_label
from benchmarks.outputs import parquet_totals

JOB = Path(__file__).with_name("dbldatagen_job.py")
TIMEOUT_SECONDS = 900.0
SPARK_MODULES = ("pyspark", "dbldatagen", "pandas", "jmespath", "pyparsing")


def missing_module() -> str | None:
    for module in SPARK_MODULES:
        if importlib.util.find_spec(module) is None:
            return module
    return None


def has_java() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


def spark_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no hostname look-up, loopback only
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return env


def run_job(rows: dict[str, int], folder: Path) -> tuple[ProcessRun, dict[str, float]]:
    result = folder / "result.json"
    argv = [sys.executable, str(JOB), "--out", str(folder / "out"), "--result", str(result)]
    argv += ["--rows", json.dumps(rows)]
    run = run_measured(
        argv, folder / "spark.log", env=spark_env(), cwd=folder, timeout=TIMEOUT_SECONDS
    )
    timings: dict[str, float] = json.loads(result.read_text()) if result.exists() else {}
    return run, timings


def failure_reason(run: ProcessRun, timings: dict[str, float]) -> str | None:
    if not run.ok:
        return run.failure_note
    if "generate_seconds" not in timings:
        return "the job wrote no timings"
    return None


def benchmark_dbldatagen(scale: float, workdir: Path) -> CaseResult:
    """One run of the Spark job at our ``scale``'s row counts (or why it could not run)."""
    label = scale_label(scale)
    missing = missing_module()
    if missing is not None:
        return CaseResult.unavailable("dbldatagen", label, "not installed", NOT_INSTALLED)
    if not has_java():
        return CaseResult.unavailable("dbldatagen", label, "skipped", "skipped: no Java runtime")
    with tempfile.TemporaryDirectory(prefix="dbldatagen-bench-", dir=workdir) as tmp:
        run, timings = run_job(rows_at(scale), Path(tmp))
        reason = failure_reason(run, timings)
        rows, size = parquet_totals(Path(tmp) / "out") if reason is None else (0, 0)
    if reason is not None:
        return CaseResult.unavailable("dbldatagen", label, "failed", reason)
    generate = timings["generate_seconds"]
    return CaseResult(
        tool="dbldatagen",
        size=label,
        status="ok",
        note=f"Spark local[2]; {rows / generate:,.0f} rows/s excluding start-up",
        rows=rows,
        bytes=size,
        timing=Timing.of([run]),
        startup_seconds=timings["startup_seconds"],
        generate_seconds=generate,
    )
