"""How child rows pick parent rows, as pure functions of the child row id.

* ``uniform`` / ``zipf``: a rank among the eligible parents, scattered over them by an
  affine permutation so popular parents are spread across the key range.
* ``cover``: every eligible parent gets at least one child and a parent's children are
  adjacent. Parents are taken in groups of :data:`COVER_GROUP`; the children of a group are
  a fixed, proportional slice of the child table, so any child row finds its group with
  integer arithmetic and its parent from the group alone (no global state, any block size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retail_lakehouse.generate.distributions import affine_permutation, permute, zipf_rank
from retail_lakehouse.generate.hashing import I64, Stream
from retail_lakehouse.generate.spec.columns import Skew, UniformSkew, ZipfSkew
from retail_lakehouse.generate.values import Mask

COVER_GROUP = 1024


def skewed_ranks(stream: Stream, rows: I64, n: int, skew: Skew, attempt: int = 0) -> I64:
    """Ranks in [0, n) for a uniform or zipf foreign key (cover is handled separately).

    ``attempt`` k > 0 draws the key again from a stream of its own, with the same scatter
    of popularity over parents: a parent popular in one attempt is popular in all.
    """
    draws = stream if attempt == 0 else stream.child("attempt", str(attempt))
    if isinstance(skew, UniformSkew):
        return np.minimum((draws.uniform(rows) * n).astype(np.int64), n - 1)
    assert isinstance(skew, ZipfSkew)
    ranks = zipf_rank(draws, rows, n, skew.exponent)
    multiplier, offset = affine_permutation(stream.child("permutation").stream_seed, n)
    return permute(ranks, n, multiplier, offset)


@dataclass(frozen=True)
class CoverAssignment:
    parent_ranks: I64  # rank of each child's parent among the eligible parents
    first_child: Mask  # the child is the first of its parent: it must stay clean


def child_start(parent_rank: I64, n_children: int, n_parents: int) -> I64:
    """First child row of the group boundary at ``parent_rank`` (proportional split)."""
    return (parent_rank * n_children) // n_parents


def _boundary_rank(rows: I64, n_children: int, n_parents: int) -> I64:
    """Largest parent rank k with child_start(k) <= row."""
    return -(-((rows + 1) * n_parents) // n_children) - 1


def cover_assignment(stream: Stream, rows: I64, n_children: int, n_parents: int) -> CoverAssignment:
    """Assign each child row to a parent so that every parent has at least one child."""
    if n_children < n_parents:
        raise ValueError(f"cover needs at least as many children ({n_children}) as parents")
    if rows.size == 0:
        return CoverAssignment(rows.copy(), np.zeros(0, dtype=bool))
    groups = _boundary_rank(rows, n_children, n_parents) // COVER_GROUP
    first_group, last_group = int(groups.min()), int(groups.max())
    lo = first_group * COVER_GROUP
    hi = min((last_group + 1) * COVER_GROUP, n_parents)
    children_per_parent = _children_per_parent(stream, lo, hi, n_children, n_parents)
    ends = np.cumsum(children_per_parent)
    local = rows - child_start(np.array([lo]), n_children, n_parents)[0]
    parent_local = np.searchsorted(ends, local, side="right")
    starts = ends - children_per_parent
    return CoverAssignment(parent_local + lo, starts[parent_local] == local)


def _children_per_parent(stream: Stream, lo: int, hi: int, n_children: int, n_parents: int) -> I64:
    """Children of each parent rank in [lo, hi): one each, plus extras drawn per group.

    A group's extra children pick a parent of the group with probability proportional to
    an exponential weight per parent, which gives a geometric-like tail of basket sizes.
    All groups are drawn at once: one weighted search over the cumulative weights.
    """
    ranks = np.arange(lo, hi, dtype=np.int64)
    cumulative = np.cumsum(-np.log(stream.child("weight").open_uniform(ranks)))
    group_lo = np.arange(lo, hi, COVER_GROUP, dtype=np.int64)
    group_hi: I64 = np.minimum(group_lo + COVER_GROUP, hi).astype(np.int64)
    first_child = child_start(group_lo, n_children, n_parents)
    extras = child_start(group_hi, n_children, n_parents) - first_child - (group_hi - group_lo)
    slot_group = np.repeat(np.arange(group_lo.size), extras)
    slot_offset = np.arange(slot_group.size) - np.repeat(np.cumsum(extras) - extras, extras)
    slots = np.repeat(first_child + group_hi - group_lo, extras) + slot_offset
    base = np.concatenate(([0.0], cumulative))[group_lo - lo]
    span = cumulative[group_hi - lo - 1] - base
    targets = base[slot_group] + stream.child("extra").uniform(slots) * span[slot_group]
    picks = np.searchsorted(cumulative, targets, side="right")
    picks = np.clip(picks, group_lo[slot_group] - lo, group_hi[slot_group] - lo - 1)
    return 1 + np.bincount(picks, minlength=hi - lo).astype(np.int64)
