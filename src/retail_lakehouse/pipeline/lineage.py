"""Lineage: table-level from the dependency graph, column-level where sqlglot can trace it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage

from retail_lakehouse.pipeline.changes import END_AT, START_AT, target_columns
from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.sql.queries import SOURCE_DIALECT


@dataclass(frozen=True)
class TableEdge:
    source: str
    target: str


def table_lineage(graph: PipelineGraph) -> list[TableEdge]:
    """Every (input -> dataset) edge, plus (dataset -> its quarantine table) edges."""
    edges = [TableEdge(source, target) for source, target in graph.edges()]
    for planned in graph.order:
        quarantine = planned.dataset.quarantine
        if quarantine is not None:
            edges.append(TableEdge(planned.dataset.name, quarantine))
    return edges


def column_lineage(
    graph: PipelineGraph,
    dataset: str,
    column: str,
    schemas: Mapping[str, Mapping[str, str]],
    python_queries: Mapping[str, exp.Expr] | None = None,
) -> list[str]:
    """The ``dataset.column`` leaves a column of ``dataset`` is computed from (sorted).

    Datasets with a known schema (the stored tables that read files, e.g. bronze) are the
    leaves; the others are inlined so the trace crosses silver and gold. A Python
    dataset's query is code: it is traced through the SQL ``python_queries`` gives for it
    (the engine's, in any dialect). An AUTO CDC target's columns are its source's, and
    ``__START_AT`` / ``__END_AT`` its sequence's, when its source's schema is known. An
    expression sqlglot cannot trace, or a Python dataset on the way without SQL, yields an
    empty list.
    """
    trees = {p.dataset.name: p.tree for p in graph.order if p.tree is not None}
    trees.update(python_queries or {})
    trees.update(_change_flow_trees(graph, schemas))
    sources = {
        name: tree.sql(dialect=SOURCE_DIALECT)
        for name, tree in trees.items()
        if name != dataset and name not in schemas
    }
    schema = {name: dict(columns) for name, columns in schemas.items()}
    tree = trees.get(dataset)
    if tree is None:
        return []
    try:
        query = tree.sql(dialect=SOURCE_DIALECT)
        root = lineage(column, query, schema, sources=sources, dialect=SOURCE_DIALECT)
    except (SqlglotError, KeyError, ValueError):
        return []
    return sorted(set(_leaves(root)))


def _change_flow_trees(
    graph: PipelineGraph, schemas: Mapping[str, Mapping[str, str]]
) -> dict[str, exp.Expr]:
    """For lineage, each AUTO CDC target whose source's schema is known as the query its
    columns come from: the kept columns, and the sequence as ``__START_AT`` / ``__END_AT``."""
    trees: dict[str, exp.Expr] = {}
    for planned in graph.order:
        flow = planned.dataset.changes
        if flow is None or flow.source not in schemas:
            continue
        kept = [f"`{c}`" for c in target_columns(flow, list(schemas[flow.source]))]
        sequence = [f"{flow.sequence_by} AS {name}" for name in (START_AT, END_AT)]
        query = f"SELECT {', '.join(kept + sequence)} FROM `{flow.source}`"
        trees[planned.dataset.name] = sqlglot.parse_one(query, read=SOURCE_DIALECT)
    return trees


def file_reading_datasets(graph: PipelineGraph) -> list[str]:
    """Datasets whose queries read files (their schemas come from storage)."""
    return [p.dataset.name for p in graph.order if p.file_sources]


def _leaves(node: Node) -> list[str]:
    if not node.downstream:
        table = node.expression.find(exp.Table) if node.expression else None
        name = node.name.split(".")[-1].strip('"`')  # quoted in SQL made from a DataFrame
        source = table.name if table is not None else node.source_name or ""
        return [f"{source}.{name}" if source else name]
    return [leaf for child in node.downstream for leaf in _leaves(child)]
