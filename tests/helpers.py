"""Test helpers shared across test packages (plans of the built-in dataset at small sizes)."""

from __future__ import annotations

from retail_lakehouse.generate.plan import DatasetPlan, resolve_rows
from retail_lakehouse.generate.spec import DatasetSpec

SMALL_ROWS = {"customers": 3000, "products": 600, "orders": 12000, "order_items": 25000}


def small_plan(spec: DatasetSpec, seed: int = 7, rows: dict[str, int] | None = None) -> DatasetPlan:
    return DatasetPlan(spec, seed, resolve_rows(spec, 1.0, rows or SMALL_ROWS))
