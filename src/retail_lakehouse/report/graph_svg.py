"""Draws the laid-out lineage graph as inline SVG.

A box per node (fill by medallion layer, border by the latest update's outcome, both
set by the page's CSS classes) with its kind, rows written and expectation results,
and a hover title listing them; an arrow per edge along the route the layout chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from retail_lakehouse.pipeline.lineage import TableEdge
from retail_lakehouse.report.layout import Box, Point, Route, layered_layout
from retail_lakehouse.report.model import ExpectationRow, LineageNode, NodeKind

CHAR_WIDTH = 7.3  # of the 12 px monospace font of node text (see style.css)
LINE_HEIGHT = 16.0
PADDING = 10.0
KIND_LABELS: dict[NodeKind, str] = {
    "streaming_table": "streaming",
    "materialized_view": "mat. view",
    "temporary_view": "temp. view",
    "quarantine": "quarantine",
}


def node_lines(node: LineageNode) -> tuple[str, str, str]:
    """The name; the kind and rows written; the expectation results."""
    rows = "not run" if node.rows_written is None else f"{node.rows_written:,} rows"
    total = node.expectations_passed + node.expectations_failed
    if total:
        checks = f"{node.expectations_passed}/{total} passed"
        if node.rows_dropped:
            checks += f" · {node.rows_dropped:,} dropped"
    else:
        checks = "no expectations"
    return node.name, f"{KIND_LABELS[node.kind]} · {rows}", checks


def node_size(node: LineageNode) -> tuple[float, float]:
    longest = max(len(line) for line in node_lines(node))
    return longest * CHAR_WIDTH + 2 * PADDING, 3 * LINE_HEIGHT + PADDING


def lineage_svg(
    nodes: Sequence[LineageNode],
    edges: Sequence[TableEdge],
    expectations: Sequence[ExpectationRow],
) -> str:
    layout = layered_layout({node.name: node_size(node) for node in nodes}, edges)
    width, height = round(layout.width), round(layout.height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Lineage graph of the pipeline">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/></marker></defs>',
        *(_edge(route) for route in layout.routes),
        *(_node(node, layout.boxes[node.name], expectations) for node in nodes),
        "</svg>",
    ]
    return "".join(parts)


def _edge(route: Route) -> str:
    """Cubic segments between the route's points, vertical where they leave and arrive."""
    (x, y), *rest = route.points
    path = [f"M{x:.1f},{y:.1f}"]
    previous: Point = (x, y)
    for point in rest:
        middle = (previous[1] + point[1]) / 2
        path.append(
            f"C{previous[0]:.1f},{middle:.1f} {point[0]:.1f},{middle:.1f} "
            f"{point[0]:.1f},{point[1]:.1f}"
        )
        previous = point
    label = escape(f"{route.source} -> {route.target}")
    return (
        f'<path class="edge" d="{"".join(path)}" marker-end="url(#arrow)">'
        f"<title>{label}</title></path>"
    )


def _node(node: LineageNode, box: Box, expectations: Sequence[ExpectationRow]) -> str:
    title = "\n".join(
        [node.name, *(_expectation_line(e) for e in expectations if e.dataset == node.name)]
    )
    texts = "".join(
        f'<text class="line{i}" x="{box.x + PADDING:.1f}" '
        f'y="{box.y + PADDING / 2 + LINE_HEIGHT * (i + 0.75):.1f}">{escape(line)}</text>'
        for i, line in enumerate(node_lines(node))
    )
    return (
        f'<g class="node state-{node.state} layer-{node.layer} kind-{node.kind}" '
        f'data-name="{escape(node.name)}"><title>{escape(title)}</title>'
        f'<rect class="frame" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" rx="6"/>{texts}</g>'
    )


def _expectation_line(expectation: ExpectationRow) -> str:
    action = expectation.action or "?"
    return (
        f"{expectation.name} ({action}): {expectation.passed_records:,} passed, "
        f"{expectation.failed_records:,} failed"
    )
