"""Row numbers computed on their keys alone: which queries qualify, that the numbers are
the ones DuckDB's own window gives (up to the order of tied rows), that only repeated keys
reach a window, and that the retail pipeline writes the same rows with them as without."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.backends.duckdb import engine as duckdb_engine
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine, to_duckdb
from retail_lakehouse.backends.duckdb.row_numbers import KEY_PREFIX, split_row_numbers
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.engine import Sources
from retail_lakehouse.pipeline.project import load_pipeline
from tests.backends.duckdb.conftest import retail_twice, stored_rows
from tests.pipeline.conftest import run_update

DEDUP = (
    "SELECT k, v, CAST(row_number() OVER (PARTITION BY k ORDER BY ts) AS INT) AS n "
    "FROM t LEFT JOIN u ON t.v = u.v"
)


def parse(sql: str) -> sqlglot.exp.Expr:
    return sqlglot.parse_one(sql, read="databricks")


def test_a_dedup_query_numbers_a_null_placeholder_and_selects_its_keys() -> None:
    tree = parse(DEDUP)
    split = split_row_numbers(tree)
    assert split is not None
    assert tree.sql("databricks") == parse(DEDUP).sql("databricks")  # left as it was
    assert split.query.sql("databricks") == (
        "SELECT k, v, CAST(CAST(1 AS BIGINT) AS INT) AS n, "
        f"k AS {KEY_PREFIX}2_p0, ts AS {KEY_PREFIX}2_o0 FROM t LEFT JOIN u ON t.v = u.v"
    )
    [number] = split.numbers
    assert (number.column, number.keys) == ("n", (f"{KEY_PREFIX}2_p0", f"{KEY_PREFIX}2_o0"))


@pytest.mark.parametrize(
    "query",
    [
        "SELECT DISTINCT k, row_number() OVER (PARTITION BY k ORDER BY ts) AS n FROM t",
        "SELECT k, row_number() OVER (PARTITION BY k ORDER BY k) AS n FROM t GROUP BY k",
        "SELECT count(*) AS c, row_number() OVER (ORDER BY 1) AS n FROM t",
        "SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts) AS n FROM t LIMIT 3",
        "SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts) AS n FROM t ORDER BY k",
        "SELECT k FROM t QUALIFY row_number() OVER (PARTITION BY k ORDER BY ts) = 1",
        "SELECT *, row_number() OVER (PARTITION BY k ORDER BY ts) AS n FROM t",
        "SELECT k, rank() OVER (PARTITION BY k ORDER BY ts) AS n FROM t",
        "SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts) = 1 AS first FROM t",
        "SELECT k, CAST(row_number() OVER (PARTITION BY k ORDER BY ts) AS STRING) AS n FROM t",
        "SELECT k, row_number() OVER () AS n FROM t",
        "SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts) AS n, "
        "sum(v) OVER (PARTITION BY k) AS s FROM t",
        "SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts) AS n FROM t "
        "UNION ALL SELECT k, 1 AS n FROM u",
        "SELECT k, v FROM t",
    ],
)
def test_queries_whose_rows_are_not_the_numbered_ones_are_left_alone(query: str) -> None:
    assert split_row_numbers(parse(query)) is None


keys = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
rows = st.lists(st.tuples(keys, keys, st.integers(0, 99)), min_size=0, max_size=60)
orders = st.sampled_from(["ts", "ts DESC", "ts ASC NULLS LAST", "ts DESC NULLS FIRST", "ts, v"])
partitions = st.sampled_from(["PARTITION BY k", "PARTITION BY k, v % 2", ""])


def numbered_query(partition: str, order: str, cast: bool) -> str:
    number = f"row_number() OVER ({partition} ORDER BY {order})"
    return f"SELECT k, ts, v, {f'CAST({number} AS INT)' if cast else number} AS n FROM t"


def run_both(engine: DuckDBEngine, table: pa.Table, query: str) -> tuple[pa.Table, pa.Table]:
    """(DuckDB's own window, the engine's split numbering) over the same table."""
    engine.connection.register("t", table)
    tree = parse(query)
    assert split_row_numbers(tree) is not None
    expected = engine.connection.sql(to_duckdb(tree)).to_arrow_table()
    engine.run_query("numbered", tree, Sources([], {}))
    return expected, engine.export("numbered")


def numbered_rows(table: pa.Table, partition: str) -> Counter[tuple[object, ...]]:
    """(partition key, order keys, number) per row: the same whichever tied row got which
    number, since tied rows share their order keys."""
    parity = "v % 2" in partition
    return Counter(
        (r["k"] if partition else None, r["v"] % 2 if parity else None, r["ts"], r["v"], r["n"])
        for r in table.to_pylist()
    )


@settings(max_examples=80, deadline=None)
@given(rows=rows, partition=partitions, order=orders, cast=st.booleans())
def test_the_numbers_are_duckdbs_own(
    engine: DuckDBEngine,
    rows: list[tuple[int | None, int | None, int]],
    partition: str,
    order: str,
    cast: bool,
) -> None:
    k, ts, v = zip(*rows, strict=True) if rows else ((), (), ())
    table = pa.table(
        {"k": pa.array(k, pa.int64()), "ts": pa.array(ts, pa.int64()), "v": pa.array(v)}
    )
    expected, numbered = run_both(engine, table, numbered_query(partition, order, cast))
    assert numbered.schema == expected.schema
    if order != "ts, v":  # v breaks no tie here: compare what ties cannot change
        numbered, expected = numbered.drop_columns(["v"]), expected.drop_columns(["v"])
        numbered = numbered.append_column("v", pa.array([0] * numbered.num_rows))
        expected = expected.append_column("v", pa.array([0] * expected.num_rows))
    assert numbered_rows(numbered, partition) == numbered_rows(expected, partition)


def test_two_numbered_columns_are_each_numbered_on_their_own_keys(engine: DuckDBEngine) -> None:
    table = pa.table({"k": [1, 1, 2, 2, 2], "ts": [3, 1, 2, 2, 5], "v": [7, 8, 7, 7, 8]})
    query = (
        "SELECT k, ts, v, row_number() OVER (PARTITION BY k ORDER BY ts) AS by_k, "
        "row_number() OVER (PARTITION BY v ORDER BY ts DESC) AS by_v FROM t"
    )
    expected, numbered = run_both(engine, table, query)
    assert numbered.schema == expected.schema
    for key, number in (("k", "by_k"), ("v", "by_v")):
        pairs = [(r[key], r["ts"], r[number]) for r in numbered.to_pylist()]
        assert Counter(pairs) == Counter((r[key], r["ts"], r[number]) for r in expected.to_pylist())


def test_tied_rows_are_numbered_in_the_order_they_came(engine: DuckDBEngine) -> None:
    table = pa.table({"k": [1, 1, 1, 2], "ts": [5, 5, 5, 5], "v": [10, 11, 12, 13]})
    _, numbered = run_both(engine, table, numbered_query("PARTITION BY k", "ts", True))
    assert numbered.column("n").to_pylist() == [1, 2, 3, 1]


def test_an_enum_key_sorts_by_its_members(engine: DuckDBEngine) -> None:
    """An ENUM sorts by its members' order ('b' before 'a' here), not by its text, in the
    numbering as in DuckDB's own window."""
    engine.connection.register("letters", pa.table({"k": ["a", "b", "a"], "ts": [1, 2, 3]}))
    engine.connection.execute(
        "CREATE OR REPLACE TEMP VIEW members AS "
        "SELECT CAST(k AS ENUM('b', 'a')) AS k, ts, ts AS v FROM letters"
    )
    tree = parse("SELECT k, ts, row_number() OVER (ORDER BY k, ts) AS n FROM members")
    assert split_row_numbers(tree) is not None
    engine.run_query("numbered", tree, Sources([], {}))
    numbered = {(r["k"], r["ts"], r["n"]) for r in engine.export("numbered").to_pylist()}
    assert numbered == {("b", 2, 1), ("a", 1, 2), ("a", 3, 3)}


def test_only_repeated_keys_reach_the_window(engine: DuckDBEngine) -> None:
    """The window runs over the rows whose key repeats: the statement that numbers them
    joins the repeated keys, and keys seen once are number 1 without it."""
    table = pa.table({"k": [1, 2, 2, 3, None, None], "ts": [1, 2, 1, 1, 1, 2], "v": range(6)})
    statements: list[str] = []
    engine.connection.register("t", table)
    run_sql = engine._sql

    def recorded(statement: str) -> list[tuple[object, ...]]:
        statements.append(statement)
        return run_sql(statement)

    engine._sql = recorded  # type: ignore[method-assign]
    _, numbered = run_both(engine, table, numbered_query("PARTITION BY k", "ts", False))
    windowed = [s for s in statements if "ROW_NUMBER()" in s]
    assert len(windowed) == 1 and "HAVING COUNT(*) > 1" in windowed[0]
    assert sorted((r["k"] or 0, r["ts"], r["n"]) for r in numbered.to_pylist()) == [
        (0, 1, 1), (0, 2, 2), (1, 1, 1), (2, 1, 1), (2, 2, 2), (3, 1, 1),
    ]  # fmt: skip


def test_the_retail_pipeline_writes_the_same_rows_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbered, plain = retail_twice(tmp_path)
    monkeypatch.setattr(duckdb_engine, "split_row_numbers", lambda query: None)
    run_update(load_pipeline(builtin_settings_path(), plain), full_refresh=True)
    expected = stored_rows(plain)
    assert "silver_orders_quarantine" in expected
    assert stored_rows(numbered) == expected
