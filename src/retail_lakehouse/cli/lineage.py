"""``retail lineage``: the pipeline's tables, each with what it reads, or a column's sources.

A column is named ``DATASET.COLUMN``; a dataset the pipeline lacks, or a column its
dataset lacks, is one line naming it (and what there is instead), exit code 2.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import CliError, add_lakehouse, add_pipeline, settings_path

if TYPE_CHECKING:
    from sqlglot import exp

    from retail_lakehouse.pipeline.graph import PipelineGraph
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
    dataset, named = dataset_and_column(str(args.column), pipeline)
    store = DeltaStore(pipeline.lakehouse.tables)
    python = _python_queries(pipeline, store)
    column = known_column(dataset, named, dataset_columns(dataset, pipeline.graph, store, python))
    schemas = {
        name: {f.name: str(f.type) for f in store.schema(name)}
        for name in file_reading_datasets(pipeline.graph)
        if store.exists(name)
    }
    sources = column_lineage(pipeline.graph, dataset, column, schemas, python)
    print(f"{dataset}.{column} <- " + (", ".join(sources) if sources else "(not traceable)"))


def dataset_and_column(argument: str, pipeline: LoadedPipeline) -> tuple[str, str]:
    """The dataset and the column ``DATASET.COLUMN`` names; the dataset is the pipeline's."""
    dataset, _, column = argument.partition(".")
    if not dataset or not column:
        raise CliError(f"expected DATASET.COLUMN, got '{argument}'")
    names = pipeline.graph.names()
    if dataset not in names:
        raise CliError(
            f"{argument}: pipeline '{pipeline.settings.name}' has no dataset '{dataset}'; "
            f"its datasets: {', '.join(names)}"
        )
    return dataset, column


def dataset_columns(
    dataset: str, graph: PipelineGraph, store: DeltaStore, python: dict[str, exp.Expr]
) -> list[str] | None:
    """The columns of ``dataset``: its stored table's, else those its query names; None
    when neither says (a query of ``*`` before any update)."""
    from sqlglot import exp

    if store.exists(dataset):
        return list(store.schema(dataset).names)
    planned = graph.get(dataset).tree
    tree = planned if planned is not None else python.get(dataset)
    if not isinstance(tree, exp.Query) or "*" in tree.named_selects:
        return None
    return list(tree.named_selects)


def known_column(dataset: str, column: str, columns: list[str] | None) -> str:
    """``column`` as ``dataset`` spells it (names are case-insensitive, as in Spark SQL);
    a column it lacks is an error listing the ones it has."""
    if columns is None:
        return column
    for name in columns:
        if name.lower() == column.lower():
            return name
    raise CliError(f"{dataset} has no column '{column}'; its columns: {', '.join(columns)}")


def _python_queries(pipeline: LoadedPipeline, store: DeltaStore) -> dict[str, exp.Expr]:
    """The Python datasets' SQL, built on the embedded engine from the stored schemas."""
    if all(p.tree is not None for p in pipeline.graph.order):
        return {}
    from retail_lakehouse.backends.duckdb.python_lineage import python_dataset_queries

    names = [p.dataset.name for p in pipeline.graph.order if p.dataset.is_table]
    stored = {name: store.schema(name) for name in names if store.exists(name)}
    return python_dataset_queries(pipeline.graph, stored, pipeline.configuration)


COMMAND = Command("lineage", "print table lineage, or a column's sources", add_arguments, lineage)
