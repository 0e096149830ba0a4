"""Showing the results: Rich tables on the terminal and the same rows as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.judging import exit_code, failed
from benchmarks.model import CaseResult, PipelineCase, TableRate, TargetCheck, Verdict

VERDICT_STYLE: dict[Verdict, str] = {"pass": "green", "fail": "bold red", "not judged": "dim"}


def shown_verdict(verdict: Verdict) -> str:
    """PASS and FAIL in capitals, "not judged" as it is: it is neither."""
    text = verdict if verdict == "not judged" else verdict.upper()
    return f"[{VERDICT_STYLE[verdict]}]{text}[/]"


DASH = "-"


@dataclass(frozen=True)
class BenchResults:
    machine: dict[str, Any]
    settings: dict[str, Any]
    cases: list[CaseResult]
    tables: list[TableRate]
    targets: list[TargetCheck]
    pipeline: list[PipelineCase] = field(default_factory=list)


def seconds(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def count(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f}"


def memory(value: int | None) -> str:
    return DASH if value is None else f"{value / 2**20:,.0f} MiB"


def rate(value: float | None) -> str:
    return DASH if value is None else f"{value:,.1f}"


def size(value: int) -> str:
    return f"{value / 2**20:,.1f} MiB"


CASE_COLUMNS = (
    "tool", "size", "rows", "wall s", "(median)", "rows/s", "MiB/s", "peak RSS", "output",
    "CPU s", "notes",
)  # fmt: skip
LEFT_ALIGNED = frozenset({"tool", "size", "notes"})


def case_table(cases: Sequence[CaseResult]) -> Table:
    table = Table(title="Whole-process generation (best of the repeats; median in brackets)")
    for header in CASE_COLUMNS:
        table.add_column(header, justify="left" if header in LEFT_ALIGNED else "right")
    for case in cases:
        table.add_row(*case_cells(case))
    return table


def case_note(case: CaseResult) -> str:
    if case.status != "ok":
        return f"[yellow]{case.note}"
    if case.startup_seconds is None or case.generate_seconds is None:
        return case.note
    split = f"start-up {case.startup_seconds:.1f} s + generate {case.generate_seconds:.1f} s"
    return f"{split}; {case.note}"


def case_cells(case: CaseResult) -> list[str]:
    if case.timing is None:
        return [case.tool, case.size, *([DASH] * (len(CASE_COLUMNS) - 3)), case_note(case)]
    timing = case.timing
    return [
        case.tool,
        case.size,
        count(case.rows),
        seconds(timing.wall_best),
        f"({seconds(timing.wall_median)})",
        count(case.rows_per_second),
        rate(case.mib_per_second),
        memory(timing.peak_tree_rss),
        size(case.bytes),
        seconds(timing.cpu_median),
        case_note(case),
    ]


def rate_table(rates: Sequence[TableRate]) -> Table:
    table = Table(title="retail per table (in-process; worker seconds summed over blocks)")
    table.add_column("scale", justify="right")
    table.add_column("table")
    for header in ("rows", "files", "output", "worker s", "rows/worker-s"):
        table.add_column(header, justify="right")
    for rate in rates:
        table.add_row(
            f"{rate.scale:g}",
            rate.table,
            count(rate.rows),
            str(rate.files),
            size(rate.bytes),
            seconds(rate.worker_seconds),
            count(rate.rows_per_worker_second),
        )
    return table


PIPELINE_COLUMNS = (
    "tool", "run", "size", "wall s\n(median)", "peak RSS", "CPU s", "start-up\ns",
    "bronze\ns", "silver\ns", "gold\ns", "update s\n(median)", "rows out",
)  # fmt: skip
PIPELINE_LEFT = frozenset({"tool", "run", "size"})
PIPELINE_TITLE = (
    "Pipeline end to end (wall: whole process; update: the pipeline alone; layers: each"
    " layer's sum of flow seconds in the best update, for retail run without the Delta"
    " writes)"
)


def best_and_median(best: float, median: float) -> str:
    return f"{best:.2f} ({median:.2f})"


def pipeline_table(cases: Sequence[PipelineCase]) -> Table:
    """The pipeline cases; their notes (and why a case did not run) under the table."""
    notes = [f"{c.tool} {c.run} {c.size}: {pipeline_note(c)}" for c in cases if c.note]
    table = Table(title=PIPELINE_TITLE, caption="\n".join(notes), caption_justify="left")
    for header in PIPELINE_COLUMNS:
        table.add_column(
            header, justify="left" if header in PIPELINE_LEFT else "right", no_wrap=True
        )
    for case in cases:
        table.add_row(*pipeline_cells(case))
    return table


def pipeline_note(case: PipelineCase) -> str:
    return case.note if case.status == "ok" else f"[yellow]{case.note}[/]"


def pipeline_cells(case: PipelineCase) -> list[str]:
    if case.timing is None or case.updates is None:
        return [case.tool, case.run, case.size, *([DASH] * (len(PIPELINE_COLUMNS) - 3))]
    timing, updates = case.timing, case.updates
    return [
        case.tool,
        case.run,
        case.size,
        best_and_median(timing.wall_best, timing.wall_median),
        memory(timing.peak_tree_rss),
        seconds(timing.cpu_median),
        seconds(case.startup_seconds),
        *(seconds(updates.best_layers[layer]) for layer in ("bronze", "silver", "gold")),
        best_and_median(updates.update_best, updates.update_median),
        count(updates.rows_written),
    ]


def target_table(checks: Sequence[TargetCheck]) -> Table:
    """The targets with PASS, FAIL or not judged; the caption says what the exit code is."""
    failures = len(failed(checks))
    caption = f"{failures} target(s) failed: exit 1" if failures else "no target failed: exit 0"
    table = Table(title="Targets", caption=caption, caption_justify="left")
    table.add_column("target")
    table.add_column("measured", justify="right")
    table.add_column("result")
    for check in checks:
        table.add_row(check.target, check.measured, shown_verdict(check.verdict))
    return table


def print_results(results: BenchResults, console: Console) -> None:
    machine = results.machine
    console.print(
        f"[bold]Machine:[/] {machine['cpu_count']} cores (os.cpu_count()), "
        f"Python {machine['python']}, {machine['platform']}; "
        f"repeats: {results.settings['repeat']}; peak RSS = sum of resident memory over the "
        f"process tree, sampled from /proc every {machine['rss_sample_seconds'] * 1000:.0f} ms"
    )
    if "speed_probe" in machine:
        probe = machine["speed_probe"]
        console.print(f"[bold]Machine speed probe[/] ({probe['workload']}): {probe['summary']}")
    console.print(case_table(results.cases))
    if results.tables:
        console.print(rate_table(results.tables))
    if results.pipeline:
        console.print(pipeline_table(results.pipeline))
    console.print(target_table(results.targets))


def results_document(results: BenchResults) -> dict[str, Any]:
    cases = [
        {**asdict(c), "rows_per_second": c.rows_per_second, "mib_per_second": c.mib_per_second}
        for c in results.cases
    ]
    tables = [
        {**asdict(t), "rows_per_worker_second": t.rows_per_worker_second} for t in results.tables
    ]
    return {
        "machine": results.machine,
        "settings": results.settings,
        "cases": cases,
        "tables": tables,
        "pipeline": [asdict(p) for p in results.pipeline],
        "targets": [asdict(t) for t in results.targets],
        "exit_code": exit_code(results.targets),
    }


def write_json(results: BenchResults, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results_document(results), indent=2) + "\n")
