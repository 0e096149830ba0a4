"""Lineage: table-level from the dependency graph, column-level where sqlglot can trace it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage

from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.pipeline.queries import SOURCE_DIALECT
from retail_lakehouse.pipeline.runner import QUARANTINE_SUFFIX


@dataclass(frozen=True)
class TableEdge:
    source: str
    target: str


def table_lineage(graph: PipelineGraph) -> list[TableEdge]:
    """Every (input -> dataset) edge, plus (dataset -> its quarantine table) edges."""
    edges = [TableEdge(source, target) for source, target in graph.edges()]
    for planned in graph.order:
        if planned.dataset.expectations and planned.dataset.is_table:
            name = planned.dataset.name
            edges.append(TableEdge(name, name + QUARANTINE_SUFFIX))
    return edges


def column_lineage(graph: PipelineGraph, dataset: str, column: str) -> list[str]:
    """The ``table.column`` leaves a column of ``dataset`` is computed from (sorted).

    Upstream datasets are inlined so the trace goes back to the first dataset that reads
    files; an expression sqlglot cannot trace yields an empty list.
    """
    sources = {
        p.dataset.name: p.tree.sql(dialect=SOURCE_DIALECT)
        for p in graph.order
        if p.dataset.name != dataset
    }
    try:
        query = graph.get(dataset).tree.sql(dialect=SOURCE_DIALECT)
        root = lineage(column, query, {}, sources=sources, dialect=SOURCE_DIALECT)
    except (SqlglotError, KeyError, ValueError):
        return []
    return sorted(set(_leaves(root)))


def _leaves(node: Node) -> list[str]:
    if not node.downstream:
        table = node.expression.find(exp.Table) if node.expression else None
        name = node.name.split(".")[-1]
        source = table.name if table is not None else node.source_name or ""
        return [f"{source}.{name}" if source else name]
    return [leaf for child in node.downstream for leaf in _leaves(child)]
