"""``retail lineage``: the pipeline's tables, each with what it reads, or a column's sources."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import CliError, add_lakehouse, add_pipeline, settings_path

if TYPE_CHECKING:
    from sqlglot import exp

    from retail_lakehouse.pipeline.project import LoadedPipeline
    from retail_lakehouse.storage.delta import DeltaStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("column", nargs="?", help="DATASET.COLUMN to trace")
    add_lakehouse(parser)
    add_pipeline(parser)


def lineage(args: argparse.Namespace) -> None:
    from retail_lakehouse.cli.opening import open_pipeline
    from retail_lakehouse.cli.pipeline_output import lineage_lines
    from retail_lakehouse.pipeline.lineage import (
        column_lineage,
        file_reading_datasets,
        table_lineage,
    )
    from retail_lakehouse.storage.delta import DeltaStore

    pipeline = open_pipeline(settings_path(args), args.lakehouse)
    if args.column is None:
        for line in lineage_lines(table_lineage(pipeline.graph), pipeline.graph.names()):
            print(line)
        return
    dataset, _, column = str(args.column).partition(".")
    if dataset not in pipeline.graph.names() or not column:
        raise CliError(
            f"expected DATASET.COLUMN with a dataset of the pipeline, got '{args.column}'"
        )
    store = DeltaStore(pipeline.lakehouse.tables)
    schemas = {
        name: {f.name: str(f.type) for f in store.dataset(name).schema}
        for name in file_reading_datasets(pipeline.graph)
        if store.exists(name)
    }
    python = _python_queries(pipeline, store)
    sources = column_lineage(pipeline.graph, dataset, column, schemas, python)
    print(f"{dataset}.{column} <- " + (", ".join(sources) if sources else "(not traceable)"))


def _python_queries(pipeline: LoadedPipeline, store: DeltaStore) -> dict[str, exp.Expr]:
    """The Python datasets' SQL, built on the embedded engine from the stored schemas."""
    if all(p.tree is not None for p in pipeline.graph.order):
        return {}
    from retail_lakehouse.backends.duckdb.python_lineage import python_dataset_queries

    names = [p.dataset.name for p in pipeline.graph.order if p.dataset.is_table]
    stored = {name: store.dataset(name).schema for name in names if store.exists(name)}
    return python_dataset_queries(pipeline.graph, stored, pipeline.configuration)


COMMAND = Command("lineage", "print table lineage, or a column's sources", add_arguments, lineage)
