"""Materialized views an update need not compute: their stored rows are already what their
definition gives over their inputs as they are now.

Each commit of a materialized view records a digest of what its rows depend on: its
definition (query, declared columns, expectations, layout, this package's version) and,
for every stored table it reads (directly or through temporary views, whose definitions
count too), the update that wrote that table's rows: the update id of the table's latest
commit that changed rows (not one that only changed its comment or properties), or this
update's id when the table is written now. Before computing a view,
an update computes the same digest; when it equals the one the view's latest commit
recorded, no input changed since, and the update neither computes nor commits the view
(Databricks reports such a refresh as a no-op). An input written in this update never
matches an earlier digest, so a view downstream of new data is always computed.

A full refresh computes everything (and records the digests for the next update); so does
any view this cannot vouch for: a Python dataset, a query that reads files or streams, or
one that calls a function whose value changes from run to run (the current time, random
numbers, UUIDs) or a table function.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlglot import exp

from retail_lakehouse import __version__
from retail_lakehouse.pipeline.commit import table_metadata
from retail_lakehouse.pipeline.graph import PipelineGraph, PlannedDataset
from retail_lakehouse.pipeline.journal import UPDATE_KEY
from retail_lakehouse.pipeline.progress import ROWS_UNCHANGED, latest_commit_value
from retail_lakehouse.storage.delta import DeltaStore

DIGEST_KEY = "retail_lakehouse.inputs_digest"  # commit info: what the view's rows depend on
_VOLATILE: tuple[type[exp.Expr], ...] = (  # the clock, chance, the session, a sample
    exp.CurrentDate,
    exp.CurrentDatetime,
    exp.CurrentTime,
    exp.CurrentTimestamp,
    exp.CurrentTimestampLTZ,
    exp.CurrentTimezone,
    exp.CurrentUser,
    exp.Localtimestamp,
    exp.Rand,
    exp.Randn,
    exp.Randstr,
    exp.Shuffle,
    exp.TableSample,
    exp.Uniform,
    exp.Uuid,
)
_VOLATILE_NAMES = frozenset(
    {"now", "random", "rand", "uuid", "gen_random_uuid", "today", "localtimestamp"}
    | {"monotonically_increasing_id", "input_file_name", "spark_partition_id"}
    | {"reflect", "java_method", "try_reflect"}
)


@dataclass
class UpToDateViews:
    """The materialized views of one update that are up to date, found as it goes."""

    store: DeltaStore
    graph: PipelineGraph
    full_refresh: bool
    update_id: str
    written: set[str] = field(default_factory=set)  # tables this update writes, so far
    writers: dict[str, str | None] = field(default_factory=dict)  # table -> its rows' update

    def digest(self, planned: PlannedDataset, before_this_update: bool = False) -> str | None:
        """What a materialized view's rows depend on now (or depended on before this
        update wrote any table), or None when it is not a materialized view whose rows
        this can vouch for."""
        dataset = planned.dataset
        if not dataset.is_table or dataset.appends:
            return None
        parts = self._parts(planned, before_this_update)
        if parts is None:
            return None
        text = json.dumps([__version__, parts], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def holds(self, planned: PlannedDataset, digest: str) -> bool:
        """Whether the view's stored table was computed from what ``digest`` stands for,
        and describes the view as it is defined now (comment, properties)."""
        name = planned.dataset.name
        if self.full_refresh:  # it computes everything, and records each digest for later
            return False
        if self._reads_written(planned) or not self.store.exists(name):
            return False  # an input written now never matches: no need to read the log
        if latest_commit_value(self.store, name, DIGEST_KEY) != digest:
            return False
        return self.store.describes(name, table_metadata(planned.dataset))

    def can_wait(self, planned: PlannedDataset) -> bool:
        """Whether a temporary view may wait until a dataset that is computed reads it:
        when none does, every reader is up to date, and so is the view (it reads nothing
        this update writes, nor anything this cannot vouch for)."""
        if planned.dataset.is_table or self.full_refresh:
            return False
        return self._parts(planned) is not None and not self._reads_written(planned)

    def _reads_written(self, planned: PlannedDataset) -> bool:
        """Whether the dataset reads a table this update writes, through views too."""
        for name in planned.inputs:
            read = self.graph.get(name)
            if name in self.written or (not read.dataset.is_table and self._reads_written(read)):
                return True
        return False

    def _parts(self, planned: PlannedDataset, before: bool = False) -> list[object] | None:
        """The definition of ``planned`` and of what it reads, or None when it cannot be
        vouched for."""
        dataset, tree = planned.dataset, planned.tree
        if tree is None or planned.streamed or planned.file_sources:
            return None
        if _volatile(tree) or _reads_table_functions(tree):
            return None
        expectations = [(e.name, e.condition, e.action) for e in dataset.expectations]
        layout = [list(dataset.partition_by), list(dataset.cluster_by)]
        parts: list[object] = [
            dataset.name, tree.sql(dialect="spark"), list(dataset.columns), expectations, layout
        ]  # fmt: skip
        for name in planned.inputs:
            read = self._input(name, before)
            if read is None:
                return None
            parts.append(read)
        return parts

    def _input(self, name: str, before: bool) -> object | None:
        """A stored table by the update that wrote its rows (``before``: before this
        update); a temporary view by its own definition and inputs."""
        planned = self.graph.get(name)
        if not planned.dataset.is_table:
            return self._parts(planned, before)
        if name in self.written and not before:
            return [name, self.update_id]
        if name not in self.writers:  # the same until this update commits
            self.writers[name] = latest_commit_value(self.store, name, UPDATE_KEY, ROWS_UNCHANGED)
        writer = self.writers[name]
        return None if writer is None else [name, writer]


def _volatile(tree: exp.Expr) -> bool:
    """Whether the query calls a function whose value changes from run to run.

    >>> import sqlglot
    >>> [_volatile(sqlglot.parse_one(f"SELECT {e} FROM t", read="databricks"))
    ...  for e in ("now()", "unix_timestamp()", "unix_timestamp(ts)", "input_file_name()", "k")]
    [True, True, False, True, False]
    """
    if tree.find(*_VOLATILE):
        return True
    if any(not clock.this for clock in tree.find_all(exp.StrToUnix)):  # unix_timestamp()
        return True
    names = [call.name for call in tree.find_all(exp.Anonymous)]
    names += [column.name for column in tree.find_all(exp.Column) if not column.table]
    return any(name.lower() in _VOLATILE_NAMES for name in names)


def _reads_table_functions(tree: exp.Expr) -> bool:
    """Whether the query reads a table function (``read_parquet('x')``): what it returns
    is nothing the digest covers.

    >>> import sqlglot
    >>> [_reads_table_functions(sqlglot.parse_one(q, read="databricks"))
    ...  for q in ("SELECT * FROM read_parquet('x')", "SELECT * FROM a JOIN b ON a.k = b.k")]
    [True, False]
    """
    return any(not isinstance(table.this, exp.Identifier) for table in tree.find_all(exp.Table))
