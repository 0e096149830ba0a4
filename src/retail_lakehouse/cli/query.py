"""``retail query``: Spark SQL over every table of the lakehouse, read-only, in or out.

A query as an argument prints the result of each of its statements, in order (a table,
CSV or JSON); without one, a prompt runs statements ending with ';'. Only queries run,
over the lakehouse's tables only (the session ``open_lakehouse`` builds refuses the rest
in one line), which answer to their Databricks names too: ``catalog.schema.table`` and
``schema.table`` of the pipeline's catalog and schema settings.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, get_args

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import CliError, add_lakehouse, add_pipeline, settings_path

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from retail_lakehouse.backends.duckdb.lakehouse_sql import QueryDialect

QueryOutput = Literal["table", "csv", "json"]
FORMAT_HELP = (
    "table; csv, a blank line between statements' results, a list or struct as its JSON; "
    "json, a list of row objects per statement, a DECIMAL as a JSON number with its exact "
    "digits (1234.50: read it as a decimal to keep it exact), dates and timestamps as "
    "ISO-8601 strings (default: %(default)s)"
)
DIALECT_HELP = (
    "spark (Databricks SQL, transpiled by sqlglot) or duckdb (run as written); either way "
    "a table is <table>, <schema>.<table> or <catalog>.<schema>.<table> with the pipeline "
    "settings' catalog and schema (main.retail_lakehouse unless set) (default: %(default)s)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sql", nargs="?",
        help="the SQL to run, one or more statements separated by ';' (each result is "
        "printed, in order); none: an interactive prompt",
    )  # fmt: skip
    add_lakehouse(parser)
    parser.add_argument(
        "--format", choices=get_args(QueryOutput), default="table", help=FORMAT_HELP
    )
    parser.add_argument(
        "--dialect", choices=["spark", "duckdb"], default="spark", help=DIALECT_HELP
    )
    add_pipeline(parser)


def query(args: argparse.Namespace) -> None:
    from retail_lakehouse.backends.duckdb.lakehouse_names import TableTarget
    from retail_lakehouse.backends.duckdb.lakehouse_sql import open_lakehouse
    from retail_lakehouse.cli.opening import open_settings

    if args.sql is not None and not args.sql.strip():
        raise CliError("the query is empty: give SQL, or no query for the interactive prompt")
    settings, lakehouse = open_settings(settings_path(args), args.lakehouse)
    target = TableTarget(settings.catalog, settings.target_schema)
    connection = open_lakehouse(lakehouse.tables, target=target)
    if args.sql is None:
        prompt(connection, args.dialect, args.format)
    else:
        print_results(connection, args.sql, args.dialect, args.format)


def print_results(
    connection: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect, output: QueryOutput
) -> None:
    """Run the statements in order, printing each one's rows as soon as it has run."""
    from retail_lakehouse.backends.duckdb.lakehouse_sql import engine_statements, run_statements

    statements = engine_statements(connection, sql, dialect)
    for number, table in enumerate(run_statements(connection, statements)):
        if number and output == "csv":
            sys.stdout.write("\n")  # a blank line ends each CSV block but the last
        _print_result(table, output)


def prompt(
    connection: duckdb.DuckDBPyConnection, dialect: QueryDialect, output: QueryOutput
) -> None:
    """Read SQL line by line; each piece ending with ';' runs, an error is one line."""
    from rich.console import Console

    from retail_lakehouse.backends.duckdb.lakehouse_sql import QueryError, lakehouse_tables

    Console().print("retail query: SQL ending with ';' runs; '.tables' lists tables; Ctrl-D quits.")
    buffer: list[str] = []
    while True:
        try:
            line = input("... " if buffer else "sql> ")
        except EOFError:
            return
        if not buffer and line.strip() == ".tables":
            _print_result(lakehouse_tables(connection), output)
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            try:
                print_results(connection, "\n".join(buffer), dialect, output)
            except QueryError as exc:
                print(f"error: {exc}", file=sys.stderr)
            buffer = []


def _print_result(table: pa.Table, output: QueryOutput) -> None:
    if output == "json":
        sys.stdout.write(as_json(table) + "\n")
    elif output == "csv":
        sys.stdout.write(as_csv(table))
    else:
        from rich.console import Console

        from retail_lakehouse.cli.pipeline_output import arrow_table

        Console().print(arrow_table(table))


def as_json(table: pa.Table) -> str:
    """A JSON list of row objects, a row a line."""
    rows = [json_value(row) for row in table.to_pylist()]
    return "[\n" + ",\n".join(rows) + "\n]" if rows else "[]"


def json_value(value: object) -> str:
    """A value as JSON: a DECIMAL as a number written with its exact digits (JSON's own
    encoder would go through a binary float), times as ISO-8601 strings."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date | time):
        return json.dumps(value.isoformat())
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(str(value))  # JSON has no NaN or infinity: "nan", "inf", "-inf"
    if isinstance(value, dict):
        members = (f"{json.dumps(str(k))}: {json_value(v)}" for k, v in value.items())
        return "{" + ", ".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(json_value(v) for v in value) + "]"
    return json.dumps(value, default=str)


def as_csv(table: pa.Table) -> str:
    """CSV with a header line; a list, struct or map value is written as its JSON."""
    import io

    import pyarrow.csv as pcsv

    buffer = io.BytesIO()
    pcsv.write_csv(_nested_as_json(table), buffer)
    return buffer.getvalue().decode("utf-8")


def _nested_as_json(table: pa.Table) -> pa.Table:
    """The table with each nested column as JSON text: CSV has no lists or structs."""
    import pyarrow as pa

    for index, field in enumerate(table.schema):
        if pa.types.is_nested(field.type):
            values = [None if v is None else json_value(v) for v in table.column(index).to_pylist()]
            table = table.set_column(index, field.name, pa.array(values, pa.string()))
    return table


COMMAND = Command("query", "query the lakehouse tables (read-only)", add_arguments, query)
