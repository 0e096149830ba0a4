"""Foreign keys that pick a parent existing at the child's time.

A timestamp whose ``not_before`` is a parent's column looked up through a foreign key (an
order's time, not before its customer's sign-up) is drawn from its window alone (its free
draw), and the key picks a parent whose bound precedes that draw: rows whose parent comes
too late draw their key again, in up to :data:`ATTEMPTS` named attempts with the key's
skew. The timestamp then keeps its free draw (``calendar.sample_timestamps``), so its
distribution is the one its window, weights and growth describe, and a parent's share of
the children at a time is its skew weight among the parents that exist by then.

A row with no timely parent after every attempt (a time before nearly every parent) keeps
its last pick, and its timestamp is drawn after that parent's bound instead. Keys that
cover their parent (every parent a child) and the parents of ``violate_filter`` defects
are not redrawn: their timestamps, too, are drawn after the bound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from retail_lakehouse.generate.calendar import MICROS_PER_SECOND, build_calendar
from retail_lakehouse.generate.eligible import EligibleRows
from retail_lakehouse.generate.foreign_keys import skewed_ranks
from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.parents import ParentView, distinct_rows
from retail_lakehouse.generate.spec.columns import ForeignKeyColumn, TimestampColumn
from retail_lakehouse.generate.spec.references import timestamps_bounded_through
from retail_lakehouse.generate.values import Mask

if TYPE_CHECKING:
    from retail_lakehouse.generate.context import TableContext

# The chance a row is still late after every attempt is (1 - p) ** ATTEMPTS, p the skew
# weight of the parents that exist at its time: below 1e-4 for p = 0.45, the retail
# spec's first order day, where 45% of customers have signed up.
ATTEMPTS = 16

Deadline = tuple[str, I64]  # a parent column, and the moment each row's value must precede


def free_moments(ctx: TableContext, column: TimestampColumn) -> I64:
    """Each row's timestamp as its window alone draws it, before any bound."""
    return build_calendar(column).moments_at(ctx.stream(column.name).uniform(ctx.rows))


def timely_parents(
    ctx: TableContext,
    column: ForeignKeyColumn,
    parent: ParentView,
    eligible: EligibleRows,
    picked: I64,
) -> I64:
    """``picked`` (the parent row of each of ``ctx.rows``), with the rows whose parent comes
    after one of their bounded timestamps' free draws drawn again."""
    bounds = timestamps_bounded_through(ctx.columns, column.name)
    if not bounds:
        return picked
    deadlines = [(lookup.column, free_moments(ctx, stamp)) for stamp, lookup in bounds]
    rows = picked.copy()
    late = np.flatnonzero(_too_late(parent, rows, deadlines))
    stream = ctx.stream(column.name)
    for attempt in range(1, ATTEMPTS):
        if late.size == 0:
            break
        ranks = skewed_ranks(stream, ctx.rows[late], eligible.size, column.skew, attempt)
        rows[late] = eligible.take(ranks)
        still = _too_late(parent, rows[late], [(name, at[late]) for name, at in deadlines])
        late = late[still]
    return rows


def _too_late(parent: ParentView, rows: I64, deadlines: list[Deadline]) -> Mask:
    """Whether each parent row's value of a deadline's column is not a second before it."""
    unique, inverse = distinct_rows(rows, parent.size)
    late = np.zeros(rows.size, dtype=bool)
    for name, deadline in deadlines:
        bound = parent.values(unique, name).take(inverse)
        after = bound.numpy().astype(np.int64) + MICROS_PER_SECOND > deadline
        late |= after if bound.nulls is None else after & ~bound.nulls
    return late
