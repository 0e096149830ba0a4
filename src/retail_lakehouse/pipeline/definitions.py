"""Where a pipeline's datasets come from: the ``.sql`` and ``.py`` files of its folder.

Files are read in the order of their paths, SQL and Python mixed as on Databricks; a
dataset of either language may read one of the other. A SQL file's ``CREATE`` statements
are datasets directly. A Python file is executed (``pipeline.python.files``) and each
function its decorators registered is traced once (``pipeline.python.trace``) for what it
reads; whether ``@dlt.table`` is a streaming table follows from that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.flows import with_flows
from retail_lakehouse.pipeline.model import Dataset, DatasetKind, Expectation, PythonQuery
from retail_lakehouse.sql.changes import AppendFlowStatement, ChangeFlowStatement, FlowStatement
from retail_lakehouse.sql.ddl import (
    CreateStatement,
    check_unique_names,
    check_unique_statements,
    parse_sql_text,
    read_sql_file,
)

if TYPE_CHECKING:
    from retail_lakehouse.pipeline.python.api import PythonDefinition

SOURCE_SUFFIXES = (".sql", ".py")


@dataclass(frozen=True)
class Definitions:
    datasets: tuple[Dataset, ...]
    notes: tuple[str, ...] = ()  # about what the files asked for and is ignored locally


def dataset_of(statement: CreateStatement) -> Dataset:
    """The dataset a statement declares; its constraints are its expectations."""
    return Dataset(
        name=statement.name,
        kind=statement.kind,
        query=statement.query,
        location=statement.location,
        expectations=tuple(
            Expectation(c.name, c.condition, c.action) for c in statement.constraints
        ),
        comment=statement.comment,
        properties=statement.properties,
        partition_by=statement.partition_by,
        cluster_by=statement.cluster_by,
        columns=statement.columns,
        column_comments=statement.column_comments,
    )


def source_files(folder: Path) -> list[Path]:
    """The pipeline's ``.sql`` and ``.py`` files under ``folder``, by relative path."""
    if not folder.is_dir():
        raise DefinitionError(folder, "pipeline folder not found (expected .sql or .py files)")
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES),
        key=lambda path: path.relative_to(folder).as_posix(),
    )
    if not files:
        raise DefinitionError(folder, "no .sql or .py files found in the pipeline folder")
    return files


def pipeline_definitions(folder: Path, configuration: Mapping[str, str]) -> Definitions:
    """The datasets of every file of the pipeline's folder, in order of definition."""
    datasets: list[Dataset] = []
    flows: list[FlowStatement] = []
    notes: list[str] = []
    for path in source_files(folder):
        if path.suffix == ".sql":
            statements = parse_sql_text(read_sql_file(path), path, configuration)
            datasets += [dataset_of(s) for s in statements if isinstance(s, CreateStatement)]
            flows += [
                s for s in statements if isinstance(s, ChangeFlowStatement | AppendFlowStatement)
            ]
        else:
            found, flowing, said = python_datasets(path, configuration)
            datasets += found
            flows += flowing
            notes += said
    check_unique_names(datasets)
    check_unique_statements(flows)
    return Definitions(tuple(with_flows(datasets, flows)), tuple(notes))


def python_datasets(
    path: Path, configuration: Mapping[str, str]
) -> tuple[list[Dataset], list[ChangeFlowStatement], list[str]]:
    """The datasets one Python file defines, each traced for what it reads."""
    from retail_lakehouse.pipeline.python.api import Registry
    from retail_lakehouse.pipeline.python.files import run_pipeline_file
    from retail_lakehouse.pipeline.python.trace import trace

    registry = Registry()
    run_pipeline_file(path, registry, configuration)
    datasets = []
    for definition in registry.definitions:
        if definition.function is None:  # filled by a flow
            datasets.append(_python_dataset(definition, "streaming_table", None))
            continue
        traced = trace(definition, configuration)
        streaming = bool(traced.streams) or any(f.streaming for f in traced.files)
        kind = _kind(definition.kind, streaming, definition)
        query = PythonQuery(
            definition.function, tuple(dict.fromkeys(traced.reads)),
            tuple(dict.fromkeys(traced.streams)), tuple(traced.files), definition.schema,
        )  # fmt: skip
        datasets.append(_python_dataset(definition, kind, query))
    return datasets, registry.flows, registry.notes


def _python_dataset(
    definition: PythonDefinition, kind: DatasetKind, query: PythonQuery | None
) -> Dataset:
    return Dataset(
        name=definition.name, kind=kind, query="", location=definition.location,
        expectations=definition.expectations, comment=definition.comment,
        properties=definition.properties, partition_by=definition.partition_by,
        cluster_by=definition.cluster_by, python=query,
    )  # fmt: skip


def _kind(declared: str, streaming: bool, definition: object) -> DatasetKind:
    if declared == "table_by_its_reads":
        return "streaming_table" if streaming else "materialized_view"
    if declared == "streaming_table" and not streaming:
        location = getattr(definition, "location")  # noqa: B009
        name = getattr(definition, "name")  # noqa: B009
        raise DefinitionError(
            location,
            f"streaming table '{name}' reads no stream: read with spark.readStream or "
            "read_stream, or define it with @dp.materialized_view",
        )
    return declared  # type: ignore[return-value]
