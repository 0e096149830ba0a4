"""An AUTO CDC target in an update: its stored rows with the keys the new changes touch
computed again, or all of it from every change of its source.

The SQL of both lives in ``pipeline.changes``; this module decides which one an update
runs, from what the target's last commit recorded, and runs it on the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from retail_lakehouse.pipeline.changes import (
    CHANGES_KEY,
    changes_digest,
    changes_query,
    updated_target_query,
)
from retail_lakehouse.pipeline.engine import DatasetRelations, Engine, Sources
from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.pipeline.keyed_refresh import TouchedKeys
from retail_lakehouse.pipeline.progress import latest_commit_value
from retail_lakehouse.sql.changes import ChangeFlowStatement
from retail_lakehouse.sql.queries import DefinedQuery, parse_query
from retail_lakehouse.storage.delta import DeltaStore


@dataclass(frozen=True)
class ChangesApplied:
    changes: int  # change records read
    commit_info: dict[str, str]  # what the target's commit records beside its rows
    unchanged: bool  # no new change: the stored target stays as it is
    touched: TouchedKeys | None = None  # the keys computed again, when the rest was kept


@dataclass
class ChangeTargets:
    """The AUTO CDC targets of one update, sharing the update's record of which streaming
    tables started over and which tables were rebuilt, and why."""

    engine: Engine
    store: DeltaStore
    graph: PipelineGraph
    full_refresh: bool
    started_over: set[str]  # the runner's own: filled as its streaming tables start over
    rebuilt: dict[str, list[str]]  # the runner's own: why tables were rebuilt -> which

    def apply(self, result: str, flow: ChangeFlowStatement) -> ChangesApplied:
        """The target of ``flow`` computed into the relation ``result``."""
        columns = [name for name, _ in self.engine.described(flow.source)]
        digest = changes_digest(flow, columns)
        stored = self._stored_target(flow, digest)
        new = DatasetRelations(flow.source).new_rows
        if stored is not None and self.engine.rows(new) == 0:
            self.engine.alias(result, stored)  # no change touches a key: the stored rows
            return ChangesApplied(0, {CHANGES_KEY: digest}, True)
        if stored is None:
            sql, read = changes_query(flow, columns), flow.source
        else:
            sql, read = updated_target_query(flow, columns, stored, new), new
        query = DefinedQuery(flow.target, sql, flow.location)
        self.engine.run_query(result, parse_query(query), Sources((), {}))
        changes = self.engine.rows(read)
        touched = None if stored is None else self._touched(result, flow, new)
        unchanged = stored is not None and changes == 0
        return ChangesApplied(changes, {CHANGES_KEY: digest}, unchanged, touched)

    def _touched(self, result: str, flow: ChangeFlowStatement, new: str) -> TouchedKeys:
        """The keys the new changes touch, kept with the target's relations: readers of the
        target look for its changed rows among theirs only."""
        keys = f"{result}__touched"
        columns = [exp.column(key, quoted=True) for key in flow.keys]
        self.engine.run_query(keys, exp.select(*columns).distinct().from_(new), Sources())
        return TouchedKeys(keys, tuple(flow.keys), tuple(flow.keys))

    def _stored_target(self, flow: ChangeFlowStatement, digest: str) -> str | None:
        """The stored target to update by the keys the new changes touch, or None when it
        is computed from every change: a full refresh, a truncate clause (it touches every
        key), a source that is not a streaming table of this update holding every earlier
        change, or a target written by another definition of the flow."""
        source = self.graph.get(flow.source).dataset
        if (
            self.full_refresh
            or flow.truncate_when is not None
            or not self.store.exists(flow.target)
        ):
            return None
        if not source.appends or flow.source in self.started_over:
            return None
        recorded = latest_commit_value(self.store, flow.target, CHANGES_KEY)
        if recorded != digest:
            if recorded is not None:
                self.rebuilt.setdefault("their AUTO CDC flow changed", []).append(flow.target)
            return None
        relation = DatasetRelations(flow.target).stored
        self.engine.attach(relation, self.store, flow.target)
        return relation
