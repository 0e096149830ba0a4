"""Materialized views refreshed by key: an update computes again only the keys its new
rows reach, and appends them (Databricks' row-based incremental refresh).

A view qualifies when:

* its query is partitioned by a key of the table it reads first
  (:mod:`retail_lakehouse.sql.key_partition`), grouped by it or not;
* every table it reads is a table of the pipeline that this update left alone, only
  appended rows to (a streaming table, or a view refreshed this way), or rewrote, when
  the columns the view reads of it are known (its rows that changed in those columns
  are then found by comparing both versions);
* its stored table was computed from those tables as they were before this update: its
  latest commit's digest equals the digest of their previous writers.

Then the keys the new or changed rows reach are computed alone (their driving rows,
looking up in the whole inputs). When the stored table holds none of those keys the new
rows are appended to it; when it does (a key seen before came back, say) the table is
written again without its rows of those keys and with the new ones; the quarantine
likewise. A table it rewrites counts as rewritten for the views that read it, which look
for its changed rows among the rows of the keys it computed again only
(:class:`TouchedKeys`), as they do in an AUTO CDC target updated by the keys its new
changes touch.

Every view's commit records its expectation counts over all its rows. A refresh by key
reports the same: the stored counts, less those of the stored rows it replaces (their
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
from retail_lakehouse.pipeline.model import Expectation
from retail_lakehouse.pipeline.progress import latest_commit_with
from retail_lakehouse.pipeline.up_to_date import DIGEST_KEY, UpToDateViews
from retail_lakehouse.sql.key_partition import (
    KEY,
    KeyPartition,
    affected_keys,
    key_partition,
    matching,
    matching_row,
    output_keys,
    restricted,
)
from retail_lakehouse.storage.delta import DeltaStore

COUNTS_KEY = "retail_lakehouse.expectation_counts"  # commit info: counts over all rows


@dataclass(frozen=True)
class Refreshed:
    """A view refreshed by key: its rows (``checked.kept``: the new ones to append, or the
    whole table when keys it held were computed again), its quarantine likewise, its
    counts, and the stored rows its new rows are appended to (None: replaced)."""

    checked: CheckedRelation
    stored: str | None
    input_rows: int  # the rows computed again
    replaces_quarantine: bool

    @property
    def replaces_rows(self) -> bool:
        return self.stored is None


@dataclass(frozen=True)
class TouchedKeys:
    """Where a table this update rewrote can differ from its stored rows: only in the rows
    whose ``columns`` equal a row of the relation ``keys`` (its ``key_columns``, in the
    same order). The table's other rows are its stored ones, unchanged."""

    keys: str
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]

    def holds(self, table: str) -> exp.Exists:
        """Whether a row of ``table`` has touched keys (NULL keys equal).

        >>> TouchedKeys("k", ("id",), ("__key",)).holds("t").sql("duckdb")
        'EXISTS(SELECT 1 FROM k WHERE "k"."__key" IS NOT DISTINCT FROM "t"."id")'
        """
        pairs = [
            (exp.column(key, self.keys, quoted=True), exp.column(column, table, quoted=True))
            for column, key in zip(self.columns, self.key_columns, strict=True)
        ]
        return matching_row(pairs, self.keys)


@dataclass
class KeyedRefresh:
    """The views of one update refreshed by key, and the tables it appends to so far."""

    engine: Engine
    store: DeltaStore
    graph: PipelineGraph
    up_to_date: UpToDateViews
    update_id: str
    appended: dict[str, str] = field(default_factory=dict)  # table -> its new rows' relation
    touched: dict[str, TouchedKeys] = field(default_factory=dict)  # rewritten table -> where

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
        assert planned.tree is not None and isinstance(planned.tree, exp.Select)
        tree = restricted(planned.tree, plan, relations.keys)
        rows = self.engine.run_query(relations.result, tree, Sources())
        expectations = planned.dataset.expectations
        checked = self.engine.check(relations.result, expectations, self.update_id)
        columns = [name for name, _ in self.engine.described(stored)]
        split = _Split(self.engine, plan, relations, expectations, self.update_id, columns)
        table, kept_removed = split.merged(stored, checked.kept, "kept")
        quarantine, quarantine_removed = self._merged_quarantine(planned, split, checked)
        removed = [*(kept_removed or ()), *(quarantine_removed or ())]
        whole = _combined(counts, removed, checked.counts)
        kept_rows = self.engine.rows(table)
        refreshed = CheckedRelation(table, quarantine, kept_rows, checked.quarantined_rows, whole)
        appended_to = stored if kept_removed is None else None
        if appended_to is None:
            touched = TouchedKeys(relations.output_keys, (plan.output,), (KEY,))
            self.touched[planned.dataset.name] = touched
        return Refreshed(refreshed, appended_to, rows, quarantine_removed is not None)

    def _plan(self, planned: PlannedDataset) -> KeyPartition | None:
        """The view's key partitioning, when it has a stored table and quarantine and
        reads only tables whose changes in this update can be found."""
        dataset = planned.dataset
        if self.up_to_date.full_refresh or not self.store.exists(dataset.name):
            return None
        if dataset.quarantine is not None and not self.store.exists(dataset.quarantine):
            return None
        if not isinstance(planned.tree, exp.Select):
            return None
        plan = key_partition(planned.tree)
        if plan is None or not self._reads_known_changes(planned, plan):
            return None
        return plan

    def _reads_known_changes(self, planned: PlannedDataset, plan: KeyPartition) -> bool:
        """Whether the view reads only the pipeline's tables, its partitioning names them
        all, and each was left alone or appended to in this update, or rewritten with the
        columns the view reads of it known."""
        read = _columns_read(plan)
        if set(read) != set(planned.inputs):
            return False
        names = {p.dataset.name for p in self.graph.order}
        if not all(n in names and self.graph.get(n).dataset.is_table for n in planned.inputs):
            return False
        return all(read[table] is not None for table in read if self._rewritten(table))

    def _rewritten(self, table: str) -> bool:
        """Whether this update writes the table otherwise than by appending rows."""
        return table in self.up_to_date.written and table not in self.appended

    def _changed_rows(self, plan: KeyPartition, relations: _Relations) -> dict[str, str]:
        """Input table -> a relation of its rows this update changes: the new rows of an
        appended table; the rows, in the columns the view reads, that a rewritten one
        gains or loses (:func:`_changed_in`), among the rows of its touched keys when it
        has any."""
        read = _columns_read(plan)
        changed = {name: self.appended[name] for name in read if name in self.appended}
        for table, reads in read.items():
            if self._rewritten(table) and reads is not None:
                before = relations.before(table)
                self.engine.attach(before, self.store, table)
                either = _changed_in(reads, table, before, self.touched.get(table))
                self.engine.run_query(relations.changed(table), either, Sources())
                changed[table] = relations.changed(table)
        return changed

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

    def _merged_quarantine(
        self, planned: PlannedDataset, split: _Split, checked: CheckedRelation
    ) -> tuple[str, tuple[ExpectationCounts, ...] | None]:
        """The quarantine to write, as :meth:`_Split.merged` gives the table's rows."""
        quarantine = planned.dataset.quarantine
        if quarantine is None:
            return checked.quarantine, None
        stored = split.relations.stored_quarantine
        self.engine.attach(stored, self.store, quarantine)
        return split.merged(stored, checked.quarantine, "quarantine")


@dataclass(frozen=True)
class _Split:
    """Splits a view's stored rows (table or quarantine) by the keys computed again."""

    engine: Engine
    plan: KeyPartition
    relations: _Relations
    expectations: Sequence[Expectation]
    update_id: str
    columns: Sequence[str]  # the view's

    def merged(
        self, stored: str, new: str, part: str
    ) -> tuple[str, tuple[ExpectationCounts, ...] | None]:
        """The rows to write for ``part`` (the table or its quarantine): ``new`` alone, to
        append, when no stored row has the keys computed again (counts: None); otherwise
        the stored rows without those keys and ``new``, to write whole, with the
        expectation counts of the stored rows left out."""
        removed = self.stored_rows(stored, part)
        if removed is None:
            return new, None
        self.engine.union(self.relations.whole(part), [self.relations.rest(part), new])
        return self.relations.whole(part), removed

    def stored_rows(self, stored: str, part: str) -> tuple[ExpectationCounts, ...] | None:
        """The expectation counts of the stored rows whose keys are computed again, with
        the other rows in ``relations.rest(part)``; None when no stored row has those keys
        (the new rows are then appended)."""
        table = exp.to_table(stored).as_("q")
        found = matching(exp.column(self.plan.output, "q"), self.relations.output_keys)
        selected = [exp.column(c, "q", quoted=True) for c in self.columns]
        removed = exp.select(*selected).from_(table.copy()).where(found.copy())
        if not self.engine.run_query(self.relations.removed(part), removed, Sources()):
            return None
        counted = self.engine.check(self.relations.removed(part), self.expectations, self.update_id)
        rest = exp.select("*").from_(table).where(exp.not_(found))
        self.engine.run_query(self.relations.rest(part), rest, Sources())
        return counted.counts


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
    def stored_quarantine(self) -> str:
        return f"{self.result}__stored_quarantine"

    def removed(self, part: str) -> str:
        return f"{self.result}__removed_{part}"

    def rest(self, part: str) -> str:
        return f"{self.result}__rest_{part}"

    def whole(self, part: str) -> str:
        return f"{self.result}__whole_{part}"


def _columns_read(plan: KeyPartition) -> dict[str, tuple[str, ...] | None]:
    """Each table the query reads -> its columns read, over every place it reads it (None:
    any column).

    >>> from retail_lakehouse.sql.key_partition import Lookup
    >>> lookups = (Lookup("t", "k", "p", ("k", "w")), Lookup("u", "k", "p", None))
    >>> _columns_read(KeyPartition("t", "a", "k", "k", exp.column("k"), lookups, ("k", "v")))
    {'t': ('k', 'v', 'w'), 'u': None}
    """
    read: dict[str, tuple[str, ...] | None] = {plan.driving: plan.reads}
    for lookup in plan.lookups:
        before = read.get(lookup.table, ())
        if before is None or lookup.reads is None:
            read[lookup.table] = None
        else:
            read[lookup.table] = tuple(sorted({*before, *lookup.reads}))
    return read


def _changed_in(
    columns: Sequence[str], now: str, before: str, touched: TouchedKeys | None = None
) -> exp.Select:
    """The rows, in ``columns``, that ``now`` has more or fewer times than ``before``: one
    aggregation over both, each row counted +1 now and -1 before; over the rows of the
    ``touched`` keys only, when the others are the same in both.

    >>> _changed_in(["k"], "t", "old").sql("duckdb")
    'SELECT k FROM (SELECT k, 1 AS __side FROM t UNION ALL SELECT k, -1 AS __side FROM old) \
AS sides GROUP BY k HAVING SUM(__side) <> 0'
    >>> _changed_in(["v"], "t", "old", TouchedKeys("keys", ("k",), ("k",))).sql("duckdb")
    'SELECT v FROM (SELECT v, 1 AS __side FROM t WHERE EXISTS(SELECT 1 FROM keys WHERE \
"keys"."k" IS NOT DISTINCT FROM "t"."k") UNION ALL SELECT v, -1 AS __side FROM old WHERE \
EXISTS(SELECT 1 FROM keys WHERE "keys"."k" IS NOT DISTINCT FROM "old"."k")) AS sides GROUP BY v \
HAVING SUM(__side) <> 0'
    """
    now_rows = exp.select(*columns, exp.alias_(exp.Literal.number(1), "__side")).from_(now)
    before_rows = exp.select(*columns, exp.alias_(exp.Literal.number(-1), "__side")).from_(before)
    if touched is not None:
        now_rows = now_rows.where(touched.holds(now))
        before_rows = before_rows.where(touched.holds(before))
    sides = exp.union(now_rows, before_rows, distinct=False)
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

    >>> gone = [ExpectationCounts("e", 1, 1), ExpectationCounts("e", 0, 2)]
    >>> _combined({"e": (3, 10)}, gone, [ExpectationCounts("e", 2, 4)])
    (ExpectationCounts(name='e', failed=4, passed=11),)
    """
    whole = []
    for count in added:
        failed, passed = stored[count.name]
        failed -= sum(c.failed for c in removed if c.name == count.name)
        passed -= sum(c.passed for c in removed if c.name == count.name)
        whole.append(ExpectationCounts(count.name, failed + count.failed, passed + count.passed))
    return tuple(whole)
