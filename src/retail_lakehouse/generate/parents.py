"""What a foreign key sees of its parent table: which rows it may pick, their keys, keys no
row has, and a parent column's values at picked rows.

A generation's foreign keys see the parent table of the same plan
(``context.LocalParent``); the rows of an appended day see their parent across the base
and every day so far (``segments.SegmentedParent``). ``generate.columns`` draws through
this port only, so it draws both alike.
"""

from __future__ import annotations

from typing import Protocol

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
