"""The built-in retail pipeline against the generator's ground truth.

Owns the mapping from each silver expectation to the generator defect it must catch
exactly, and reads the expected failed-record count of an expectation from a landing
zone's manifest (``_manifest.json``). An expectation no defect maps to expects none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# expectation (dataset, name) -> the generator defect (table, name) it must catch exactly
CAUGHT_BY: dict[tuple[str, str], tuple[str, str]] = {
    ("silver_customers", "email_present"): ("customers", "null_email"),
    ("silver_customers", "valid_email"): ("customers", "malformed_email"),
    ("silver_customers", "unique_customer_id"): ("customers", "duplicate_customer"),
    ("silver_products", "product_name_present"): ("products", "null_product_name"),
    ("silver_products", "positive_price"): ("products", "non_positive_price"),
    ("silver_products", "unique_product_id"): ("products", "duplicate_product"),
    ("silver_orders", "customer_id_present"): ("orders", "null_customer_id"),
    ("silver_orders", "valid_customer"): ("orders", "missing_customer"),
    ("silver_orders", "shipped_after_ordered"): ("orders", "shipped_before_order"),
    ("silver_orders", "unique_order_id"): ("orders", "duplicate_order"),
    ("silver_order_items", "product_id_present"): ("order_items", "null_product_id"),
    ("silver_order_items", "valid_order"): ("order_items", "missing_order"),
    ("silver_order_items", "valid_product"): ("order_items", "missing_product"),
    ("silver_order_items", "active_product"): ("order_items", "inactive_product"),
    ("silver_order_items", "positive_quantity"): ("order_items", "non_positive_quantity"),
    ("silver_order_items", "positive_unit_price"): ("order_items", "non_positive_price"),
    ("silver_order_items", "unique_order_item_id"): ("order_items", "duplicate_item"),
}


def expected_failures(manifest: Mapping[str, Any], dataset: str, expectation: str) -> int:
    """The failed records the expectation must count: its defect's count in the manifest."""
    source = CAUGHT_BY.get((dataset, expectation))
    if source is None:
        return 0
    table, defect = source
    count: int = manifest["tables"][table]["defects"][defect]["count"]
    return count
