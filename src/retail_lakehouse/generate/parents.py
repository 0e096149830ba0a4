"""What a foreign key sees of its parent table: which rows it may pick, their keys, keys no
row has, and a parent column's values at picked rows.

A generation's foreign keys see the parent table of the same plan
(``context.LocalParent``); the rows of an appended day see their parent across the base
and every day so far (``segments.SegmentedParent``). ``generate.columns`` draws through
this port only, so it draws both alike. Parent values are read at sorted distinct rows
(:func:`distinct_rows`), as the port asks.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from retail_lakehouse.generate.eligible import EligibleRows
from retail_lakehouse.generate.hashing import I64, Stream
from retail_lakehouse.generate.spec.columns import ParentFilter
from retail_lakehouse.generate.values import Value


class ParentView(Protocol):
    @property
    def size(self) -> int:
        """Rows of the parent: every row number a foreign key may hold is below it."""
        ...

    def eligible(self, where: ParentFilter | None, passing: bool) -> EligibleRows:
        """Clean rows that pass ``where`` (or, with passing=False, fail it)."""
        ...

    def keys(self, rows: I64) -> I64:
        """The primary key of each parent row."""
        ...

    def orphan_keys(self, child_rows: I64, stream: Stream) -> I64:
        """A key that no parent row has, for each child row."""
        ...

    def values(self, rows: I64, column: str) -> Value:
        """Clean values of ``column`` at parent ``rows`` (ascending)."""
        ...


def distinct_rows(rows: I64, bound: int) -> tuple[I64, I64]:
    """Sorted distinct rows in [0, bound) and each row's position among them.

    A presence bitmap when the parent table is small next to the block (no sort), else
    ``np.unique``.
    """
    if bound > 4 * rows.size:
        unique, inverse = np.unique(rows, return_inverse=True)
        return unique, inverse.astype(np.int64)
    present = np.zeros(bound, dtype=bool)
    present[rows] = True
    position = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present), position[rows]
