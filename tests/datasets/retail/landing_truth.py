"""What the built-in pipeline's silver and gold tables must hold, derived from a landing
zone's files alone in plain Python, with Decimal arithmetic: the business rules of the
silver and gold SQL applied independently of the pipeline.

Silver drops rows with missing or unknown keys, malformed emails, non-positive prices and
quantities, inactive products, orders shipped before they were placed, and extra copies of
a key. Revenue counts every order not cancelled or returned; an item's line total is its
quantity times its unit price, which already has the discount applied.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

Row = dict[str, Any]
CENT = Decimal("0.01")
EMAIL = re.compile(r"[^@ ]+@[^@ ]+[.][^@ ]+")
NOT_REVENUE = {"cancelled", "returned"}


def landing_rows(root: Path, table: str) -> list[Row]:
    """Every row of the landing files of ``table``, file by file."""
    files = sorted((root / "landing" / table).glob("*.parquet"))
    return [row for file in files for row in pq.read_table(file).to_pylist()]


def one_per_key(rows: list[Row], key: str) -> list[Row]:
    """One row per non-null key; the copies of a key are identical, so any copy will do."""
    kept: dict[Any, Row] = {}
    for row in rows:
        if row[key] is None:
            continue
        assert kept.setdefault(row[key], row) == row, f"copies of {key} {row[key]} differ"
    return list(kept.values())


def money(value: float) -> Decimal:
    """A landing float as DECIMAL(12, 2) holds it."""
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def valid_customers(root: Path) -> dict[int, Row]:
    rows = [r for r in landing_rows(root, "customers") if r["email"] is not None
            and EMAIL.fullmatch(r["email"].lower())]  # fmt: skip
    return {r["customer_id"]: r for r in one_per_key(rows, "customer_id")}


def valid_products(root: Path) -> dict[int, Row]:
    rows = [r for r in landing_rows(root, "products")
            if r["product_name"] is not None and r["list_price"] > 0]  # fmt: skip
    return {r["product_id"]: r for r in one_per_key(rows, "product_id")}


def valid_orders(root: Path, customers: dict[int, Row]) -> dict[int, Row]:
    rows = [r for r in landing_rows(root, "orders") if r["customer_id"] in customers
            and (r["shipped_ts"] is None or r["shipped_ts"] > r["order_ts"])]  # fmt: skip
    return {r["order_id"]: r for r in one_per_key(rows, "order_id")}


def valid_items(root: Path, orders: dict[int, Row], products: dict[int, Row]) -> list[Row]:
    rows = [r for r in landing_rows(root, "order_items")
            if (r["order_id"] is None or r["order_id"] in orders)
            and r["product_id"] in products and products[r["product_id"]]["is_active"]
            and r["quantity"] > 0 and r["unit_price"] > 0]  # fmt: skip
    return one_per_key(rows, "order_item_id")


@dataclass(frozen=True)
class Line:
    """An item that counts towards revenue, with its order."""

    order_id: int
    customer_id: int
    order_ts: datetime
    product_id: int
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class Expected:
    """What the gold tables must hold, derived from the landing zone alone."""

    customers: dict[int, Row]
    products: dict[int, Row]
    lines: list[Line]

    def order_values(self) -> dict[int, tuple[int, datetime, Decimal]]:
        orders: dict[int, tuple[int, datetime, Decimal]] = {}
        for line in self.lines:
            _, _, value = orders.get(line.order_id, (0, line.order_ts, Decimal(0)))
            orders[line.order_id] = (line.customer_id, line.order_ts, value + line.line_total)
        return orders


def expected_from_landing(root: Path) -> Expected:
    customers, products = valid_customers(root), valid_products(root)
    orders = valid_orders(root, customers)
    lines = [
        Line(order["order_id"], order["customer_id"], order["order_ts"], item["product_id"],
             item["quantity"], item["quantity"] * money(item["unit_price"]))
        for item in valid_items(root, orders, products)
        if (order := orders.get(item["order_id"])) is not None
        and order["status"] is not None and order["status"] not in NOT_REVENUE
    ]  # fmt: skip
    return Expected(customers, products, lines)


def average(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(CENT, ROUND_HALF_UP)


def share(part: int, whole: int) -> Decimal | None:
    """``part`` in percent of ``whole``, half up to the hundredth; None of nothing."""
    return (Decimal(100 * part) / whole).quantize(CENT, ROUND_HALF_UP) if whole else None


def segment(value: Decimal) -> str:
    if value >= 2000:
        return "VIP"
    if value >= 500:
        return "High Value"
    return "Regular" if value > 0 else "Inactive"


def product_totals(expected: Expected) -> dict[int, tuple[int, Decimal, int]]:
    """Units, revenue and distinct orders of each product, zero for one never sold."""
    units: dict[int, int] = defaultdict(int)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    orders: dict[int, set[int]] = defaultdict(set)
    for line in expected.lines:
        units[line.product_id] += line.quantity
        revenue[line.product_id] += line.line_total
        orders[line.product_id].add(line.order_id)
    return {p: (units[p], revenue[p], len(orders[p])) for p in expected.products}


def clean_rows(manifest: Mapping[str, Any], table: str) -> int:
    """Rows of the landing table ``table`` that silver keeps, by its manifest: all but the
    defective ones (a row carries at most one defect, and one expectation drops it)."""
    entry = manifest["tables"][table]
    return int(entry["rows"]) - sum(int(d["count"]) for d in entry["defects"].values())
