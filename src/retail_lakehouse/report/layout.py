"""Layered (Sugiyama) layout of the lineage graph, by grandalf: top to bottom, inputs above.

grandalf ranks the nodes, orders each layer to reduce edge crossings, places them, and
threads every edge that spans several layers through dummy points, one per layer it
crosses. This module turns that into plain boxes and routes in page coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from retail_lakehouse.pipeline.lineage import TableEdge

Point = tuple[float, float]
MARGIN = 16.0
NODE_GAP = 28.0  # between nodes of a layer
LAYER_GAP = 44.0  # between layers
COMPONENT_GAP = 48.0  # between unconnected parts of the graph
DUMMY_WIDTH = 8.0


@dataclass(frozen=True)
class Box:
    """A node's box: ``x``, ``y`` is its top-left corner."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Route:
    """An edge from the bottom of its source to the top of its target, through ``via``."""

    source: str
    target: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class GraphLayout:
    boxes: dict[str, Box]
    routes: tuple[Route, ...]
    width: float
    height: float


class _NodeView:
    """What grandalf reads (``w``, ``h``) and writes (``xy``, the centre) per vertex."""

    def __init__(self, width: float, height: float) -> None:
        self.w, self.h = width, height
        self.xy: Point = (0.0, 0.0)


class _EdgeView:
    """What grandalf writes per edge: the points it passes through, centre to centre."""

    def __init__(self) -> None:
        self.points: list[Point] = []

    def setpath(self, points: list[Point]) -> None:
        self.points = [(float(x), float(y)) for x, y in points]


def layered_layout(
    sizes: Mapping[str, tuple[float, float]], edges: Sequence[TableEdge]
) -> GraphLayout:
    """Lay out nodes of the given (width, height) and the edges between them."""
    vertices = {name: Vertex(name) for name in sizes}
    for name, vertex in vertices.items():
        vertex.view = _NodeView(*sizes[name])
    links = []
    for edge in edges:
        link = Edge(vertices[edge.source], vertices[edge.target])
        link.view = _EdgeView()
        links.append(link)
    graph = Graph(list(vertices.values()), links)
    offset, bottom = MARGIN, 0.0
    for component in graph.C:
        left, right, height = _lay_out_component(component)
        _shift(component, offset - left)
        offset += right - left + COMPONENT_GAP
        bottom = max(bottom, height)
    boxes = {name: _box(vertex.view) for name, vertex in vertices.items()}
    routes = tuple(_route(link) for link in links)
    return GraphLayout(boxes, routes, offset - COMPONENT_GAP + MARGIN, bottom + 2 * MARGIN)


def _lay_out_component(component: Graph) -> tuple[float, float, float]:
    """Place one connected part; returns its left and right edge and its height."""
    sugiyama = SugiyamaLayout(component)
    sugiyama.xspace, sugiyama.yspace = NODE_GAP, LAYER_GAP
    sugiyama.dw = DUMMY_WIDTH  # the width an edge takes where it crosses a layer
    sugiyama.init_all()
    sugiyama.draw(3)
    views = [v.view for v in component.sV]
    left = min(v.xy[0] - v.w / 2 for v in views)
    right = max(v.xy[0] + v.w / 2 for v in views)
    height = max(v.xy[1] + v.h / 2 for v in views)
    return left, right, height


def _shift(component: Graph, dx: float) -> None:
    for vertex in component.sV:
        x, y = vertex.view.xy
        vertex.view.xy = (x + dx, y + MARGIN)
    for edge in component.sE:
        edge.view.points = [(x + dx, y + MARGIN) for x, y in edge.view.points]


def _box(view: _NodeView) -> Box:
    x, y = view.xy
    return Box(x - view.w / 2, y - view.h / 2, view.w, view.h)


def _route(link: Edge) -> Route:
    source, target = link.v[0].view, link.v[1].view
    start = (source.xy[0], source.xy[1] + source.h / 2)
    end = (target.xy[0], target.xy[1] - target.h / 2)
    via = link.view.points[1:-1]
    return Route(link.v[0].data, link.v[1].data, (start, *via, end))
