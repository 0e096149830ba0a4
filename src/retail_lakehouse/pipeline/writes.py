"""What an update commits for a dataset it computed: its table's rows and its quarantine's,
appended or overwriting, or nothing when neither they nor the table's metadata changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.commit import table_metadata
from retail_lakehouse.pipeline.engine import CheckedRelation, DatasetRelations, Engine, TableWrite
from retail_lakehouse.pipeline.graph import PlannedDataset
from retail_lakehouse.pipeline.ingest import Ingest
from retail_lakehouse.pipeline.model import Dataset
from retail_lakehouse.storage.delta import DeltaStore, SchemaMode, WriteMode
from retail_lakehouse.storage.table_metadata import TableMetadata

ZORDER_PROPERTY = "pipelines.autoOptimize.zOrderCols"


@dataclass(frozen=True)
class ComputedDataset:
    """A computed dataset waiting for the commit phase."""

    planned: PlannedDataset
    checked: CheckedRelation
    ingest: Ingest
    commit_info: Mapping[str, str]  # what the table's commit records beside its rows
    # nothing new, nor in its metadata: the stored table stays as it is, uncommitted
    up_to_date: bool = False
    # a materialized view refreshed by key: its new rows are appended, unless keys it held
    # were computed again, which replaces its table (``checked.kept`` is then all of it),
    # and likewise its quarantine
    by_keys: bool = False
    replaces_rows: bool = False
    replaces_quarantine: bool = False

    @property
    def new_rows(self) -> str:
        """The relation of the rows the update adds to the table."""
        return DatasetRelations(self.planned.dataset.name).new_rows

    @property
    def appends(self) -> bool:
        """Whether the update appends the computed rows to the stored table."""
        dataset = self.planned.dataset
        if self.by_keys:
            return not self.replaces_rows
        return dataset.appends and not self.ingest.starts_over


def table_writes(store: DeltaStore, engine: Engine, item: ComputedDataset) -> list[TableWrite]:
    """The writes that commit ``item``: none, its table's, and its quarantine's."""
    dataset = item.planned.dataset
    if item.up_to_date:
        return []
    append = item.appends
    if append and engine.rows(item.checked.kept) and store.exists(dataset.name):
        check_same_columns(store, engine, dataset, item.checked.kept)
    table = _Target(
        dataset.name, item.checked.kept, cluster_columns(dataset), dict(item.commit_info),
        table_metadata(dataset), append,
    )  # fmt: skip
    targets = [table]
    if dataset.quarantine is not None:
        quarantine_appends = (append or item.by_keys) and not item.replaces_quarantine
        targets.append(_Target(
            dataset.quarantine, item.checked.quarantine, (), {}, TableMetadata(),
            quarantine_appends,
        ))  # fmt: skip
    return [
        t.write(dataset.partition_by)
        for t in targets
        if not t.appends or engine.rows(t.relation)
        or not store.describes(t.name, t.metadata)  # an append of nothing: metadata alone
    ]  # fmt: skip


@dataclass(frozen=True)
class _Target:
    """One table an item commits to, and how."""

    name: str
    relation: str
    cluster_by: tuple[str, ...]
    commit_info: dict[str, str]
    metadata: TableMetadata
    appends: bool

    def write(self, partition_by: tuple[str, ...]) -> TableWrite:
        mode: WriteMode = "append" if self.appends else "overwrite"
        schema_mode: SchemaMode | None = None if self.appends else "overwrite"
        return TableWrite(
            self.name, self.relation, mode, schema_mode, self.cluster_by, partition_by,
            self.commit_info, self.metadata,
        )  # fmt: skip


def changes_rows(engine: Engine, writes: Sequence[TableWrite], table: str) -> bool:
    """Whether ``writes`` change the rows of ``table``: an overwrite, or an append of some
    rows (an append of none only brings its metadata up to date)."""
    return any(
        w.name == table and (w.mode == "overwrite" or engine.rows(w.relation)) for w in writes
    )


def check_same_columns(store: DeltaStore, engine: Engine, dataset: Dataset, relation: str) -> None:
    """New rows of a streaming table have the columns of its stored ones: a definition
    that adds or drops columns needs the table rebuilt, which only a full refresh does."""
    stored = store.schema(dataset.name).names
    incoming = [name for name, _ in engine.described(relation)]
    added = _not_among(incoming, stored)
    dropped = _not_among(stored, incoming)
    if not added and not dropped:
        return
    changes = [f"adds column(s) {', '.join(added)}"] if added else []
    changes += [f"drops column(s) {', '.join(dropped)}"] if dropped else []
    raise DefinitionError(
        dataset.location,
        f"'{dataset.name}' {' and '.join(changes)}, which its stored rows do not have: a "
        "streaming table keeps its columns until a full refresh rebuilds it from all its "
        "input",
    )


def _not_among(names: Sequence[str], others: Sequence[str]) -> list[str]:
    """The ``names`` that are none of ``others`` (names compare without case)."""
    known = {name.lower() for name in others}
    return [name for name in names if name.lower() not in known]


def cluster_columns(dataset: Dataset) -> tuple[str, ...]:
    """CLUSTER BY columns, then those of the pipelines.autoOptimize.zOrderCols property."""
    columns = list(dataset.cluster_by)
    z_order = dataset.property(ZORDER_PROPERTY)
    if z_order:
        columns += [c.strip() for c in z_order.split(",") if c.strip() and c.strip() not in columns]
    return tuple(columns)
