"""The pipeline model: datasets and their expectations, immutable, as read from definitions.

A dataset is what one definition declares (a ``CREATE ...`` statement of a SQL file, or a
decorated function of a Python file): its kind, its query (Spark / Databricks SQL,
untranslated, or a Python function returning a DataFrame), its expectations and table
options, and where it was defined, so every later error can point there. Its medallion
layer is what its ``quality`` table property says, as Databricks users write it, or else
the prefix of its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from retail_lakehouse.common.errors import SourceLocation, UpdateFailedError
from retail_lakehouse.sql.changes import ChangeFlowStatement
from retail_lakehouse.sql.ddl import DatasetKind, ViolationAction
from retail_lakehouse.sql.queries import DefinedQuery, FileSource

__all__ = [
    "Dataset",
    "DatasetKind",
    "Expectation",
    "ExpectationFailedError",
    "Layer",
    "ViolationAction",
    "layer_of_name",
    "quarantine_table",
]

Layer = Literal["bronze", "silver", "gold", "other"]
MEDALLION: tuple[Layer, ...] = get_args(Layer)[:3]
LAYER_PROPERTY = "quality"  # TBLPROPERTIES ('quality' = 'silver')
QUARANTINE_SUFFIX = "_quarantine"


def layer_of_name(name: str) -> Layer:
    """The layer a name's prefix says (``bronze_x``), ``other`` without one."""
    prefix = name.split("_", 1)[0]
    return next((layer for layer in MEDALLION if layer == prefix), "other")


def quarantine_table(dataset: str) -> str:
    """The table a dataset's dropped rows go to."""
    return dataset + QUARANTINE_SUFFIX


@dataclass(frozen=True)
class Expectation:
    name: str
    condition: str  # a boolean SQL expression over the dataset's output columns
    action: ViolationAction = "warn"


@dataclass(frozen=True)
class PythonQuery:
    """A Python dataset's query: its function, and what tracing it found it reads."""

    function: Callable[[], Any]
    reads: tuple[str, ...] = ()  # datasets read in full
    streams: tuple[str, ...] = ()  # datasets read as streams (their new rows)
    files: tuple[FileSource, ...] = ()  # file folders, in the order the function loads them
    schema: str | None = None  # the declared schema, as DDL


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: DatasetKind
    query: str  # the SELECT after AS, with ${...} already substituted
    location: SourceLocation
    expectations: tuple[Expectation, ...] = ()
    comment: str | None = None
    properties: tuple[tuple[str, str], ...] = ()  # TBLPROPERTIES, in order
    partition_by: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()
    columns: tuple[str, ...] = field(default=())  # declared column names, if any
    column_comments: tuple[tuple[str, str], ...] = ()  # declared column -> its COMMENT
    python: PythonQuery | None = None  # a Python dataset's query (``query`` is then empty)
    changes: ChangeFlowStatement | None = None  # an AUTO CDC flow's (``query`` is then empty)

    @property
    def is_table(self) -> bool:
        """Materialized views and streaming tables are stored; temporary views are not."""
        return self.kind != "temporary_view"

    @property
    def appends(self) -> bool:
        """A streaming table appends each update's new rows to its stored ones; an AUTO CDC
        target is computed from every change of its source instead."""
        return self.kind == "streaming_table" and self.changes is None

    @property
    def layer(self) -> Layer:
        declared = (self.property(LAYER_PROPERTY) or "").lower()
        return next((layer for layer in MEDALLION if layer == declared), layer_of_name(self.name))

    @property
    def defined_query(self) -> DefinedQuery:
        return DefinedQuery(self.name, self.query, self.location)

    @property
    def quarantine(self) -> str | None:
        """The quarantine table, for a stored dataset with expectations."""
        return quarantine_table(self.name) if self.is_table and self.expectations else None

    def property(self, key: str) -> str | None:
        for name, value in self.properties:
            if name == key:
                return value
        return None


class ExpectationFailedError(UpdateFailedError, RuntimeError):
    """A FAIL UPDATE expectation was violated: the update stops and writes nothing."""
