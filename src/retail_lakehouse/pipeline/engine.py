"""The engine port: the few operations the pipeline runner needs from an engine.

The pipeline owns this protocol and the backends implement it (``backends.duckdb``,
``backends.spark``); nothing here knows which engine it has. The runner hands over query
trees in the Spark / Databricks dialect and relation names; an engine rewrites sources for
itself, executes, keeps the relations, and stages their rows as a table's next data files
in its own way (Arrow through delta-rs' writer, or its own Parquet files); the runner
commits the staged files to the Delta logs once the whole update was computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlglot import exp

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.pipeline.model import Dataset, Expectation
from retail_lakehouse.storage.delta import DeltaStore, SchemaMode, WriteMode
from retail_lakehouse.storage.delta_files import StagedFiles
from retail_lakehouse.storage.table_metadata import TableMetadata


class EngineError(InputError, RuntimeError):
    """An engine failure while executing a dataset (one line)."""


def derived_from(name: str, relation: str) -> bool:
    """Whether ``name`` is ``relation`` or a relation an engine derived from it, which it
    names ``<relation>__...`` (what :meth:`Engine.release` frees with it)."""
    return name == relation or name.startswith(f"{relation}__")


@dataclass(frozen=True)
class DatasetRelations:
    """The names of the relations one dataset goes through in an update's engine."""

    dataset: str

    @property
    def result(self) -> str:
        """The query's rows in this update (a streaming table's new rows)."""
        return f"__result_{self.dataset}"

    @property
    def new_rows(self) -> str:
        """What ``STREAM(dataset)`` reads downstream: the rows this update added."""
        return f"__new_{self.dataset}"

    @property
    def stored(self) -> str:
        """The stored table as it was before the update."""
        return f"__stored_{self.dataset}"

    @property
    def combined(self) -> str:
        """A streaming table's stored rows and its new ones."""
        return f"__all_{self.dataset}"

    @property
    def every(self) -> tuple[str, ...]:
        """Every one of them, and the dataset's own name, as downstream queries read it."""
        return (self.result, self.new_rows, self.stored, self.combined, self.dataset)


@dataclass(frozen=True)
class Sources:
    """How a query's sources resolve for one execution.

    ``files``: for each read_files call (in tree order), the files to read.
    ``streams``: dataset name -> relation holding that dataset's new rows in this update.
    ``columns_from``: for each read_files call, a file of its source: a call with no file
    to read (a stream with nothing new) reads that file's columns and none of its rows, so
    its query still binds (two append flows, one of them fed today).
    """

    files: Sequence[Sequence[Path]] = ()
    streams: Mapping[str, str] = field(default_factory=dict)
    columns_from: Sequence[Path] = ()

    def read_of(self, index: int) -> tuple[Sequence[Path], bool]:
        """The files the ``index``-th read_files call reads and whether it keeps their
        rows (False: columns only).

        >>> Sources([[Path("a")], []], columns_from=[Path("a"), Path("b")]).read_of(1)
        ([PosixPath('b')], False)
        """
        files = self.files[index]
        if files or index >= len(self.columns_from):
            return files, True
        return [self.columns_from[index]], False


@dataclass(frozen=True)
class ExpectationCounts:
    name: str
    failed: int
    passed: int


@dataclass(frozen=True)
class CheckedRelation:
    kept: str  # relation of the rows that pass every DROP ROW expectation
    quarantine: str  # relation of the dropped rows, with _failed_expectations and _update_id
    kept_rows: int
    quarantined_rows: int
    counts: tuple[ExpectationCounts, ...]


@dataclass(frozen=True)
class TableWrite:
    """One table commit of an update: a relation staged for a table of the store, and
    what the table's metadata should say."""

    name: str
    relation: str
    mode: WriteMode
    schema_mode: SchemaMode | None
    cluster_by: tuple[str, ...] = ()  # the staged rows are sorted on these (empty: as they are)
    partition_by: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)  # for the commit's info
    table_metadata: TableMetadata = field(default_factory=TableMetadata)


class Engine(Protocol):
    @property
    def name(self) -> str:
        """Which engine, for the summary and the event log."""
        ...

    @property
    def storage(self) -> str:
        """How it writes tables, likewise."""
        ...

    @property
    def resources(self) -> str:
        """What it may use (memory, threads), for the summary."""
        ...

    def run_query(self, relation: str, tree: exp.Expr, sources: Sources) -> int:
        """Execute ``tree`` into a new relation; returns its row count."""
        ...

    def run_python(
        self,
        relation: str,
        dataset: Dataset,
        sources: Sources,
        configuration: Mapping[str, str],
    ) -> int:
        """Call the Python dataset's function in this engine (its reads resolved as
        ``sources`` says) and execute the DataFrame it returns into a new relation;
        returns its row count."""
        ...

    def empty_like(self, relation: str, like: str) -> None:
        """A new empty relation with the columns of ``like``."""
        ...

    def attach(self, relation: str, store: DeltaStore, table: str) -> None:
        """Make a stored table's current version scannable as ``relation``."""
        ...

    def union(self, relation: str, parts: Sequence[str]) -> None:
        """A relation of all rows of ``parts``, columns matched by name."""
        ...

    def alias(self, name: str, relation: str) -> None:
        """Let queries read ``relation`` under the dataset name ``name``."""
        ...

    def check(
        self, relation: str, expectations: Sequence[Expectation], update_id: str
    ) -> CheckedRelation:
        """Evaluate expectations; split DROP ROW failures into a quarantine relation."""
        ...

    def rows(self, relation: str) -> int: ...

    def described(self, relation: str) -> tuple[tuple[str, str], ...]:
        """The relation's columns and their types, in Spark's DDL."""
        ...

    def stage(self, write: TableWrite, store: DeltaStore) -> StagedFiles:
        """Write the relation's rows as the table's next data files, not yet committed.

        Called from a committer thread while later datasets are still being computed."""
        ...

    def release(self, relation: str) -> None:
        """Free ``relation`` and every relation the engine derived from it (named
        ``<relation>__...``): nothing reads or stages them any more in this update."""
        ...

    def close(self) -> None: ...
