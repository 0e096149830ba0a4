"""The TPC-H comparison: ``tpchgen-cli`` (Rust, from PyPI) writing Parquet with 2 threads."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.measure import ProcessRun, installed_executable, run_measured
from benchmarks.model import NOT_INSTALLED, CaseResult, Timing
from benchmarks.outputs import parquet_totals

THREADS = 2
SCALE_FACTOR = 1.0  # 8.66M rows over 8 tables; compared with our scale 5 (8.05M rows)
TOOL_NAME = "tpchgen-cli"


def tpchgen_installed() -> bool:
    return installed_executable(TOOL_NAME) is not None


def size_label(scale_factor: float) -> str:
    return f"SF{scale_factor:g}"


def tpchgen_argv(executable: Path, scale_factor: float, output: Path) -> list[str]:
    return [
        str(executable),
        "parquet",
        "--scale-factor",
        f"{scale_factor:g}",
        "--output-dir",
        str(output),
        "--num-threads",
        str(THREADS),
        "--quiet",
    ]


def generate_once(
    executable: Path, scale_factor: float, workdir: Path
) -> tuple[ProcessRun, tuple[int, int]]:
    with tempfile.TemporaryDirectory(prefix="tpchgen-bench-", dir=workdir) as tmp:
        output = Path(tmp) / "tpch"
        argv = tpchgen_argv(executable, scale_factor, output)
        run = run_measured(argv, Path(tmp) / "output.log")
        totals = parquet_totals(output) if run.ok else (0, 0)
    return run, totals


def benchmark_tpchgen(repeat: int, workdir: Path, scale_factor: float = SCALE_FACTOR) -> CaseResult:
    """``tpchgen-cli parquet`` at ``scale_factor``, ``repeat`` times (or why it could not run)."""
    label = size_label(scale_factor)
    executable = installed_executable(TOOL_NAME)
    if executable is None:
        return CaseResult.unavailable("tpchgen-cli", label, "not installed", NOT_INSTALLED)
    runs: list[ProcessRun] = []
    rows = size = 0
    for _ in range(repeat):
        run, (rows, size) = generate_once(executable, scale_factor, workdir)
        if not run.ok:
            return CaseResult.unavailable("tpchgen-cli", label, "failed", run.failure_note)
        runs.append(run)
    note = f"{THREADS} threads, snappy"
    return CaseResult("tpchgen-cli", label, "ok", note, rows, size, Timing.of(runs))
