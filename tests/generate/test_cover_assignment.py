"""The ``cover`` foreign key: ``cover_assignment`` on tables of several parent groups.

Every parent gets at least one child, a parent's children are adjacent rows,
``first_child`` marks exactly the first row of each parent, and a block of rows (any
split, blocks starting past the first group included) gets the rows' assignment in the
whole table. The sizes equal a plain-Python reading of the documented draw, group by
group. An empty block, as many children as parents, and too few children.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, pairwise
from math import log

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.generate.foreign_keys import (
    COVER_GROUP,
    CoverAssignment,
    child_start,
    cover_assignment,
)
from retail_lakehouse.generate.hashing import I64, Stream

STREAM = Stream(7, "order_items", "order_id")


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, int]:
    """Parents over several groups (so blocks start past the first), and children."""
    n_parents = draw(st.integers(2 * COVER_GROUP + 1, 6 * COVER_GROUP))
    n_children = draw(st.integers(n_parents, 4 * n_parents))
    return n_children, n_parents


def rows(start: int, stop: int) -> I64:
    return np.arange(start, stop, dtype=np.int64)


def whole(n_children: int, n_parents: int) -> CoverAssignment:
    return cover_assignment(STREAM, rows(0, n_children), n_children, n_parents)


def check_cover(assignment: CoverAssignment, n_parents: int) -> None:
    """Every parent has a child, children of a parent are adjacent, first rows marked."""
    ranks = assignment.parent_ranks
    assert ranks.dtype == np.int64 and assignment.first_child.dtype == np.bool_
    steps = np.diff(ranks)
    assert ranks[0] == 0 and ranks[-1] == n_parents - 1
    assert np.all((steps == 0) | (steps == 1))  # sorted, none skipped: each parent, adjacent
    starts = np.concatenate(([True], steps != 0))
    assert np.array_equal(assignment.first_child, starts)


@settings(max_examples=25, deadline=None)
@given(tables())
def test_every_parent_gets_adjacent_children_and_one_first_child(table: tuple[int, int]) -> None:
    n_children, n_parents = table
    assignment = whole(n_children, n_parents)
    assert assignment.parent_ranks.size == n_children
    check_cover(assignment, n_parents)
    sizes = np.bincount(assignment.parent_ranks)
    assert sizes.min() >= 1 and sizes.sum() == n_children


@settings(max_examples=25, deadline=None)
@given(tables(), st.data())
def test_any_split_into_blocks_gives_the_whole_tables_assignment(
    table: tuple[int, int], data: st.DataObject
) -> None:
    n_children, n_parents = table
    cuts = data.draw(st.lists(st.integers(1, n_children - 1), max_size=6, unique=True))
    bounds = [0, *sorted(cuts), n_children]
    expected = whole(n_children, n_parents)

    blocks = [
        cover_assignment(STREAM, rows(start, stop), n_children, n_parents)
        for start, stop in pairwise(bounds)
    ]

    assert np.array_equal(np.concatenate([b.parent_ranks for b in blocks]), expected.parent_ranks)
    assert np.array_equal(np.concatenate([b.first_child for b in blocks]), expected.first_child)


@settings(max_examples=25, deadline=None)
@given(tables(), st.data())
def test_a_block_past_the_first_group_matches_the_whole_table(
    table: tuple[int, int], data: st.DataObject
) -> None:
    n_children, n_parents = table
    expected = whole(n_children, n_parents)
    past = int(np.searchsorted(expected.parent_ranks, COVER_GROUP + 1))  # a later group's row
    start = data.draw(st.integers(past, n_children - 1))
    stop = data.draw(st.integers(start + 1, n_children))

    block = cover_assignment(STREAM, rows(start, stop), n_children, n_parents)

    assert block.parent_ranks.min() > COVER_GROUP
    assert np.array_equal(block.parent_ranks, expected.parent_ranks[start:stop])
    assert np.array_equal(block.first_child, expected.first_child[start:stop])


def reference_sizes(n_children: int, n_parents: int) -> list[int]:
    """Children per parent as ``_children_per_parent`` documents them, one group and one
    extra child at a time: each parent one child, then each of the group's extra children
    draws, at its own child row, a parent of the group in proportion to its weight."""
    sizes: list[int] = []
    for lo in range(0, n_parents, COVER_GROUP):
        hi = min(lo + COVER_GROUP, n_parents)
        uniforms = STREAM.child("weight").open_uniform(rows(lo, hi)).tolist()
        cumulative = list(accumulate(-log(u) for u in uniforms))
        first, end = (int(child_start(np.array([k]), n_children, n_parents)[0]) for k in (lo, hi))
        group = [1] * (hi - lo)
        extra_rows = rows(first + hi - lo, end)  # the rows past one child per parent
        for draw in STREAM.child("extra").uniform(extra_rows).tolist():
            group[min(bisect_right(cumulative, draw * cumulative[-1]), hi - lo - 1)] += 1
        sizes += group
    return sizes


@settings(max_examples=10, deadline=None)
@given(tables())
def test_the_sizes_are_the_documented_draw_in_every_group(table: tuple[int, int]) -> None:
    n_children, n_parents = table
    ranks = whole(n_children, n_parents).parent_ranks
    assert np.bincount(ranks, minlength=n_parents).tolist() == reference_sizes(
        n_children, n_parents
    )


def test_an_empty_block_assigns_nothing() -> None:
    block = cover_assignment(STREAM, rows(0, 0), 5000, 3000)
    assert block.parent_ranks.size == 0 and block.parent_ranks.dtype == np.int64
    assert block.first_child.size == 0 and block.first_child.dtype == np.bool_


@pytest.mark.parametrize("n", [1, COVER_GROUP, 3 * COVER_GROUP + 5])
def test_as_many_children_as_parents_gives_one_child_each(n: int) -> None:
    assignment = whole(n, n)
    assert np.array_equal(assignment.parent_ranks, rows(0, n))
    assert assignment.first_child.all()


@pytest.mark.parametrize(("n_children", "n_parents"), [(0, 1), (2999, 3000), (1, 4096)])
def test_fewer_children_than_parents_is_an_error(n_children: int, n_parents: int) -> None:
    with pytest.raises(ValueError, match="cover needs at least as many children") as caught:
        cover_assignment(STREAM, rows(0, n_children), n_children, n_parents)
    assert f"({n_children})" in str(caught.value)
