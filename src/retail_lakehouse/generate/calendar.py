"""Seasonal timestamps: an hourly weight table over a window and its inverse CDF.

The weight of an hour is the product of its weekday, month, hour-of-day and holiday
weights and a growth trend: continuous, ``(1 + growth_per_year) ** years`` since the
window's start, so any 365 days hold ``(1 + growth_per_year) ** (365 / 365.2425)`` times
the weight of the 365 before them, seasons aside. Sampling inverts the cumulative weights,
so a ``not_before`` bound is honoured exactly by drawing from the conditional distribution
(no rejection, no filtering): the result is strictly after the bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import numpy as np

from retail_lakehouse.generate.hashing import F64, I64
from retail_lakehouse.generate.spec.columns import Holiday, TimestampColumn
from retail_lakehouse.generate.spec.dataset import to_micros
from retail_lakehouse.generate.values import Mask

MICROS_PER_SECOND = 1_000_000
MICROS_PER_HOUR = 3600 * MICROS_PER_SECOND
DAYS_PER_YEAR = 365.2425
GUIDE_SIZE_PER_HOUR = 4


@dataclass(frozen=True)
class HourlyCalendar:
    start: int  # microseconds since epoch, aligned to the hour
    end: int
    weights: F64  # weight of each hour in the window
    cumulative: F64  # cumulative share at the end of each hour, last == 1
    guide: I64  # first hour whose cumulative share exceeds each of GUIDE_SIZE even steps

    def locate(self, shares: F64) -> I64:
        """The hour whose cumulative share first exceeds each share (a guided search).

        Equivalent to ``searchsorted(cumulative, shares, side="right")`` but starts from a
        precomputed guess per bucket and walks forward: a few gathers instead of a binary
        search with a cache miss per step.
        """
        last = self.weights.size - 1
        buckets = np.minimum((shares * self.guide.size).astype(np.int64), self.guide.size - 1)
        hours = self.guide[buckets]
        behind = np.flatnonzero(self.cumulative[hours] <= shares)
        while behind.size:
            hours[behind] = np.minimum(hours[behind] + 1, last)
            still = (self.cumulative[hours[behind]] <= shares[behind]) & (hours[behind] < last)
            behind = behind[still]
        return hours

    def share_before(self, moments: I64) -> F64:
        """The CDF at each moment (linear within an hour)."""
        position = (moments - self.start) / MICROS_PER_HOUR
        hour = np.clip(np.floor(position).astype(np.int64), 0, self.weights.size - 1)
        frac = np.clip(position - hour, 0.0, 1.0)
        before = np.where(hour > 0, self.cumulative[np.maximum(hour - 1, 0)], 0.0)
        share = before + frac * self.weights[hour]
        return np.where(position <= 0, 0.0, np.where(position >= self.weights.size, 1.0, share))

    def moments_at(self, shares: F64) -> I64:
        """Inverse CDF: the moment (whole seconds) at each cumulative share."""
        hour = self.locate(shares)
        before = np.where(hour > 0, self.cumulative[np.maximum(hour - 1, 0)], 0.0)
        frac = np.clip((shares - before) / self.weights[hour], 0.0, 1.0 - 1e-12)
        seconds = np.floor((hour + frac) * 3600.0).astype(np.int64)
        return self.start + seconds * MICROS_PER_SECOND


def sample_timestamps(
    calendar: HourlyCalendar, uniforms: F64, not_before: I64 | None, bound_nulls: Mask | None
) -> I64:
    """One timestamp per uniform; at least a second after ``not_before`` where that is given.

    A row whose free draw (``moments_at`` its uniform) already follows its bound keeps it;
    any other is drawn again from the window after its bound. Together they follow the
    window's distribution conditional on the bound, and where every bound precedes its
    row's free draw (a foreign key picks its parent so: ``generate.timely_parents``) the
    result is the free draw, the window's own distribution.
    """
    moments = calendar.moments_at(uniforms)
    if not_before is None:
        return moments
    earliest = not_before + MICROS_PER_SECOND
    late = moments < earliest
    if bound_nulls is not None:
        late &= ~bound_nulls
    if not late.any():
        return moments
    share = calendar.share_before(earliest[late])
    # a draw before its bound had a uniform below the bound's share: rescaled by it, that
    # uniform is a fresh one, so the redraw needs no stream of its own
    fresh = np.clip(uniforms[late] / np.maximum(share, 1e-300), 0.0, 1.0 - 1e-12)
    redrawn = calendar.moments_at(share + fresh * (1.0 - share))
    moments[late] = np.maximum(redrawn, earliest[late])
    return moments


def build_calendar(column: TimestampColumn) -> HourlyCalendar:
    return _build(
        to_micros(column.start),
        to_micros(column.end),
        tuple(column.weekday_weights),
        tuple(column.month_weights),
        tuple(column.hour_weights),
        tuple((h.holiday, h.weight) for h in column.holidays),
        column.growth_per_year,
    )


@cache
def _build(
    start: int,
    end: int,
    weekday_weights: tuple[float, ...],
    month_weights: tuple[float, ...],
    hour_weights: tuple[float, ...],
    holidays: tuple[tuple[Holiday, float], ...],
    growth_per_year: float,
) -> HourlyCalendar:
    first_hour = start - start % MICROS_PER_HOUR
    n_hours = max(1, -(-(end - first_hour) // MICROS_PER_HOUR))
    hours = first_hour // MICROS_PER_HOUR + np.arange(n_hours, dtype=np.int64)
    days = hours // 24
    epoch = date(1970, 1, 1)
    dates = np.array([epoch + timedelta(days=int(d)) for d in np.unique(days)])
    day_weight = _day_weights(dates, weekday_weights, month_weights, holidays)
    weights = day_weight[np.searchsorted(np.unique(days), days)]
    weights = weights * np.asarray(hour_weights)[hours % 24]
    years = (hours - hours[0]) / (24 * DAYS_PER_YEAR)
    weights = weights * (1.0 + growth_per_year) ** years
    weights = weights / weights.sum()
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0
    steps = np.arange(GUIDE_SIZE_PER_HOUR * n_hours, dtype=np.float64) / (
        GUIDE_SIZE_PER_HOUR * n_hours
    )
    guide = np.minimum(np.searchsorted(cumulative, steps, side="right"), n_hours - 1)
    return HourlyCalendar(first_hour, end, weights, cumulative, guide.astype(np.int64))


def _day_weights(
    dates: np.ndarray,
    weekday_weights: tuple[float, ...],
    month_weights: tuple[float, ...],
    holidays: tuple[tuple[Holiday, float], ...],
) -> F64:
    weekday = np.array([d.weekday() for d in dates])
    month = np.array([d.month - 1 for d in dates])
    weights = np.asarray(weekday_weights)[weekday] * np.asarray(month_weights)[month]
    for holiday, weight in holidays:
        hit = np.array([is_holiday(d, holiday) for d in dates], dtype=bool)
        weights = np.where(hit, weights * weight, weights)
    day_weights: F64 = weights.astype(np.float64)
    return day_weights


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def is_holiday(day: date, holiday: Holiday) -> bool:
    match holiday:
        case "black_friday":
            return day == black_friday(day.year)
        case "cyber_monday":
            return day == black_friday(day.year) + timedelta(days=3)
        case "christmas_season":
            return day.month == 12 and 1 <= day.day <= 24
        case "new_year":
            return (day.month == 12 and day.day >= 26) or (day.month == 1 and day.day <= 2)
