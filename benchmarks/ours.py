"""Our generator: whole-process runs of ``retail generate`` and in-process per-table rates."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.measure import ProcessRun, installed_executable, run_measured
from benchmarks.model import CaseResult, TableRate, Timing
from benchmarks.outputs import manifest_totals
from retail_lakehouse.generate.builtin import builtin_spec
from retail_lakehouse.generate.plan import resolve_rows
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset

MANIFEST = Path("landing") / "_manifest.json"


def retail_executable() -> Path:
    """The ``retail`` script of the running environment (``.venv/bin/retail``)."""
    found = installed_executable("retail")
    if found is None:
        raise FileNotFoundError("the 'retail' command is not installed (uv sync)")
    return found


def scale_label(scale: float) -> str:
    return f"scale {scale:g}"


def rows_at(scale: float) -> dict[str, int]:
    return resolve_rows(builtin_spec(), scale)


def generate_once(scale: float, workdir: Path) -> tuple[ProcessRun, tuple[int, int]]:
    """One ``retail generate`` in a fresh folder; returns the run and its rows and bytes."""
    with tempfile.TemporaryDirectory(prefix="retail-bench-", dir=workdir) as tmp:
        lakehouse = Path(tmp) / "lakehouse"
        argv = [str(retail_executable()), "generate", "--scale", f"{scale:g}"]
        run = run_measured([*argv, "--lakehouse", str(lakehouse)], Path(tmp) / "output.log")
        totals = manifest_totals(lakehouse / MANIFEST)
    return run, totals


def benchmark_cli(scale: float, repeat: int, workdir: Path) -> CaseResult:
    """``retail generate --scale S`` as a subprocess, ``repeat`` times."""
    runs: list[ProcessRun] = []
    rows = size = 0
    for _ in range(repeat):
        run, (rows, size) = generate_once(scale, workdir)
        if not run.ok:
            return CaseResult.unavailable("retail", scale_label(scale), "failed", run.failure_note)
        runs.append(run)
    return CaseResult("retail", scale_label(scale), "ok", "", rows, size, Timing.of(runs))


def table_rates(scale: float, workdir: Path) -> list[TableRate]:
    """Per-table worker seconds from one in-process ``generate_dataset`` at ``scale``."""
    with tempfile.TemporaryDirectory(prefix="retail-bench-", dir=workdir) as tmp:
        options = GenerateOptions(scale=scale, lakehouse=Path(tmp))
        report = generate_dataset(builtin_spec(), options)
    return [TableRate(scale, t.name, t.rows, t.bytes, t.files, t.seconds) for t in report.tables]
