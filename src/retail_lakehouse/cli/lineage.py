"""``retail lineage``: the pipeline's tables, each with what it reads, or a column's sources."""

from __future__ import annotations

import argparse

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import CliError, add_lakehouse, add_pipeline, settings_path


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
    sources = column_lineage(pipeline.graph, dataset, column, schemas)
    print(f"{dataset}.{column} <- " + (", ".join(sources) if sources else "(not traceable)"))


COMMAND = Command("lineage", "print table lineage, or a column's sources", add_arguments, lineage)
