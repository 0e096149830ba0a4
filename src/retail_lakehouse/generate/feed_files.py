"""One day's file of a change feed: the records delivered that day as full row images,
with the feed's defects, and the ids of the records that carry one.

A day's file holds the day's records and the previous day's out-of-order ones, in
``sequence_no`` order. Each INSERT or UPDATE carries every feed column as the row was
right after the record (its original clean values and its latest change of each column,
by sequence order; an out-of-order record changes nothing, so it carries the row as it
was at its time); a DELETE carries the key alone. A ``duplicate`` defect repeats a
record, exactly, right after it. Columns: the key, the feed's columns, ``operation``,
``sequence_ts``, ``sequence_no``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.generate.feed_changes import (
    DELETE,
    OPERATIONS,
    UPDATE,
    DayChanges,
    FeedHistory,
)
from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.spec.arrivals import DuplicateDefect, OutOfOrderDefect
from retail_lakehouse.generate.values import Mask, plain_arrow

FEED_COLUMNS = ("operation", "sequence_ts", "sequence_no")


@dataclass(frozen=True)
class FeedDefectIds:
    keys: I64
    sequence_nos: I64


@dataclass(frozen=True)
class FeedBatch:
    data: pa.Table
    operations: dict[str, int]  # records per operation, duplicates included
    defects: dict[str, FeedDefectIds]  # defect name -> the records that carry it


@dataclass(frozen=True)
class _Delivered:
    rows: I64
    ops: I64
    ts: I64
    stale: Mask
    sequence_no: I64


def feed_batch(history: FeedHistory, batch: int) -> FeedBatch:
    """The file of day ``batch`` of the feed ``history`` draws."""
    delivered = _delivered(history, batch)
    images = {c: _column(history, batch, delivered, c) for c in history.feed.columns}
    repeat = _duplicated(history, delivered)
    take = pa.array(np.repeat(np.arange(delivered.rows.size), 1 + repeat))
    timeline, table = history.entity.timeline, history.entity.table
    keys = timeline.keys(table, delivered.rows)
    columns: dict[str, pa.Array] = {timeline.key_column(table).name: pa.array(keys, pa.int64())}
    columns |= images
    columns["operation"] = pa.array(OPERATIONS, pa.string()).take(pa.array(delivered.ops))
    columns["sequence_ts"] = pa.array(delivered.ts, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    columns["sequence_no"] = pa.array(delivered.sequence_no, pa.int64())
    data = pa.table(columns).take(take)
    counts = np.bincount(delivered.ops, weights=1 + repeat, minlength=len(OPERATIONS))
    return FeedBatch(
        data,
        {name: int(count) for name, count in zip(OPERATIONS, counts, strict=True)},
        _defect_ids(history, keys, delivered, repeat),
    )


def _delivered(history: FeedHistory, batch: int) -> _Delivered:
    today = history.day(batch)
    parts: list[tuple[DayChanges, Mask]] = [(today, ~today.stale)]
    if batch > 1:
        yesterday = history.day(batch - 1)
        parts.insert(0, (yesterday, yesterday.stale))
    return _Delivered(
        np.concatenate([d.rows[m] for d, m in parts]),
        np.concatenate([d.ops[m] for d, m in parts]),
        np.concatenate([d.ts[m] for d, m in parts]),
        np.concatenate([d.stale[m] for d, m in parts]),
        np.concatenate([d.sequence_no[m] for d, m in parts]),
    )


def _column(history: FeedHistory, batch: int, delivered: _Delivered, name: str) -> pa.Array:
    """Each record's image of column ``name``; null for a DELETE."""
    unique, inverse = np.unique(delivered.rows, return_inverse=True)
    original = plain_arrow(history.entity.values(unique, name, batch))
    choice = inverse.astype(np.int64)
    index = next((i for i, c in enumerate(history.feed.changes) if c.column == name), None)
    pieces = [original]
    if index is not None:
        changed, values = _changes_in_order(history, index, batch)
        found = _latest_at(changed, delivered.rows, delivered.sequence_no)
        choice = np.where(found >= 0, unique.size + found, choice)
        pieces.append(values.cast(original.type))
    image = pa.concat_arrays(pieces).take(pa.array(choice))
    deleted = pa.array(delivered.ops == DELETE)
    return pc.if_else(deleted, pa.scalar(None, image.type), image)


def _changes_in_order(
    history: FeedHistory, index: int, batch: int
) -> tuple[tuple[I64, I64], pa.Array]:
    """(rows, sequence numbers) and values of one change kind's fresh UPDATEs so far."""
    days = [history.day(b) for b in range(1, batch + 1)]
    masks = [d.fresh_updates(index) for d in days]
    rows = np.concatenate([d.rows[m] for d, m in zip(days, masks, strict=True)])
    numbers = np.concatenate([d.sequence_no[m] for d, m in zip(days, masks, strict=True)])
    return (rows, numbers), pa.concat_arrays([d.values[index] for d in days])


def _latest_at(changed: tuple[I64, I64], rows: I64, numbers: I64) -> I64:
    """For each (row, sequence number), the position in ``changed`` of the row's latest
    change at or before that number; -1 for none."""
    changed_rows, changed_numbers = changed
    if changed_rows.size == 0:
        return np.full(rows.size, -1, dtype=np.int64)
    span = int(max(changed_numbers.max(), numbers.max(initial=0))) + 1
    combined = changed_rows * span + changed_numbers
    order = np.argsort(combined, kind="stable")
    position = np.searchsorted(combined[order], rows * span + numbers, side="right") - 1
    clipped = np.maximum(position, 0)
    hit = (position >= 0) & (changed_rows[order][clipped] == rows)
    found: I64 = np.where(hit, order[clipped], -1)
    return found


def _duplicated(history: FeedHistory, delivered: _Delivered) -> I64:
    """1 for each record delivered twice (never an out-of-order one), else 0."""
    defect = next((d for d in history.feed.defects if isinstance(d, DuplicateDefect)), None)
    if defect is None:
        return np.zeros(delivered.rows.size, dtype=np.int64)
    stream = history.stream(defect.name)
    hit = stream.uniform(delivered.sequence_no) < defect.rate * history.defect_scale
    repeat: I64 = (hit & ~delivered.stale).astype(np.int64)
    return repeat


def _defect_ids(
    history: FeedHistory, keys: I64, delivered: _Delivered, repeat: I64
) -> dict[str, FeedDefectIds]:
    ids = {}
    for defect in history.feed.defects:
        if isinstance(defect, OutOfOrderDefect):
            hit = delivered.stale & (delivered.ops == UPDATE)
        else:
            hit = repeat > 0
        ids[defect.name] = FeedDefectIds(keys[hit], delivered.sequence_no[hit])
    return ids
