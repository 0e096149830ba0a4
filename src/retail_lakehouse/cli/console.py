"""Terminal output of the CLI: live progress for long work, and summary tables.

On a terminal, generating shows a bar per table and an update a line per dataset (running,
then its rows and seconds), live. Elsewhere (a pipe, a log file) generating shows nothing
and an update prints a plain line as each dataset starts and ends, before the summaries;
stderr stays for errors alone.

Tables never cut a cell: a dataset, table, expectation or column name prints whole. On a
terminal a :class:`FittingTable` is as wide as its content when that fits; on a narrower
terminal it leaves out its less important columns, in the order its columns say, and
says which; if even its remaining columns do not fit, cells fold onto more lines.
Elsewhere output is plain and stable: no colour, ASCII borders and tree guides, and
(on :func:`output_console`) a width of :data:`PLAIN_WIDTH`, wider than any summary, so a
table is laid out by its content alone, whatever the width of the pipe, log or
``COLUMNS``, and a note is one line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self, TextIO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.measure import Measurement
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
from rich.text import Text

from retail_lakehouse.generate.runner import GenerateReport, TableReport

if TYPE_CHECKING:  # the pipeline's libraries load after generating
    from retail_lakehouse.pipeline.results import DatasetResult

PLAIN_WIDTH = 1000  # off a terminal: wider than any summary, so none is laid out narrower
Justify = Literal["left", "right"]


def output_console() -> Console:
    """The console a command prints to: the terminal as it is; elsewhere one
    :data:`PLAIN_WIDTH` wide, so plain output depends on its content alone."""
    console = Console()
    return console if console.is_terminal else Console(width=PLAIN_WIDTH)


def plain_off_terminal(options: ConsoleOptions) -> ConsoleOptions:
    """``options`` for ASCII only (borders, tree guides) when not on a terminal: a log or a
    pipe shows the same characters whatever reads it."""
    if options.is_terminal:
        return options
    plain = options.copy()
    plain.encoding = "ascii"  # Rich draws ASCII borders and guides for an ASCII-only file
    return plain


class PlainOffTerminal:
    """A renderable (a tree) drawn in ASCII when not on a terminal."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.renderable, plain_off_terminal(options))


@dataclass(frozen=True)
class TableColumn:
    """A column of a :class:`FittingTable`; ``drop_order`` says which columns a narrow
    terminal leaves out first (1 before 2); ``None``: always shown. A right-justified
    column holds figures, folded only when there is nothing else left to fold."""

    header: str
    justify: Justify = "left"
    drop_order: int | None = None


class FittingTable:
    """A table of names and figures that never cuts a cell: laid out for the width of the
    console it prints on when printed (see the module's docstring)."""

    def __init__(self, columns: Sequence[TableColumn], title: str | None = None) -> None:
        self.columns = tuple(columns)
        self.title = title
        self.caption: str | None = None
        self.rows: list[tuple[str, ...]] = []  # cells are Rich markup
        self._section_ends: set[int] = set()

    def add_row(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def add_section(self) -> None:
        """A line under the last row."""
        if self.rows:
            self._section_ends.add(len(self.rows) - 1)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The table, then its caption as lines of their own: a caption under a table wraps
        at the table's width, which would break a summary line mid-phrase."""
        options = plain_off_terminal(options)
        table = self.layout(console, options)
        caption, table.caption = table.caption, None
        yield from console.render(table, options)
        if caption:
            yield from console.render(Text.from_markup(str(caption), style="dim"), options)

    def layout(self, console: Console, options: ConsoleOptions) -> Table:
        """The Rich table for ``options.max_width``: a line a row when that fits, else
        without the columns that drop first; then cells wrapped between words; cells
        folded as the last resort."""
        shown = list(range(len(self.columns)))
        table = self._table(shown)
        for dropped in self._drop_sequence():
            if _natural_width(console, options, table) <= options.max_width:
                return table
            shown.remove(dropped)
            table = self._table(shown)
        overflow = _natural_width(console, options, table) - options.max_width
        if overflow <= 0:
            return table
        return self._table(shown, self._wrapped_widths(shown, overflow))

    def _drop_sequence(self) -> list[int]:
        droppable = [(c.drop_order, i) for i, c in enumerate(self.columns) if c.drop_order]
        return [index for _, index in sorted(droppable)]

    def _wrapped_widths(self, shown: list[int], overflow: int) -> list[int]:
        """Content widths of the ``shown`` columns, ``overflow`` narrower in all, giving
        up as little as it takes, in turn: cells wrapped between words (a name is one
        word); then the figures' headers folded; then the other cells; then all."""
        texts = [[Text.from_markup(cell).plain for cell in self._cells(i)] for i in shown]
        figures = [self.columns[i].justify == "right" for i in shown]
        words = [_longest_word(t) for t in texts]
        values = [_longest_word(t[1:]) if f else 1 for t, f in zip(texts, figures, strict=True)]
        widths = [_longest_line(t) for t in texts]
        target = sum(widths) - overflow
        for minimums in (
            words,
            [v if f else w for v, w, f in zip(values, words, figures, strict=True)],
            values,
            [1] * len(shown),
        ):
            widths = _narrowed(widths, minimums, sum(widths) - target)
        return widths

    def _cells(self, index: int) -> list[str]:
        return [self.columns[index].header, *(row[index] for row in self.rows)]

    def _table(self, shown: list[int], widths: Sequence[int] | None = None) -> Table:
        """The table of the ``shown`` columns: without ``widths``, as wide as their cells;
        with them, that wide, cells wrapped between words or else folded."""
        table = Table(title=self.title, title_justify="left", caption=self._caption(shown))
        for place, index in enumerate(shown):
            column = self.columns[index]
            table.add_column(
                column.header, justify=column.justify, overflow="fold", no_wrap=widths is None,
                width=None if widths is None else widths[place],
            )  # fmt: skip
        for number, row in enumerate(self.rows):
            cells = [row[index] for index in shown]
            table.add_row(*cells, end_section=number in self._section_ends)
        return table

    def _caption(self, shown: list[int]) -> str | None:
        left_out = [c.header for i, c in enumerate(self.columns) if i not in shown]
        if not left_out:
            return self.caption
        note = f"(left out to fit: {', '.join(left_out)})"
        return note if self.caption is None else f"{self.caption}\n{note}"


def _longest_line(texts: list[str]) -> int:
    return max((cell_len(line) for text in texts for line in text.splitlines()), default=1)


def _longest_word(texts: list[str]) -> int:
    return max((cell_len(word) for text in texts for word in text.split()), default=1)


def _narrowed(widths: list[int], minimums: list[int], excess: int) -> list[int]:
    """``widths`` less ``excess`` in all (or at their ``minimums``), each giving in
    proportion to its room above its minimum."""
    room = [max(w - m, 0) for w, m in zip(widths, minimums, strict=True)]
    if excess <= 0 or not any(room):
        return widths
    given = [min(r, -(-excess * r // sum(room))) for r in room]  # rounded up: enough in all
    return [w - g for w, g in zip(widths, given, strict=True)]


def _natural_width(console: Console, options: ConsoleOptions, table: Table) -> int:
    """How wide ``table`` is with no cell wrapped."""
    return Measurement.get(console, options.update_width(PLAIN_WIDTH), table).maximum


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
        rows = "up to date" if result.up_to_date else f"{result.written_rows:,} rows"
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


_SUMMARY_COLUMNS = (
    TableColumn("table"),
    TableColumn("rows", "right"),
    TableColumn("files", "right", drop_order=2),
    TableColumn("bytes", "right", drop_order=3),
    TableColumn("worker s", "right", drop_order=1),
)


def generate_summary(report: GenerateReport) -> FittingTable:
    """Each table's rows, files, bytes and worker time; then, for a generation, its change
    feeds' base INSERTs (an append lists its days' feed records among the tables); and the
    total of all the files written."""
    table = FittingTable(_SUMMARY_COLUMNS, title=f"Landing zone: {report.landing}")
    for entry in report.tables:
        table.add_row(*_summary_cells(entry), f"{entry.seconds:.2f}")
    if report.feeds:
        table.add_section()
        for entry in report.feeds:  # written by their tables' blocks, in the tables' time
            table.add_row(*_summary_cells(entry), "")
    total = _total([*report.tables, *report.feeds])
    table.add_section()
    table.add_row(*_summary_cells(total), f"{total.seconds:.2f}")
    rate = total.rows / max(report.seconds, 1e-9)
    table.caption = f"{report.seconds:.2f} s wall, {rate:,.0f} rows/s"
    return table


def _total(entries: list[TableReport]) -> TableReport:
    return TableReport(
        "total",
        sum(e.rows for e in entries),
        sum(e.files for e in entries),
        sum(e.bytes for e in entries),
        sum(e.seconds for e in entries),
    )


def _summary_cells(entry: TableReport) -> tuple[str, str, str, str]:
    """The name, rows, files and bytes of one line of the summary."""
    return entry.name, f"{entry.rows:,}", str(entry.files), human_bytes(entry.bytes)
