"""The charts: which are drawn for which data, their bars and labels, and tick formats."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from retail_lakehouse.report.charts import (
    LABEL_CHARS,
    LAYER_COLOURS,
    _compact,
    declared_charts,
    timings_chart,
)
from retail_lakehouse.report.model import ChartData, ChartKind, ChartPoint, ChartSection
from tests.report.conftest import flow

SVG = "{http://www.w3.org/2000/svg}"
LONG_NAME = "Quillmoor Fragrance-Free Climbing Harness #7"


def chart(name: str, kind: ChartKind, *points: tuple[str, float]) -> ChartData:
    return ChartData(name, name.title(), kind, tuple(ChartPoint(*p) for p in points))


SECTION = ChartSection("Gold layer", (
    chart("daily", "line", ("2025-01-01", 10.5), ("2025-01-02", 30.0), ("2025-01-05", 5.0)),
    chart("categories", "bars", ("Books", 45.5), ("Toys", 0.0)),
    chart("segments", "bars", ("VIP", 3), ("Regular", 9), ("Inactive", 1)),
    chart("products", "bars", (LONG_NAME, 40.0), ("Mini Tumbler #9", 5.5)),
), ())  # fmt: skip


def bars(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    series = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series bars"]
    return [rect for group in series for rect in group.iter(f"{SVG}rect")]


def labels(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_every_declared_chart_is_drawn_from_its_points() -> None:
    charts = {chart.id: chart for chart in declared_charts(SECTION)}
    assert list(charts) == ["chart-daily", "chart-categories", "chart-segments", "chart-products"]
    assert [c.title for c in charts.values()] == ["Daily", "Categories", "Segments", "Products"]
    assert len(bars(charts["chart-categories"].svg)) == 2
    assert len(bars(charts["chart-segments"].svg)) == 3
    widths = [float(r.get("width") or 0) for r in bars(charts["chart-segments"].svg)]
    assert widths.index(max(widths)) == 1  # Regular, the most customers
    product_labels = labels(charts["chart-products"].svg)
    assert "Mini Tumbler #9" in product_labels
    cut = [label for label in product_labels if "…" in label]
    assert len(cut) == 1 and len(cut[0]) == LABEL_CHARS
    assert cut[0].startswith("Quillmoor") and cut[0].endswith("Harness #7")  # the id stays
    line = ET.fromstring(charts["chart-daily"].svg)
    assert any(p.get("class") == "series lines" for p in line.iter(f"{SVG}g"))


def test_charts_without_data_are_left_out() -> None:
    one_day = chart("daily", "line", ("2025-01-01", 1.0))  # a time axis needs two dates
    assert declared_charts(ChartSection("Charts", (one_day, chart("none", "bars")), ())) == []


def test_timings_are_coloured_by_layer() -> None:
    flows = [flow("bronze_orders"), flow("bronze_items"), flow("gold_daily")]
    chart = timings_chart(flows)
    assert chart is not None
    fills = sorted(r.get("fill") or "" for r in bars(chart.svg))
    assert fills == sorted([LAYER_COLOURS["bronze"]] * 2 + [LAYER_COLOURS["gold"]])
    assert timings_chart([]) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (999, "999"), (12_345, "12.3k"), (2_000_000, "2M"), (1_234_567_890, "1.23G")],
)
def test_compact_ticks(value: float, text: str) -> None:
    assert _compact(value) == text
