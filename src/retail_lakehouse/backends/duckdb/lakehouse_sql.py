"""Querying a lakehouse: every stored table as a read-only DuckDB view, SQL in or out.

Queries are written in Spark / Databricks SQL by default (the dialect of the pipeline and
of Databricks) and transpiled with sqlglot; ``dialect="duckdb"`` runs them as they are
(but for the names of the pipeline's catalog, below).

The session is read-only and confined to the lakehouse's tables. Only queries run: DuckDB's
parser classifies every statement of the SQL that would run, and anything but a SELECT (as
DuckDB counts them: WITH, VALUES, SHOW, DESCRIBE, SUMMARIZE) or an EXPLAIN of one is refused
before any statement runs. A table is a view over its Parquet files, which DuckDB reads
itself (a table whose files alone do not hold its rows, partitioned or column-mapped, is
an Arrow dataset scanned by pyarrow); once the views exist the engine has no file, network
or extension access but to the tables' folder (DuckDB's ``allowed_directories``), and its
configuration is locked, so no statement can turn that access back on.

Tables answer to their names on Databricks too (``lakehouse_names``): ``<table>``,
``<schema>.<table>`` and ``<catalog>.<schema>.<table>`` of the pipeline's target. Several
statements run one after the other, each with its own result; the session's listings
(``SHOW TABLES``) show the lakehouse's tables and nothing of the session's own making.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from retail_lakehouse.backends.duckdb.files import stored_select
from retail_lakehouse.backends.duckdb.lakehouse_names import (
    SessionNames,
    TableTarget,
    create_target_schema,
    drop_target_catalog,
    foreign_table_problem,
    foreign_tables,
    session_names,
)
from retail_lakehouse.backends.duckdb.quoting import literal, quote
from retail_lakehouse.common.errors import InputError
from retail_lakehouse.storage.delta import DeltaStore, StorageError

QueryDialect = Literal["spark", "duckdb"]

# tables that cannot be read, and why: a DuckDB variable, a map of name (lower case) to
# problem, which no listing of tables shows
BROKEN_TABLES = "lakehouse_broken_tables"
# lock_configuration comes last: it refuses every setting after it, these included
# temp_directory '': a query past the memory limit fails rather than spill into the
# working directory (DuckDB's default), outside the lakehouse
# python_enable_replacements false: a table name the session lacks is not looked up among
# the Python variables of the code running the query
LOCKDOWN_SETTINGS: tuple[tuple[str, str], ...] = (
    ("temp_directory", "''"),  # before external access goes: it guards this setting
    ("enable_external_access", "false"),
    ("python_enable_replacements", "false"),
    ("lock_configuration", "true"),
)
# DuckDB parses WITH, VALUES, SHOW, DESCRIBE and SUMMARIZE as SELECT statements too
QUERY_STATEMENTS = frozenset({duckdb.StatementType.SELECT})
TABLES_SQL = "SHOW TABLES"
_MISSING_TABLE = re.compile(r"Table with name (\S+) does not exist")


class QueryError(InputError, ValueError):
    """A query that cannot run (one line)."""


def open_lakehouse(
    tables_root: Path, only: Collection[str] | None = None, target: TableTarget | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with a view per Delta table under ``tables_root``
    (per table of ``only`` that is there, when given), locked down to those views, which
    answer to the names of ``target`` too (default: the bundle's ``main.retail_lakehouse``).

    A table that cannot be read (a corrupt log, a missing data file) gets no view; a query
    that reads it fails with the table's own problem, and every other query runs."""
    if not tables_root.is_dir():
        raise QueryError(f"{tables_root}: no tables here; run 'retail run' first")
    store = DeltaStore(tables_root)
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    readable, broken = [], {}
    for name in store.list_tables():
        if only is not None and name not in only:
            continue
        try:
            _register_table(connection, store, name)
            readable.append(name)
        except StorageError as exc:
            broken[name] = str(exc)
    connection.execute(
        f"SET VARIABLE {BROKEN_TABLES} = map_from_entries(?::STRUCT(k VARCHAR, v VARCHAR)[])",
        [[{"k": name.lower(), "v": problem} for name, problem in broken.items()]],
    )
    create_target_schema(connection, target or TableTarget(), readable)
    lock_down(connection, tables_root)
    return connection


def _register_table(connection: duckdb.DuckDBPyConnection, store: DeltaStore, name: str) -> None:
    """The table as a temporary view: over its Parquet files, in the types of its schema,
    when they hold its rows as they are (``stored_files`` says when); else over pyarrow's
    dataset of it."""
    stored = store.files(name)
    if stored.files is None:
        connection.register(name, stored.dataset())  # scanned by pyarrow
        return
    empty = f"__schema_{name}"
    connection.register(empty, stored.schema.empty_table())
    columns = [
        (str(c[0]), str(c[1])) for c in connection.execute(f"DESCRIBE {quote(empty)}").fetchall()
    ]
    connection.unregister(empty)
    body = stored_select(stored.files, columns)
    connection.execute(f"CREATE TEMPORARY VIEW {quote(name)} AS {body}")


def lock_down(connection: duckdb.DuckDBPyConnection, tables_root: Path) -> None:
    """No file, network or extension access from here on but reading the tables' folder,
    and no setting can change."""
    folder = literal(str(tables_root.resolve()) + "/")
    connection.execute(f"SET allowed_directories = [{folder}]")
    for name, value in LOCKDOWN_SETTINGS:
        connection.execute(f"SET {name} = {value}")


def to_engine_sql(
    connection: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect
) -> list[str]:
    """The statements to run in DuckDB, the target's names resolved: Spark SQL
    transpiled, DuckDB SQL as written unless a name of the target's catalog needs
    resolving."""
    names = session_names(connection)
    if dialect == "duckdb":
        return [_resolved_duckdb(s.query, names) for s in _parse(connection, sql)]
    return _spark_to_duckdb(sql, names)


def _spark_to_duckdb(sql: str, names: SessionNames) -> list[str]:
    try:
        with _sqlglot_quiet():
            trees = [tree for tree in sqlglot.parse(sql, read="databricks") if tree]
    except ParseError as exc:
        raise QueryError(f"SQL syntax error: {str(exc).splitlines()[0]}") from None
    for tree in trees:
        _refuse_foreign_tables(tree, names)
        drop_target_catalog(tree, names.target)
    return [tree.sql(dialect="duckdb") for tree in trees]


def _resolved_duckdb(text: str, names: SessionNames) -> str:
    """One DuckDB statement with the target's catalog resolved; as written when it names
    none, or when sqlglot cannot parse it (DuckDB then judges it alone)."""
    try:
        with _sqlglot_quiet():
            tree = sqlglot.parse_one(text, read="duckdb")
    except ParseError:
        return text
    _refuse_foreign_tables(tree, names)
    return tree.sql(dialect="duckdb") if drop_target_catalog(tree, names.target) else text


def _refuse_foreign_tables(tree: exp.Expr, names: SessionNames) -> None:
    for table in foreign_tables(tree, names):
        raise QueryError(foreign_table_problem(table, names.target))


@contextmanager
def _sqlglot_quiet() -> Iterator[None]:
    """sqlglot logs a warning for each statement it passes on as it is (SHOW TABLES, for
    one); the statement still runs, so the warning would only clutter stderr."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def engine_statements(
    connection: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect
) -> list[duckdb.Statement]:
    """DuckDB's statements of ``sql`` in order, once every one is known to be a query;
    none has run yet."""
    statements = query_statements(connection, to_engine_sql(connection, sql, dialect))
    if not statements:
        raise QueryError("no SQL statement given")
    return statements


def run_statements(
    connection: duckdb.DuckDBPyConnection, statements: list[duckdb.Statement]
) -> Iterator[pa.Table]:
    """Each statement's rows, running it only when the previous one's rows are taken; a
    failure among several names the statement."""
    for number, statement in enumerate(statements, start=1):
        try:
            table = run_statement(connection, statement)
        except QueryError as exc:
            if len(statements) == 1:
                raise
            raise QueryError(f"statement {number} of {len(statements)}: {exc}") from None
        yield table


def run_statement(connection: duckdb.DuckDBPyConnection, statement: duckdb.Statement) -> pa.Table:
    """One statement's rows, every one fetched, so the next statement can run."""
    try:
        table: pa.Table = connection.sql(statement.query).to_arrow_table()
    except duckdb.PermissionException as exc:
        raise QueryError(f"only the lakehouse's tables can be read: {_first_line(exc)}") from None
    except duckdb.CatalogException as exc:
        raise QueryError(_broken_table(connection, exc) or _first_line(exc)) from None
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None
    return table


def run_sql(connection: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect) -> pa.Table:
    """Run the statements in order, once every one is known to be a query; the last one's
    rows are the result."""
    *_, last = run_statements(connection, engine_statements(connection, sql, dialect))
    return last


def _broken_table(connection: duckdb.DuckDBPyConnection, exc: duckdb.Error) -> str | None:
    """The problem of the unreadable table a query named, if that is why it failed."""
    missing = _MISSING_TABLE.search(str(exc))
    if missing is None:
        return None
    named = missing.group(1).strip('"').split(".")[-1]
    found = connection.execute(
        f"SELECT getvariable('{BROKEN_TABLES}')[?]", [named.lower()]
    ).fetchone()
    return None if found is None or found[0] is None else str(found[0])


def lakehouse_tables(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """The name of every table of the lakehouse that can be read."""
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
