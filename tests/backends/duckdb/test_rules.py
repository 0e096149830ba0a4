"""DuckDB-only rewrites: what they match, and that they change no result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine, to_duckdb
from retail_lakehouse.backends.duckdb.rules import cheaper_on_duckdb

DATE_OF_INSTANT = "SELECT CAST(CAST(ts AS TIMESTAMP) AS DATE) AS day FROM instants"


def duckdb_sql(spark_sql: str) -> str:
    return to_duckdb(cheaper_on_duckdb(sqlglot.parse_one(spark_sql, read="databricks")))


def test_the_date_of_an_instant_skips_time_zone_rules() -> None:
    assert duckdb_sql(DATE_OF_INSTANT) == (
        "SELECT CAST(MAKE_TIMESTAMP(EPOCH_US(CAST(ts AS TIMESTAMPTZ))) AS DATE) AS day "
        "FROM instants"
    )


@pytest.mark.parametrize(
    "query",
    [
        "SELECT CAST(ts AS DATE) FROM instants",  # the type of ts is unknown here
        "SELECT CAST(CAST(ts AS DATE) AS TIMESTAMP) FROM instants",
        "SELECT CAST(CAST(ts AS STRING) AS DATE) FROM instants",
    ],
)
def test_other_casts_are_left_alone(query: str) -> None:
    assert duckdb_sql(query) == to_duckdb(sqlglot.parse_one(query, read="databricks"))


MICROS = 10**6
instants = st.one_of(
    st.none(),
    st.integers(min_value=-4_000_000_000 * MICROS, max_value=8_000_000_000 * MICROS),
    st.integers(min_value=-3, max_value=3).map(
        lambda d: d * 86_400 * MICROS - 1
    ),  # 23:59:59.999999
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(instants, min_size=1, max_size=40))
def test_the_rewritten_date_equals_the_time_zone_cast(
    engine: DuckDBEngine, values: list[int | None]
) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    timestamps = [None if v is None else epoch + timedelta(microseconds=v) for v in values]
    engine.connection.register(
        "instants", pa.table({"ts": pa.array(timestamps, pa.timestamp("us", "UTC"))})
    )
    plain = to_duckdb(sqlglot.parse_one(DATE_OF_INSTANT, read="databricks"))
    expected = engine.connection.sql(plain).fetchall()
    assert engine.connection.sql(duckdb_sql(DATE_OF_INSTANT)).fetchall() == expected
    assert [row[0] for row in expected] == [None if t is None else t.date() for t in timestamps]


@pytest.mark.parametrize(
    ("expression", "kind", "value"),
    [
        ("datediff(DATE '2024-03-01', DATE '2024-02-01')", "INTEGER", 29),  # Spark's INT
        ("date_diff(DATE '2024-02-01', DATE '2024-03-01')", "INTEGER", -29),
        ("CAST(datediff(DATE '2024-03-01', DATE '2024-02-01') AS BIGINT)", "BIGINT", 29),
        ("datediff(HOUR, TIMESTAMP '2024-03-01', TIMESTAMP '2024-03-02')", "BIGINT", 24),
    ],
)
def test_a_day_count_is_an_int_as_on_spark(
    engine: DuckDBEngine, expression: str, kind: str, value: int
) -> None:
    sql = duckdb_sql(f"SELECT {expression} AS n")
    ((found, described),) = engine.connection.execute(
        f"SELECT n, typeof(n) FROM ({sql})"
    ).fetchall()
    assert (found, described) == (value, kind)
