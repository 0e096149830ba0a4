"""Defect rates of a table with a cover foreign key, where the first child of every clean
parent stays clean and the other rows' rates are raised to keep the table's share.

When that raise takes the rates past a total of 1, every unprotected row draws a defect
and the kinds keep the spec's proportions (the rates are scaled back to a total of 1).
"""

from __future__ import annotations

import numpy as np

from retail_lakehouse.generate.context import cover_parent_count, draw_table_defects
from retail_lakehouse.generate.defects import CLEAN
from retail_lakehouse.generate.plan import MAX_DEFECT_SHARE, DatasetPlan
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.generate.spec.defects import DuplicateRow

# As many items as orders: only the items of the orders that carry a defect are unprotected.
ROWS = {"customers": 400, "products": 80, "orders": 6000, "order_items": 6000}


def test_raised_rates_past_one_give_every_kind_its_share_of_the_unprotected_rows(
    retail_spec: DatasetSpec,
) -> None:
    highest = min(MAX_DEFECT_SHARE / sum(d.rate for d in t.defects) for t in retail_spec.tables)
    plan = DatasetPlan(retail_spec, 7, ROWS, defect_scale=highest)
    items = retail_spec.table("order_items")
    unprotected = ROWS["order_items"] - (cover_parent_count(plan, items) or 0)
    rates = np.array([d.rate for d in items.defects]) * highest
    assert rates.sum() / (unprotected / ROWS["order_items"]) > 1.2  # the raise passes 1

    kinds = draw_table_defects(plan, items, 0, ROWS["order_items"]).kinds
    counts = np.bincount(kinds[kinds != CLEAN], minlength=rates.size)
    for kind, defect in enumerate(items.defects):
        if isinstance(defect, DuplicateRow):
            continue  # kept only after a clean row: mostly dropped when nearly all carry one
        share = rates[kind] / rates.sum()
        spread = 5 * np.sqrt(unprotected * share * (1 - share))
        assert abs(counts[kind] - unprotected * share) < spread, (defect.name, counts[kind])
    dropped_duplicates = unprotected - int(counts.sum())
    duplicate = next(k for k, d in enumerate(items.defects) if isinstance(d, DuplicateRow))
    assert 0 <= dropped_duplicates <= unprotected * rates[duplicate] / rates.sum() * 1.5
