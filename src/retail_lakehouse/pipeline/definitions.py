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

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.model import Dataset, DatasetKind, Expectation, PythonQuery
from retail_lakehouse.sql.ddl import (
    CreateStatement,
    check_unique_names,
    parse_sql_text,
    read_sql_file,
)

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
    notes: list[str] = []
    for path in source_files(folder):
        if path.suffix == ".sql":
            text = read_sql_file(path)
            datasets += [dataset_of(s) for s in parse_sql_text(text, path, configuration)]
        else:
            found, said = python_datasets(path, configuration)
            datasets += found
            notes += said
    check_unique_names(datasets)
    return Definitions(tuple(datasets), tuple(notes))


def python_datasets(
    path: Path, configuration: Mapping[str, str]
) -> tuple[list[Dataset], list[str]]:
    """The datasets one Python file defines, each traced for what it reads."""
    from retail_lakehouse.pipeline.python.api import Registry
    from retail_lakehouse.pipeline.python.files import run_pipeline_file
    from retail_lakehouse.pipeline.python.trace import trace

    registry = Registry()
    run_pipeline_file(path, registry, configuration)
    datasets = []
    for definition in registry.definitions:
        if definition.function is None:
            raise DefinitionError(
                definition.location, f"streaming table '{definition.name}' has no flow into it"
            )
        traced = trace(definition, configuration)
        streaming = bool(traced.streams) or any(f.streaming for f in traced.files)
        kind = _kind(definition.kind, streaming, definition)
        query = PythonQuery(
            definition.function, tuple(dict.fromkeys(traced.reads)),
            tuple(dict.fromkeys(traced.streams)), tuple(traced.files), definition.schema,
        )  # fmt: skip
        datasets.append(
            Dataset(
                name=definition.name,
                kind=kind,
                query="",
                location=definition.location,
                expectations=definition.expectations,
                comment=definition.comment,
                properties=definition.properties,
                partition_by=definition.partition_by,
                cluster_by=definition.cluster_by,
                python=query,
            )
        )
    return datasets, registry.notes


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
