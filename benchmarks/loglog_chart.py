"""A log-log line chart as a standalone SVG file, drawn by hand (no plotting library).

Panels side by side share the x axis's ticks; each panel has its own y range (1-2-5
ticks, or decades over a wide range) and one polyline with a dot per point for each
series. A legend under the panels names each series once, however many panels show it.
Values must be positive; a series may have no points (its polyline is then empty).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
PANEL_WIDTH, PANEL_HEIGHT = 440, 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 20, 54, 48
LEGEND_HEIGHT = 30
PADDING = 1.25  # the data's range is widened by this factor at both ends, in log space
MIN_TICKS, MAX_TICKS = 3, 9
# the sparsest steps (within each power of 10) that still give MIN_TICKS ticks win
STEPS_BY_DENSITY = ((1.0,), (1.0, 2.0, 5.0), tuple(float(s) for s in range(1, 10)))
GRID, AXIS, TEXT = "#dddddd", "#444444", "#222222"
DASHES = "6 4"


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[tuple[float, float], ...]  # (x, y), both positive
    color: str
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    y_label: str
    series: tuple[Series, ...]


@dataclass(frozen=True)
class LogAxis:
    """Maps a positive value onto pixels between ``start`` and ``end``, logarithmically."""

    low: float
    high: float
    start: float
    end: float

    def position(self, value: float) -> float:
        share = (math.log10(value) - math.log10(self.low)) / (
            math.log10(self.high) - math.log10(self.low)
        )
        return self.start + share * (self.end - self.start)


def padded_range(values: Sequence[float]) -> tuple[float, float]:
    """The values' range widened a little each side (1 to 10 without values)."""
    if not values:
        return 1.0, 10.0
    return min(values) / PADDING, max(values) * PADDING


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks between ``low`` and ``high``: the powers of 10 over a wide range, 1-2-5 x
    10^k over a narrower one, 1 to 9 x 10^k over less than a power of 10."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    ticks: list[float] = []
    for steps in STEPS_BY_DENSITY:
        candidates = [round(s * 10.0**k, 12) for k in range(first, last + 1) for s in steps]
        ticks = [t for t in candidates if low <= t <= high]
        if len(ticks) >= MIN_TICKS:
            return ticks if len(ticks) <= MAX_TICKS else ticks[:: len(ticks) // MAX_TICKS + 1]
    return ticks


def label(value: float) -> str:
    return f"{value:g}"


def attribute(value: object) -> str:
    """An attribute's text; pixel positions to a tenth of a pixel."""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: object) -> ET.Element:
    """A child element; attribute names use ``_`` for ``-`` (``stroke_width``)."""
    element = ET.SubElement(
        parent, tag, {k.replace("_", "-"): attribute(v) for k, v in attributes.items()}
    )
    element.text = text
    return element


def draw_panel(parent: ET.Element, panel: Panel, x_ticks: Sequence[float], left: float) -> None:
    """One panel: frame, grid, tick labels, titles and the series, ``left`` px from 0."""
    x_axis = LogAxis(*padded_range(x_ticks), left + MARGIN_LEFT, left + PANEL_WIDTH - MARGIN_RIGHT)
    values = [y for s in panel.series for _, y in s.points]
    y_axis = LogAxis(*padded_range(values), PANEL_HEIGHT - MARGIN_BOTTOM, MARGIN_TOP)
    top, bottom = y_axis.end, y_axis.start
    group = sub(parent, "g")
    sub(
        group,
        "text",
        panel.title,
        x=left + PANEL_WIDTH / 2,
        y=22,
        text_anchor="middle",
        font_size=14,
        font_weight="bold",
    )
    for tick in x_ticks:
        x = x_axis.position(tick)
        sub(group, "line", x1=x, x2=x, y1=top, y2=bottom, stroke=GRID)
        sub(group, "text", label(tick), x=x, y=bottom + 16, text_anchor="middle")
    for tick in log_ticks(y_axis.low, y_axis.high):
        y = y_axis.position(tick)
        sub(group, "line", x1=x_axis.start, x2=x_axis.end, y1=y, y2=y, stroke=GRID)
        sub(group, "text", label(tick), x=x_axis.start - 6, y=y + 4, text_anchor="end")
    sub(
        group,
        "rect",
        x=x_axis.start,
        y=top,
        width=x_axis.end - x_axis.start,
        height=bottom - top,
        fill="none",
        stroke=AXIS,
    )
    sub(
        group,
        "text",
        "scale",
        x=(x_axis.start + x_axis.end) / 2,
        y=bottom + 34,
        text_anchor="middle",
    )
    middle = (top + bottom) / 2
    sub(
        group,
        "text",
        panel.y_label,
        x=left + 16,
        y=middle,
        text_anchor="middle",
        transform=f"rotate(-90 {left + 16} {middle})",
    )
    for series in panel.series:
        draw_series(group, series, x_axis, y_axis)


def draw_series(parent: ET.Element, series: Series, x_axis: LogAxis, y_axis: LogAxis) -> None:
    pixels = [(x_axis.position(x), y_axis.position(y)) for x, y in series.points]
    line = sub(
        parent,
        "polyline",
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in pixels),
        fill="none",
        stroke=series.color,
        stroke_width=2,
    )
    if series.dashed:
        line.set("stroke-dasharray", DASHES)
    sub(line, "title", series.name)
    for x, y in pixels:
        sub(parent, "circle", cx=x, cy=y, r=3.5, fill=series.color)


def draw_legend(parent: ET.Element, panels: Sequence[Panel], top: float) -> None:
    """Each series name once, in the order first drawn."""
    first_of: dict[str, Series] = {}
    for panel in panels:
        for series in panel.series:
            first_of.setdefault(series.name, series)
    x = MARGIN_LEFT
    for series in first_of.values():
        line = sub(
            parent,
            "line",
            x1=x,
            x2=x + 28,
            y1=top + 10,
            y2=top + 10,
            stroke=series.color,
            stroke_width=2,
        )
        if series.dashed:
            line.set("stroke-dasharray", DASHES)
        sub(parent, "text", series.name, x=x + 34, y=top + 14)
        x += 44 + 7 * len(series.name)


def loglog_svg(panels: Sequence[Panel], x_ticks: Sequence[float], title: str) -> str:
    """The panels side by side under ``title``, as the text of an SVG file."""
    width, height = PANEL_WIDTH * len(panels), PANEL_HEIGHT + LEGEND_HEIGHT
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NAMESPACE,
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "font-family": "sans-serif",
            "font-size": "12",
            "fill": TEXT,
        },
    )
    sub(svg, "title", title)
    sub(svg, "rect", x=0, y=0, width=width, height=height, fill="white")
    for index, panel in enumerate(panels):
        draw_panel(svg, panel, x_ticks, index * PANEL_WIDTH)
    draw_legend(svg, panels, PANEL_HEIGHT - 8)
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode") + "\n"
