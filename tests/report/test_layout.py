"""The layered layout: inputs above outputs, no overlapping boxes, routes that join them."""

from __future__ import annotations

import itertools

from retail_lakehouse.pipeline.lineage import TableEdge
from retail_lakehouse.report.layout import Box, GraphLayout, layered_layout

DIAMOND = [TableEdge("a", "b"), TableEdge("a", "c"), TableEdge("b", "d"), TableEdge("c", "d"),
           TableEdge("a", "d"), TableEdge("d", "d_quarantine")]  # fmt: skip


def overlap(one: Box, two: Box) -> bool:
    return (one.x < two.x + two.width and two.x < one.x + one.width
            and one.y < two.y + two.height and two.y < one.y + one.height)  # fmt: skip


def lay_out(edges: list[TableEdge], extra: tuple[str, ...] = ()) -> GraphLayout:
    names = sorted({n for e in edges for n in (e.source, e.target)} | set(extra))
    return layered_layout({name: (40.0 + 10 * len(name), 30.0) for name in names}, edges)


def test_inputs_are_above_and_boxes_apart() -> None:
    layout = lay_out(DIAMOND)
    boxes = layout.boxes
    for edge in DIAMOND:
        assert boxes[edge.source].y + boxes[edge.source].height < boxes[edge.target].y, edge
    for one, two in itertools.combinations(boxes.values(), 2):
        assert not overlap(one, two)
    for box in boxes.values():
        assert box.x >= 0 and box.y >= 0
        assert box.x + box.width <= layout.width and box.y + box.height <= layout.height


def test_routes_leave_the_source_bottom_and_reach_the_target_top() -> None:
    layout = lay_out(DIAMOND)
    assert {(r.source, r.target) for r in layout.routes} == {(e.source, e.target) for e in DIAMOND}
    for route in layout.routes:
        source, target = layout.boxes[route.source], layout.boxes[route.target]
        assert route.points[0] == (source.x + source.width / 2, source.y + source.height)
        assert route.points[-1] == (target.x + target.width / 2, target.y)
        ys = [y for _, y in route.points]
        assert ys == sorted(ys)
    long_edge = next(r for r in layout.routes if (r.source, r.target) == ("a", "d"))
    assert len(long_edge.points) == 3  # through the layer of b and c


def test_unconnected_parts_stand_side_by_side() -> None:
    layout = lay_out([TableEdge("a", "b"), TableEdge("x", "y")], extra=("lonely",))
    groups = [("a", "b"), ("x", "y"), ("lonely",)]
    spans = sorted(
        (min(layout.boxes[n].x for n in group), max(layout.boxes[n].x + layout.boxes[n].width
                                                    for n in group))
        for group in groups
    )  # fmt: skip
    for (_, right), (left, _) in itertools.pairwise(spans):
        assert right < left
