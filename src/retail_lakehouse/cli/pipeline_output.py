"""Terminal output of pipeline commands: the update summary, the plan, query results."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from rich.table import Table
from rich.tree import Tree

from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.pipeline.lineage import TableEdge
from retail_lakehouse.pipeline.results import UpdateResult

_LAYER_ORDER = {"bronze": 0, "silver": 1, "gold": 2, "other": 3}
_KIND_LABELS = {"streaming_table": "stream", "materialized_view": "mview", "temporary_view": "view"}


def datasets_summary(update: UpdateResult) -> Table:
    table = Table(title=f"Pipeline '{update.pipeline}' update {update.update_id[:8]}",
                  title_justify="left")  # fmt: skip
    for header in ("layer", "dataset", "kind", "rows in", "written", "quarantined", "s"):
        table.add_column(
            header, justify="left" if header in ("layer", "dataset", "kind") else "right"
        )
    ordered = sorted(update.datasets, key=lambda d: _LAYER_ORDER[d.layer])
    for result in ordered:
        table.add_row(
            result.layer, result.name, _KIND_LABELS[result.kind], f"{result.input_rows:,}",
            f"{result.written_rows:,}", f"{result.quarantined_rows:,}", f"{result.seconds:.2f}",
        )  # fmt: skip
    table.caption = (
        f"{update.status} in {update.seconds:.2f} s on {update.engine} "
        f"(committing tables: {update.write_seconds:.2f} s more; {update.storage}; "
        f"{update.resources})"
    )
    return table


def expectations_summary(update: UpdateResult) -> Table:
    table = Table(title="Expectations", title_justify="left")
    for header in ("dataset", "expectation", "on violation", "passed", "failed"):
        table.add_column(header, justify="right" if header in ("passed", "failed") else "left")
    labels = {"warn": "warn", "drop": "DROP ROW", "fail": "FAIL UPDATE"}
    for result in update.datasets:
        for e in result.expectations:
            failed = f"[red]{e.failed_records:,}[/red]" if e.failed_records else "0"
            table.add_row(result.name, e.name, labels[e.action], f"{e.passed_records:,}", failed)
    return table


def plan_tree(graph: PipelineGraph) -> Tree:
    tree = Tree("[bold]Pipeline plan[/bold] (dry run: nothing was read or written)")
    for planned in graph.order:
        dataset = planned.dataset
        reads = ", ".join(planned.inputs) or "files"
        node = tree.add(f"{dataset.name} [dim]({dataset.kind.replace('_', ' ')}; reads {reads})")
        for expectation in dataset.expectations:
            node.add(f"[dim]expect[/dim] {expectation.name}: {expectation.action}")
    return tree


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


def arrow_table(data: pa.Table, limit: int = 1000) -> Table:
    table = Table(
        caption=f"{data.num_rows:,} rows" + (f" (first {limit})" if data.num_rows > limit else "")
    )
    for name in data.column_names:
        table.add_column(name)
    for row in data.slice(0, limit).to_pylist():
        table.add_row(*("NULL" if v is None else str(v) for v in row.values()))
    return table
