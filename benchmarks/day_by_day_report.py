"""The day-by-day run's records, its verdict, and how they are shown: a Rich table and JSON.

A day is one ``retail generate --append --days 1``, then the incremental ``retail run``
and the ``retail run --full-refresh`` of the same lakehouse right after it. Its ratio is
the full refresh's update seconds over the incremental one's (both from the event log: the
pipeline alone, without the process start-up). The verdict takes the worst case: any
process that failed, any day whose tables' row counts differ between the two updates, or a
day that did not run is FAIL; otherwise the median ratio over the days meets the target or
does not.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.table import Table

from benchmarks.measure import ProcessRun
from benchmarks.model import Verdict
from benchmarks.ours import scale_label
from benchmarks.report import DASH, VERDICT_STYLE, count, memory

SHOWN_DIFFERENCES = 3


@dataclass(frozen=True)
class Generation:
    """One ``retail generate`` process and the landing rows it added."""

    process: ProcessRun
    added_rows: int
    failure: str | None = None


@dataclass(frozen=True)
class Update:
    """One ``retail run`` process: its update's own seconds and every pipeline table's rows
    after it (``seconds`` is None when it failed)."""

    process: ProcessRun
    seconds: float | None
    table_rows: dict[str, int]
    failure: str | None = None


@dataclass(frozen=True)
class Day:
    """One appended day: the append, the incremental update, the full refresh (None: not
    run, an earlier step failed)."""

    number: int
    append: Generation
    incremental: Update | None = None
    full_refresh: Update | None = None

    def differing_tables(self) -> list[str]:
        """The tables whose row counts differ between the two updates (or that only one has)."""
        if self.incremental is None or self.full_refresh is None:
            return []
        ours, theirs = self.incremental.table_rows, self.full_refresh.table_rows
        return [
            name
            for name in sorted(ours.keys() | theirs.keys())
            if ours.get(name) != theirs.get(name)
        ]

    def tables_equal(self) -> bool | None:
        """None when either update did not succeed."""
        if self.incremental is None or self.full_refresh is None:
            return None
        if self.incremental.failure or self.full_refresh.failure:
            return None
        return not self.differing_tables()

    def ratio(self) -> float | None:
        """The full refresh's update seconds over the incremental one's."""
        fast = self.incremental.seconds if self.incremental else None
        slow = self.full_refresh.seconds if self.full_refresh else None
        if fast is None or slow is None or fast <= 0:
            return None
        return slow / fast

    def failure(self) -> str | None:
        """Why the day is FAIL whatever its speed (None when it is judged on speed)."""
        steps = [
            ("retail generate --append", self.append.failure),
            ("incremental update", self.incremental.failure if self.incremental else None),
            ("full refresh", self.full_refresh.failure if self.full_refresh else None),
        ]
        failed = next((f"{name}: {reason}" for name, reason in steps if reason), None)
        if failed is not None:
            return failed
        if self.incremental is None or self.full_refresh is None:
            return "not run to its end"
        differ = self.differing_tables()
        if not differ:
            return None
        return rows_difference(differ, self.incremental.table_rows, self.full_refresh.table_rows)


def rows_difference(differ: Sequence[str], ours: dict[str, int], theirs: dict[str, int]) -> str:
    """The first few differing tables, incremental rows against full refresh rows."""
    shown = ", ".join(
        f"{name} {ours.get(name, 0):,} vs {theirs.get(name, 0):,}"
        for name in differ[:SHOWN_DIFFERENCES]
    )
    extra = len(differ) - SHOWN_DIFFERENCES
    more = f" and {extra} more" if extra > 0 else ""
    return f"tables differ (incremental vs full refresh rows): {shown}{more}"


@dataclass(frozen=True)
class Measured:
    """The whole sequence on one lakehouse: the landing zone, the first update, the days."""

    scale: float
    days_asked: int
    generation: Generation
    first: Update | None
    days: tuple[Day, ...]

    def failures(self) -> list[str]:
        """Every reason for FAIL that is not about speed."""
        found = [f"retail generate: {self.generation.failure}"] if self.generation.failure else []
        if self.first is not None and self.first.failure:
            found.append(f"first update: {self.first.failure}")
        found += [f"day {d.number}: {reason}" for d in self.days if (reason := d.failure())]
        if len(self.days) < self.days_asked:
            missing = self.days_asked - len(self.days)
            found.append(f"{missing} of {self.days_asked} days not run: an earlier step failed")
        return found

    def judged_ratios(self) -> list[float]:
        """The ratios of the days that ran to their end with equal tables."""
        return [r for d in self.days if d.failure() is None and (r := d.ratio()) is not None]


@dataclass(frozen=True)
class Outcome:
    measured: Measured
    target: float
    median_ratio: float | None
    failures: tuple[str, ...]
    verdict: Verdict

    def summary(self, cores: int | None) -> str:
        """The median ratio against the target, the verdict and the core count, in a line."""
        days = self.measured.days_asked
        measured = "no day to judge" if self.median_ratio is None else f"{self.median_ratio:.2f}x"
        style = VERDICT_STYLE[self.verdict]
        return (
            f"median ratio over {days} day{'s' if days != 1 else ''}: {measured} against the"
            f" {self.target:g}x goal ({scale_label(self.measured.scale)}):"
            f" [{style}]{self.verdict.upper()}[/] on {cores} cores (os.cpu_count())"
        )


def judge(measured: Measured, target: float) -> Outcome:
    """PASS only when nothing failed and the median ratio is at least ``target``."""
    ratios = measured.judged_ratios()
    median = statistics.median(ratios) if ratios else None
    failures = tuple(measured.failures())
    met = not failures and median is not None and median >= target
    return Outcome(measured, target, median, failures, "pass" if met else "fail")


def exit_code(outcome: Outcome) -> int:
    return 0 if outcome.verdict == "pass" else 1


COLUMNS = (
    "day", "new landing rows", "incremental s\n(wall)", "full refresh s\n(wall)", "ratio",
    "tables equal", "incremental\npeak RSS", "full refresh\npeak RSS",
)  # fmt: skip
TITLE = (
    "An appended day: the incremental update against a full refresh of the same lakehouse"
    " (update s: the event log's update, the pipeline alone; wall of the whole process in"
    " brackets; ratio: full refresh / incremental)"
)


def update_cell(update: Update | None) -> str:
    if update is None:
        return "[yellow]not run[/]"
    if update.seconds is None:
        return "[yellow]failed[/]"
    return f"{update.seconds:.2f} ({update.process.wall_seconds:.1f})"


def equal_cell(day: Day) -> str:
    equal = day.tables_equal()
    if equal is None:
        return DASH
    return "yes" if equal else "[bold red]no[/]"


def peak_cell(update: Update | None) -> str:
    return memory(update.process.peak_tree_rss) if update else DASH


def day_cells(day: Day) -> list[str]:
    ratio = day.ratio()
    return [
        str(day.number),
        count(day.append.added_rows),
        update_cell(day.incremental),
        update_cell(day.full_refresh),
        DASH if ratio is None else f"{ratio:.2f}x",
        equal_cell(day),
        peak_cell(day.incremental),
        peak_cell(day.full_refresh),
    ]


def first_note(measured: Measured) -> str:
    """The landing zone and the first update, reported but not judged."""
    generated = measured.generation
    landing = (
        f"landing zone {count(generated.added_rows)} rows"
        f" (retail generate {generated.process.wall_seconds:.1f} s wall)"
    )
    first = measured.first
    if first is None or first.seconds is None:
        return f"{landing}; first update: {'not run' if first is None else 'failed'}"
    return (
        f"{landing}; first update (fresh lakehouse, not judged):"
        f" {first.seconds:.2f} s ({first.process.wall_seconds:.1f} s wall)"
    )


def compared_note(days: Sequence[Day]) -> list[str]:
    counted = max((len(d.incremental.table_rows) for d in days if d.incremental), default=0)
    if not counted:
        return []
    return [
        f"tables equal: the row counts of all {counted} pipeline tables (every Delta table"
        " but the event log) after the incremental update = after the full refresh"
    ]


def results_table(outcome: Outcome) -> Table:
    measured = outcome.measured
    failures = [escape(failure) for failure in outcome.failures]
    notes = [first_note(measured), *compared_note(measured.days), *failures]
    table = Table(title=TITLE, caption="\n".join(notes), caption_justify="left")
    for header in COLUMNS:
        table.add_column(header, justify="left" if header == "day" else "right", no_wrap=True)
    for day in measured.days:
        table.add_row(*day_cells(day))
    return table


def process_document(process: ProcessRun) -> dict[str, Any]:
    return {
        "returncode": process.returncode,
        "wall_seconds": process.wall_seconds,
        "cpu_seconds": process.cpu_seconds,
        "peak_tree_rss": process.peak_tree_rss,
    }


def generation_document(generation: Generation) -> dict[str, Any]:
    return {
        "added_rows": generation.added_rows,
        "failure": generation.failure,
        "process": process_document(generation.process),
    }


def update_document(update: Update | None) -> dict[str, Any] | None:
    if update is None:
        return None
    return {
        "update_seconds": update.seconds,
        "failure": update.failure,
        "table_rows": update.table_rows,
        "process": process_document(update.process),
    }


def day_document(day: Day) -> dict[str, Any]:
    return {
        "day": day.number,
        "append": generation_document(day.append),
        "incremental": update_document(day.incremental),
        "full_refresh": update_document(day.full_refresh),
        "ratio": day.ratio(),
        "tables_equal": day.tables_equal(),
        "failure": day.failure(),
    }


def results_document(
    outcome: Outcome, settings: dict[str, Any], machine: dict[str, Any]
) -> dict[str, Any]:
    measured = outcome.measured
    return {
        "machine": machine,
        "settings": settings,
        "generate": generation_document(measured.generation),
        "first": update_document(measured.first),
        "days": [day_document(day) for day in measured.days],
        "target": outcome.target,
        "median_ratio": outcome.median_ratio,
        "failures": list(outcome.failures),
        "verdict": outcome.verdict,
    }
