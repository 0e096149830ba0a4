"""The lineage graph's nodes: each dataset and quarantine table with the latest update's
rows and expectation outcome, and the state that colours it.

Edges come from :func:`retail_lakehouse.pipeline.lineage.table_lineage`, so the report's
graph is the one ``retail lineage`` prints: the quarantine tables are the edge targets
that are not datasets of the pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence

from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.pipeline.lineage import TableEdge, table_lineage
from retail_lakehouse.pipeline.model import DatasetKind, Layer
from retail_lakehouse.report.model import FlowRow, LineageNode, NodeState


def lineage_graph(
    graph: PipelineGraph, flows: Sequence[FlowRow]
) -> tuple[tuple[LineageNode, ...], tuple[TableEdge, ...]]:
    """Nodes in run order, each dataset followed by its quarantine table; and the edges."""
    edges = table_lineage(graph)
    names = graph.names()
    quarantine_of = {e.source: e.target for e in edges if e.target not in names}
    by_name = {flow.dataset: flow for flow in flows}
    nodes: list[LineageNode] = []
    for planned in graph.order:
        dataset = planned.dataset
        flow = by_name.get(dataset.name)
        nodes.append(dataset_node(dataset.name, dataset.kind, dataset.layer, flow))
        if dataset.name in quarantine_of:
            nodes.append(quarantine_node(quarantine_of[dataset.name], dataset.layer, flow))
    return tuple(nodes), tuple(edges)


def flow_state(flow: FlowRow | None) -> NodeState:
    """The worst outcome: failed (FAIL UPDATE tripped) > dropped > warned > passed."""
    if flow is None:
        return "not_run"
    if flow.status == "FAILED":
        return "failed"
    tripped = {e.action for e in flow.expectations if e.failed_records}
    if "drop" in tripped:
        return "dropped"
    return "warned" if tripped else "passed"


def dataset_node(name: str, kind: DatasetKind, layer: Layer, flow: FlowRow | None) -> LineageNode:
    failing = sum(1 for e in flow.expectations if e.failed_records) if flow else 0
    return LineageNode(
        name=name,
        kind=kind,
        layer=layer,
        state=flow_state(flow),
        rows_written=flow.rows_written if flow else None,
        rows_dropped=flow.rows_quarantined if flow else 0,
        expectations_passed=len(flow.expectations) - failing if flow else 0,
        expectations_failed=failing,
    )


def quarantine_node(name: str, layer: Layer, source: FlowRow | None) -> LineageNode:
    """A quarantine table, in its dataset's layer: written what its dataset dropped
    (nothing when it failed)."""
    written = source is not None and source.status == "COMPLETED"
    rows = source.rows_quarantined if source is not None and written else None
    state: NodeState = "not_run" if not written else ("dropped" if rows else "passed")
    return LineageNode(
        name=name,
        kind="quarantine",
        layer=layer,
        state=state,
        rows_written=rows,
        rows_dropped=0,
        expectations_passed=0,
        expectations_failed=0,
    )
