"""Terminal output of the CLI: live progress for long work, and summary tables.

On a terminal, generating shows a bar per table and an update a line per dataset (running,
then its rows and seconds), live. Elsewhere (a pipe, a log file) generating shows nothing
and an update prints a plain line as each dataset starts and ends, before the summaries;
stderr stays for errors alone.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from retail_lakehouse.generate.runner import GenerateReport

if TYPE_CHECKING:  # the pipeline's libraries load after generating
    from retail_lakehouse.pipeline.results import DatasetResult


class _LiveOnTerminal:
    """A Rich live display (a Progress or a Live) shown from ``with`` to its end, on a
    terminal only."""

    def __init__(self, console: Console, display: Progress | Live) -> None:
        self._enabled = console.is_terminal
        self._display = display

    def __enter__(self) -> Self:
        if self._enabled:
            self._display.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._enabled:
            self._display.stop()


class RowProgress(_LiveOnTerminal):
    """Rows written per table, as Rich progress bars (a no-op when not on a terminal)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            "[bold]{task.description:<14}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        super().__init__(console, self.progress)
        self._tasks: dict[str, TaskID] = {}

    def start(self, table: str, total_rows: int) -> None:
        if self._enabled:
            self._tasks[table] = self.progress.add_task(table, total=total_rows)

    def advance(self, table: str, rows: int) -> None:
        if self._enabled:
            self.progress.advance(self._tasks[table], rows)


class DatasetProgress:
    """An update's datasets as they run: live lines on a terminal, plain lines elsewhere."""

    def __init__(self, console: Console, plain: TextIO | None = None) -> None:
        self._live = console.is_terminal
        self._plain = plain if plain is not None else sys.stdout
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]done"),
            "[bold]{task.description:<32}",
            TextColumn("{task.fields[rows]:>16}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._tasks: dict[str, TaskID] = {}

    def dataset_started(self, name: str) -> None:
        if self._live:
            self._tasks[name] = self.progress.add_task(name, total=1, rows="running")
        else:
            self._say(f"{name}: running")

    def dataset_finished(self, result: DatasetResult) -> None:
        rows = f"{result.written_rows:,} rows"
        if self._live:
            self.progress.update(self._tasks[result.name], completed=1, rows=rows)
        else:
            self._say(f"{result.name}: {rows} in {result.seconds:.2f} s")

    def committing(self, tables: int) -> None:
        if self._live:
            self.progress.add_task(f"committing {tables} tables", total=None, rows="")
        else:
            self._say(f"committing {tables} tables")

    def _say(self, line: str) -> None:
        print(line, file=self._plain, flush=True)


class RunDisplay(_LiveOnTerminal):
    """``retail run``'s live display: the generator's bars, then the update's datasets."""

    def __init__(self, console: Console) -> None:
        self.rows = RowProgress(console)
        self.datasets = DatasetProgress(console)
        live = Live(
            Group(self.rows.progress, self.datasets.progress), console=console,
            refresh_per_second=4,
        )  # fmt: skip
        super().__init__(console, live)


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def generate_summary(report: GenerateReport) -> Table:
    table = Table(title=f"Landing zone: {report.landing}", title_justify="left")
    for header in ("table", "rows", "files", "bytes", "worker s"):
        table.add_column(header, justify="left" if header == "table" else "right")
    for entry in report.tables:
        table.add_row(
            entry.name,
            f"{entry.rows:,}",
            str(entry.files),
            human_bytes(entry.bytes),
            f"{entry.seconds:.2f}",
        )
    rows = sum(t.rows for t in report.tables)
    table.add_section()
    table.add_row(
        "total",
        f"{rows:,}",
        str(sum(t.files for t in report.tables)),
        human_bytes(sum(t.bytes for t in report.tables)),
        f"{sum(t.seconds for t in report.tables):.2f}",
    )
    table.caption = f"{report.seconds:.2f} s wall, {rows / max(report.seconds, 1e-9):,.0f} rows/s"
    return table
