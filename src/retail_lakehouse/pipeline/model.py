"""The pipeline model: datasets and expectations, immutable, as read from definitions.

A dataset is what one ``CREATE ...`` statement defines: its kind, its query (Spark /
Databricks SQL, untranslated), its expectations and table options, and where in which
file it was defined, so every later error can point there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DatasetKind = Literal["materialized_view", "streaming_table", "temporary_view"]
ViolationAction = Literal["warn", "drop", "fail"]  # no ON VIOLATION / DROP ROW / FAIL UPDATE


@dataclass(frozen=True)
class SourceLocation:
    path: Path
    line: int  # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Expectation:
    name: str
    condition: str  # a boolean SQL expression over the dataset's output columns
    action: ViolationAction = "warn"


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

    @property
    def is_table(self) -> bool:
        """Materialized views and streaming tables are stored; temporary views are not."""
        return self.kind != "temporary_view"

    def property(self, key: str) -> str | None:
        for name, value in self.properties:
            if name == key:
                return value
        return None


class DefinitionError(ValueError):
    """A pipeline definition that cannot be used: one line naming the file and line."""

    def __init__(self, location: SourceLocation | Path | str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location


class ExpectationFailedError(RuntimeError):
    """A FAIL UPDATE expectation was violated: the update stops and writes nothing."""
