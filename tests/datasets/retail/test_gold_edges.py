"""The built-in gold SQL at its edges, on a landing zone written by hand: a few customers,
products, orders and change-feed records chosen so that each edge is hit exactly.

- Segments at their boundaries: a customer worth exactly 2000.00 is 'VIP', exactly 500.00
  'High Value', 0.50 'Regular' (and 1999.99, 499.99, nothing on the other side).
- Loyalty tiers: one row per customer, whatever number of versions the change feed gave
  it; the tier of its open version, or of ``silver_customers`` when the feed deleted it or
  never named it.
- Stock availability: a category with exactly one active product, an active product with
  exactly one unit in stock, a category without active products.

The generator writes a tiny landing zone first, only for its file schemas and manifest;
every row the pipeline reads is then replaced by the rows below, so each expected value is
read off the constructed rows (written next to them), never off the pipeline's tables.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import run_update

Row = dict[str, Any]
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TEMPLATE_ROWS = {"customers": 50, "products": 40, "orders": 50, "order_items": 100}

# customer_id: loyalty tier in the customers file
CUSTOMERS = {1: "bronze", 2: "silver", 3: "bronze", 4: "silver", 5: "bronze", 6: "bronze"}
# customer_id: (operation, loyalty tier) in sequence order; customer 3 is not in the feed
FEED: dict[int, list[tuple[str, str]]] = {
    1: [("INSERT", "bronze"), ("UPDATE", "gold")],  # two versions, the second open
    2: [("INSERT", "silver"), ("DELETE", "silver")],  # no open version left
    4: [("INSERT", "platinum")],
    5: [("INSERT", "bronze")],
    6: [("INSERT", "bronze")],
}
# what gold must show: the open version's tier, else the customers file's
EXPECTED_TIERS = {1: "gold", 2: "silver", 3: "bronze", 4: "platinum", 5: "bronze", 6: "bronze"}

# product_id: (category, list and unit price, stock, active)
PRODUCTS: dict[int, tuple[str, str, int, bool]] = {
    1: ("Solo", "500.00", 1, True),  # the only active product of Solo, one unit in stock
    2: ("Solo", "10.00", 9, False),
    3: ("Mixed", "250.00", 0, True),
    4: ("Mixed", "0.50", 1, True),
    5: ("Mixed", "1999.99", 7, True),
    6: ("Retired", "20.00", 3, False),  # no active product at all
    7: ("Mixed", "499.99", 12, True),
}
# order_id: (customer_id, status, [(product_id, quantity)])
ORDERS: dict[int, tuple[int, str, list[tuple[int, int]]]] = {
    101: (1, "delivered", [(1, 3)]),  # 1500.00
    102: (1, "shipped", [(1, 1)]),  # 500.00: customer 1 is worth exactly 2000.00
    103: (1, "cancelled", [(4, 20)]),  # 10.00 that does not count
    104: (2, "delivered", [(3, 2)]),  # 500.00
    105: (3, "pending", [(4, 1)]),  # 0.50
    106: (5, "delivered", [(5, 1)]),  # 1999.99
    107: (6, "processing", [(7, 1)]),  # 499.99
}
# customer_id: (lifetime value, segment); customer 4 ordered nothing
EXPECTED_SEGMENTS = {
    1: (Decimal("2000.00"), "VIP"),
    2: (Decimal("500.00"), "High Value"),
    3: (Decimal("0.50"), "Regular"),
    4: (Decimal("0.00"), "Inactive"),
    5: (Decimal("1999.99"), "High Value"),
    6: (Decimal("499.99"), "Regular"),
}
# category: (revenue, units, share of active products in stock)
EXPECTED_CATEGORIES = {
    "Solo": (Decimal("2000.00"), 4, Decimal("100.00")),  # 1 of 1 active in stock
    "Mixed": (Decimal("3000.48"), 5, Decimal("75.00")),  # 3 of 4: products 4, 5, 7
    "Retired": (Decimal("0.00"), 0, None),
}


def customer_rows() -> list[Row]:
    return [
        {"customer_id": k, "first_name": f"First{k}", "last_name": f"Last{k}",
         "email": f"customer{k}@example.com", "gender": "F", "age": 30 + k, "country": "Japan",
         "city": "Osaka", "signup_ts": T0 - timedelta(days=100), "loyalty_tier": tier,
         "marketing_opt_in": True}
        for k, tier in CUSTOMERS.items()
    ]  # fmt: skip


def customer_feed_rows() -> list[Row]:
    rows, sequence = [], 0
    for k, changes in FEED.items():
        for day, (operation, tier) in enumerate(changes):
            sequence += 1
            rows.append(
                {"customer_id": k, "first_name": f"First{k}", "last_name": f"Last{k}",
                 "email": f"customer{k}@example.com", "country": "Japan", "city": "Osaka",
                 "loyalty_tier": tier, "operation": operation,
                 "sequence_ts": T0 + timedelta(days=day), "sequence_no": sequence}
            )  # fmt: skip
    return rows


def product_rows() -> list[Row]:
    return [
        {"product_id": p, "category": category, "sku": f"SKU-{p}", "brand": "Acme",
         "product_name": f"Product {p}", "list_price": float(price), "cost": 0.25,
         "stock_quantity": stock, "is_active": active, "created_ts": T0 - timedelta(days=365)}
        for p, (category, price, stock, active) in PRODUCTS.items()
    ]  # fmt: skip


def product_feed_rows() -> list[Row]:
    return [
        {"product_id": p, "product_name": f"Product {p}", "category": category,
         "list_price": float(price), "is_active": active, "operation": "INSERT",
         "sequence_ts": T0 - timedelta(days=365), "sequence_no": p}
        for p, (category, price, _, active) in PRODUCTS.items()
    ]  # fmt: skip


def order_rows() -> list[Row]:
    rows = []
    for number, (order, (customer, status, _)) in enumerate(ORDERS.items()):
        ordered = T0 + timedelta(days=number)
        shipped = ordered + timedelta(days=1) if status in ("shipped", "delivered") else None
        rows.append(
            {"order_id": order, "customer_id": customer, "order_ts": ordered, "status": status,
             "shipped_ts": shipped, "payment_method": "credit_card", "channel": "web",
             "shipping_cost": 4.99}
        )  # fmt: skip
    return rows


def item_rows() -> list[Row]:
    lines = [(order, p, q) for order, (_, _, items) in ORDERS.items() for p, q in items]
    return [
        {"order_item_id": n, "order_id": order, "product_id": p, "quantity": q,
         "discount": 0.0, "unit_price": float(PRODUCTS[p][1])}
        for n, (order, p, q) in enumerate(lines, start=1)
    ]  # fmt: skip


def replace_landing(landing: Path, table: str, rows: list[Row]) -> None:
    """The files of ``table`` replaced by one file of ``rows``, in the generator's schema."""
    files = sorted((landing / table).glob("*.parquet"))
    schema = pq.read_schema(files[0]).remove_metadata()
    for file in files:
        file.unlink()
    pq.write_table(
        pa.Table.from_pylist(rows, schema=schema), landing / table / "part-00000.parquet"
    )


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The constructed landing zone after one update of the built-in SQL pipeline (DuckDB)."""
    root = tmp_path_factory.mktemp("edges")
    options = GenerateOptions(lakehouse=root, rows=TEMPLATE_ROWS, seed=1, workers=1,
                              parallelism="threads")  # fmt: skip
    generate_dataset(builtin_spec(), options)
    landing = root / "landing"
    for table, rows in (("customers", customer_rows()), ("customers_cdc", customer_feed_rows()),
                        ("products", product_rows()), ("products_cdc", product_feed_rows()),
                        ("orders", order_rows()), ("order_items", item_rows())):  # fmt: skip
        replace_landing(landing, table, rows)
    run_update(load_pipeline(builtin_settings_path(), root))
    return root


def table_rows(root: Path, table: str) -> list[Row]:
    rows: list[Row] = DeltaStore(root / "tables").read(table).to_pylist()
    return rows


def test_the_feed_gives_several_versions_and_deletes_one_customer(lakehouse: Path) -> None:
    """The premise of the tier tests: customer 1 has a closed and an open version, customer
    2 only closed ones, customer 3 none."""
    history = table_rows(lakehouse, "silver_customers_history")
    versions = Counter(r["customer_id"] for r in history)
    open_versions = Counter(r["customer_id"] for r in history if r["__END_AT"] is None)
    assert versions[1] == 2 and open_versions[1] == 1
    assert versions[2] == 1 and open_versions[2] == 0
    assert versions[3] == 0


def test_gold_has_one_row_per_customer(lakehouse: Path) -> None:
    """Every customer once: not repeated per version of its history, not dropped when the
    feed deleted it or never named it."""
    ids = [r["customer_id"] for r in table_rows(lakehouse, "gold_customer_lifetime_value")]
    assert sorted(ids) == sorted(CUSTOMERS)


def test_gold_shows_the_open_versions_tier_or_the_customers_one(lakehouse: Path) -> None:
    rows = table_rows(lakehouse, "gold_customer_lifetime_value")
    found = [(r["customer_id"], r["loyalty_tier"]) for r in rows]
    assert sorted(found) == sorted(EXPECTED_TIERS.items())


def test_segments_at_their_boundaries(lakehouse: Path) -> None:
    rows = table_rows(lakehouse, "gold_customer_lifetime_value")
    found = [(r["customer_id"], (r["lifetime_value"], r["customer_segment"])) for r in rows]
    assert sorted(found) == sorted(EXPECTED_SEGMENTS.items())


def test_stock_availability_counts_one_active_product_and_one_unit(lakehouse: Path) -> None:
    rows = table_rows(lakehouse, "gold_category_performance")
    found = {
        r["category"]: (r["total_revenue"], r["total_units_sold"], r["stock_availability_pct"])
        for r in rows
    }
    assert len(found) == len(rows)
    assert found == EXPECTED_CATEGORIES
