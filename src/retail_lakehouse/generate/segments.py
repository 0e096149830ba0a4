"""A table across the base generation and the appended days: its segments, and the parent
view the rows of a day pick their foreign keys from.

The rows of day ``b`` are drawn by a :class:`BatchPlan`: the spec with every timestamp
window narrowed to the day, ``reference_time`` at the day's end, sequences starting at
the day's first id, and a seed of its own. A foreign key that covers its parent (an
order's items) picks among the day's parents, as a generation does; any other picks among
the parent's rows of every segment so far (the base's and each day's, this one's
included) that are clean and, per the parent's change feed, not deleted by the end of the
day. A filtered key (``where``) takes rows that pass it both as written and as changed by
then, and a ``violate_filter`` defect rows that fail it both ways: a retired product is
neither an item's clean product nor its labelled inactive one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.generate.context import (
    INDEX_CHUNK,
    LocalParent,
    TableContext,
    clean_mask,
    filter_mask,
)
from retail_lakehouse.generate.eligible import EligibleRows, eligible_rows
from retail_lakehouse.generate.hashing import I64, Stream, derive_seed
from retail_lakehouse.generate.parents import ParentView
from retail_lakehouse.generate.plan import DatasetPlan, PlanError
from retail_lakehouse.generate.spec.columns import (
    Column,
    CoverSkew,
    ForeignKeyColumn,
    ParentFilter,
    SequenceColumn,
    TimestampColumn,
)
from retail_lakehouse.generate.spec.dataset import DatasetSpec
from retail_lakehouse.generate.timeline import Timeline
from retail_lakehouse.generate.values import Mask, Value

ParentLookup = Callable[[str, int], ParentView]  # (parent table, batch) -> its view


def batch_seed(seed: int, batch: int) -> int:
    """The seed of day ``batch``'s draws: its own, so no day repeats another's values."""
    return derive_seed(seed, "__arrivals__", str(batch))


def day_spec(timeline: Timeline, batch: int) -> DatasetSpec:
    """The spec as it draws the rows of day ``batch``."""
    start = timeline.day_start(batch)
    end = start + timedelta(days=1)
    tables = []
    for table in timeline.spec.tables:
        offset = timeline.global_start(table.name, batch)
        columns = [_for_day(c, start, end, offset) for c in table.columns]
        tables.append(table.model_copy(update={"columns": columns}))
    update = {"tables": tables, "reference_time": end, "arrivals": None}
    return timeline.spec.model_copy(update=update)


def _for_day(column: Column, start: object, end: object, offset: int) -> Column:
    if isinstance(column, TimestampColumn):
        return column.model_copy(update={"start": start, "end": end})
    if isinstance(column, SequenceColumn):
        return column.model_copy(update={"start": column.start + offset * column.step})
    return column


@dataclass
class BatchPlan(DatasetPlan):
    """The plan of one appended day: its rows are local (0, 1, ...) to the day."""

    batch: int = 0
    timeline: Timeline | None = field(default=None, repr=False)
    parents: ParentLookup | None = field(default=None, repr=False)

    def parent_view(self, column: ForeignKeyColumn) -> ParentView | None:
        assert self.timeline is not None and self.parents is not None
        if isinstance(column.skew, CoverSkew):
            return DayParent(self, column.references, self.timeline)
        return self.parents(column.references, self.batch)


class DayParent(LocalParent):
    """The day's own rows of a parent (the orders an item covers); orphan keys in the
    parent's reserved range, never a later day's id."""

    def __init__(self, plan: DatasetPlan, table: str, timeline: Timeline) -> None:
        super().__init__(plan, table)
        self.timeline = timeline

    def orphan_keys(self, child_rows: I64, stream: Stream) -> I64:
        return reserved_keys(self.timeline, self.table.name, child_rows, stream)


def reserved_keys(timeline: Timeline, table: str, child_rows: I64, stream: Stream) -> I64:
    """Keys no row of ``table`` has or will have: in the range past its base rows that the
    base's orphans name (``generate.timeline``), one drawn per child row."""
    reserved = timeline.reserved(table)
    if reserved == 0:
        raise PlanError(f"table '{table}' has no reserved keys for orphan references")
    offsets = np.minimum((stream.uniform(child_rows) * reserved).astype(np.int64), reserved - 1)
    key = timeline.key_column(table)
    keys: I64 = key.start + (timeline.base_rows[table] + offsets) * key.step
    return keys


@dataclass(frozen=True)
class Segment:
    plan: DatasetPlan
    first: int  # its first virtual row
    rows: int


class EntityRows:
    """One table's rows over the base and the days, by virtual row."""

    def __init__(self, table: str, timeline: Timeline, plans: Callable[[int], DatasetPlan]) -> None:
        self.table = table
        self.timeline = timeline
        self.plans = plans  # 0: the base generation's plan, b: day b's
        self._clean: list[Mask] = []

    def segments(self, batch: int) -> list[Segment]:
        """The base segment and those of days 1..batch."""
        found = [Segment(self.plans(0), 0, self.timeline.base_rows[self.table])]
        for day in range(1, batch + 1):
            start = self.timeline.virtual_start(self.table, day)
            found.append(Segment(self.plans(day), start, self.timeline.rows(day)[self.table]))
        return found

    def size(self, batch: int) -> int:
        return self.timeline.virtual_start(self.table, batch + 1)

    def clean(self, batch: int) -> Mask:
        """Which virtual rows up to day ``batch`` are clean (exist once, no defect)."""
        segments = self.segments(batch)
        for segment in segments[len(self._clean) :]:
            self._clean.append(_segment_flags(segment, self.table, None, True))
        return np.concatenate(self._clean[: len(segments)])

    def flags(self, batch: int, where: ParentFilter | None, passing: bool) -> Mask:
        if where is None:
            return self.clean(batch)
        parts = [_segment_flags(s, self.table, where, passing) for s in self.segments(batch)]
        return np.concatenate(parts)

    def values(self, rows: I64, column: str, batch: int) -> Value:
        """Clean values of ``column`` at virtual ``rows`` (ascending)."""
        segments = self.segments(batch)
        if rows.size == 0:
            base = segments[0].plan
            return TableContext(base, base.table(self.table), rows).get(column)
        firsts = np.array([s.first for s in segments], dtype=np.int64)
        which = np.searchsorted(firsts, rows, side="right") - 1
        parts = []
        for index in np.unique(which):
            segment = segments[int(index)]
            local = rows[which == index] - segment.first
            table = segment.plan.table(self.table)
            parts.append(TableContext(segment.plan, table, local).get(column))
        return concat_values(parts)


def _segment_flags(segment: Segment, table: str, where: ParentFilter | None, passing: bool) -> Mask:
    spec = segment.plan.table(table)
    parts = [np.zeros(0, dtype=bool)]
    for start in range(0, segment.rows, INDEX_CHUNK):
        stop = min(start + INDEX_CHUNK, segment.rows)
        keep = clean_mask(segment.plan, spec, start, stop)
        if where is not None:
            passes = filter_mask(segment.plan, spec, np.arange(start, stop, dtype=np.int64), where)
            keep &= passes if passing else ~passes
        parts.append(keep)
    return np.concatenate(parts)


def concat_values(parts: list[Value]) -> Value:
    """One Value of the parts' rows, in order (text decoded to plain strings)."""
    if len(parts) == 1:
        return parts[0]
    nulls = None
    if any(p.nulls is not None for p in parts):
        nulls = np.concatenate([_nulls(p) for p in parts])
    if any(isinstance(p.data, pa.Array) for p in parts):
        data = pa.concat_arrays([p.text() for p in parts])
        return Value(data, nulls, parts[0].type)
    return Value(np.concatenate([np.asarray(p.data) for p in parts]), nulls, parts[0].type)


def _nulls(value: Value) -> Mask:
    size = len(value.data)
    return value.nulls if value.nulls is not None else np.zeros(size, dtype=bool)


@dataclass(frozen=True)
class EntityState:
    """What a change feed did to an entity by the end of a day: deleted virtual rows, and
    each changed column's latest value per changed row."""

    deleted: I64  # ascending
    latest: dict[str, tuple[I64, pa.Array]]  # column -> (rows ascending, values)


class SegmentedParent:
    """A parent table as the rows of day ``batch`` see it: the rows it may pick by the
    feed's state at the day's end (nothing a feed removes that day is picked), the values
    it looks up by the state at the day's start (a product repriced that day sells at its
    new price from the next day on)."""

    def __init__(
        self,
        entity: EntityRows,
        batch: int,
        state: EntityState | None,
        opening: EntityState | None = None,
    ) -> None:
        self.entity = entity
        self.batch = batch
        self.state = state
        self.opening = opening
        self._eligible: dict[tuple[ParentFilter | None, bool], EligibleRows] = {}

    @property
    def size(self) -> int:
        return self.entity.size(self.batch)

    def eligible(self, where: ParentFilter | None, passing: bool) -> EligibleRows:
        if (where, passing) not in self._eligible:
            flags = self.entity.flags(self.batch, where, passing).copy()
            if self.state is not None:
                self._apply_state(flags, where, passing)
            index = eligible_rows(flags.size, [flags])
            if index.size == 0:
                raise PlanError(f"table '{self.entity.table}' has no rows left to reference")
            self._eligible[(where, passing)] = index
        return self._eligible[(where, passing)]

    def _apply_state(self, flags: Mask, where: ParentFilter | None, passing: bool) -> None:
        assert self.state is not None
        if where is not None and where.column in self.state.latest:
            rows, values = self.state.latest[where.column]
            equal = pc.equal(values.cast(pa.string()), pa.scalar(_text(where.equals)))
            passes = np.asarray(pc.fill_null(equal, False).to_numpy(zero_copy_only=False))
            # a row must pass (or fail) the filter both as first written and as changed:
            # a reader that applies the feed and one that reads the table alone agree
            flags[rows] &= passes if passing else ~passes
        flags[self.state.deleted] = False

    def keys(self, rows: I64) -> I64:
        return self.entity.timeline.keys(self.entity.table, rows)

    def orphan_keys(self, child_rows: I64, stream: Stream) -> I64:
        return reserved_keys(self.entity.timeline, self.entity.table, child_rows, stream)

    def values(self, rows: I64, column: str) -> Value:
        original = self.entity.values(rows, column, self.batch)
        if self.opening is None or column not in self.opening.latest:
            return original
        return _with_changes(original, rows, self.opening.latest[column])


def _with_changes(original: Value, rows: I64, changes: tuple[I64, pa.Array]) -> Value:
    """``original`` (at ascending ``rows``) with each changed row's latest value."""
    changed, values = changes
    if changed.size == 0:
        return original
    at = np.minimum(np.searchsorted(changed, rows), changed.size - 1)
    hit = changed[at] == rows
    if not hit.any():
        return original
    latest = values.take(pa.array(at[hit]))
    nulls = None if original.nulls is None else original.nulls & ~hit
    if isinstance(original.data, pa.Array):
        pick = np.arange(rows.size, dtype=np.int64)
        pick[hit] = rows.size + np.arange(int(hit.sum()))
        text = pa.concat_arrays([original.text(), latest.cast(pa.string())])
        return Value(text.take(pa.array(pick)), nulls, original.type)
    data = np.array(original.data, copy=True)
    data[hit] = latest.to_numpy(zero_copy_only=False).astype(data.dtype)
    return Value(data, nulls, original.type)


def _text(value: str | bool | int | float) -> str:
    """A filter value as Arrow casts the column's values to text (booleans lower case)."""
    return str(value).lower() if isinstance(value, bool) else str(value)
