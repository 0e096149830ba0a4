"""Joins stored range by range of their key: which queries split, on which key, that the
ranges hold every key once, that a split query stores the same rows as the whole query
(any data, NULL and skewed keys included), that a query reading a large relation stores
its table compressed, range by range as it is stored, and that the retail pipeline writes
the same rows split into small ranges and compressed as in one statement each,
uncompressed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.backends.duckdb import key_ranges
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.backends.duckdb.key_ranges import cut, keyed_query
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from tests.backends.duckdb.conftest import retail_twice, stored_rows
from tests.pipeline.conftest import run_update

SIZES = {"big": 1000, "small": 10, "facts": 5000}

SILVER_LIKE = (
    "SELECT o.id, o.customer, c.name, i.items FROM big AS o "
    "LEFT JOIN small AS c ON o.customer = c.customer "
    "LEFT JOIN (SELECT id, count(*) AS items FROM facts GROUP BY id) AS i ON o.id = i.id"
)


def parse(sql: str) -> sqlglot.exp.Expr:
    return sqlglot.parse_one(sql, read="duckdb")


def keyed(sql: str) -> key_ranges.KeyedQuery | None:
    return keyed_query(parse(sql), lambda name: SIZES.get(name, 0))


def test_the_key_is_the_join_with_the_largest_other_side() -> None:
    query = keyed(SILVER_LIKE)
    assert query is not None
    assert (query.source, query.key) == ("big", "id")
    assert [(p.join, p.column) for p in query.partners] == [(1, "id")]


def test_a_range_filters_the_source_and_its_partners_on_the_key() -> None:
    query = keyed(SILVER_LIKE)
    assert query is not None
    first = query.in_range(1, 50, with_nulls=True).sql("duckdb")
    later = query.in_range(51, 99, with_nulls=False).sql("duckdb")
    assert first.endswith(
        "ON o.id = i.id AND i.id BETWEEN 1 AND 50 WHERE (o.id BETWEEN 1 AND 50 OR o.id IS NULL)"
    )
    assert "c.customer BETWEEN" not in first  # the smaller join is not on the key
    assert later.endswith("WHERE (o.id BETWEEN 51 AND 99)")


def test_either_side_of_the_condition_may_name_the_source() -> None:
    query = keyed("SELECT o.id, i.v FROM big AS o JOIN facts AS i ON i.id = o.id")
    assert query is not None and (query.key, query.partners[0].column) == ("id", "id")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT o.id FROM big AS o",
        "SELECT DISTINCT o.id FROM big AS o JOIN facts AS i ON o.id = i.id",
        "SELECT o.id, count(*) AS n FROM big AS o JOIN facts AS i ON o.id = i.id GROUP BY o.id",
        "SELECT sum(o.v) AS s FROM big AS o JOIN facts AS i ON o.id = i.id",
        "SELECT o.id, row_number() OVER (ORDER BY i.v) AS n FROM big AS o "
        "JOIN facts AS i ON o.id = i.id",
        "SELECT o.id FROM big AS o JOIN facts AS i ON o.id = i.id ORDER BY o.id",
        "SELECT o.id FROM big AS o JOIN facts AS i ON o.id = i.id LIMIT 5",
        "SELECT o.id FROM big AS o RIGHT JOIN facts AS i ON o.id = i.id",
        "SELECT o.id FROM big AS o FULL JOIN facts AS i ON o.id = i.id",
        "WITH f AS (SELECT * FROM facts) SELECT o.id FROM big AS o JOIN f ON o.id = f.id",
        "SELECT o.id FROM (SELECT * FROM big) AS o JOIN facts AS i ON o.id = i.id",
        "SELECT o.id FROM big AS o JOIN facts AS i ON id = i.id",
        "SELECT o.id FROM big AS o JOIN facts AS i ON o.id = i.id + 1",
        "SELECT o.id FROM big AS o JOIN facts AS i USING (id)",
        "SELECT o.id FROM big AS o JOIN facts AS i ON o.id = i.id UNION ALL SELECT 1",
    ],
)
def test_queries_that_ranges_could_change_are_left_whole(sql: str) -> None:
    assert keyed(sql) is None


def test_a_subquery_not_on_the_key_is_read_from_one_stored_table() -> None:
    query = keyed(
        SILVER_LIKE.replace(
            "JOIN small AS c", "JOIN (SELECT DISTINCT customer, name FROM small) AS c"
        )
    )
    assert query is not None and query.shared_sides() == [0]
    assert query.side(0).sql("duckdb") == "SELECT DISTINCT customer, name FROM small"
    renamed = query.with_side(0, "kept__side_0").in_range(1, 9, with_nulls=False).sql("duckdb")
    assert 'LEFT JOIN "kept__side_0" AS c ON o.customer = c.customer' in renamed
    assert "i.id BETWEEN 1 AND 9" in renamed  # the subquery on the key stays per range
    plain = keyed(SILVER_LIKE)
    assert plain is not None and plain.shared_sides() == []  # a plain table is read as it is


def test_ranges_cover_every_key_once_and_split_the_rows_evenly() -> None:
    histogram = [(b, 10) for b in range(100)]
    ranges = cut(histogram, low=-500, high=499, width=10, count=4)
    assert ranges == [(-500, -251), (-250, -1), (0, 249), (250, 499)]
    assert cut([(0, 7)], low=3, high=3, width=1, count=3) == [(3, 3)]


def register(engine: DuckDBEngine, name: str, table: pa.Table) -> None:
    """``table`` as relation ``name``, its count from an earlier example forgotten."""
    engine.connection.register(name, table)
    engine.counts.pop(name, None)


def store_both(engine: DuckDBEngine, sql: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query stored whole and range by range (ranges of 7 rows); the statements of
    the split one."""
    whole = "whole"
    engine._store(whole, parse(sql))
    monkeypatch.setattr(key_ranges, "KEY_RANGE_ROWS", 7)
    statements = recording(engine, monkeypatch)
    engine._store("split", parse(sql))
    return statements


def recording(engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that gets every statement the engine runs from now on."""
    statements: list[str] = []
    run_sql = engine._sql

    def recorded(statement: str) -> list[tuple[object, ...]]:
        statements.append(statement)
        return run_sql(statement)

    monkeypatch.setattr(engine, "_sql", recorded)
    return statements


def rows_of(engine: DuckDBEngine, relation: str) -> Counter[tuple[object, ...]]:
    return Counter(engine.connection.execute(f'SELECT * FROM "{relation}"').fetchall())


keys = st.lists(st.one_of(st.none(), st.integers(-50, 50), st.just(10**6)), max_size=60)


@settings(max_examples=40, deadline=None)
@given(sources=keys, facts=keys, join=st.sampled_from(["LEFT JOIN", "JOIN"]))
def test_a_split_query_stores_the_rows_of_the_whole_one(
    engine: DuckDBEngine, sources: list[int | None], facts: list[int | None], join: str
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        register(engine, "big", pa.table({"id": pa.array(sources, pa.int64())}))
        register(engine, "facts", pa.table({"id": pa.array(facts, pa.int32())}))
        sql = (
            "SELECT o.id, i.n, i.id AS fact FROM big AS o "
            f"{join} (SELECT id, count(*) AS n FROM facts GROUP BY id) AS i ON o.id = i.id"
        )
        statements = store_both(engine, sql, monkeypatch)
    assert rows_of(engine, "split") == rows_of(engine, "whole")
    known = [k for k in sources if k is not None]
    if any(s.startswith("INSERT") for s in statements):  # split only when more than 7 rows
        assert len(known) > 7 and len(set(known)) > 1


def test_a_side_the_ranges_share_is_computed_once_and_dropped_after(
    engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(engine, "big", pa.table({"id": range(100), "customer": [i % 13 for i in range(100)]}))
    register(engine, "small", pa.table({"customer": [c for c in range(0, 13, 2) for _ in "ab"]}))
    register(engine, "facts", pa.table({"id": range(0, 100, 3)}))
    sql = (
        "SELECT o.id, c.customer IS NOT NULL AS known, i.n FROM big AS o "
        "LEFT JOIN (SELECT DISTINCT customer FROM small) AS c ON o.customer = c.customer "
        "LEFT JOIN (SELECT id, count(*) AS n FROM facts GROUP BY id) AS i ON o.id = i.id"
    )
    statements = store_both(engine, sql, monkeypatch)
    assert rows_of(engine, "split") == rows_of(engine, "whole")
    computed = [s for s in statements if "DISTINCT" in s and not s.startswith("DESCRIBE")]
    assert len(computed) == 1 and computed[0].startswith('CREATE TABLE "split__side_0"')
    assert sum(s.startswith("INSERT") and '"split__side_0" AS c' in s for s in statements) >= 10
    assert not engine._sql("SELECT 1 FROM duckdb_tables() WHERE table_name = 'split__side_0'")


def test_every_range_sees_the_same_current_time(
    engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(engine, "big", pa.table({"id": range(100)}))
    register(engine, "facts", pa.table({"id": range(0, 100, 3)}))
    sql = "SELECT o.id, current_timestamp AS at FROM big AS o LEFT JOIN facts AS i ON o.id = i.id"
    statements = store_both(engine, sql, monkeypatch)
    assert sum(s.startswith("INSERT") for s in statements) >= 10
    ((instants,),) = engine._sql('SELECT count(DISTINCT "at") FROM "split"')
    assert instants == 1
    assert rows_of(engine, "split").keys() != set()


def test_non_integer_keys_are_stored_whole(
    engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(engine, "big", pa.table({"id": [str(i) for i in range(100)]}))
    register(engine, "facts", pa.table({"id": [str(i) for i in range(50)]}))
    sql = "SELECT o.id, i.id AS fact FROM big AS o LEFT JOIN facts AS i ON o.id = i.id"
    statements = store_both(engine, sql, monkeypatch)
    assert not any(s.startswith("INSERT") for s in statements)
    assert rows_of(engine, "split") == rows_of(engine, "whole")


def database_of(engine: DuckDBEngine, relation: str) -> str:
    ((database,),) = engine._sql(
        f"SELECT database_name FROM duckdb_tables() WHERE table_name = '{relation}'"
    )
    return str(database)


def test_a_query_reading_a_large_relation_stores_its_table_compressed(
    engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(engine, "big", pa.table({"id": range(100)}))
    register(engine, "small", pa.table({"id": range(8)}))
    monkeypatch.setattr(key_ranges, "KEY_RANGE_ROWS", 50)
    engine._store("from_big", parse("SELECT id * 2 AS twice FROM big"))
    engine._store("from_small", parse("SELECT id * 2 AS twice FROM small"))
    assert database_of(engine, "from_big") == "compressed"
    assert database_of(engine, "from_small") == "memory"
    # found by name wherever it is stored, and forgotten the same way
    assert engine._sql('SELECT sum(twice) FROM "from_big"') == [(9900,)]
    engine._forget("from_big")
    assert engine._sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'from_big'") == [
        (0,)
    ]


def compressions(engine: DuckDBEngine, relation: str) -> set[str]:
    """How DuckDB stores the values of a table of the compressed database (not their
    validity masks: a mask of scattered NULLs is best stored as it is)."""
    info = f"pragma_storage_info('compressed.main.\"{relation}\"')"
    query = f"SELECT DISTINCT compression FROM {info} WHERE segment_type <> 'VALIDITY'"
    return {kind for (kind,) in engine._sql(query)}


def test_a_table_filled_range_by_range_is_compressed_as_each_range_is_stored(
    engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(
        engine,
        "big",
        pa.table({"id": range(100_000), "customer": [i % 13 for i in range(100_000)]}),
    )
    register(engine, "facts", pa.table({"id": range(0, 100_000, 3)}))
    monkeypatch.setattr(key_ranges, "KEY_RANGE_ROWS", 30_000)
    sql = "SELECT o.id, o.customer, f.id AS fact FROM big AS o LEFT JOIN facts AS f ON o.id = f.id"
    statements = recording(engine, monkeypatch)
    engine._store("stored", parse(sql))
    assert sum(s.startswith('INSERT INTO "stored"') for s in statements) >= 2
    assert database_of(engine, "stored") == "compressed"
    assert engine._sql('SELECT count(*) FROM "stored"') == [(100_000,)]
    # no later change starts a checkpoint: each range's commit compressed its rows
    stored_as = compressions(engine, "stored")
    assert stored_as and "Uncompressed" not in stored_as


def test_the_retail_pipeline_writes_the_same_rows_in_small_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, split = retail_twice(tmp_path)
    statements: list[str] = []
    run_sql = DuckDBEngine._sql

    def recorded(self: DuckDBEngine, statement: str) -> list[tuple[object, ...]]:
        statements.append(statement)
        return run_sql(self, statement)

    monkeypatch.setattr(key_ranges, "KEY_RANGE_ROWS", 97)
    monkeypatch.setattr(DuckDBEngine, "_sql", recorded)
    run_update(load_pipeline(builtin_settings_path(), split), full_refresh=True)
    inserted = {s.split('"')[1] for s in statements if s.startswith("INSERT INTO")}
    assert {"__result_silver_orders__unnumbered", "__result_revenue_lines"} <= inserted
    compressed = {s.split('"')[1] for s in statements if s.startswith("CREATE TABLE compressed.")}
    assert {"__result_silver_orders__unnumbered", "__result_gold_product_performance"} <= (
        compressed
    )
    expected = stored_rows(whole)
    assert "gold_daily_sales_summary" in expected
    assert stored_rows(split) == expected
