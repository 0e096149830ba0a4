"""Where each appended day's rows sit: day dates, row counts per table, row numbers and ids.

Appended rows continue a table's row numbers. A table's rows are numbered in two ways:

* virtual rows, without gaps: the base generation's rows, then each day's, in order;
* global rows, whose ids they are (``start + row * step``): the base generation's rows,
  then a reserved range, then each day's. The base generation points its orphan foreign
  keys (``orphan_reference`` defects) just past a parent's last row, one key per child
  row; appended ids start after that range, so a base orphan never finds a parent, and
  appended orphans are drawn inside it.

Everything here is arithmetic over (spec, scale, base row counts): a pure function of the
batch number, whatever ran before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

import numpy as np

from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.plan import PlanError
from retail_lakehouse.generate.spec.arrivals import ArrivalsSpec
from retail_lakehouse.generate.spec.columns import ForeignKeyColumn, SequenceColumn
from retail_lakehouse.generate.spec.dataset import DatasetSpec
from retail_lakehouse.generate.spec.defects import OrphanReference

MICROS_PER_DAY = 86_400_000_000


class Timeline:
    """The appended days of one landing zone (batch 1 is the first appended day)."""

    def __init__(self, spec: DatasetSpec, scale: float, base_rows: dict[str, int]) -> None:
        if spec.arrivals is None:
            raise PlanError(f"spec '{spec.name}' has no arrivals section to append days from")
        self.spec = spec
        self.arrivals: ArrivalsSpec = spec.arrivals
        self.scale = scale
        self.base_rows = dict(base_rows)
        self._rows: list[dict[str, int]] = []  # batch b's counts at index b - 1
        self._before: list[dict[str, int]] = [dict.fromkeys(base_rows, 0)]  # rows before b
        # the rows the spec's rates give each table over the days before b, unrounded
        self._expected: list[dict[str, float]] = [dict.fromkeys(base_rows, 0.0)]

    @cached_property
    def first_day(self) -> date:
        return self.arrivals.start or self.spec.reference_time.astimezone(UTC).date()

    def day(self, batch: int) -> date:
        return self.first_day + timedelta(days=batch - 1)

    def day_start(self, batch: int) -> datetime:
        return datetime.combine(self.day(batch), time(), UTC)

    def day_start_micros(self, batch: int) -> int:
        return (self.day(batch) - date(1970, 1, 1)).days * MICROS_PER_DAY

    def rows(self, batch: int) -> dict[str, int]:
        """New rows of each table on day ``batch`` (0 for tables without arrivals)."""
        while len(self._rows) < batch:
            expected = self._expected_through(len(self._rows) + 1)
            counts = self._day_rows(self._expected[-1], expected)
            self._expected.append(expected)
            self._rows.append(counts)
            previous = self._before[-1]
            self._before.append({name: previous[name] + counts[name] for name in previous})
        return self._rows[batch - 1]

    def _expected_through(self, batch: int) -> dict[str, float]:
        """The unrounded rows ``rows_per_day`` x scale x weekday weight give each table
        over the days up to ``batch``, from the total before it."""
        weight = self.arrivals.weekday_weights[self.day(batch).weekday()]
        return {
            name: total + self.arrivals.rows_per_day.get(name, 0.0) * self.scale * weight
            for name, total in self._expected[batch - 1].items()
        }

    def _day_rows(self, before: dict[str, float], through: dict[str, float]) -> dict[str, int]:
        """Each day's count is the step of the rounded running total, so the days add up
        to what the spec says however small a day's share is (0.4 rows a day make 2 in 5
        days, not 0 rounded every day)."""
        counts: dict[str, int] = {}
        for name in self.spec.table_order():  # parents first: a cover child follows its parent
            count = round(through[name]) - round(before[name])
            cover = self.spec.table(name).cover_key()
            if cover is not None:  # every parent row of the day needs a child of the day
                parents = counts[cover.references]
                count = max(count, parents) if parents else 0
            counts[name] = count
        return counts

    def appended_before(self, table: str, batch: int) -> int:
        """Rows of ``table`` appended on the days before ``batch``."""
        self.rows(batch)
        return self._before[batch - 1][table]

    def virtual_start(self, table: str, batch: int) -> int:
        return self.base_rows[table] + self.appended_before(table, batch)

    def global_start(self, table: str, batch: int) -> int:
        return self.virtual_start(table, batch) + self.reserved(table)

    def reserved(self, table: str) -> int:
        """Rows past the base's last row that its orphan keys may name: never assigned."""
        reserved = 0
        for child in self.spec.tables:
            orphaned = {d.column for d in child.defects if isinstance(d, OrphanReference)}
            for column in child.columns:
                names_table = isinstance(column, ForeignKeyColumn) and column.references == table
                if names_table and column.name in orphaned:
                    reserved = max(reserved, self.base_rows[child.name])
        return reserved

    def global_rows(self, table: str, virtual: I64) -> I64:
        """The global row of each virtual row of ``table``."""
        base = self.base_rows[table]
        shifted: I64 = np.where(virtual >= base, virtual + self.reserved(table), virtual)
        return shifted

    def key_column(self, table: str) -> SequenceColumn:
        spec = self.spec.table(table)
        key = spec.column_map()[spec.primary_key]
        assert isinstance(key, SequenceColumn)
        return key

    def keys(self, table: str, virtual: I64) -> I64:
        key = self.key_column(table)
        keys: I64 = key.start + self.global_rows(table, virtual) * key.step
        return keys
