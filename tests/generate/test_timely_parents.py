"""A foreign key picks a parent that exists at the child's time, so the child's timestamp
keeps its window's draw: an order's customer signed up before the order, and the order's
time is the one its window, weights and growth give."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from retail_lakehouse.generate.context import TableContext
from retail_lakehouse.generate.foreign_keys import skewed_ranks
from retail_lakehouse.generate.hashing import Stream
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec import DatasetSpec, parse_spec
from retail_lakehouse.generate.spec.columns import TimestampColumn, ZipfSkew
from retail_lakehouse.generate.spec.dataset import to_micros
from retail_lakehouse.generate.timely_parents import free_moments
from tests.helpers import small_plan


def _orders(plan: DatasetPlan) -> tuple[TableContext, TimestampColumn]:
    table = plan.table("orders")
    rows = np.arange(plan.rows["orders"], dtype=np.int64)
    column = table.column_map()["order_ts"]
    assert isinstance(column, TimestampColumn)
    return TableContext(plan, table, rows), column


def test_orders_keep_their_free_draw_and_follow_their_customers_signup(
    retail_spec: DatasetSpec,
) -> None:
    ctx, column = _orders(small_plan(retail_spec))
    order_ts = ctx.get("order_ts").data
    signup_ts = ctx.get("customer_signup_ts").data
    assert (order_ts > signup_ts).all()
    moved = order_ts != free_moments(ctx, column)
    assert moved.mean() < 1e-3  # the few orders with no timely customer in 16 picks


def _orders_from(spec: DatasetSpec, start: datetime) -> DatasetSpec:
    """``spec`` with the orders' window starting at ``start``."""
    data = spec.model_dump(mode="json")
    orders = next(t for t in data["tables"] if t["name"] == "orders")
    stamp = next(c for c in orders["columns"] if c["name"] == "order_ts")
    stamp["start"] = start.isoformat()
    return parse_spec(data, "early orders")


def test_a_time_before_nearly_every_parent_is_drawn_after_its_parent(
    retail_spec: DatasetSpec,
) -> None:
    # orders from the first sign-up on: the first weeks find (almost) no customer
    spec = _orders_from(retail_spec, datetime(2021, 1, 1, tzinfo=UTC))
    ctx, column = _orders(small_plan(spec))
    order_ts = ctx.get("order_ts").data
    assert (order_ts > ctx.get("customer_signup_ts").data).all()
    free = free_moments(ctx, column)
    moved = order_ts != free
    assert 0 < moved.mean() < 0.1
    first_year = free < to_micros(datetime(2022, 1, 1, tzinfo=UTC))
    assert moved[first_year].mean() > 10 * moved[~first_year].mean()  # before most sign-ups


def test_a_redrawn_key_keeps_the_popularity_of_parents() -> None:
    stream = Stream(3, "orders", "customer_id")
    rows = np.arange(200_000, dtype=np.int64)
    skew = ZipfSkew(type="zipf", exponent=1.2)
    first = skewed_ranks(stream, rows, 5000, skew)
    again = skewed_ranks(stream, rows, 5000, skew, attempt=4)
    assert (first != again).mean() > 0.5  # a new draw
    assert np.argmax(np.bincount(first)) == np.argmax(np.bincount(again))  # same favourite
