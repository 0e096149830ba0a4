"""The compact eligible-row index answers exactly what the flat list of rows answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.generate import context
from retail_lakehouse.generate.context import (
    clean_mask,
    filter_mask,
    parent_index,
    required_indexes,
)
from retail_lakehouse.generate.eligible import WINDOW, eligible_rows
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.values import Mask


def _chunks(flags: Mask, cuts: list[int]) -> list[Mask]:
    bounds = sorted({0, flags.size, *(c % (flags.size + 1) for c in cuts)})
    return [flags[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def eligibility(draw: st.DrawFn) -> Mask:
    """Flags of random density, scattered or in runs (runs give gaps wider than a window)."""
    total = draw(st.integers(1, 3000))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.0, 0.01, 0.2, 0.5, 0.9, 0.99, 1.0]))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        return rng.random(total) < density
    runs = rng.geometric(draw(st.sampled_from([0.5, 0.05, 0.005])), size=total)
    flags: Mask = np.repeat(rng.random(total) < density, runs)[:total]  # runs are >= 1
    return flags


@settings(max_examples=300, deadline=None)
@given(flags=eligibility(), cuts=st.lists(st.integers(0, 4000), max_size=6), data=st.data())
def test_take_gives_the_rows_of_the_flat_index(
    flags: Mask, cuts: list[int], data: st.DataObject
) -> None:
    flat = np.flatnonzero(flags)
    index = eligible_rows(flags.size, _chunks(flags, cuts))
    assert index.size == flat.size
    assert index.total == flags.size
    assert np.array_equal(index.take(np.arange(flat.size)), flat)
    if flat.size:
        picks = data.draw(st.lists(st.integers(0, flat.size - 1), max_size=50))
        ranks = np.array(picks, dtype=np.int64)
        assert np.array_equal(index.take(ranks), flat[ranks])


def test_every_row_eligible_stores_nothing() -> None:
    index = eligible_rows(10_000, [np.ones(4096, dtype=bool), np.ones(5904, dtype=bool)])
    assert index.nbytes == 0
    ranks = np.array([0, 9_999, 17], dtype=np.int64)
    assert np.array_equal(index.take(ranks), ranks)


def test_dense_rows_take_a_fraction_of_the_flat_index() -> None:
    flags = np.random.default_rng(7).random(1 << 20) < 0.99
    index = eligible_rows(flags.size, [flags])
    assert index.nbytes * 10 < np.flatnonzero(flags).nbytes
    ranks = np.random.default_rng(8).integers(0, index.size, 10_000)
    assert np.array_equal(index.take(ranks), np.flatnonzero(flags)[ranks])


def test_a_gap_wider_than_the_window_inside_a_sample() -> None:
    flags = np.zeros(5 * WINDOW, dtype=bool)
    flags[[0, 1, 2, 3 * WINDOW, 3 * WINDOW + 1, 4 * WINDOW, 4 * WINDOW + 3, 5 * WINDOW - 1]] = True
    flags[[5, 6]] = True
    index = eligible_rows(flags.size, [flags[:13], flags[13:]])
    assert np.array_equal(index.take(np.arange(index.size)), np.flatnonzero(flags))


def test_flags_must_cover_the_table() -> None:
    with pytest.raises(ValueError, match="flags for 5 rows"):
        eligible_rows(6, [np.ones(5, dtype=bool)])


def test_the_retail_indexes_are_its_clean_rows_that_pass_the_filter(
    retail_plan: DatasetPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "INDEX_CHUNK", 1001)  # several chunks, not whole bytes
    plan = DatasetPlan(retail_plan.spec, retail_plan.seed, retail_plan.rows)
    for name, where, passing in required_indexes(plan.spec):
        table = plan.table(name)
        total = plan.rows[name]
        keep = clean_mask(plan, table, 0, total)
        if where is not None:
            passes = filter_mask(plan, table, np.arange(total, dtype=np.int64), where)
            keep &= passes if passing else ~passes
        index = parent_index(plan, name, where, passing)
        assert np.array_equal(index.take(np.arange(index.size)), np.flatnonzero(keep))
