"""The gold tables of the built-in pipeline, SQL and Python, recomputed from the landing
files alone in plain Python with Decimal arithmetic (``landing_truth``), never from the
pipeline's own silver: every total of every gold table is checked exactly, key by key.
An item's line total is quantity times unit price, the unit price already discounted: a
pipeline that applies the discount again gets every revenue wrong.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.datasets import dataset_folder
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore
from tests.datasets.retail.landing_truth import (
    Row,
    average,
    expected_from_landing,
    landing_rows,
    product_totals,
    segment,
    share,
)
from tests.pipeline.conftest import ENGINE_FACTORIES, ENGINE_MARKS, make_landing, run_update

RUNS = [
    pytest.param(("sql", EngineName.DUCKDB), id="sql-duckdb"),
    pytest.param(("python", EngineName.DUCKDB), id="python-duckdb"),
    pytest.param(("sql", EngineName.SPARK), marks=ENGINE_MARKS[EngineName.SPARK], id="sql-spark"),
]


def by_key(rows: list[Row], key: str, columns: tuple[str, ...]) -> dict[Any, tuple[Any, ...]]:
    keyed = {row[key]: tuple(row[c] for c in columns) for row in rows}
    assert len(keyed) == len(rows), f"{key} repeats"
    return keyed


@pytest.fixture(scope="module", params=RUNS)
def updated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landing zone with more defects than the default, after one update of one pipeline
    (its language's sources copied apart) on one engine."""
    language, engine_name = request.param
    root = make_landing(tmp_path_factory.mktemp("landing"), seed=11, defect_scale=2.5)
    shutil.copytree(dataset_folder() / language, root / "pipeline" / language)
    settings = root / "pipeline" / "pipeline.yaml"
    settings.write_text(f"name: retail_{language}\nsources: {language}\n")
    engine = ENGINE_FACTORIES[engine_name]()
    try:
        run_update(load_pipeline(settings, root), engine=engine)
    finally:
        engine.close()
    return root


def gold(root: Path, table: str) -> list[Row]:
    rows: list[Row] = DeltaStore(root / "tables").read(table).to_pylist()
    return rows


def test_the_landing_zone_has_discounts_and_rows_to_drop(updated: Path) -> None:
    """The derivation below is only a check if discounts and dropped rows change totals."""
    items = landing_rows(updated, "order_items")
    assert any(r["discount"] for r in items)
    expected = expected_from_landing(updated)
    assert 0 < len(expected.lines) < len(items)


def test_daily_sales_equal_the_landing_orders(updated: Path) -> None:
    orders: dict[date, int] = defaultdict(int)
    revenue: dict[date, Decimal] = defaultdict(Decimal)
    customers: dict[date, set[int]] = defaultdict(set)
    for customer, ordered, value in expected_from_landing(updated).order_values().values():
        day = ordered.date()  # order_ts is in UTC, as the pipeline's session
        orders[day] += 1
        revenue[day] += value
        customers[day].add(customer)
    expected = {
        day: (orders[day], revenue[day], average(revenue[day], orders[day]), len(customers[day]))
        for day in orders
    }
    columns = ("total_orders", "total_revenue", "avg_order_value", "unique_customers")
    daily = by_key(gold(updated, "gold_daily_sales_summary"), "order_date", columns)
    assert daily == expected


def test_customer_lifetime_values_equal_the_landing_orders(updated: Path) -> None:
    expected_data = expected_from_landing(updated)
    per_customer: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for customer, ordered, value in expected_data.order_values().values():
        per_customer[customer].append((ordered, value))
    expected: dict[Any, tuple[Any, ...]] = {}
    for customer in expected_data.customers:
        orders = per_customer.get(customer, [])
        total = sum((v for _, v in orders), Decimal(0))
        times = [t for t, _ in orders]
        expected[customer] = (
            len(orders), total, average(total, len(orders)) if orders else Decimal(0),
            min(times, default=None), max(times, default=None), segment(total),
        )  # fmt: skip
    columns = ("total_orders", "lifetime_value", "avg_order_value", "first_order_ts",
               "last_order_ts", "customer_segment")  # fmt: skip
    table = by_key(gold(updated, "gold_customer_lifetime_value"), "customer_id", columns)
    assert table == expected


def test_product_performance_equals_the_landing_items(updated: Path) -> None:
    expected_data = expected_from_landing(updated)
    expected = {
        product: (str(expected_data.products[product]["category"]), units, revenue, orders)
        for product, (units, revenue, orders) in product_totals(expected_data).items()
    }
    columns = ("category", "total_units_sold", "total_revenue", "total_orders")
    table = by_key(gold(updated, "gold_product_performance"), "product_id", columns)
    assert table == expected


def test_category_performance_equals_the_landing_items(updated: Path) -> None:
    expected_data = expected_from_landing(updated)
    totals = product_totals(expected_data)
    units: dict[str, int] = defaultdict(int)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    active: dict[str, list[bool]] = defaultdict(list)
    for product, row in expected_data.products.items():
        category = str(row["category"])
        units[category] += totals[product][0]
        revenue[category] += totals[product][1]
        if row["is_active"]:
            active[category].append(row["stock_quantity"] > 0)
    expected = {
        category: (revenue[category], units[category],
                   share(sum(active[category]), len(active[category])))
        for category in units
    }  # fmt: skip
    columns = ("total_revenue", "total_units_sold", "stock_availability_pct")
    table = by_key(gold(updated, "gold_category_performance"), "category", columns)
    assert table == expected


def test_every_gold_table_adds_up_to_the_landing_revenue(updated: Path) -> None:
    revenue = sum((line.line_total for line in expected_from_landing(updated).lines), Decimal(0))
    for table, column in (("gold_daily_sales_summary", "total_revenue"),
                          ("gold_customer_lifetime_value", "lifetime_value"),
                          ("gold_product_performance", "total_revenue"),
                          ("gold_category_performance", "total_revenue")):  # fmt: skip
        assert sum((r[column] for r in gold(updated, table)), Decimal(0)) == revenue, table
