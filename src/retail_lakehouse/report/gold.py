"""The gold layer's numbers for the charts, read from the gold Delta tables with DuckDB.

Daily revenue and orders, revenue by category, customers by lifetime-value segment and
the top products by revenue. A gold table the lakehouse does not have (another
pipeline's lakehouse) leaves its chart out and is listed in ``GoldData.missing``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from retail_lakehouse.backends.duckdb.lakehouse_sql import open_lakehouse
from retail_lakehouse.report.model import (
    CategoryRevenue,
    DailySales,
    GoldData,
    ProductRevenue,
    SegmentCustomers,
)

DAILY = "gold_daily_sales_summary"
CATEGORIES = "gold_category_performance"
CUSTOMERS = "gold_customer_lifetime_value"
PRODUCTS = "gold_product_performance"
GOLD_TABLES = (DAILY, CATEGORIES, CUSTOMERS, PRODUCTS)
TOP_PRODUCTS = 10

_QUERIES = {
    DAILY: f"SELECT order_date, total_revenue, total_orders FROM {DAILY} ORDER BY order_date",
    CATEGORIES: f"""SELECT coalesce(category, '(none)'), total_revenue FROM {CATEGORIES}
                    ORDER BY total_revenue DESC, 1""",
    CUSTOMERS: f"""SELECT customer_segment, count(*) FROM {CUSTOMERS}
                   GROUP BY customer_segment ORDER BY min(lifetime_value) DESC""",
    PRODUCTS: f"""SELECT product_id, coalesce(product_name, '(none)'),
                         coalesce(category, '(none)'), revenue, units_sold
                  FROM {PRODUCTS} ORDER BY revenue DESC, product_id LIMIT {TOP_PRODUCTS}""",
}

Record = TypeVar("Record")


def read_gold(tables_root: Path) -> GoldData:
    connection = open_lakehouse(tables_root, GOLD_TABLES)
    try:
        present = {row[0] for row in connection.execute("SHOW TABLES").fetchall()}

        def rows(table: str, make: Callable[..., Record]) -> tuple[Record, ...]:
            return _records(connection, table, make) if table in present else ()

        return GoldData(
            daily=rows(DAILY, _daily),
            categories=rows(CATEGORIES, lambda c, r: CategoryRevenue(c, _money(r))),
            segments=rows(CUSTOMERS, SegmentCustomers),
            top_products=rows(PRODUCTS, _product),
            missing=tuple(t for t in GOLD_TABLES if t not in present),
        )
    finally:
        connection.close()


def _records(
    connection: duckdb.DuckDBPyConnection, table: str, make: Callable[..., Record]
) -> tuple[Record, ...]:
    return tuple(make(*row) for row in connection.execute(_QUERIES[table]).fetchall())


def _money(value: Decimal | float | None) -> float:
    return float(value or 0)


def _daily(day: Any, revenue: Decimal | None, orders: int) -> DailySales:
    return DailySales(day.isoformat(), _money(revenue), orders)


def _product(
    product_id: int, name: str, category: str, revenue: Decimal | None, units: Decimal | int
) -> ProductRevenue:  # units_sold is a DECIMAL(38, 0)
    return ProductRevenue(product_id, name, category, _money(revenue), int(units))
