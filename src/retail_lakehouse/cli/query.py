"""The ``query`` and ``lineage`` commands of the CLI: parse, call, print."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from rich.console import Console

from retail_lakehouse.backends.duckdb.lakehouse_sql import (
    QueryError,
    as_csv,
    as_json,
    open_lakehouse,
    run_sql,
)
from retail_lakehouse.cli.pipeline_output import arrow_table, lineage_lines
from retail_lakehouse.cli.run import settings_path
from retail_lakehouse.pipeline.lineage import (
    column_lineage,
    file_reading_datasets,
    table_lineage,
)
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore


def query(args: argparse.Namespace) -> None:
    pipeline_tables = load_pipeline(settings_path(args), args.lakehouse).tables_root(args.lakehouse)
    connection = open_lakehouse(pipeline_tables)
    if args.sql:
        _print_result(run_sql(connection, args.sql, args.dialect), args.format)
        return
    console = Console()
    console.print("retail query: SQL ending with ';' runs; '.tables' lists tables; Ctrl-D quits.")
    buffer: list[str] = []
    while True:
        try:
            line = input("... " if buffer else "sql> ")
        except EOFError:
            return
        if not buffer and line.strip() == ".tables":
            _print_result(run_sql(connection, "SHOW TABLES", "duckdb"), args.format)
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            try:
                _print_result(run_sql(connection, "\n".join(buffer), args.dialect), args.format)
            except QueryError as exc:
                print(f"error: {exc}", file=sys.stderr)
            buffer = []


def _print_result(table: object, output: str) -> None:
    import pyarrow as pa

    assert isinstance(table, pa.Table)
    if output == "json":
        sys.stdout.write(as_json(table) + "\n")
    elif output == "csv":
        sys.stdout.write(as_csv(table))
    else:
        Console().print(arrow_table(table))


def lineage(args: argparse.Namespace) -> None:
    pipeline = load_pipeline(settings_path(args), args.lakehouse)
    if args.column is None:
        for line in lineage_lines(table_lineage(pipeline.graph), pipeline.graph.names()):
            print(line)
        return
    dataset, _, column = str(args.column).partition(".")
    if dataset not in pipeline.graph.names() or not column:
        raise QueryError(
            f"expected DATASET.COLUMN with a dataset of the pipeline, got '{args.column}'"
        )
    store = DeltaStore(pipeline.tables_root(args.lakehouse))
    schemas = {
        name: {f.name: str(f.type) for f in store.dataset(name).schema}
        for name in file_reading_datasets(pipeline.graph)
        if store.exists(name)
    }
    sources = column_lineage(pipeline.graph, dataset, column, schemas)
    print(f"{dataset}.{column} <- " + (", ".join(sources) if sources else "(not traceable)"))


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {"query": query, "lineage": lineage}
