"""An appended day's row counts: over any number of days they add up to what the spec's
rows_per_day, scale and weekday weights give, however small a day's share."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.datasets import builtin_spec
from retail_lakehouse.generate.timeline import Timeline

SPEC = builtin_spec()
BASE = {"customers": 1000, "products": 100, "orders": 5000, "order_items": 10000}


def expected_total(table: str, scale: float, days: int, timeline: Timeline) -> float:
    arrivals = SPEC.arrivals
    assert arrivals is not None
    weights = arrivals.weekday_weights
    per_day = arrivals.rows_per_day.get(table, 0.0) * scale
    return sum(per_day * weights[timeline.day(b).weekday()] for b in range(1, days + 1))


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.01, 3.0), days=st.integers(1, 60))
def test_the_days_add_up_to_the_spec_whatever_the_scale(scale: float, days: int) -> None:
    timeline = Timeline(SPEC, scale, BASE)
    for table in ("customers", "products"):
        total = sum(timeline.rows(b)[table] for b in range(1, days + 1))
        assert abs(total - expected_total(table, scale, days, timeline)) <= 0.5


def test_a_share_under_half_a_row_a_day_still_arrives() -> None:
    """6 products a day at scale 0.01 is 0.06 a day: rounded day by day it was never one."""
    timeline = Timeline(SPEC, 0.01, BASE)
    total = sum(timeline.rows(b)["products"] for b in range(1, 61))
    assert total == round(expected_total("products", 0.01, 60, timeline)) >= 3
