"""Small report records made by hand, for the tests that need no lakehouse; reading a
page's tables back; the gold numbers a report must show, computed without the report."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from retail_lakehouse.pipeline.model import ViolationAction, layer_of_name
from retail_lakehouse.pipeline.results import FlowStatus
from retail_lakehouse.report.model import ExpectationRow, FlowRow
from retail_lakehouse.storage.delta import DeltaStore


def flow(
    dataset: str,
    checks: Sequence[tuple[str, ViolationAction | None, int]] = (),
    status: FlowStatus = "COMPLETED",
    written: int = 100,
) -> FlowRow:
    """A dataset's flow with expectations given as (name, action, failed records)."""
    expectations = tuple(
        ExpectationRow(dataset, name, action, written - failed, failed, None)
        for name, action, failed in checks
    )
    dropped = max((failed for _, action, failed in checks if action == "drop"), default=0)
    return FlowRow(dataset, layer_of_name(dataset), status, written, dropped, 0.5, expectations)


class _TableReader(HTMLParser):
    """The text of each cell of one ``<table id=...>``, row by row (header row included)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside = table_id, False
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(page: str, table_id: str) -> list[list[str]]:
    reader = _TableReader(table_id)
    reader.feed(page)
    return reader.rows


def expected_charts(root: Path) -> dict[str, Any]:
    """What the retail gold charts must show, computed from the stored tables with pyarrow
    alone (not with the charts file's queries)."""
    store = DeltaStore(root / "tables")
    daily = store.read("gold_daily_sales_summary").sort_by("order_date").to_pylist()
    categories = store.read("gold_category_performance").to_pylist()
    categories.sort(key=lambda c: (-c["total_revenue"], c["category"]))
    customers = store.read("gold_customer_lifetime_value").to_pylist()
    products = store.read("gold_product_performance").to_pylist()
    lowest: dict[str, Decimal] = {}
    for c in customers:
        segment = c["customer_segment"]
        lowest[segment] = min(lowest.get(segment, c["lifetime_value"]), c["lifetime_value"])
    segments = Counter(c["customer_segment"] for c in customers)
    top = sorted(products, key=lambda p: (-p["total_revenue"], p["product_id"]))[:10]

    def chart(name: str, title: str, kind: str, points: list[tuple[str, Any]]) -> dict[str, Any]:
        shown = [{"label": label, "value": float(value)} for label, value in points]
        return {"name": name, "title": title, "kind": kind, "points": shown}

    return {
        "title": "Gold layer",
        "charts": [
            chart("daily-revenue", "Daily revenue", "line",
                  [(d["order_date"].isoformat(), d["total_revenue"]) for d in daily]),
            chart("daily-orders", "Daily orders", "line",
                  [(d["order_date"].isoformat(), d["total_orders"]) for d in daily]),
            chart("categories", "Revenue by category", "bars",
                  [(c["category"], c["total_revenue"]) for c in categories]),
            chart("segments", "Customers by CLV segment", "bars",
                  [(s, segments[s]) for s in sorted(segments, key=lambda s: -lowest[s])]),
            chart("top-products", "Top 10 products by revenue", "bars",
                  [(f"{p['product_name']} #{p['product_id']}", p["total_revenue"]) for p in top]),
        ],
        "missing": [],
    }  # fmt: skip


def embedded_data(page: str) -> dict[str, Any]:
    """The JSON a page embeds as ``report-data``."""
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data
