"""``retail query``'s session: queries over the lakehouse's tables run; any other statement,
and any file outside the tables, is a one-line QueryError in both dialects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retail_lakehouse.backends.duckdb.lakehouse_sql import (
    QueryDialect,
    QueryError,
    lakehouse_tables,
    open_lakehouse,
    run_sql,
)
from retail_lakehouse.storage.delta import DeltaStore

DIALECTS: list[QueryDialect] = ["spark", "duckdb"]
SECRET = "SECRET-CONTENT"
ENGINE_REFUSAL = "only the lakehouse's tables can be read"


def read_only(kind: str) -> str:
    return f"retail query is read-only: {kind} statements are not allowed"


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lakehouse") / "tables"
    DeltaStore(root).write("t", pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}), "overwrite")
    return root


@pytest.fixture
def session(tables: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_lakehouse(tables)
    yield connection
    connection.close()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the lakehouse, with a CSV and a Parquet file of a secret."""
    (tmp_path / "secret.csv").write_text(f"word\n{SECRET}\n")
    pq.write_table(pa.table({"word": [SECRET]}), tmp_path / "secret.parquet")
    return tmp_path


def refusal(session: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect) -> str:
    """The one-line message ``sql`` is refused with."""
    with pytest.raises(QueryError) as caught:
        run_sql(session, sql, dialect)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


def assert_refused(
    session: duckdb.DuckDBPyConnection, sql: str, dialect: QueryDialect, expected: str
) -> None:
    """Refused with ``expected``; in Spark SQL, sqlglot may reject the statement first."""
    message = refusal(session, sql, dialect)
    if dialect == "duckdb":
        assert expected in message
    else:
        assert expected in message or "syntax error" in message, message


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "column", "expected"),
    [
        ("SELECT sum(a) AS total FROM t", "total", [6]),
        ("WITH big AS (SELECT a FROM t WHERE a > 1) SELECT count(*) AS n FROM big", "n", [2]),
        ("SELECT b FROM (VALUES ('y'), ('q')) AS v(b) WHERE b IN (SELECT b FROM t)", "b", ["y"]),
        ("DESCRIBE t", "column_name", ["a", "b"]),
    ],
)
def test_queries_return_rows(
    session: duckdb.DuckDBPyConnection,
    dialect: QueryDialect,
    sql: str,
    column: str,
    expected: list[object],
) -> None:
    assert run_sql(session, sql, dialect).column(column).to_pylist() == expected


@pytest.mark.parametrize("dialect", DIALECTS)
def test_show_tables_and_explain_run(
    session: duckdb.DuckDBPyConnection, dialect: QueryDialect
) -> None:
    assert "t" in run_sql(session, "SHOW TABLES", dialect).column("name").to_pylist()
    plan = run_sql(session, "EXPLAIN SELECT a FROM t WHERE a > 1", dialect)
    assert plan.num_rows >= 1 and "explain_value" in plan.column_names
    analyzed = run_sql(session, "EXPLAIN ANALYZE SELECT a FROM t", dialect)
    assert analyzed.column("explain_key").to_pylist() == ["analyzed_plan"]


def test_table_list_leaves_out_the_datasets_behind_the_views(
    session: duckdb.DuckDBPyConnection,
) -> None:
    assert lakehouse_tables(session).column("name").to_pylist() == ["t"]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT * FROM t) TO '{out}/copy.csv'",
        "COPY t TO '{out}/copy.csv' (FORMAT parquet)",
        "EXPLAIN ANALYZE COPY (SELECT * FROM t) TO '{out}/copy.csv'",
    ],
)
def test_copy_to_a_file_is_refused_and_writes_nothing(
    session: duckdb.DuckDBPyConnection, tmp_path: Path, dialect: QueryDialect, sql: str
) -> None:
    assert_refused(session, sql.format(out=tmp_path), dialect, read_only("COPY"))
    assert not (tmp_path / "copy.csv").exists()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_attach_and_export_are_refused_and_create_nothing(
    session: duckdb.DuckDBPyConnection, tmp_path: Path, dialect: QueryDialect
) -> None:
    assert_refused(session, f"ATTACH '{tmp_path}/x.db' AS x", dialect, read_only("ATTACH"))
    assert_refused(session, f"EXPORT DATABASE '{tmp_path}/export'", dialect, read_only("EXPORT"))
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "source",
    [
        "read_csv('{dir}/secret.csv')",
        "read_parquet('{dir}/secret.parquet')",
        "read_text('{dir}/secret.csv')",
        "'{dir}/secret.csv'",
    ],
)
def test_files_outside_the_tables_are_not_read(
    session: duckdb.DuckDBPyConnection, outside: Path, dialect: QueryDialect, source: str
) -> None:
    message = refusal(session, f"SELECT * FROM {source.format(dir=outside)}", dialect)
    assert message.startswith(ENGINE_REFUSAL) and SECRET not in message


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSTALL httpfs", "LOAD"),  # DuckDB counts INSTALL as a LOAD statement
        ("LOAD httpfs", "LOAD"),
        ("SET threads = 1", "SET"),
        ("RESET threads", "SET"),
        ("SET enable_external_access = true", "SET"),
        ("PRAGMA enable_profiling", "PRAGMA"),
    ],
)
def test_extensions_and_settings_are_refused(
    session: duckdb.DuckDBPyConnection, dialect: QueryDialect, sql: str, kind: str
) -> None:
    before = session.sql("SELECT name, value FROM duckdb_settings() ORDER BY name").fetchall()
    assert_refused(session, sql, dialect, read_only(kind))
    after = session.sql("SELECT name, value FROM duckdb_settings() ORDER BY name").fetchall()
    assert after == before


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("CREATE TABLE made AS SELECT 1 AS a", "CREATE"),
        ("INSERT INTO t VALUES (4, 'w')", "INSERT"),
        ("DROP VIEW t", "DROP"),
        ("SELECT 1; DROP VIEW t", "DROP"),
        ("EXPLAIN ANALYZE CREATE TABLE made AS SELECT 1 AS a", "CREATE"),  # it would run
    ],
)
def test_statements_that_change_the_session_are_refused(
    session: duckdb.DuckDBPyConnection, dialect: QueryDialect, sql: str, kind: str
) -> None:
    assert_refused(session, sql, dialect, read_only(kind))
    assert lakehouse_tables(session).column("name").to_pylist() == ["t"]
    assert run_sql(session, "SELECT count(*) AS n FROM t", dialect).column("n").to_pylist() == [3]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_statement_runs_when_a_later_one_is_refused(
    session: duckdb.DuckDBPyConnection, outside: Path, tmp_path: Path, dialect: QueryDialect
) -> None:
    # the first statement would fail in the engine if it ran; the refusal comes first
    sql = f"SELECT * FROM read_csv('{outside}/secret.csv'); COPY t TO '{tmp_path}/later.csv'"
    assert refusal(session, sql, dialect) == read_only("COPY")
    assert not (tmp_path / "later.csv").exists()


def test_the_engine_refuses_files_and_settings_on_its_own(
    session: duckdb.DuckDBPyConnection, outside: Path
) -> None:
    with pytest.raises(duckdb.PermissionException):
        session.execute(f"SELECT * FROM read_csv('{outside}/secret.csv')")
    with pytest.raises(duckdb.InvalidInputException, match="configuration has been locked"):
        session.execute("SET enable_external_access = true")
    assert session.sql("SELECT current_setting('enable_external_access')").fetchall() == [(False,)]


def test_the_session_never_spills_into_the_working_directory(
    session: duckdb.DuckDBPyConnection,
) -> None:
    assert session.sql("SELECT current_setting('temp_directory')").fetchall() == [("",)]
