"""The hand-drawn log-log SVG: well-formed, one polyline per series, logarithmic spacing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from benchmarks.loglog_chart import Panel, Series, log_ticks, loglog_svg

SVG = "{http://www.w3.org/2000/svg}"


def polyline_points(element: ET.Element) -> list[tuple[float, float]]:
    pairs = (pair.split(",") for pair in element.get("points", "").split())
    return [(float(x), float(y)) for x, y in pairs]


def test_one_polyline_per_series_with_equal_steps_for_equal_ratios() -> None:
    ours = Series("ours", ((1, 1.0), (10, 10.0), (100, 100.0)), "#000000")
    bare = Series("bare", ((1, 2.0), (10, 4.0)), "#ff0000", dashed=True)
    failed = Series("failed everywhere", (), "#00ff00")
    panels = [Panel("seconds", "s", (ours, bare, failed)), Panel("memory", "GiB", (ours,))]

    root = ET.fromstring(loglog_svg(panels, [1, 10, 100], "a title"))

    lines = root.findall(f".//{SVG}polyline")
    titles = [line.findtext(f"{SVG}title") for line in lines]
    assert titles == ["ours", "bare", "failed everywhere", "ours"]
    assert lines[1].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    (x1, y1), (x2, y2), (x3, y3) = polyline_points(lines[0])
    assert x2 - x1 == pytest.approx(x3 - x2, abs=0.2)  # x 1 -> 10 -> 100: equal log steps
    assert x2 > x1
    assert y1 - y2 == pytest.approx(y2 - y3, abs=0.2)  # y grows upwards, in equal log steps
    assert y1 > y2
    assert polyline_points(lines[2]) == []
    assert len(root.findall(f".//{SVG}circle")) == 3 + 2 + 3


def test_ticks_are_powers_of_ten_or_finer_steps_within_the_range() -> None:
    assert log_ticks(0.8, 2000) == [1, 10, 100, 1000]
    assert log_ticks(0.4, 60) == [0.5, 1, 2, 5, 10, 20, 50]
    assert log_ticks(0.17, 0.55) == [0.2, 0.3, 0.4, 0.5]
