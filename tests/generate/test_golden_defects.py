"""The golden files agree with the defect manifest beside them, read independently: the
stdlib ``csv`` module and the rule each defect breaks, none of the generator's code.

``test_golden.py`` pins the bytes; this checks that those bytes mean what the manifest
says: the rows each defect labels are exactly the rows that break its rule, and no clean
row breaks one.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict

import pytest

GOLDEN = Path(__file__).parent / "golden"
KEYS = {"customers": "customer_id", "products": "product_id", "orders": "order_id",
        "order_items": "order_item_id"}  # fmt: skip
VALID_EMAIL = re.compile(r"^[^@ ]+@[^@ ]+[.][^@ ]+$")  # silver_customers' valid_email
Rows = list[dict[str, str]]


class Defect(TypedDict):
    """A defect's entry in the manifest (the fields this reads)."""

    count: int
    ids: list[int]
    kind: str


def read(table: str) -> Rows:
    rows: Rows = []
    for part in sorted((GOLDEN / table).glob("*.csv")):
        with part.open(newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def manifest() -> dict[str, dict[str, Defect]]:
    loaded: dict[str, dict[str, Defect]] = json.loads(
        (GOLDEN / "defects.json").read_text(encoding="utf-8")
    )
    return loaded


def keys_where(table: str, breaks: Callable[[dict[str, str]], bool]) -> list[int]:
    return sorted({int(row[KEYS[table]]) for row in read(table) if breaks(row)})


def parent_ids(table: str) -> set[str]:
    return {row[KEYS[table]] for row in read(table)}


def active_products() -> set[str]:
    return {row["product_id"] for row in read("products") if row["is_active"] == "true"}


def duplicated(table: str) -> list[int]:
    counts = Counter(row[KEYS[table]] for row in read(table))
    return sorted(int(key) for key, n in counts.items() if n > 1)


RULES: dict[tuple[str, str], Callable[[], list[int]]] = {
    ("customers", "duplicate_customer"): lambda: duplicated("customers"),
    ("customers", "malformed_email"): lambda: keys_where(
        "customers", lambda r: r["email"] != "" and not VALID_EMAIL.match(r["email"])
    ),
    ("customers", "null_email"): lambda: keys_where("customers", lambda r: r["email"] == ""),
    ("products", "duplicate_product"): lambda: duplicated("products"),
    ("products", "non_positive_price"): lambda: keys_where(
        "products", lambda r: float(r["list_price"]) <= 0
    ),
    ("products", "null_product_name"): lambda: keys_where(
        "products", lambda r: r["product_name"] == ""
    ),
    ("orders", "duplicate_order"): lambda: duplicated("orders"),
    ("orders", "missing_customer"): lambda: keys_where(
        "orders",
        lambda r: r["customer_id"] != "" and r["customer_id"] not in parent_ids("customers"),
    ),
    ("orders", "null_customer_id"): lambda: keys_where("orders", lambda r: r["customer_id"] == ""),
    ("orders", "shipped_before_order"): lambda: keys_where(
        "orders", lambda r: r["shipped_ts"] != "" and r["shipped_ts"] <= r["order_ts"]
    ),
    ("order_items", "duplicate_item"): lambda: duplicated("order_items"),
    ("order_items", "inactive_product"): lambda: keys_where(
        "order_items", lambda r: r["product_id"] in parent_ids("products") - active_products()
    ),
    ("order_items", "missing_order"): lambda: keys_where(
        "order_items", lambda r: r["order_id"] not in parent_ids("orders")
    ),
    ("order_items", "missing_product"): lambda: keys_where(
        "order_items",
        lambda r: r["product_id"] != "" and r["product_id"] not in parent_ids("products"),
    ),
    ("order_items", "non_positive_price"): lambda: keys_where(
        "order_items", lambda r: float(r["unit_price"]) <= 0
    ),
    ("order_items", "non_positive_quantity"): lambda: keys_where(
        "order_items", lambda r: int(r["quantity"]) <= 0
    ),
    ("order_items", "null_product_id"): lambda: keys_where(
        "order_items", lambda r: r["product_id"] == ""
    ),
}


def test_every_labelled_defect_has_a_rule_here() -> None:
    labelled = {(table, name) for table, defects in manifest().items() for name in defects}
    assert labelled == set(RULES)


@pytest.mark.parametrize(("table", "defect"), sorted(RULES))
def test_the_rows_breaking_a_rule_are_the_rows_the_manifest_labels(table: str, defect: str) -> None:
    entry = manifest()[table][defect]

    found = RULES[table, defect]()

    assert found == sorted(entry["ids"])
    assert len(found) == entry["count"] > 0  # the golden files show every defect


def test_a_shipment_before_its_order_is_1_minute_to_48_hours_before_it() -> None:
    """The range ``before_reference`` documents, and a whole number of minutes."""
    labelled = set(manifest()["orders"]["shipped_before_order"]["ids"])
    gaps = [
        datetime.fromisoformat(row["order_ts"]) - datetime.fromisoformat(row["shipped_ts"])
        for row in read("orders")
        if int(row["order_id"]) in labelled
    ]
    assert len(gaps) == len(labelled)
    assert all(timedelta(minutes=1) <= gap <= timedelta(hours=48) for gap in gaps)
    assert all(gap % timedelta(minutes=1) == timedelta(0) for gap in gaps)


def test_each_table_has_its_rows_and_its_duplicates() -> None:
    defects = manifest()
    for table in KEYS:
        rows = read(table)
        distinct = {row[KEYS[table]] for row in rows}
        copies = sum(d["count"] for d in defects[table].values() if d["kind"] == "duplicate_row")
        assert len(rows) - len(distinct) == copies, table
