"""Our generator: whole-process runs of ``retail generate`` and in-process per-table rates."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.measure import ProcessRun, installed_executable, run_measured
from benchmarks.model import CaseResult, TableRate, Timing
from benchmarks.outputs import manifest_totals
from retail_lakehouse.datasets import builtin_spec
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


def benchmark_cli(scales: Sequence[float], repeat: int, workdir: Path) -> list[CaseResult]:
    """``retail generate --scale S`` as a subprocess, ``repeat`` times per scale.

    The repeats go round the scales (1, 10, 1, 10, ...) so that a burst of load from
    something else on the machine spreads over the cases instead of spoiling one.
    """
    runs: dict[float, list[ProcessRun]] = {scale: [] for scale in scales}
    totals: dict[float, tuple[int, int]] = {}
    failures: dict[float, ProcessRun] = {}
    for _ in range(repeat):
        for scale in (s for s in scales if s not in failures):
            run, totals[scale] = generate_once(scale, workdir)
            if run.ok:
                runs[scale].append(run)
            else:
                failures[scale] = run
    return [case_of(scale, runs[scale], totals[scale], failures.get(scale)) for scale in scales]


def case_of(
    scale: float, runs: Sequence[ProcessRun], totals: tuple[int, int], failure: ProcessRun | None
) -> CaseResult:
    label = scale_label(scale)
    if failure is not None:
        return CaseResult.unavailable("retail", label, "failed", failure.failure_note)
    rows, size = totals
    return CaseResult("retail", label, "ok", "", rows, size, Timing.of(runs))


def table_rates(scale: float, workdir: Path) -> list[TableRate]:
    """Per-table worker seconds from one in-process ``generate_dataset`` at ``scale``."""
    with tempfile.TemporaryDirectory(prefix="retail-bench-", dir=workdir) as tmp:
        options = GenerateOptions(scale=scale, lakehouse=Path(tmp))
        report = generate_dataset(builtin_spec(), options)
    return [TableRate(scale, t.name, t.rows, t.bytes, t.files, t.seconds) for t in report.tables]
