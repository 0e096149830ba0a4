"""Terminal output of the CLI: Rich progress bars for long work and summary tables."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn
from rich.table import Table

from retail_lakehouse.generate.runner import GenerateReport


class RowProgress:
    """Rows written per table, as Rich progress bars (a no-op when not on a terminal)."""

    def __init__(self, console: Console) -> None:
        self._enabled = console.is_terminal
        self._progress = Progress(
            "[bold]{task.description:<14}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RowProgress:
        if self._enabled:
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._enabled:
            self._progress.stop()

    def start(self, table: str, total_rows: int) -> None:
        if self._enabled:
            self._tasks[table] = self._progress.add_task(table, total=total_rows)

    def advance(self, table: str, rows: int) -> None:
        if self._enabled:
            self._progress.advance(self._tasks[table], rows)


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
