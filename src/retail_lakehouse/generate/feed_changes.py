"""The changes of one change feed, day by day: which entity rows are inserted, updated and
deleted, when, in which order, and what an entity looks like by the end of a day.

Day ``b`` inserts each new row of the day that is not a duplicate row (its key exists).
Its UPDATEs and DELETEs pick among the clean rows that existed before the day and were not
deleted: ``round(rate * rows)`` draws per change kind, repeats dropped, and a row deleted
that day is not updated. Every record is dated within its day (an INSERT by the row's
``insert_time`` when the feed names one) and numbered after every record of the days
before, in order of time: ``sequence_no``. The base generation's INSERTs
(``generate.feed_base``) take the numbers below its row count, so day 1 starts there. An
``out_of_order`` defect adds, before an UPDATE, a record of the same key dated earlier
that day, carrying the row as it was then, and delivers it with the next day's records
only: after the newer change. Days are drawn in order, each once, as pure functions of
the feed, the day and the entity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from retail_lakehouse.generate.context import draw_table_defects
from retail_lakehouse.generate.feed_values import change_values
from retail_lakehouse.generate.hashing import I64, Stream
from retail_lakehouse.generate.segments import EntityRows, EntityState
from retail_lakehouse.generate.spec.arrivals import FeedSpec, OutOfOrderDefect
from retail_lakehouse.generate.spec.defects import DuplicateRow
from retail_lakehouse.generate.values import Mask

INSERT, UPDATE, DELETE = 0, 1, 2
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
MICROS_PER_SECOND = 1_000_000
SECONDS_PER_DAY = 86_400
NO_CHANGE = -1


@dataclass(frozen=True)
class DayChanges:
    """One day's records, in order: parallel arrays."""

    rows: I64  # entity rows (virtual)
    ops: I64  # INSERT, UPDATE, DELETE
    change: I64  # the UPDATE's change kind (index into the feed's changes), else NO_CHANGE
    ts: I64  # sequence_ts, microseconds
    stale: Mask  # an out-of-order record: delivered with the next day's
    sequence_no: I64
    values: dict[int, pa.Array]  # change kind -> new values of its fresh UPDATEs, in order

    def fresh_updates(self, change: int) -> Mask:
        mask: Mask = (self.change == change) & ~self.stale
        return mask


@dataclass(frozen=True)
class _Drawn:
    rows: I64
    ts: I64


class FeedHistory:
    """The records of one feed, day after day."""

    def __init__(self, feed: FeedSpec, entity: EntityRows, seed: int, defect_scale: float) -> None:
        self.feed = feed
        self.entity = entity
        self.seed = seed
        self.defect_scale = defect_scale
        self.days: list[DayChanges] = []
        self._deleted: list[I64] = [np.zeros(0, dtype=np.int64)]  # through day b at index b

    def day(self, batch: int) -> DayChanges:
        while len(self.days) < batch:
            self.days.append(self._draw(len(self.days) + 1))
            deleted = np.union1d(self._deleted[-1], self._fresh(self.days[-1], DELETE))
            self._deleted.append(deleted)
        return self.days[batch - 1]

    def deleted_through(self, batch: int) -> I64:
        if batch > 0:
            self.day(batch)
        return self._deleted[batch]

    def state(self, batch: int) -> EntityState:
        """The entity by the end of day ``batch``."""
        latest = {
            change.column: self.latest(index, batch)
            for index, change in enumerate(self.feed.changes)
        }
        return EntityState(self.deleted_through(batch), latest)

    def latest(self, change: int, batch: int) -> tuple[I64, pa.Array]:
        """The last value change kind ``change`` gave each row through day ``batch``."""
        rows, values = self.updates(change, batch)
        if rows.size == 0:
            return rows, values
        order = np.lexsort((np.arange(rows.size), rows))
        last = np.append(rows[order][1:] != rows[order][:-1], True)
        return rows[order][last], values.take(pa.array(order[last]))

    def updates(self, change: int, batch: int) -> tuple[I64, pa.Array]:
        """Rows and new values of the fresh UPDATEs of one change kind through ``batch``,
        in sequence order."""
        days = [self.day(b) for b in range(1, batch + 1)]
        rows = [d.rows[d.fresh_updates(change)] for d in days]
        values = [d.values[change] for d in days]
        if not days:
            return np.zeros(0, dtype=np.int64), pa.array([], pa.null())
        return np.concatenate(rows), pa.concat_arrays(values)

    def _fresh(self, day: DayChanges, op: int) -> I64:
        rows: I64 = day.rows[(day.ops == op) & ~day.stale]
        return rows

    def stream(self, *names: str) -> Stream:
        return Stream(self.seed, self.feed.folder, *names)

    def _draw(self, batch: int) -> DayChanges:
        timeline = self.entity.timeline
        start = timeline.day_start_micros(batch)
        pool = self.entity.size(batch - 1)
        usable = self.entity.clean(batch - 1).copy()
        usable[self.deleted_through(batch - 1)] = False
        deletes = self._picks(batch, "delete", self.feed.delete_rate, pool, usable, start)
        usable[deletes.rows] = False
        parts = [self._inserts(batch, start), (deletes, DELETE, NO_CHANGE)]
        for index, spec in enumerate(self.feed.changes):
            drawn = self._picks(batch, f"change-{index}", spec.rate, pool, usable, start)
            parts.append((drawn, UPDATE, index))
        rows = np.concatenate([d.rows for d, _, _ in parts])
        ts = np.concatenate([d.ts for d, _, _ in parts])
        ops = np.concatenate([np.full(d.rows.size, op) for d, op, _ in parts])
        kinds = np.concatenate([np.full(d.rows.size, c) for d, _, c in parts])
        stale = np.zeros(rows.size, dtype=bool)
        rows, ops, kinds, ts, stale = self._with_stale(batch, start, rows, ops, kinds, ts, stale)
        order = np.lexsort((stale, kinds, rows, ops, ts))
        # after the base's INSERTs, which take the numbers below its row count
        base = self.entity.timeline.base_rows[self.entity.table]
        first = base + sum(d.rows.size for d in self.days)
        sequence_no = first + np.arange(order.size, dtype=np.int64)
        day = DayChanges(
            rows[order], ops[order], kinds[order], ts[order], stale[order], sequence_no, {}
        )
        for index in range(len(self.feed.changes)):
            day.values[index] = self._values(day, index, batch)
        return day

    def _inserts(self, batch: int, start: int) -> tuple[_Drawn, int, int]:
        timeline, table = self.entity.timeline, self.entity.table
        plan = self.entity.plans(batch)
        count = timeline.rows(batch)[table]
        kinds = draw_table_defects(plan, plan.table(table), 0, count).kinds
        duplicate = [
            i for i, d in enumerate(plan.table(table).defects) if isinstance(d, DuplicateRow)
        ]
        keep = ~np.isin(kinds, duplicate)
        rows = timeline.virtual_start(table, batch) + np.flatnonzero(keep)
        if self.feed.insert_time is not None:
            ts = self.entity.values(rows, self.feed.insert_time, batch).numpy().astype(np.int64)
        else:
            ts = self._times(self.stream("insert", str(batch)), rows, start)
        return _Drawn(rows, ts), INSERT, NO_CHANGE

    def _picks(
        self, batch: int, name: str, rate: float, pool: int, usable: Mask, start: int
    ) -> _Drawn:
        """``round(rate * pool)`` draws of rows below ``pool``; unusable ones and repeats
        dropped."""
        stream = self.stream(name, str(batch))
        draws = np.arange(round(rate * pool), dtype=np.int64)
        rows = np.minimum((stream.uniform(draws) * pool).astype(np.int64), max(pool - 1, 0))
        ts = self._times(stream.child("time"), draws, start)
        keep = usable[rows] if pool else np.zeros(0, dtype=bool)
        rows, ts = rows[keep], ts[keep]
        _, first = np.unique(rows, return_index=True)
        first.sort()
        return _Drawn(rows[first], ts[first])

    def _times(self, stream: Stream, index: I64, start: int) -> I64:
        seconds = (stream.uniform(index) * SECONDS_PER_DAY).astype(np.int64)
        times: I64 = start + seconds * MICROS_PER_SECOND
        return times

    def _with_stale(
        self, batch: int, start: int, rows: I64, ops: I64, change: I64, ts: I64, stale: Mask
    ) -> tuple[I64, I64, I64, I64, Mask]:
        """The day's records plus an out-of-order record before some UPDATEs."""
        defect = next((d for d in self.feed.defects if isinstance(d, OutOfOrderDefect)), None)
        if defect is None:
            return rows, ops, change, ts, stale
        stream = self.stream(defect.name, str(batch))
        ids = rows * max(len(self.feed.changes), 1) + np.maximum(change, 0)
        seconds = (ts - start) // MICROS_PER_SECOND
        hit = (ops == UPDATE) & (stream.uniform(ids) < defect.rate * self.defect_scale)
        hit &= seconds >= 1  # room for an earlier record the same day
        earlier = (stream.child("time").uniform(ids[hit]) * seconds[hit]).astype(np.int64)
        return (
            np.concatenate((rows, rows[hit])),
            np.concatenate((ops, ops[hit])),
            np.concatenate((change, change[hit])),
            np.concatenate((ts, start + earlier * MICROS_PER_SECOND)),
            np.concatenate((stale, np.ones(int(hit.sum()), dtype=bool))),
        )

    def _values(self, day: DayChanges, index: int, batch: int) -> pa.Array:
        rows = day.rows[day.fresh_updates(index)]
        order = np.argsort(rows)
        stream = self.stream("value", str(index), str(batch))
        change = self.feed.changes[index]
        ascending = change_values(change, self.entity, rows[order], batch, stream)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        return ascending.take(pa.array(inverse))
