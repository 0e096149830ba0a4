"""The engine protocol: the few operations the pipeline runner needs from an engine.

The runner is engine-neutral: it hands over query trees in the Spark / Databricks dialect
and names; an engine rewrites sources for itself, executes, and keeps the relations. No
shared code asks which engine it has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa
from sqlglot import exp

from retail_lakehouse.pipeline.model import Expectation

if TYPE_CHECKING:  # pyarrow.dataset imports pandas when installed: 0.4 s
    import pyarrow.dataset as pads


class EngineError(RuntimeError):
    """An engine failure while executing a dataset (one line)."""


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


@dataclass(frozen=True)
class Sources:
    """How a query's sources resolve for one execution.

    ``files``: for each read_files call (in tree order), the files to read.
    ``streams``: dataset name -> relation holding that dataset's new rows in this update.
    """

    files: Sequence[Sequence[Path]] = ()
    streams: Mapping[str, str] = field(default_factory=dict)


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


class Engine(Protocol):
    name: EngineName

    def run_query(self, relation: str, tree: exp.Expr, sources: Sources) -> int:
        """Execute ``tree`` into a new relation; returns its row count."""
        ...

    def empty_like(self, relation: str, like: str) -> None:
        """A new empty relation with the columns of ``like``."""
        ...

    def attach(self, relation: str, data: pads.Dataset) -> None:
        """Make stored data scannable as ``relation``."""
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

    def export(self, relation: str) -> pa.Table | pa.RecordBatchReader:
        """A relation's rows as Arrow (for writing)."""
        ...

    def close(self) -> None: ...
