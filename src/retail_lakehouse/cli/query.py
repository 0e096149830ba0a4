"""``retail query``: Spark SQL over every table of the lakehouse, read-only, in or out.

A query as an argument prints its result (a table, CSV or JSON); without one, a prompt
runs statements ending with ';'. Only queries run, over the lakehouse's tables only (the
session ``open_lakehouse`` builds refuses the rest in one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import add_lakehouse, add_pipeline, settings_path

if TYPE_CHECKING:
    import pyarrow as pa


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", nargs="?", help="a query; none: an interactive prompt")
    add_lakehouse(parser)
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    parser.add_argument("--dialect", choices=["spark", "duckdb"], default="spark")
    add_pipeline(parser)


def query(args: argparse.Namespace) -> None:
    from rich.console import Console

    from retail_lakehouse.backends.duckdb.lakehouse_sql import (
        QueryError,
        lakehouse_tables,
        open_lakehouse,
        run_sql,
    )
    from retail_lakehouse.cli.opening import open_pipeline

    pipeline = open_pipeline(settings_path(args), args.lakehouse)
    connection = open_lakehouse(pipeline.lakehouse.tables)
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
            _print_result(lakehouse_tables(connection), args.format)
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            try:
                _print_result(run_sql(connection, "\n".join(buffer), args.dialect), args.format)
            except QueryError as exc:
                print(f"error: {exc}", file=sys.stderr)
            buffer = []


def _print_result(table: pa.Table, output: str) -> None:
    if output == "json":
        sys.stdout.write(as_json(table) + "\n")
    elif output == "csv":
        sys.stdout.write(as_csv(table))
    else:
        from rich.console import Console

        from retail_lakehouse.cli.pipeline_output import arrow_table

        Console().print(arrow_table(table))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_json(table: pa.Table) -> str:
    """A JSON list of row objects."""
    rows = [{k: _plain(v) for k, v in row.items()} for row in table.to_pylist()]
    return json.dumps(rows, indent=1)


def as_csv(table: pa.Table) -> str:
    import io

    import pyarrow.csv as pcsv

    buffer = io.BytesIO()
    pcsv.write_csv(table, buffer)
    return buffer.getvalue().decode("utf-8")


COMMAND = Command("query", "query the lakehouse tables (read-only)", add_arguments, query)
