"""Seasonal timestamps: holidays, weights, growth, and exact not-before bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from retail_lakehouse.generate.calendar import black_friday, build_calendar, sample_timestamps
from retail_lakehouse.generate.hashing import Stream
from retail_lakehouse.generate.spec.columns import HolidayWeight, TimestampColumn
from retail_lakehouse.generate.spec.dataset import to_micros

ROWS = np.arange(300_000, dtype=np.int64)


def _column(**changes: object) -> TimestampColumn:
    base: dict[str, object] = {
        "name": "ts", "kind": "timestamp",
        "start": datetime(2024, 1, 1, tzinfo=UTC), "end": datetime(2026, 1, 1, tzinfo=UTC),
    }  # fmt: skip
    return TimestampColumn.model_validate(base | changes)


def _dates(column: TimestampColumn) -> np.ndarray:
    moments = build_calendar(column).moments_at(Stream(1, "ts").uniform(ROWS))
    return moments.astype("datetime64[us]")


def test_black_friday_dates() -> None:
    assert black_friday(2024) == date(2024, 11, 29)
    assert black_friday(2025) == date(2025, 11, 28)
    assert black_friday(2023) == date(2023, 11, 24)


def test_timestamps_stay_in_the_window() -> None:
    column = _column()
    moments = build_calendar(column).moments_at(Stream(1, "ts").uniform(ROWS))
    assert moments.min() >= to_micros(column.start)
    assert moments.max() < to_micros(column.end)
    assert (moments % 1_000_000 == 0).all()  # whole seconds


def test_holiday_weight_shows_on_black_friday() -> None:
    days = _dates(_column(holidays=[HolidayWeight(holiday="black_friday", weight=5)]))
    per_day = np.unique(days.astype("datetime64[D]"), return_counts=True)
    counts = dict(zip(per_day[0].astype(object), per_day[1], strict=True))
    assert counts[date(2025, 11, 28)] > 3.5 * np.median(per_day[1])


def test_weekday_and_hour_weights() -> None:
    days = _dates(_column(weekday_weights=[1, 1, 1, 1, 1, 3, 1], hour_weights=[1] * 23 + [4]))
    weekdays = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7  # Monday = 0
    per_weekday = np.bincount(weekdays, minlength=7)
    assert per_weekday[5] > 2.5 * per_weekday[0]
    hours = (days.astype("datetime64[h]").astype(np.int64)) % 24
    per_hour = np.bincount(hours, minlength=24)
    assert per_hour[23] > 3 * per_hour[12]


def test_growth_trend() -> None:
    days = _dates(_column(growth_per_year=1.0))
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    assert (years == 2025).sum() > 1.8 * (years == 2024).sum()


def test_not_before_is_strict_and_keeps_the_shape() -> None:
    column = _column()
    calendar = build_calendar(column)
    bound = np.full(ROWS.size, to_micros(datetime(2025, 6, 1, tzinfo=UTC)), dtype=np.int64)
    bound[::2] = to_micros(datetime(2020, 1, 1, tzinfo=UTC))  # before the window: no effect
    bound[1::4] = to_micros(column.end)  # at the end: one second later
    uniforms = Stream(1, "ts").uniform(ROWS)
    moments = sample_timestamps(calendar, uniforms, bound, None)
    assert (moments > bound).all()
    unbounded = sample_timestamps(calendar, uniforms, None, None)
    assert np.array_equal(moments[::2], unbounded[::2])


def test_draws_after_their_bound_stay_and_the_others_follow_the_same_law() -> None:
    calendar = build_calendar(_column(growth_per_year=0.5))
    bound = np.full(ROWS.size, to_micros(datetime(2025, 3, 1, tzinfo=UTC)), dtype=np.int64)
    uniforms = Stream(1, "ts").uniform(ROWS)
    free = calendar.moments_at(uniforms)
    moments = sample_timestamps(calendar, uniforms, bound, None)
    kept = free > bound
    assert np.array_equal(moments[kept], free[kept])
    redrawn = moments[~kept]
    assert (redrawn > bound[~kept]).all()
    # the redrawn rows are distributed as the kept ones (both: the window after the bound),
    # not bunched just after the bound
    deciles = np.linspace(0.1, 0.9, 9)
    spread = np.quantile(redrawn, deciles) - np.quantile(moments[kept], deciles)
    assert np.abs(spread).max() < 2 * 86_400_000_000  # two days of a ten-month span


def test_null_bounds_are_ignored() -> None:
    calendar = build_calendar(_column())
    uniforms = Stream(1, "ts").uniform(ROWS)
    bound = np.zeros(ROWS.size, dtype=np.int64)
    nulls = np.ones(ROWS.size, dtype=bool)
    moments = sample_timestamps(calendar, uniforms, bound, nulls)
    assert np.array_equal(moments, calendar.moments_at(uniforms))


def test_guided_search_equals_binary_search() -> None:
    calendar = build_calendar(
        _column(holidays=[HolidayWeight(holiday="christmas_season", weight=9)])
    )
    shares = np.concatenate([Stream(2, "s").uniform(ROWS), calendar.cumulative, [0.0, 1 - 1e-16]])
    expected = np.minimum(
        np.searchsorted(calendar.cumulative, shares, side="right"), calendar.weights.size - 1
    )
    assert np.array_equal(calendar.locate(shares), expected)
