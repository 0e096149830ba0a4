"""The first records of each change feed: an INSERT per entity of the base generation.

A generation whose spec has feeds writes, beside each entity table, its feed's folder with
one ``INSERT`` per base row that is not a duplicate row (a duplicate shows the previous
row's key, which has its INSERT): a CDC tool's initial snapshot, before the appended days'
changes. Each carries the row's clean values (a malformed email shows the clean one, as
the days' records do), ``sequence_ts`` = its ``insert_time`` (the spec's
``reference_time`` for a feed without one) and ``sequence_no`` = the row's rank among
the base rows by (``sequence_ts``, row): numbers 0 .. rows - 1 in time order, a duplicate
row's number unused. Appended days number on from the base's row count
(``generate.feed_changes``).

A part of the feed is drawn from a block of the entity table, from the block's own
clean values when the block was just drawn (local workers), or from a fresh context of
the same rows (Spark's driver): the same bytes either way. Only the ranks need every row,
so they are computed once per process, before workers are forked.

The fields of a feed read here enter the generation id, listed by
``manifest.base_feed_inputs``: a field that comes to change these files goes there too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from retail_lakehouse.generate.context import INDEX_CHUNK, TableContext, draw_table_defects
from retail_lakehouse.generate.defaults import OutputFormat
from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.manifest import TableTally
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec.arrivals import FeedSpec
from retail_lakehouse.generate.spec.columns import SequenceColumn
from retail_lakehouse.generate.spec.dataset import TableSpec
from retail_lakehouse.generate.spec.defects import DuplicateRow
from retail_lakehouse.generate.values import Mask, plain_arrow
from retail_lakehouse.generate.writers import write_part


@dataclass
class BaseFeeds:
    """The feeds of one generation's plan, by entity table, and each base row's
    ``sequence_no`` (computed on first use, kept for the process)."""

    plan: DatasetPlan
    _sequences: dict[str, I64] = field(default_factory=dict, repr=False)

    @property
    def feeds(self) -> list[FeedSpec]:
        arrivals = self.plan.spec.arrivals
        return [] if arrivals is None else arrivals.feeds

    def of(self, table: str) -> FeedSpec | None:
        return next((f for f in self.feeds if f.table == table), None)

    def prepare(self) -> None:
        """Rank every feed's base rows now, e.g. before forking workers that share them."""
        for feed in self.feeds:
            self.sequence(feed)

    def sequence(self, feed: FeedSpec) -> I64:
        if feed.table not in self._sequences:
            self._sequences[feed.table] = _ranks(self.plan, feed)
        return self._sequences[feed.table]

    def part(self, feed: FeedSpec, context: TableContext, kinds: I64, start: int) -> pa.Table:
        """The INSERTs of the rows ``start``, ``start + 1``, ... that ``context`` (drawn
        with ``kinds``) holds, in row order."""
        table = self.plan.table(feed.table)
        keep = _not_duplicates(table.defects, kinds)
        at = np.flatnonzero(keep)
        rows = start + at
        key = table.column_map()[table.primary_key]
        assert isinstance(key, SequenceColumn)
        columns: dict[str, pa.Array] = {key.name: pa.array(key.start + rows * key.step, pa.int64())}
        for name in feed.columns:
            columns[name] = plain_arrow(context.get(name).take(at))
        inserts = pa.array(np.zeros(at.size, dtype=np.int64))
        columns["operation"] = pa.array(["INSERT"], pa.string()).take(inserts)
        columns["sequence_ts"] = pa.array(_times(self.plan, feed, context, at), pa.int64()).cast(
            pa.timestamp("us", tz="UTC")
        )
        columns["sequence_no"] = pa.array(self.sequence(feed)[rows], pa.int64())
        return pa.table(columns)


def _not_duplicates(defects: Sequence[object], kinds: I64) -> Mask:
    duplicate = [i for i, d in enumerate(defects) if isinstance(d, DuplicateRow)]
    keep: Mask = ~np.isin(kinds, duplicate)
    return keep


def _times(plan: DatasetPlan, feed: FeedSpec, context: TableContext, at: I64) -> I64:
    if feed.insert_time is None:
        return np.full(at.size, plan.spec.reference_micros(), dtype=np.int64)
    times: I64 = np.asarray(context.get(feed.insert_time).data, dtype=np.int64)[at]
    return times


def _ranks(plan: DatasetPlan, feed: FeedSpec) -> I64:
    """Each base row's rank by (insert time, row): its INSERT's ``sequence_no``."""
    total = plan.rows[feed.table]
    rows = np.arange(total, dtype=np.int64)
    if feed.insert_time is None:
        return rows  # one time for all: row order
    table = plan.table(feed.table)
    chunks = [rows[start : start + INDEX_CHUNK] for start in range(0, total, INDEX_CHUNK)]
    times = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [np.asarray(TableContext(plan, table, c).get(feed.insert_time).data) for c in chunks]
    ).astype(np.int64, copy=False)
    order = _time_then_row(times, rows)
    ranks = np.empty(total, dtype=np.int64)
    ranks[order] = rows
    return ranks


def _time_then_row(times: I64, rows: I64) -> I64:
    """The rows in order of (time, row). Two unstable sorts, several times faster than
    one stable sort (SIMD): the first ranks the distinct times, the second sorts the
    unique keys (time rank, row), so equal times fall in row order on every machine."""
    total = rows.size
    if total > 3_000_000_000:  # time rank * total + row would overflow int64
        stable: I64 = np.argsort(times, kind="stable")
        return stable
    first = np.argsort(times)
    ordered = times[first]
    distinct = np.concatenate(([0], np.cumsum(ordered[1:] != ordered[:-1])))
    time_rank = np.empty(total, dtype=np.int64)
    time_rank[first] = distinct
    order: I64 = np.argsort(time_rank * total + rows)
    return order


def write_base_feeds(
    feeds: BaseFeeds, staging: dict[str, Path], fmt: OutputFormat, block_rows: int
) -> dict[str, TableTally]:
    """Every feed's parts, written here, block by block, as local workers write them (the
    same files): for a writer whose tasks draw the tables elsewhere (Spark's driver)."""
    tallies = {}
    for feed in feeds.feeds:
        tally = tallies[feed.folder] = TableTally()
        total = feeds.plan.rows[feed.table]
        for part, start in enumerate(range(0, total, block_rows)):
            data = _block_part(feeds, feed, start, min(start + block_rows, total))
            if data.num_rows:
                written = write_part(data, staging[feed.folder], part, fmt)
                tally.rows += written.rows
                tally.bytes += written.bytes
                tally.files.append(written.path.name)
    return tallies


def _block_part(feeds: BaseFeeds, feed: FeedSpec, start: int, stop: int) -> pa.Table:
    """The INSERTs of base rows [start, stop), their feed columns drawn afresh."""
    table = feeds.plan.table(feed.table)
    draw = draw_table_defects(feeds.plan, table, start, stop)
    context = TableContext(feeds.plan, table, draw.content, draw)
    return feeds.part(feed, context, draw.kinds, start)


def base_feed_entry(table: TableSpec, feed: FeedSpec, tally: TableTally) -> dict[str, Any]:
    """A feed's entry in the manifest of the generation that began it: its base INSERTs,
    as the totals days add to."""
    return {
        "table": feed.table, "key": table.primary_key, "columns": feed.columns,
        "rows": tally.rows, "files": sorted(tally.files), "bytes": tally.bytes,
        "operations": {"INSERT": tally.rows, "UPDATE": 0, "DELETE": 0},
        "defects": {
            d.name: {"kind": d.kind, "count": 0, "keys": [], "sequence_nos": []}
            for d in feed.defects
        },
    }  # fmt: skip
