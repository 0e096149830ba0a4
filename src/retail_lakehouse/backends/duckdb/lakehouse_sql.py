"""Querying a lakehouse: every stored table as a read-only DuckDB view, SQL in or out.

Queries are written in Spark / Databricks SQL by default (the dialect of the pipeline and
of Databricks) and transpiled with sqlglot; ``dialect="duckdb"`` runs them as they are.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot.errors import ParseError

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.storage.delta import DeltaStore

QueryDialect = Literal["spark", "duckdb"]


class QueryError(InputError, ValueError):
    """A query that cannot run (one line)."""


def open_lakehouse(
    tables_root: Path, only: Collection[str] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with a view per Delta table under ``tables_root``
    (per table of ``only`` that is there, when given)."""
    if not tables_root.is_dir():
        raise QueryError(f"{tables_root}: no tables here; run 'retail run' first")
    store = DeltaStore(tables_root)
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    for name in store.list_tables():
        if only is not None and name not in only:
            continue
        connection.register(f"__delta_{name}", store.dataset(name))
        connection.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "__delta_{name}"')
    return connection


def to_engine_sql(sql: str, dialect: QueryDialect) -> list[str]:
    """The statements to run in DuckDB."""
    if dialect == "duckdb":
        return [sql]
    try:
        return [s for s in sqlglot.transpile(sql, read="databricks", write="duckdb") if s]
    except ParseError as exc:
        raise QueryError(f"SQL syntax error: {str(exc).splitlines()[0]}") from None


def run_sql(connection: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect) -> pa.Table:
    """Run the statements; the last one's rows are the result."""
    statements = to_engine_sql(sql, dialect)
    if not statements:
        raise QueryError("no SQL statement given")
    try:
        for statement in statements[:-1]:
            connection.execute(statement)
        table: pa.Table = connection.sql(statements[-1]).to_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    return table
