"""Materialized views refreshed by key: an update computes again only the keys its new
rows reach, and appends them (Databricks' row-based incremental refresh).

A view qualifies when its query is partitioned by a key of the table it reads first
(:mod:`retail_lakehouse.sql.key_partition`), every table it reads is a table of the
pipeline that this update either left alone or only appended rows to (a streaming table,
or a view refreshed this way), and its stored table was computed from those tables as
they were before this update: its latest commit's digest equals the digest of their
previous writers. Then the keys the new rows reach are computed alone (their driving
rows, looking up in the whole inputs); when the stored table holds none of those keys
the new rows are appended to it, and the quarantine drops its rows of those keys for the
new ones. Otherwise (a key seen before came back, say) the view is computed whole.

Every view's commit records its expectation counts over all its rows. A refresh by key
reports the same: the stored counts, less those of the quarantined rows it replaces (their
expectations evaluated again), plus those of the new rows. So an update's counts are the
view's whole counts however it was computed, and a full refresh gives the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from retail_lakehouse.pipeline.engine import (
    CheckedRelation,
    DatasetRelations,
    Engine,
    ExpectationCounts,
    Sources,
)
from retail_lakehouse.pipeline.graph import PipelineGraph, PlannedDataset
from retail_lakehouse.pipeline.progress import latest_commit_with
from retail_lakehouse.pipeline.up_to_date import DIGEST_KEY, UpToDateViews
from retail_lakehouse.sql.key_partition import (
    KeyPartition,
    affected_keys,
    key_partition,
    matching,
    output_keys,
    restricted,
)
from retail_lakehouse.storage.delta import DeltaStore

COUNTS_KEY = "retail_lakehouse.expectation_counts"  # commit info: counts over all rows


@dataclass(frozen=True)
class Refreshed:
    """A view refreshed by key: its new rows (``checked.kept``, to append), its quarantine
    (``checked.quarantine``: its new rows to append, or the whole new quarantine when it
    lost rows) and counts, and its stored rows for readers."""

    checked: CheckedRelation
    stored: str
    input_rows: int  # the rows computed again
    replaces_quarantine: bool


@dataclass
class KeyedRefresh:
    """The views of one update refreshed by key, and the tables it appends to so far."""

    engine: Engine
    store: DeltaStore
    graph: PipelineGraph
    up_to_date: UpToDateViews
    update_id: str
    appended: dict[str, str] = field(default_factory=dict)  # table -> its new rows' relation

    def refresh(self, planned: PlannedDataset) -> Refreshed | None:
        """The view refreshed by key, or None when it must be computed whole."""
        plan = self._plan(planned)
        if plan is None:
            return None
        counts = self._stored_counts(planned)
        if counts is None:
            return None
        relations = _Relations(DatasetRelations(planned.dataset.name).result)
        keys_query = affected_keys(plan, self._changed_rows(plan, relations))
        if keys_query is None:
            return None
        self.engine.run_query(relations.keys, keys_query, Sources())
        self.engine.run_query(relations.output_keys, output_keys(plan, relations.keys), Sources())
        stored = DatasetRelations(planned.dataset.name).stored
        self.engine.attach(stored, self.store, planned.dataset.name)
        if self._holds_any(stored, plan, relations):
            self.engine.release(relations.result)
            return None
        assert planned.tree is not None and isinstance(planned.tree, exp.Select)
        tree = restricted(planned.tree, plan, relations.keys)
        rows = self.engine.run_query(relations.result, tree, Sources())
        expectations = planned.dataset.expectations
        checked = self.engine.check(relations.result, expectations, self.update_id)
        columns = [name for name, _ in self.engine.described(stored)]
        removed = self._removed_quarantine(planned, plan, relations, columns)
        quarantine = checked.quarantine
        if removed is not None:
            self.engine.union(relations.quarantine, [relations.kept_quarantine, quarantine])
            quarantine = relations.quarantine
        whole = _combined(counts, removed or (), checked.counts)
        refreshed = CheckedRelation(
            checked.kept, quarantine, checked.kept_rows, checked.quarantined_rows, whole
        )
        return Refreshed(refreshed, stored, rows, replaces_quarantine=removed is not None)

    def _plan(self, planned: PlannedDataset) -> KeyPartition | None:
        """The view's key partitioning, when it has a stored table and quarantine and
        reads only tables this update appended to or left alone (or rewrote, looked up)."""
        dataset = planned.dataset
        if self.up_to_date.full_refresh or not self.store.exists(dataset.name):
            return None
        if dataset.quarantine is not None and not self.store.exists(dataset.quarantine):
            return None
        if not isinstance(planned.tree, exp.Select):
            return None
        plan = key_partition(planned.tree)
        if plan is None or not self._reads_appended_tables(planned, plan):
            return None
        return plan

    def _reads_appended_tables(self, planned: PlannedDataset, plan: KeyPartition) -> bool:
        """Whether the view reads only the pipeline's tables, and its partitioning names
        them all: the driving one unwritten or appended to in this update, a looked-up one
        also rewritten when the columns the view reads of it are known."""
        if set(self._tables(plan)) != set(planned.inputs):
            return False
        names = {p.dataset.name for p in self.graph.order}
        if not all(n in names and self.graph.get(n).dataset.is_table for n in planned.inputs):
            return False
        if self._rewritten(plan.driving):
            return False
        return all(
            lookup.reads is not None for lookup in plan.lookups if self._rewritten(lookup.table)
        )

    def _rewritten(self, table: str) -> bool:
        """Whether this update writes the table otherwise than by appending rows."""
        return table in self.up_to_date.written and table not in self.appended

    def _changed_rows(self, plan: KeyPartition, relations: _Relations) -> dict[str, str]:
        """Input table -> a relation of its rows this update changes: the new rows of an
        appended table; the rows, in the columns the view reads, that a rewritten one
        gains or loses (:func:`_changed_in`)."""
        changed = {
            name: self.appended[name] for name in self._tables(plan) if name in self.appended
        }
        for lookup in plan.lookups:
            if not self._rewritten(lookup.table) or lookup.reads is None:
                continue
            before = relations.before(lookup.table)
            self.engine.attach(before, self.store, lookup.table)
            either = _changed_in(lookup.reads, lookup.table, before)
            self.engine.run_query(relations.changed(lookup.table), either, Sources())
            changed[lookup.table] = relations.changed(lookup.table)
        return changed

    @staticmethod
    def _tables(plan: KeyPartition) -> list[str]:
        return [plan.driving, *(lookup.table for lookup in plan.lookups)]

    def _stored_counts(self, planned: PlannedDataset) -> dict[str, tuple[int, int]] | None:
        """The expectation counts of the view's stored rows, when its latest commit
        computed them from its inputs as they were before this update."""
        before = self.up_to_date.digest(planned, before_this_update=True)
        commit = latest_commit_with(self.store, planned.dataset.name, DIGEST_KEY)
        if before is None or commit is None or commit[DIGEST_KEY] != before:
            return None
        counts = read_counts(str(commit.get(COUNTS_KEY, "")))
        wanted = {e.name for e in planned.dataset.expectations}
        return counts if counts is not None and set(counts) == wanted else None

    def _holds_any(self, stored: str, plan: KeyPartition, relations: _Relations) -> bool:
        """Whether the stored rows hold any of the keys to compute again."""
        found = matching(exp.column(plan.output, "s"), relations.output_keys)
        query = exp.select("1").from_(exp.to_table(stored).as_("s")).where(found).limit(1)
        return self.engine.run_query(relations.clash, query, Sources()) > 0

    def _removed_quarantine(
        self,
        planned: PlannedDataset,
        plan: KeyPartition,
        relations: _Relations,
        columns: Sequence[str],  # the view's
    ) -> tuple[ExpectationCounts, ...] | None:
        """The counts of the stored quarantined rows of the keys computed again, with the
        quarantine without them in ``relations.kept_quarantine``; None when it has none."""
        quarantine = planned.dataset.quarantine
        if quarantine is None:
            return None
        self.engine.attach(relations.stored_quarantine, self.store, quarantine)
        table = exp.to_table(relations.stored_quarantine).as_("q")
        found = matching(exp.column(plan.output, "q"), relations.output_keys)
        selected = [exp.column(c, "q", quoted=True) for c in columns]
        removed = exp.select(*selected).from_(table.copy()).where(found.copy())
        if not self.engine.run_query(relations.removed, removed, Sources()):
            return None
        expectations = planned.dataset.expectations
        counted = self.engine.check(relations.removed, expectations, self.update_id).counts
        kept = exp.select("*").from_(table).where(exp.not_(found))
        self.engine.run_query(relations.kept_quarantine, kept, Sources())
        return counted


@dataclass(frozen=True)
class _Relations:
    """The relations a refresh by key goes through, all released with the result."""

    result: str

    @property
    def keys(self) -> str:
        return f"{self.result}__keys"  # names the engine does not give its own relations

    @property
    def output_keys(self) -> str:
        return f"{self.result}__output_keys"

    def before(self, table: str) -> str:
        return f"{self.result}__before_{table}"

    def changed(self, table: str) -> str:
        return f"{self.result}__changed_{table}"

    @property
    def clash(self) -> str:
        return f"{self.result}__clash"

    @property
    def stored_quarantine(self) -> str:
        return f"{self.result}__stored_quarantine"

    @property
    def removed(self) -> str:
        return f"{self.result}__removed"

    @property
    def kept_quarantine(self) -> str:
        return f"{self.result}__kept_quarantine"

    @property
    def quarantine(self) -> str:
        return f"{self.result}__new_quarantine"


def _changed_in(columns: Sequence[str], now: str, before: str) -> exp.Select:
    """The rows, in ``columns``, that ``now`` has more or fewer times than ``before``: one
    aggregation over both, each row counted +1 now and -1 before.

    >>> _changed_in(["k"], "t", "old").sql("duckdb")
    'SELECT k FROM (SELECT k, 1 AS __side FROM t UNION ALL SELECT k, -1 AS __side FROM old) \
AS sides GROUP BY k HAVING SUM(__side) <> 0'
    """
    sides = exp.union(
        exp.select(*columns, exp.alias_(exp.Literal.number(1), "__side")).from_(now),
        exp.select(*columns, exp.alias_(exp.Literal.number(-1), "__side")).from_(before),
        distinct=False,
    )
    grouped = exp.select(*columns).from_(sides.subquery("sides")).group_by(*columns)
    return grouped.having(
        exp.NEQ(this=exp.Sum(this=exp.column("__side")), expression=exp.Literal.number(0))
    )


def counts_metadata(counts: Sequence[ExpectationCounts]) -> dict[str, str]:
    """The commit-info entry that records a view's expectation counts over all its rows.

    >>> counts_metadata([ExpectationCounts("positive", 2, 5)])
    {'retail_lakehouse.expectation_counts': '{"positive":[2,5]}'}
    """
    document = {c.name: [c.failed, c.passed] for c in counts}
    return {COUNTS_KEY: json.dumps(document, sort_keys=True, separators=(",", ":"))}


def read_counts(text: str) -> dict[str, tuple[int, int]] | None:
    """Expectation -> (failed, passed), as :func:`counts_metadata` wrote them; None when
    unreadable.

    >>> read_counts('{"positive":[2,5]}'), read_counts("[1]")
    ({'positive': (2, 5)}, None)
    """
    try:
        document = json.loads(text)
        return {
            str(name): (int(failed), int(passed)) for name, (failed, passed) in document.items()
        }
    except (ValueError, TypeError, AttributeError):
        return None


def _combined(
    stored: Mapping[str, tuple[int, int]],
    removed: Sequence[ExpectationCounts],
    added: Sequence[ExpectationCounts],
) -> tuple[ExpectationCounts, ...]:
    """The stored counts, less the removed rows', plus the new rows', in ``added``'s order.

    >>> _combined({"e": (3, 10)}, [ExpectationCounts("e", 1, 1)], [ExpectationCounts("e", 2, 4)])
    (ExpectationCounts(name='e', failed=4, passed=13),)
    """
    less = {c.name: c for c in removed}
    whole = []
    for count in added:
        failed, passed = stored[count.name]
        gone = less.get(count.name, ExpectationCounts(count.name, 0, 0))
        whole.append(ExpectationCounts(
            count.name, failed - gone.failed + count.failed, passed - gone.passed + count.passed
        ))  # fmt: skip
    return tuple(whole)
