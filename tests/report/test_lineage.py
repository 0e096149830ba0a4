"""The lineage graph's nodes: the pipeline's datasets and quarantine tables, and their states."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.lineage import table_lineage
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.report.lineage import flow_state, lineage_graph
from retail_lakehouse.report.model import NodeState
from tests.report.conftest import flow


@pytest.mark.parametrize(
    ("checks", "status", "state"),
    [
        ((), "COMPLETED", "passed"),
        ((("a", "drop", 0), ("b", "warn", 0)), "COMPLETED", "passed"),
        ((("a", "warn", 3),), "COMPLETED", "warned"),
        ((("a", None, 3),), "COMPLETED", "warned"),
        ((("a", "warn", 3), ("b", "drop", 1)), "COMPLETED", "dropped"),
        ((("a", "drop", 1), ("b", "fail", 2)), "FAILED", "failed"),
    ],
)
def test_a_flow_takes_its_worst_outcome(
    checks: tuple[tuple[str, str, int], ...], status: str, state: NodeState
) -> None:
    assert flow_state(flow("silver_x", checks, status)) == state  # type: ignore[arg-type]


def test_no_flow_is_not_run() -> None:
    assert flow_state(None) == "not_run"


def test_nodes_are_the_datasets_and_their_quarantine_tables(tmp_path: Path) -> None:
    graph = load_pipeline(builtin_settings_path(), tmp_path).graph
    flows = [
        flow("bronze_orders"),
        flow("silver_orders", [("valid_customer", "drop", 4), ("unique_order_id", "drop", 0)]),
        flow("silver_order_items", [("valid_order", "fail", 2)], status="FAILED", written=0),
    ]
    nodes, edges = lineage_graph(graph, flows)
    assert list(edges) == table_lineage(graph)
    by_name = {node.name: node for node in nodes}
    assert set(by_name) == set(graph.names()) | {e.target for e in edges}
    orders, quarantine = by_name["silver_orders"], by_name["silver_orders_quarantine"]
    assert (orders.state, orders.rows_written, orders.rows_dropped) == ("dropped", 100, 4)
    assert (orders.expectations_passed, orders.expectations_failed) == (1, 1)
    assert (quarantine.kind, quarantine.state, quarantine.rows_written) == (
        "quarantine",
        "dropped",
        4,
    )
    assert by_name["bronze_orders"].state == "passed"
    assert by_name["bronze_orders"].kind == "streaming_table"
    assert by_name["silver_order_items"].state == "failed"
    assert by_name["silver_order_items_quarantine"].state == "not_run"
    assert by_name["gold_daily_sales_summary"].state == "not_run"
    assert by_name["gold_daily_sales_summary"].rows_written is None
    assert by_name["silver_customers_quarantine"].rows_written is None
