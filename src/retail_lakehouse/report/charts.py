"""The pipeline's declared charts and the update's timings, drawn as SVG by leather.

Each chart is a function from report records to a :class:`Chart`; leather computes the
scales, ticks, axes and shapes, and this module only picks the data, the formats and
the colours. Its theme is set here once, to match the page's fonts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import leather

from retail_lakehouse.pipeline.model import Layer
from retail_lakehouse.report.model import ChartData, ChartKind, ChartSection, FlowRow

WIDTH = 620
LINE_HEIGHT = 240
BAR_HEIGHT = 26  # per bar, plus room for the axis
BAR_AXIS = 48
LABEL_CHARS = 36  # longer bar labels are cut
MIN_POINTS: dict[ChartKind, int] = {"line": 2, "bars": 1}  # a time axis needs two dates
LAYER_COLOURS: dict[Layer, str] = {
    "bronze": "#b06b2c",
    "silver": "#7b8794",
    "gold": "#c99a06",
    "other": "#5b7bb5",
}
SERIES_COLOUR = "#2f6db5"

TickFormatter = Callable[[float | Decimal, int, int], str]


@dataclass(frozen=True)
class Chart:
    id: str  # the HTML id of its figure
    title: str
    svg: str


def declared_charts(section: ChartSection) -> list[Chart]:
    """The pipeline's own charts, leaving out those without data."""
    return [_chart(data) for data in section.charts if len(data.points) >= MIN_POINTS[data.kind]]


def _chart(data: ChartData) -> Chart:
    if data.kind == "line":
        points = [(date.fromisoformat(p.label), p.value) for p in data.points]
        return Chart(f"chart-{data.name}", data.title, _line_svg(points))
    bars = [(p.value, _label(p.label)) for p in data.points]
    return Chart(f"chart-{data.name}", data.title, _bars_svg(bars))


def timings_chart(flows: Sequence[FlowRow]) -> Chart | None:
    """Seconds per dataset, coloured by layer, in the order they ran."""
    if not flows:
        return None
    bars = [(flow.seconds, flow.dataset) for flow in flows]
    layers = {flow.dataset: flow.layer for flow in flows}
    svg = _bars_svg(bars, lambda datum: LAYER_COLOURS[layers[datum.y]], _seconds)
    return Chart("chart-timings", "Seconds per dataset", svg)


def _label(text: str) -> str:
    """Long labels lose their middle: both the start and a trailing id stay readable."""
    if len(text) <= LABEL_CHARS:
        return text
    tail = LABEL_CHARS // 3
    return text[: LABEL_CHARS - tail - 1] + "…" + text[-tail:]


def _compact(value: float | Decimal, index: int = 0, count: int = 0) -> str:
    """12,345 -> 12.3k; 1,234,567 -> 1.2M (leather's ticks may be Decimals)."""
    value = float(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def _seconds(value: float | Decimal, index: int = 0, count: int = 0) -> str:
    return f"{float(value):.2f} s" if value else "0"


def _line_svg(points: Sequence[tuple[date, float]]) -> str:
    chart = leather.Chart()
    chart.add_x_scale(points[0][0], points[-1][0])
    chart.add_y_scale(0, max(max(y for _, y in points), 1))
    chart.add_y_axis(tick_formatter=_compact)
    chart.add_line(points, stroke_color=SERIES_COLOUR, width=1.5)
    return _svg(chart, LINE_HEIGHT)


def _bars_svg(
    bars: list[tuple[float, str]],
    colour: Callable[[Any], str] | str = SERIES_COLOUR,
    ticks: TickFormatter = _compact,
) -> str:
    chart = leather.Chart()
    chart.add_x_scale(0, max(max(value for value, _ in bars), 1e-9))
    chart.add_x_axis(tick_formatter=ticks)
    chart.add_bars(bars, fill_color=colour)
    return _svg(chart, BAR_AXIS + BAR_HEIGHT * len(bars))


def _svg(chart: Any, height: int) -> str:
    _use_page_theme()
    root = ET.Element(
        "svg",
        width=str(WIDTH),
        height=str(height),
        viewBox=f"0 0 {WIDTH} {height}",
        xmlns="http://www.w3.org/2000/svg",
        role="img",
    )
    root.set("class", "chart")
    root.append(chart.to_svg_group(WIDTH, height))
    return ET.tostring(root, encoding="unicode")


def _use_page_theme() -> None:
    """Fonts and colours of the page (leather's theme is module state it reads when drawing)."""
    theme = leather.theme
    theme.background_color = "#ffffff"
    theme.margin = 0.05  # a float: leather scales it by the width (an int fails)
    for part in ("tick", "axis_title", "legend", "title"):
        setattr(theme, f"{part}_font_family", "system-ui, -apple-system, Segoe UI, sans-serif")
        setattr(theme, f"{part}_font_size", 12)
        setattr(theme, f"{part}_font_char_height", 12)
        setattr(theme, f"{part}_font_char_width", 7)
    theme.label_color = "#555555"
    theme.tick_color = "#e6e6e6"
    theme.zero_color = "#999999"
