"""Showing the results: Rich tables on the terminal and the same rows as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.model import CaseResult, TableRate, TargetCheck, Verdict

VERDICT_STYLE: dict[Verdict, str] = {"pass": "green", "fail": "bold red", "n/a": "dim"}
DASH = "-"


@dataclass(frozen=True)
class BenchResults:
    machine: dict[str, Any]
    settings: dict[str, Any]
    cases: list[CaseResult]
    tables: list[TableRate]
    targets: list[TargetCheck]


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


def target_table(checks: Sequence[TargetCheck]) -> Table:
    table = Table(title="Targets")
    table.add_column("target")
    table.add_column("measured", justify="right")
    table.add_column("result")
    for check in checks:
        style = VERDICT_STYLE[check.verdict]
        table.add_row(check.target, check.measured, f"[{style}]{check.verdict.upper()}")
    return table


def print_results(results: BenchResults, console: Console) -> None:
    machine = results.machine
    console.print(
        f"[bold]Machine:[/] {machine['cpu_count']} cores (os.cpu_count()), "
        f"Python {machine['python']}, {machine['platform']}; "
        f"repeats: {results.settings['repeat']}; peak RSS = sum of resident memory over the "
        f"process tree, sampled from /proc every {machine['rss_sample_seconds'] * 1000:.0f} ms"
    )
    console.print(case_table(results.cases))
    if results.tables:
        console.print(rate_table(results.tables))
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
        "targets": [asdict(t) for t in results.targets],
    }


def write_json(results: BenchResults, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results_document(results), indent=2) + "\n")
