"""The built-in retail dataset: exact counts, consistency by construction, labelled defects.

Every defect the manifest lists is recomputed here from the data alone, so the manifest is
checked against what is really in the files, and the rows it does not list are clean.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from retail_lakehouse.generate.blocks import generate_table
from retail_lakehouse.generate.plan import DatasetPlan, PlanError

CENT = Decimal("0.01")
Tables = dict[str, pa.Table]
Defects = dict[str, dict[str, list[int]]]


def _col(table: pa.Table, name: str) -> list[Any]:
    values: list[Any] = table.column(name).to_pylist()
    return values


def _keys(table: pa.Table, key: str) -> set[int]:
    return {k for k in _col(table, key) if k is not None}


def _duplicated(table: pa.Table, key: str) -> list[int]:
    counts = Counter(_col(table, key))
    return sorted(k for k, n in counts.items() if k is not None for _ in range(n - 1))


def test_row_counts_are_exact(retail_plan: DatasetPlan, retail_tables: Tables) -> None:
    for name, table in retail_tables.items():
        assert table.num_rows == retail_plan.rows[name]


def test_customer_defects_match_the_data(retail_tables: Tables, retail_defects: Defects) -> None:
    customers = retail_tables["customers"]
    ids, emails = _col(customers, "customer_id"), _col(customers, "email")
    assert retail_defects["customers"]["malformed_email"] == sorted(
        i for i, e in zip(ids, emails, strict=True) if e is not None and "@" not in e
    )
    assert retail_defects["customers"]["null_email"] == sorted(
        i for i, e in zip(ids, emails, strict=True) if e is None
    )
    assert retail_defects["customers"]["duplicate_customer"] == _duplicated(
        customers, "customer_id"
    )


def test_product_defects_match_the_data(retail_tables: Tables, retail_defects: Defects) -> None:
    products = retail_tables["products"]
    rows = products.to_pylist()
    assert retail_defects["products"]["non_positive_price"] == sorted(
        r["product_id"] for r in rows if r["list_price"] <= 0
    )
    assert retail_defects["products"]["null_product_name"] == sorted(
        r["product_id"] for r in rows if r["product_name"] is None
    )
    assert retail_defects["products"]["duplicate_product"] == _duplicated(products, "product_id")


def test_order_defects_match_the_data(retail_tables: Tables, retail_defects: Defects) -> None:
    orders = retail_tables["orders"]
    customers = _keys(retail_tables["customers"], "customer_id")
    rows = orders.to_pylist()
    defects = retail_defects["orders"]
    assert defects["missing_customer"] == sorted(
        r["order_id"]
        for r in rows
        if r["customer_id"] is not None and r["customer_id"] not in customers
    )
    assert defects["null_customer_id"] == sorted(
        r["order_id"] for r in rows if r["customer_id"] is None
    )
    assert defects["shipped_before_order"] == sorted(
        r["order_id"]
        for r in rows
        if r["shipped_ts"] is not None and r["shipped_ts"] <= r["order_ts"]
    )
    assert defects["duplicate_order"] == _duplicated(orders, "order_id")


def test_order_item_defects_match_the_data(retail_tables: Tables, retail_defects: Defects) -> None:
    items = retail_tables["order_items"].to_pylist()
    orders = _keys(retail_tables["orders"], "order_id")
    products = {r["product_id"]: r for r in retail_tables["products"].to_pylist()}
    defects = retail_defects["order_items"]

    def ids(predicate) -> list[int]:  # type: ignore[no-untyped-def]
        return sorted(r["order_item_id"] for r in items if predicate(r))

    assert defects["non_positive_quantity"] == ids(lambda r: r["quantity"] <= 0)
    assert defects["non_positive_price"] == ids(lambda r: r["unit_price"] <= 0)
    assert defects["missing_order"] == ids(lambda r: r["order_id"] not in orders)
    assert defects["null_product_id"] == ids(lambda r: r["product_id"] is None)
    assert defects["missing_product"] == ids(
        lambda r: r["product_id"] is not None and r["product_id"] not in products
    )
    assert defects["inactive_product"] == ids(
        lambda r: r["product_id"] in products and not products[r["product_id"]]["is_active"]
    )
    assert defects["duplicate_item"] == _duplicated(retail_tables["order_items"], "order_item_id")


def test_defect_rates_are_about_one_percent(
    retail_defects: Defects, retail_plan: DatasetPlan
) -> None:
    for name, defects in retail_defects.items():
        share = sum(len(ids) for ids in defects.values()) / retail_plan.rows[name]
        assert 0.004 < share < 0.02, (name, share)
        assert all(len(ids) > 0 for ids in defects.values()), name


def _clean_rows(table: pa.Table, key: str, defects: dict[str, list[int]]) -> list[dict]:  # type: ignore[type-arg]
    """Rows without a defect; of a duplicated key, the first copy (as a de-dup keeps it)."""
    flagged = {i for name, ids in defects.items() if not name.startswith("duplicate") for i in ids}
    seen: set[int] = set()
    rows = []
    for row in table.to_pylist():
        if row[key] not in flagged and row[key] not in seen:
            rows.append(row)
            seen.add(row[key])
    return rows


def test_every_clean_order_has_an_item(retail_tables: Tables, retail_defects: Defects) -> None:
    orders = _clean_rows(retail_tables["orders"], "order_id", retail_defects["orders"])
    clean_items = _clean_rows(
        retail_tables["order_items"], "order_item_id", retail_defects["order_items"]
    )
    with_items = {r["order_id"] for r in clean_items}
    assert all(o["order_id"] in with_items for o in orders)
    per_order = Counter(r["order_id"] for r in clean_items)
    assert max(per_order.values()) >= 5  # baskets have a tail, not a constant size


def test_clean_rows_are_consistent(retail_tables: Tables, retail_defects: Defects) -> None:
    customers = {r["customer_id"]: r for r in retail_tables["customers"].to_pylist()}
    products = {r["product_id"]: r for r in retail_tables["products"].to_pylist()}
    orders = _clean_rows(retail_tables["orders"], "order_id", retail_defects["orders"])
    order_ids = {o["order_id"] for o in orders}
    for order in orders:
        customer = customers[order["customer_id"]]
        assert order["order_ts"] > customer["signup_ts"]
        if order["status"] in ("shipped", "delivered", "returned"):
            assert order["shipped_ts"] > order["order_ts"]
        else:
            assert order["shipped_ts"] is None
    items = _clean_rows(
        retail_tables["order_items"], "order_item_id", retail_defects["order_items"]
    )
    for item in items:
        product = products[item["product_id"]]
        assert product["is_active"] and item["order_id"] in order_ids
        assert item["quantity"] >= 1
        exact = Decimal(str(product["list_price"])) * (1 - Decimal(str(item["discount"])))
        assert Decimal(str(item["unit_price"])) == exact.quantize(CENT, ROUND_HALF_UP)


def test_clean_rows_reference_clean_parents(retail_tables: Tables, retail_defects: Defects) -> None:
    flagged_customers = {i for ids in retail_defects["customers"].values() for i in ids}
    flagged_products = {i for ids in retail_defects["products"].values() for i in ids}
    orders = _clean_rows(retail_tables["orders"], "order_id", retail_defects["orders"])
    items = _clean_rows(
        retail_tables["order_items"], "order_item_id", retail_defects["order_items"]
    )
    assert not {o["customer_id"] for o in orders} & (
        flagged_customers - set(retail_defects["customers"]["duplicate_customer"])
    )
    assert not {i["product_id"] for i in items} & (
        flagged_products - set(retail_defects["products"]["duplicate_product"])
    )
    assert {o["customer_id"] for o in orders} <= _keys(retail_tables["customers"], "customer_id")


def test_status_agrees_with_order_age(retail_plan: DatasetPlan, retail_tables: Tables) -> None:
    now = retail_plan.spec.reference_time
    for order in retail_tables["orders"].to_pylist():
        age = now - order["order_ts"]
        if age < timedelta(hours=24):
            assert order["status"] in ("pending", "processing")
        elif age > timedelta(days=14):
            assert order["status"] in ("delivered", "cancelled", "returned")


def test_customer_activity_is_heavy_tailed(retail_tables: Tables) -> None:
    counts = np.array(sorted(Counter(_col(retail_tables["orders"], "customer_id")).values()))
    top_share = counts[-len(counts) // 100 :].sum() / counts.sum()
    assert top_share > 0.04  # the top 1% of customers place well over 1% of orders


def test_product_popularity_is_skewed(retail_tables: Tables) -> None:
    counts = Counter(_col(retail_tables["order_items"], "product_id"))
    ordered = sorted(counts.values(), reverse=True)
    assert ordered[0] > 10 * np.median(ordered)


@pytest.mark.parametrize(
    ("child", "parent", "key"),
    [("orders", "customers", "customer_id"), ("order_items", "products", "product_id")],
)
def test_popular_parents_are_scattered_over_the_ids(
    retail_tables: Tables, child: str, parent: str, key: str
) -> None:
    """Popularity is skewed, but the popular parents are not simply the first ids: the
    first tenth of the ids gets about a tenth of the references, and a parent's id says
    nothing of its rank by popularity (without the scatter: 36% and 47%, rho -0.47, -0.73)."""
    counts = Counter(k for k in _col(retail_tables[child], key) if k is not None)
    ids = sorted(_keys(retail_tables[parent], key))
    references = np.array([counts.get(i, 0) for i in ids])
    first_tenth = references[: len(ids) // 10].sum() / references.sum()
    assert 0.05 < first_tenth < 0.15
    popularity_rank = references.argsort().argsort()
    rho = np.corrcoef(np.arange(len(ids)), popularity_rank)[0, 1]
    assert abs(rho) < 0.15


def test_prices_depend_on_category(retail_tables: Tables) -> None:
    products = retail_tables["products"]
    by_category = products.group_by("category").aggregate([("list_price", "approximate_median")])
    medians = dict(
        zip(
            _col(by_category, "category"),
            _col(by_category, "list_price_approximate_median"),
            strict=True,
        )
    )
    assert medians["Electronics"] > 4 * medians["Grocery"]


def test_emails_are_built_from_names(retail_tables: Tables, retail_defects: Defects) -> None:
    rows = _clean_rows(retail_tables["customers"], "customer_id", retail_defects["customers"])
    for row in rows[:500]:
        local = row["email"].split("@")[0]
        assert local.startswith(f"{row['first_name']}.{row['last_name']}".lower())


def test_cities_belong_to_their_country(retail_tables: Tables) -> None:
    from retail_lakehouse.generate.vocabulary import load_grouped_words

    vocab = load_grouped_words("cities_by_country")
    customers = retail_tables["customers"]
    for country, city in zip(_col(customers, "country"), _col(customers, "city"), strict=True):
        position = vocab.keys.index(country)
        start, count = int(vocab.starts[position]), int(vocab.counts[position])
        assert city in vocab.words.slice(start, count).to_pylist()


def test_seasonality_shows_in_order_timestamps(retail_tables: Tables) -> None:
    months = pc.month(retail_tables["orders"].column("order_ts")).to_numpy()
    per_month = np.bincount(months, minlength=13)[1:]
    assert per_month[11] > 1.3 * per_month[1]  # December beats February


def test_defect_scale_zero_gives_clean_data(retail_plan: DatasetPlan) -> None:
    clean = DatasetPlan(retail_plan.spec, retail_plan.seed, retail_plan.rows, defect_scale=0.0)
    doubled = DatasetPlan(retail_plan.spec, retail_plan.seed, retail_plan.rows, defect_scale=2.0)
    for name in retail_plan.rows:
        assert all(ids.size == 0 for ids in generate_table(clean, name).defect_ids.values())
    normal = sum(i.size for i in generate_table(retail_plan, "orders").defect_ids.values())
    more = sum(i.size for i in generate_table(doubled, "orders").defect_ids.values())
    assert 1.6 * normal < more < 2.4 * normal
    orders = generate_table(clean, "orders").data
    customers = set(generate_table(clean, "customers").data.column("customer_id").to_pylist())
    assert set(orders.column("customer_id").to_pylist()) <= customers
    assert len(customers) == clean.rows["customers"]  # no duplicates either


def test_defect_scale_is_checked(retail_plan: DatasetPlan) -> None:
    with pytest.raises(PlanError, match=r"more than 0\.5"):
        DatasetPlan(retail_plan.spec, 1, retail_plan.rows, defect_scale=100.0)
    with pytest.raises(PlanError, match="must not be negative"):
        DatasetPlan(retail_plan.spec, 1, retail_plan.rows, defect_scale=-1.0)
