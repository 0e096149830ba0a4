"""The day-by-day run: ``uv run python -m benchmarks.day_by_day [--scale 1] [--days 3]``.

Issue 19's target: an incremental update of one appended day against a full refresh of
the same lakehouse. In a temporary folder, as a user would, each a whole measured process
(wall, CPU and peak RSS of the process tree, from ``measure``):

* ``retail generate --scale S --lakehouse L``: the landing zone;
* ``retail run --scale S --lakehouse L``: the first update (reported, not judged);
* per day: ``retail generate --lakehouse L --append --days 1``, then ``retail run``
  (the incremental update), then ``retail run --full-refresh`` right after it, so the
  pair sees the same machine state.

Each update's own seconds come from the lakehouse's event log; after each of the day's two
updates, every pipeline table's row count is read from its Delta table. The verdict and
the records are ``day_by_day_report``'s; the command prints a Rich table, writes JSON to
``benchmarks/out/day_by_day.json`` and exits non-zero unless the verdict is PASS.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from benchmarks.day_by_day_report import (
    Day,
    Generation,
    Measured,
    Update,
    exit_code,
    judge,
    results_document,
    results_table,
)
from benchmarks.measure import ProcessRun, run_measured
from benchmarks.ours import MANIFEST, retail_executable, scale_label
from benchmarks.outputs import landing_rows
from benchmarks.pipeline_log import EVENT_LOG, last_update
from benchmarks.report import memory
from benchmarks.scaling_report import machine_facts
from benchmarks.targets import DAY_BY_DAY_SPEEDUP
from retail_lakehouse.storage.delta import DeltaStore

OUT = Path(__file__).with_name("out") / "day_by_day.json"
TABLES = "tables"
WIDE_CONSOLE = 150
UpdateKind = Literal["first", "incremental", "full-refresh"]
EXTRA_ARGUMENTS: dict[UpdateKind, tuple[str, ...]] = {
    "first": (),
    "incremental": (),
    "full-refresh": ("--full-refresh",),
}


@dataclass(frozen=True)
class Settings:
    scale: float
    days: int
    target: float  # the median ratio a PASS needs
    workdir: Path
    out: Path

    def as_dict(self) -> dict[str, Any]:
        return {"scale": self.scale, "days": self.days, "target": self.target}


def table_rows(lakehouse: Path) -> dict[str, int]:
    """Every pipeline table's rows: each Delta table of the lakehouse but the event log.

    Counted through the project's ``DeltaStore`` (from the Parquet footers of the table's
    current files): reading through ``deltalake``'s own filesystem can make the
    interpreter abort at exit (delta-io/delta-rs#2184).
    """
    store = DeltaStore(lakehouse / TABLES)
    names = [name for name in store.list_tables() if name != EVENT_LOG]
    return {name: store.dataset(name).count_rows() for name in names}


def generate(lakehouse: Path, argv: Sequence[str], log: Path) -> Generation:
    """One ``retail generate`` process and the landing rows it added."""
    before = landing_rows(lakehouse / MANIFEST)
    process = run_measured([str(retail_executable()), "generate", *argv], log)
    failure = None if process.ok else process.failure_note
    return Generation(process, landing_rows(lakehouse / MANIFEST) - before, failure)


def update(kind: UpdateKind, scale: float, lakehouse: Path, log: Path) -> Update:
    """One ``retail run`` process: its update from the event log and the tables' rows."""
    argv = [str(retail_executable()), "run", "--scale", f"{scale:g}"]
    argv += ["--lakehouse", str(lakehouse), *EXTRA_ARGUMENTS[kind]]
    process = run_measured(argv, log)
    if not process.ok:
        return Update(process, None, {}, process.failure_note)
    logged = last_update(lakehouse / TABLES)
    if logged is None:
        return Update(process, None, {}, "no update in the event log")
    return Update(process, logged.seconds, table_rows(lakehouse))


def one_day(number: int, settings: Settings, lakehouse: Path, console: Console) -> Day:
    """Append a day, then the incremental update and the full refresh right after it."""
    logs = lakehouse.parent
    argv = ["--lakehouse", str(lakehouse), "--append", "--days", "1"]
    append = generate(lakehouse, argv, logs / f"append-{number}.log")
    log_process(console, f"day {number}: retail generate --append", append.process)
    if append.failure:
        return Day(number, append)
    incremental = update(
        "incremental", settings.scale, lakehouse, logs / f"incremental-{number}.log"
    )
    log_update(console, f"day {number}: incremental update", incremental)
    if incremental.failure:
        return Day(number, append, incremental)
    full = update("full-refresh", settings.scale, lakehouse, logs / f"full-{number}.log")
    log_update(console, f"day {number}: full refresh", full)
    return Day(number, append, incremental, full)


def run_days(settings: Settings, lakehouse: Path, console: Console) -> list[Day]:
    """The days in order, until one fails to run (the next ones need its lakehouse)."""
    days: list[Day] = []
    for number in range(1, settings.days + 1):
        day = one_day(number, settings, lakehouse, console)
        days.append(day)
        if day.full_refresh is None or day.full_refresh.failure:
            break
    return days


def measure_days(settings: Settings, console: Console) -> Measured:
    """The whole sequence on one new lakehouse in a temporary folder deleted afterwards."""
    settings.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="retail-day-by-day-", dir=settings.workdir) as tmp:
        lakehouse = Path(tmp) / "lakehouse"
        argv = ["--scale", f"{settings.scale:g}", "--lakehouse", str(lakehouse)]
        generation = generate(lakehouse, argv, Path(tmp) / "generate.log")
        log_process(console, f"{scale_label(settings.scale)}: retail generate", generation.process)
        if generation.failure:
            return Measured(settings.scale, settings.days, generation, None, ())
        first = update("first", settings.scale, lakehouse, Path(tmp) / "first.log")
        log_update(console, "first update", first)
        days = () if first.failure else tuple(run_days(settings, lakehouse, console))
    return Measured(settings.scale, settings.days, generation, first, days)


def log_process(console: Console, what: str, process: ProcessRun) -> None:
    if not process.ok:
        console.log(f"{what}: {process.failure_note}")
        return
    peak = memory(process.peak_tree_rss)
    console.log(f"{what}: {process.wall_seconds:.2f} s wall, peak tree RSS {peak}")


def log_update(console: Console, what: str, result: Update) -> None:
    if result.failure:
        console.log(f"{what}: {result.failure}")
        return
    wall = result.process.wall_seconds
    console.log(f"{what}: update {result.seconds:.2f} s ({wall:.2f} s wall)")


def parse_settings(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.day_by_day", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=3, help="appended days, one at a time")
    parser.add_argument(
        "--target",
        type=float,
        default=DAY_BY_DAY_SPEEDUP,
        help=f"the median ratio a PASS needs (default {DAY_BY_DAY_SPEEDUP:g})",
    )
    parser.add_argument("--workdir", type=Path, help="where the temporary folder goes")
    parser.add_argument("--out", type=Path, default=OUT, help="the JSON results file")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.days < 1:
        parser.error("--scale must be positive and --days at least 1")
    return Settings(
        scale=args.scale,
        days=args.days,
        target=args.target,
        workdir=args.workdir or Path(tempfile.gettempdir()),
        out=args.out,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings(argv)
    measured = measure_days(settings, Console(stderr=True))
    outcome = judge(measured, settings.target)
    machine = machine_facts(datetime.date.today().isoformat())
    console = Console()
    console = console if console.is_terminal else Console(width=WIDE_CONSOLE)
    console.print(results_table(outcome))
    console.print(outcome.summary(machine["cpu_count"]))
    document = results_document(outcome, settings.as_dict(), machine)
    settings.out.parent.mkdir(parents=True, exist_ok=True)
    settings.out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results written to {settings.out}")
    return exit_code(outcome)


if __name__ == "__main__":
    sys.exit(main())
