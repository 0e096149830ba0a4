"""Terminal output of pipeline commands: the update summary, the plan, query results.

The tables are :class:`~retail_lakehouse.cli.console.FittingTable` s, so names print whole
at any width and plainly off a terminal; the columns a narrow terminal leaves out first
are the secondary ones (a dataset's layer and kind, the seconds, the rows read, the
passed counts), never a name or the rows written, quarantined or failed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from rich.markup import escape
from rich.tree import Tree

from retail_lakehouse.cli.console import FittingTable, PlainOffTerminal, TableColumn
from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.pipeline.lineage import TableEdge
from retail_lakehouse.pipeline.results import UpdateResult

_LAYER_ORDER = {"bronze": 0, "silver": 1, "gold": 2, "other": 3}
_KIND_LABELS = {"streaming_table": "stream", "materialized_view": "mview", "temporary_view": "view"}


_DATASET_COLUMNS = (
    TableColumn("layer", drop_order=1),
    TableColumn("dataset"),
    TableColumn("kind", drop_order=2),
    TableColumn("rows in", "right", drop_order=4),
    TableColumn("written", "right"),
    TableColumn("quarantined", "right"),
    TableColumn("s", "right", drop_order=3),
)
_EXPECTATION_COLUMNS = (
    TableColumn("dataset"),
    TableColumn("expectation"),
    TableColumn("on violation", drop_order=2),
    TableColumn("passed", "right", drop_order=1),
    TableColumn("failed", "right"),
)
_ACTION_LABELS = {"warn": "warn", "drop": "DROP ROW", "fail": "FAIL UPDATE"}


def datasets_summary(update: UpdateResult) -> FittingTable:
    table = FittingTable(
        _DATASET_COLUMNS, title=f"Pipeline '{update.pipeline}' update {update.update_id[:8]}"
    )
    ordered = sorted(update.datasets, key=lambda d: _LAYER_ORDER[d.layer])
    for result in ordered:
        written = "up to date" if result.up_to_date else f"{result.written_rows:,}"
        table.add_row(
            result.layer, result.name, _KIND_LABELS[result.kind], f"{result.input_rows:,}",
            written, f"{result.quarantined_rows:,}", f"{result.seconds:.2f}",
        )  # fmt: skip
    table.caption = (
        f"{update.status} in {update.seconds:.2f} s on {update.engine} "
        f"(committing tables: {update.write_seconds:.2f} s more; {update.storage}; "
        f"{update.resources})"
    )
    return table


def expectations_summary(update: UpdateResult) -> FittingTable:
    table = FittingTable(_EXPECTATION_COLUMNS, title="Expectations")
    for result in update.datasets:
        for e in result.expectations:
            failed = f"[red]{e.failed_records:,}[/red]" if e.failed_records else "0"
            table.add_row(
                result.name, e.name, _ACTION_LABELS[e.action], f"{e.passed_records:,}", failed
            )
    kept = [d.name for d in update.datasets if d.up_to_date]
    if kept:
        table.caption = (
            f"Up to date, not computed again: {', '.join(kept)} (the report shows the "
            "counts of the update that last computed them)"
        )
    return table


def plan_tree(graph: PipelineGraph) -> PlainOffTerminal:
    tree = Tree("[bold]Pipeline plan[/bold] (dry run: nothing was read or written)")
    for planned in graph.order:
        dataset = planned.dataset
        reads = ", ".join(planned.inputs) or "files"
        node = tree.add(f"{dataset.name} [dim]({dataset.kind.replace('_', ' ')}; reads {reads})")
        for expectation in dataset.expectations:
            node.add(f"[dim]expect[/dim] {expectation.name}: {expectation.action}")
    return PlainOffTerminal(tree)


def lineage_lines(edges: Sequence[TableEdge], names: Sequence[str]) -> list[str]:
    """``table <- inputs``, datasets in run order, each followed by the tables only it feeds
    (its quarantine)."""
    reads: dict[str, list[str]] = {}
    for edge in edges:
        reads.setdefault(edge.target, []).append(edge.source)
    lines = []
    for name in names:
        lines.append(f"{name} <- {', '.join(reads.get(name, [])) or 'files'}")
        lines += [f"{t} <- {name}" for t, s in reads.items() if t not in names and s == [name]]
    return lines


def arrow_table(data: pa.Table, limit: int = 1000) -> FittingTable:
    """The first ``limit`` rows; no column is left out at narrow widths (each holds data),
    so a table too wide for the terminal folds its cells instead."""
    table = FittingTable([TableColumn(escape(name)) for name in data.column_names])
    for row in data.slice(0, limit).to_pylist():
        table.add_row(*("NULL" if v is None else escape(str(v)) for v in row.values()))
    shown = f" (first {limit})" if data.num_rows > limit else ""
    table.caption = f"{data.num_rows:,} rows{shown}"
    return table
