"""The scaling run: ``uv run python -m benchmarks.scaling [--scales 1 3 10] [--large]``.

Per scale, in a fresh temporary folder, four measured processes in a row (wall, CPU and
peak RSS of the process tree, from ``measure``):

* ``retail generate --scale S``: the landing zone;
* ``retail run --scale S``: one update over that landing zone (it exists, so nothing is
  generated) at the default memory limit; its seconds are the update's, from the event log;
* ``retail run --full-refresh --memory-limit L`` (``--run-memory-limit``, 1GB): every
  table again, under a low memory limit;
* ``bare_duckdb_job.py``: the same medallion SQL on bare DuckDB over the same landing
  zone; its seconds are the job's own, from the first dataset to the last Parquet file.

Rows/s is the landing zone's rows (its manifest) over those seconds. Each process runs
under a watchdog that kills its tree when the summed RSS goes over ``--max-rss``; a run
that fails or is killed is recorded with its reason, and a step killed over ``--max-rss``
is not tried at the larger scales. The results go to a Rich table, a JSON file and a
log-log SVG chart (seconds and peak memory against the scale, ours against bare DuckDB),
then the targets of ``scaling_targets`` are judged and printed; the command exits 1 when
any judged target fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.judging import exit_code
from benchmarks.measure import ProcessRun, run_measured
from benchmarks.ours import MANIFEST, retail_executable, scale_label
from benchmarks.outputs import landing_rows
from benchmarks.pipeline_log import last_update
from benchmarks.report import memory, target_table
from benchmarks.scaling_report import (
    STEP_NAMES,
    STEPS,
    ScalePoint,
    Step,
    StepKind,
    chart_svg,
    machine_facts,
    results_document,
    results_table,
)
from benchmarks.scaling_targets import check_scaling
from benchmarks.spark_medallion import rows_note

DEFAULT_SCALES = (1.0, 3.0, 10.0)
LARGE_SCALES = (30.0, 100.0)
OUT_FOLDER = Path(__file__).with_name("out")
JOB = Path(__file__).with_name("bare_duckdb_job.py")
TIMEOUT_SECONDS = 3600.0
WIDE_CONSOLE = 160


@dataclass(frozen=True)
class Settings:
    scales: tuple[float, ...]
    workdir: Path
    memory_limit: str  # DuckDB's memory_limit in the bare job
    run_memory_limit: str  # retail run's --memory-limit in the low-limit step
    max_tree_rss: int  # bytes
    out: Path
    chart: Path

    def as_dict(self) -> dict[str, Any]:
        return {
            "scales": list(self.scales),
            "memory_limit": self.memory_limit,
            "run_memory_limit": self.run_memory_limit,
            "max_tree_rss": self.max_tree_rss,
            "timeout_seconds": TIMEOUT_SECONDS,
        }


@dataclass
class GaveUp:
    """Steps killed over --max-rss: a larger scale would only be killed later."""

    reasons: dict[StepKind, str] = field(default_factory=dict)


def failure_reason(process: ProcessRun) -> str:
    """Why a process did not succeed, in words: our watchdog, the timeout, a signal, or
    its exit code and last error line."""
    if process.killed_over_rss is not None:
        return f"killed: over --max-rss ({process.killed_over_rss / 2**30:g} GiB)"
    if process.returncode < 0 and process.wall_seconds >= TIMEOUT_SECONDS:
        return f"killed: over the {TIMEOUT_SECONDS:.0f} s timeout"
    if process.returncode < 0:
        name = signal.Signals(-process.returncode).name
        return f"killed by {name} (out of memory?)"
    return process.failure_note


def measured(argv: Sequence[str], log: Path, settings: Settings) -> ProcessRun:
    return run_measured(
        argv, log, timeout=TIMEOUT_SECONDS, max_tree_rss=settings.max_tree_rss, cwd=log.parent
    )


def generate_step(scale: float, lakehouse: Path, settings: Settings) -> Step:
    argv = [str(retail_executable()), "generate", "--scale", f"{scale:g}"]
    process = measured(
        [*argv, "--lakehouse", str(lakehouse)], lakehouse.parent / "generate.log", settings
    )
    if not process.ok:
        return Step("failed", failure_reason(process), process=process)
    return Step("ok", seconds=process.wall_seconds, process=process)


def update_step(
    scale: float, lakehouse: Path, settings: Settings, memory_limit: str | None = None
) -> tuple[Step, dict[str, int]]:
    """``retail run`` over the existing landing zone (every table again under
    ``memory_limit`` when given), and its rows per dataset."""
    argv = [str(retail_executable()), "run", "--scale", f"{scale:g}"]
    if memory_limit is not None:
        argv += ["--full-refresh", "--memory-limit", memory_limit]
    log = lakehouse.parent / ("run.log" if memory_limit is None else "run-limited.log")
    process = measured([*argv, "--lakehouse", str(lakehouse)], log, settings)
    if not process.ok:
        return Step("failed", failure_reason(process), process=process), {}
    update = last_update(lakehouse / "tables")
    if update is None:
        return Step("failed", "no update in the event log", process=process), {}
    return Step("ok", seconds=update.seconds, process=process), update.rows_by_dataset()


def bare_step(lakehouse: Path, settings: Settings) -> tuple[Step, dict[str, int]]:
    """The bare DuckDB job over the same landing zone, and its rows per dataset."""
    folder = lakehouse.parent / "bare"
    result = lakehouse.parent / "bare.json"
    argv = [sys.executable, str(JOB), "--lakehouse", str(lakehouse), "--workdir", str(folder)]
    argv += ["--result", str(result), "--memory-limit", settings.memory_limit]
    process = measured(argv, lakehouse.parent / "bare.log", settings)
    if not process.ok or not result.exists():
        reason = failure_reason(process) if not process.ok else "the job wrote no result"
        return Step("failed", reason, process=process), {}
    document: dict[str, Any] = json.loads(result.read_text())
    rows = {flow["name"]: int(flow["rows_written"]) for flow in document["flows"]}
    return Step("ok", seconds=float(document["seconds"]), process=process), rows


def measure_scale(
    scale: float, settings: Settings, gave_up: GaveUp, console: Console
) -> ScalePoint:
    """The three steps at one scale, in a temporary folder deleted afterwards."""
    if "generate" in gave_up.reasons:
        skipped = Step.not_run(gave_up.reasons["generate"])
        return ScalePoint(scale, 0, dict.fromkeys(STEPS, skipped))
    with tempfile.TemporaryDirectory(prefix="retail-scaling-", dir=settings.workdir) as tmp:
        lakehouse = Path(tmp) / "lakehouse"
        generated = generate_step(scale, lakehouse, settings)
        log_step(console, scale, "generate", generated)
        landed = landing_rows(lakehouse / MANIFEST)
        if generated.status == "ok":
            pipelines, rows = pipeline_steps(scale, lakehouse, settings, gave_up, console)
        else:
            pipelines = dict.fromkeys(STEPS, Step.not_run("retail generate failed"))
            rows = RowsCompared("", {})
    steps: dict[StepKind, Step] = {**pipelines, "generate": generated}
    steps = {kind: steps[kind] for kind in STEPS}  # in the order they run
    note_killed(gave_up, scale, steps)
    return ScalePoint(scale, landed, steps, rows.note, rows.match)


@dataclass(frozen=True)
class RowsCompared:
    """The low-limit run's and the bare job's rows against retail run's: in words, and
    per step whether every dataset matches."""

    note: str
    match: dict[StepKind, bool]


def compare_rows(rows: dict[StepKind, dict[str, int]]) -> RowsCompared:
    ours = rows["update"]
    compared: list[StepKind] = [k for k in ("limited", "bare") if ours and rows[k]]
    notes = [f"{STEP_NAMES[kind]}: {rows_note(ours, rows[kind])}" for kind in compared]
    return RowsCompared("; ".join(notes), {kind: rows[kind] == ours for kind in compared})


def pipeline_steps(
    scale: float, lakehouse: Path, settings: Settings, gave_up: GaveUp, console: Console
) -> tuple[dict[StepKind, Step], RowsCompared]:
    """retail run and the bare job over one landing zone (unless given up on), and whether
    their datasets have the same rows."""
    runs: dict[StepKind, Callable[[], tuple[Step, dict[str, int]]]] = {
        "update": lambda: update_step(scale, lakehouse, settings),
        "limited": lambda: update_step(scale, lakehouse, settings, settings.run_memory_limit),
        "bare": lambda: bare_step(lakehouse, settings),
    }
    steps: dict[StepKind, Step] = {}
    rows: dict[StepKind, dict[str, int]] = {}
    for kind, run in runs.items():
        if kind in gave_up.reasons:
            steps[kind], rows[kind] = Step.not_run(gave_up.reasons[kind]), {}
            continue
        steps[kind], rows[kind] = run()
        log_step(console, scale, kind, steps[kind])
    return steps, compare_rows(rows)


def note_killed(gave_up: GaveUp, scale: float, steps: dict[StepKind, Step]) -> None:
    for kind, step in steps.items():
        if step.process is not None and step.process.killed_over_rss is not None:
            gave_up.reasons.setdefault(kind, f"killed over --max-rss at {scale_label(scale)}")


def log_step(console: Console, scale: float, kind: StepKind, step: Step) -> None:
    if step.status != "ok":
        console.log(f"{scale_label(scale)}: {STEP_NAMES[kind]} {step.reason}")
        return
    console.log(
        f"{scale_label(scale)}: {STEP_NAMES[kind]} {step.seconds:.2f} s, "
        f"peak tree RSS {memory(step.peak_tree_rss)}"
    )


def measure_scales(settings: Settings, console: Console) -> list[ScalePoint]:
    gave_up = GaveUp()
    return [measure_scale(scale, settings, gave_up, console) for scale in settings.scales]


def parse_settings(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    parser.add_argument("--large", action="store_true", help="add scales 30 and 100")
    parser.add_argument("--workdir", type=Path, help="where the temporary folders go")
    parser.add_argument("--memory-limit", default="8GB", help="the bare DuckDB job's")
    parser.add_argument(
        "--run-memory-limit", default="1GB", help="retail run's in the low-limit step"
    )
    parser.add_argument(
        "--max-rss", type=float, default=20.0, help="GiB: kill a process tree above it"
    )
    parser.add_argument("--out", type=Path, default=OUT_FOLDER / "scaling.json")
    parser.add_argument("--chart", type=Path, default=OUT_FOLDER / "scaling.svg")
    args = parser.parse_args(argv)
    if args.max_rss <= 0 or min(args.scales) <= 0:
        parser.error("--scales and --max-rss must be positive")
    scales = sorted({*args.scales, *(LARGE_SCALES if args.large else ())})
    return Settings(
        scales=tuple(scales),
        workdir=args.workdir or Path(tempfile.gettempdir()),
        memory_limit=args.memory_limit,
        run_memory_limit=args.run_memory_limit,
        max_tree_rss=int(args.max_rss * 2**30),
        out=args.out,
        chart=args.chart,
    )


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings(argv)
    settings.workdir.mkdir(parents=True, exist_ok=True)
    when = datetime.date.today().isoformat()
    points = measure_scales(settings, Console(stderr=True))
    targets = check_scaling(points, settings.run_memory_limit)
    console = Console()
    console = console if console.is_terminal else Console(width=WIDE_CONSOLE)
    console.print(results_table(points))
    console.print(target_table(targets))
    document = results_document(points, settings.as_dict(), machine_facts(when), targets)
    write_text(settings.out, json.dumps(document, indent=2) + "\n")
    write_text(settings.chart, chart_svg(points, when))
    print(f"results written to {settings.out}, chart to {settings.chart}")
    return exit_code(targets)


if __name__ == "__main__":
    sys.exit(main())
