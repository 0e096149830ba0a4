"""Parameters mean what they say in the generated data, checked at scale 0.5, where a few
percent is signal: the yearly growth of orders and sign-ups (whatever ``not_before`` does),
the gender of customers and their first names, the adjectives of product names.

Growth is continuous (``generate.calendar``): any 365 days hold
``(1 + growth_per_year) ** (365 / 365.2425)`` times as many rows as the 365 days before
them, apart from a day's more or less of each weekday.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from retail_lakehouse.generate.blocks import generate_table
from retail_lakehouse.generate.calendar import DAYS_PER_YEAR
from retail_lakehouse.generate.defaults import DEFAULT_SEED
from retail_lakehouse.generate.plan import DatasetPlan, resolve_rows
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.generate.spec.columns import CategoricalColumn, TimestampColumn
from retail_lakehouse.generate.spec.dataset import to_micros
from retail_lakehouse.generate.vocabulary import load_grouped_words, load_words

SCALE = 0.5
YEAR = timedelta(days=365)
STAMPS = [("orders", "order_ts"), ("customers", "signup_ts")]


@pytest.fixture(scope="session")
def half_scale(retail_spec: DatasetSpec) -> dict[str, pa.Table]:
    """Customers, products and orders of the retail spec at scale 0.5, as generated."""
    plan = DatasetPlan(retail_spec, DEFAULT_SEED, resolve_rows(retail_spec, SCALE))
    return {name: generate_table(plan, name).data for name in ("customers", "products", "orders")}


def _stamp(spec: DatasetSpec, table: str, column: str) -> TimestampColumn:
    found = spec.table(table).column_map()[column]
    assert isinstance(found, TimestampColumn)
    return found


def _micros(table: pa.Table, column: str) -> np.ndarray:
    return np.asarray(table.column(column).cast(pa.int64()).to_numpy(), dtype=np.int64)


def _count(moments: np.ndarray, start: datetime, end: datetime) -> int:
    return int(((moments >= to_micros(start)) & (moments < to_micros(end))).sum())


@pytest.mark.parametrize(("table", "column"), STAMPS)
def test_the_last_year_grows_by_the_specs_growth_per_year(
    retail_spec: DatasetSpec, half_scale: dict[str, pa.Table], table: str, column: str
) -> None:
    stamp = _stamp(retail_spec, table, column)
    moments = _micros(half_scale[table], column)
    last = _count(moments, stamp.end - YEAR, stamp.end)
    before = _count(moments, stamp.end - 2 * YEAR, stamp.end - YEAR)
    expected = (1 + stamp.growth_per_year) ** (365 / DAYS_PER_YEAR)
    assert last / before == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize(("table", "column"), STAMPS)
def test_every_month_grows_by_the_specs_growth_per_year(
    retail_spec: DatasetSpec, half_scale: dict[str, pa.Table], table: str, column: str
) -> None:
    # a month holding an outsized share (orders pushed late by not_before) grows too fast
    stamp = _stamp(retail_spec, table, column)
    months = _micros(half_scale[table], column).astype("datetime64[us]").astype("datetime64[M]")
    last = months.max()
    per_month = dict(zip(*np.unique(months, return_counts=True), strict=True))
    recent = [last - np.timedelta64(k, "M") for k in range(12)]
    ratios = np.array([per_month[m] / per_month[m - np.timedelta64(12, "M")] for m in recent])
    noise = 4 / np.sqrt(min(per_month[m - np.timedelta64(12, "M")] for m in recent))
    assert np.abs(ratios / (1 + stamp.growth_per_year) - 1).max() < 0.03 + noise


def test_orders_follow_their_customers_signup(half_scale: dict[str, pa.Table]) -> None:
    customers = half_scale["customers"].group_by("customer_id").aggregate([("signup_ts", "min")])
    orders = half_scale["orders"].join(customers, "customer_id", join_type="inner")
    assert orders.num_rows > 0.99 * half_scale["orders"].num_rows
    assert pc.all(pc.greater(orders["order_ts"], orders["signup_ts_min"])).as_py()


def _genders(spec: DatasetSpec) -> dict[str, float]:
    column = spec.table("customers").column_map()["gender"]
    assert isinstance(column, CategoricalColumn)
    total = sum(column.weights.values())
    return {gender: weight / total for gender, weight in column.weights.items()}


def test_customers_gender_agrees_with_their_first_name(
    retail_spec: DatasetSpec, half_scale: dict[str, pa.Table]
) -> None:
    names = load_grouped_words("first_names_by_gender")
    female = set(names.words_for("F").to_pylist())
    male = set(names.words_for("M").to_pylist())
    customers = half_scale["customers"]
    gender = customers["gender"].cast(pa.string())
    for only, other in ((female - male, "M"), (male - female, "F")):
        named = pc.is_in(customers["first_name"], pa.array(sorted(only)))
        assert pc.sum(pc.and_(named, pc.equal(gender, other))).as_py() == 0
        non_binary = pc.sum(pc.and_(named, pc.equal(gender, "X"))).as_py()
        assert non_binary > 0  # a non-binary customer may have any name


def test_gender_shares_are_the_specs(
    retail_spec: DatasetSpec, half_scale: dict[str, pa.Table]
) -> None:
    genders = half_scale["customers"]["gender"].cast(pa.string()).to_numpy(zero_copy_only=False)
    for gender, share in _genders(retail_spec).items():
        observed = float(np.mean(genders == gender))
        assert observed == pytest.approx(share, abs=4 * np.sqrt(share / genders.size)), gender


def _adjective(name: str, brands: list[str]) -> str:
    """The word after the brand of a product name ``{brand} {adjective} {noun}``."""
    brand = max((b for b in brands if name.startswith(f"{b} ")), key=len)
    return name[len(brand) + 1 :].split(" ", 1)[0]


def test_product_adjectives_fit_their_category(half_scale: dict[str, pa.Table]) -> None:
    adjectives = load_grouped_words("product_adjectives_by_category")
    allowed = {key: set(adjectives.words_for(key).to_pylist()) for key in adjectives.keys}
    brands = load_words("brands").to_pylist()
    products = half_scale["products"].select(["product_name", "category"]).to_pylist()
    named = [p for p in products if p["product_name"] is not None]
    assert len(named) > 0.99 * len(products)
    misfits = [
        (p["product_name"], p["category"])
        for p in named
        if _adjective(p["product_name"], brands) not in allowed[p["category"]]
    ]
    assert misfits == []
    used = {_adjective(p["product_name"], brands) for p in named}
    assert used == set().union(*allowed.values())  # every adjective of every category shows
