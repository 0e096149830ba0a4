"""The charts: which are drawn for which data, their bars and labels, and tick formats."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from retail_lakehouse.report.charts import (
    LAYER_COLOURS,
    _compact,
    gold_charts,
    timings_chart,
)
from retail_lakehouse.report.model import (
    CategoryRevenue,
    DailySales,
    GoldData,
    ProductRevenue,
    SegmentCustomers,
)
from tests.report.conftest import flow

SVG = "{http://www.w3.org/2000/svg}"
LONG_NAME = "Quillmoor Fragrance-Free Climbing Harness"
GOLD = GoldData(
    daily=(DailySales("2025-01-01", 10.5, 2), DailySales("2025-01-02", 30.0, 3),
           DailySales("2025-01-05", 5.0, 1)),
    categories=(CategoryRevenue("Books", 45.5), CategoryRevenue("Toys", 0.0)),
    segments=(SegmentCustomers("VIP", 3), SegmentCustomers("Regular", 9),
              SegmentCustomers("Inactive", 1)),
    top_products=(ProductRevenue(7, LONG_NAME, "Sports", 40.0, 4),
                  ProductRevenue(9, "Mini Tumbler", "Home", 5.5, 1)),
    missing=(),
)  # fmt: skip


def bars(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    series = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series bars"]
    return [rect for group in series for rect in group.iter(f"{SVG}rect")]


def labels(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_every_gold_chart_is_drawn_from_its_data() -> None:
    charts = {chart.id: chart for chart in gold_charts(GOLD)}
    assert list(charts) == ["chart-daily-revenue", "chart-daily-orders", "chart-categories",
                            "chart-segments", "chart-top-products"]  # fmt: skip
    assert len(bars(charts["chart-categories"].svg)) == 2
    assert len(bars(charts["chart-segments"].svg)) == 3
    widths = [float(r.get("width") or 0) for r in bars(charts["chart-segments"].svg)]
    assert widths.index(max(widths)) == 1  # Regular, the most customers
    product_labels = labels(charts["chart-top-products"].svg)
    assert "Mini Tumbler #9" in product_labels
    assert any(label.endswith("… #7") and len(label) < len(LONG_NAME) for label in product_labels)
    line = ET.fromstring(charts["chart-daily-revenue"].svg)
    assert any(p.get("class") == "series lines" for p in line.iter(f"{SVG}g"))


def test_charts_without_data_are_left_out() -> None:
    one_day = GoldData((DailySales("2025-01-01", 1.0, 1),), (), (), (), ("gold_x",))
    assert gold_charts(one_day) == []  # a time axis needs two days


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
