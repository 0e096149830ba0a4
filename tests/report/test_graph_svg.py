"""The drawn lineage graph: a box per node with its numbers, an arrow per edge, valid SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.report.graph_svg import CHAR_WIDTH, lineage_svg, node_lines, node_size
from retail_lakehouse.report.lineage import lineage_graph
from retail_lakehouse.report.model import LineageNode
from tests.report.conftest import flow

SVG = "{http://www.w3.org/2000/svg}"


def test_node_lines_say_rows_and_expectation_results() -> None:
    node = LineageNode("silver_orders", "materialized_view", "silver", "dropped", 1234, 56, 3, 2)
    assert node_lines(node) == (
        "silver_orders",
        "mat. view · 1,234 rows",
        "3/5 passed · 56 dropped",
    )
    idle = LineageNode("bronze_orders", "streaming_table", "bronze", "not_run", None, 0, 0, 0)
    assert node_lines(idle) == ("bronze_orders", "streaming · not run", "no expectations")
    width, _ = node_size(node)
    assert width >= len("silver_orders_quarantine") * CHAR_WIDTH  # the longest line fits


def test_every_node_and_edge_is_drawn(tmp_path: Path) -> None:
    graph = load_pipeline(builtin_settings_path(), tmp_path).graph
    orders = flow("silver_orders", [("valid_customer", "drop", 4), ("unique_order_id", "drop", 0)])
    nodes, edges = lineage_graph(graph, [orders])
    root = ET.fromstring(lineage_svg(nodes, edges, orders.expectations))
    groups = {g.get("data-name"): g for g in root.iter(f"{SVG}g") if g.get("data-name")}
    assert list(groups) == [node.name for node in nodes]
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "edge"]) == len(edges)
    drawn = groups["silver_orders"]
    assert "state-dropped" in (drawn.get("class") or "")
    texts = [t.text for t in drawn.iter(f"{SVG}text")]
    assert texts == ["silver_orders", "mat. view · 100 rows", "1/2 passed · 4 dropped"]
    title = drawn.find(f"{SVG}title")
    assert title is not None and "valid_customer (drop): 96 passed, 4 failed" in (title.text or "")
    assert float(root.get("width") or 0) > 0 and float(root.get("height") or 0) > 0
