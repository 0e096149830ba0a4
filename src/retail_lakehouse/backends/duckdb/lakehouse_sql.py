"""Querying a lakehouse: every stored table as a read-only DuckDB view, SQL in or out.

Queries are written in Spark / Databricks SQL by default (the dialect of the pipeline and
of Databricks) and transpiled with sqlglot; ``dialect="duckdb"`` runs them as they are.

The session is read-only and confined to the lakehouse's tables. Only queries run: DuckDB's
parser classifies every statement of the SQL that would run, and anything but a SELECT (as
DuckDB counts them: WITH, VALUES, SHOW, DESCRIBE, SUMMARIZE) or an EXPLAIN of one is refused
before any statement runs. The engine itself has no file, network or extension access once
the tables are registered (they are Arrow datasets, scanned by pyarrow, not by DuckDB's file
system), and its configuration is locked, so no statement can turn that access back on.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot.errors import ParseError

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.storage.delta import DeltaStore, StorageError

QueryDialect = Literal["spark", "duckdb"]

REGISTERED_PREFIX = "__delta_"  # the Arrow dataset behind each table's view
BROKEN_TABLES = "__broken_tables"  # tables that cannot be read, and why: name, problem
# lock_configuration comes last: it refuses every setting after it, these included
# temp_directory '': a query past the memory limit fails rather than spill into the
# working directory (DuckDB's default), outside the lakehouse
LOCKDOWN_SETTINGS: tuple[tuple[str, str], ...] = (
    ("temp_directory", "''"),  # before external access goes: it guards this setting
    ("enable_external_access", "false"),
    ("lock_configuration", "true"),
)
# DuckDB parses WITH, VALUES, SHOW, DESCRIBE and SUMMARIZE as SELECT statements too
QUERY_STATEMENTS = frozenset({duckdb.StatementType.SELECT})
TABLES_SQL = "SELECT name FROM (SHOW TABLES) WHERE NOT starts_with(name, '__')"
_MISSING_TABLE = re.compile(r"Table with name (\S+) does not exist")


class QueryError(InputError, ValueError):
    """A query that cannot run (one line)."""


def open_lakehouse(
    tables_root: Path, only: Collection[str] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with a view per Delta table under ``tables_root``
    (per table of ``only`` that is there, when given), locked down to those views.

    A table that cannot be read (a corrupt log, a missing data file) gets no view; a query
    that reads it fails with the table's own problem, and every other query runs."""
    if not tables_root.is_dir():
        raise QueryError(f"{tables_root}: no tables here; run 'retail run' first")
    store = DeltaStore(tables_root)
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(f"CREATE TEMP TABLE {BROKEN_TABLES} (name VARCHAR, problem VARCHAR)")
    for name in store.list_tables():
        if only is not None and name not in only:
            continue
        try:
            dataset = store.dataset(name)
        except StorageError as exc:
            connection.execute(f"INSERT INTO {BROKEN_TABLES} VALUES (?, ?)", [name, str(exc)])
            continue
        connection.register(f"{REGISTERED_PREFIX}{name}", dataset)
        connection.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "{REGISTERED_PREFIX}{name}"')
    lock_down(connection)
    return connection


def lock_down(connection: duckdb.DuckDBPyConnection) -> None:
    """No file, network or extension access from here on, and no setting can change."""
    for name, value in LOCKDOWN_SETTINGS:
        connection.execute(f"SET {name} = {value}")


def to_engine_sql(sql: str, dialect: QueryDialect) -> list[str]:
    """The statements to run in DuckDB."""
    if dialect == "duckdb":
        return [sql]
    try:
        return [s for s in sqlglot.transpile(sql, read="databricks", write="duckdb") if s]
    except ParseError as exc:
        raise QueryError(f"SQL syntax error: {str(exc).splitlines()[0]}") from None


def run_sql(connection: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect) -> pa.Table:
    """Run the statements, once every one is known to be a query; the last one's rows are
    the result."""
    statements = query_statements(connection, to_engine_sql(sql, dialect))
    if not statements:
        raise QueryError("no SQL statement given")
    try:
        for statement in statements[:-1]:
            connection.execute(statement)
        table: pa.Table = connection.sql(statements[-1].query).to_arrow_table()
    except duckdb.PermissionException as exc:
        raise QueryError(f"only the lakehouse's tables can be read: {_first_line(exc)}") from None
    except duckdb.CatalogException as exc:
        raise QueryError(_broken_table(connection, exc) or _first_line(exc)) from None
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None
    return table


def _broken_table(connection: duckdb.DuckDBPyConnection, exc: duckdb.Error) -> str | None:
    """The problem of the unreadable table a query named, if that is why it failed."""
    missing = _MISSING_TABLE.search(str(exc))
    if missing is None:
        return None
    named = missing.group(1).strip('"')
    found = connection.execute(
        f"SELECT problem FROM {BROKEN_TABLES} WHERE lower(name) = lower(?)", [named]
    ).fetchall()
    return str(found[0][0]) if found else None


def lakehouse_tables(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """The name of every table of the session, without the datasets behind them."""
    return run_sql(connection, TABLES_SQL, "duckdb")


def query_statements(
    connection: duckdb.DuckDBPyConnection, engine_sql: list[str]
) -> list[duckdb.Statement]:
    """DuckDB's statements of ``engine_sql``; a statement that is not a query is an error."""
    statements = [s for text in engine_sql for s in _parse(connection, text)]
    for statement in statements:
        kind = refused_kind(connection, statement)
        if kind is not None:
            raise QueryError(f"retail query is read-only: {kind} statements are not allowed")
    return statements


def refused_kind(connection: duckdb.DuckDBPyConnection, statement: duckdb.Statement) -> str | None:
    """The kind of statement this is when it is not a query; None when it only reads."""
    try:
        kind = statement.type
    except ValueError:  # a statement type this DuckDB client has no name for
        return "unclassified"
    if kind is duckdb.StatementType.EXPLAIN:  # EXPLAIN ANALYZE runs what it explains
        explained = explained_statement(connection, statement)
        return "EXPLAIN" if explained is None else refused_kind(connection, explained)
    return None if kind in QUERY_STATEMENTS else kind.name.replace("_", " ")


def explained_statement(
    connection: duckdb.DuckDBPyConnection, explain: duckdb.Statement
) -> duckdb.Statement | None:
    """The statement an EXPLAIN explains: DuckDB's parse of the text from the first token
    after ``EXPLAIN`` where one statement parses (past ``ANALYZE`` and any options)."""
    text = explain.query
    for offset, _ in duckdb.tokenize(text)[1:]:
        try:
            parsed = connection.extract_statements(text[offset:])
        except duckdb.Error:
            continue
        return parsed[0] if len(parsed) == 1 else None
    return None


def _parse(connection: duckdb.DuckDBPyConnection, text: str) -> list[duckdb.Statement]:
    try:
        return connection.extract_statements(text)
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
