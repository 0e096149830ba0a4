"""Which queries fall apart by a key of their driving table, and the queries built for a
refresh by key: what they read, and that they select the right rows on DuckDB."""

from __future__ import annotations

import doctest

import duckdb
import pytest
import sqlglot

from retail_lakehouse.sql import key_partition as module
from retail_lakehouse.sql.key_partition import (
    affected_keys,
    key_partition,
    matching,
    output_keys,
    restricted,
)


def test_the_doctests_pass() -> None:
    assert doctest.testmod(module).failed == 0


def parsed(sql: str) -> sqlglot.exp.Select:
    tree = sqlglot.parse_one(sql, read="databricks")
    assert isinstance(tree, sqlglot.exp.Select)
    return tree


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT k, sum(v) OVER () AS s FROM t",  # a window over every row
        "SELECT k, row_number() OVER (PARTITION BY v ORDER BY k) AS r FROM t",
        "SELECT DISTINCT k FROM t",
        "SELECT k FROM t LIMIT 3",
        "SELECT k FROM t WHERE v > (SELECT avg(v) FROM t)",
        "SELECT k, (SELECT max(v) FROM u) AS m FROM t",
        "SELECT t.k FROM t JOIN u ON t.k = u.k AND t.v = u.v",
        "SELECT t.k FROM t JOIN u ON t.k < u.k",
        "SELECT t.k FROM t RIGHT JOIN u ON t.k = u.k",
        "SELECT t.k FROM t CROSS JOIN u",
        "SELECT t.k FROM t JOIN (SELECT k FROM u JOIN w ON u.k = w.k) AS x ON t.k = x.k",
        "SELECT upper(k) AS k FROM t",  # the key does not reach the result as it is
        "SELECT k FROM (SELECT * FROM t) AS s",
        "SELECT k FROM read_parquet('x')",
        "WITH s AS (SELECT * FROM t) SELECT k FROM s",
        "SELECT k, explode(v) FROM t",
        "SELECT t.k FROM t JOIN (SELECT k FROM u LIMIT 1) AS x ON t.k = x.k",
        "SELECT t.k FROM t JOIN (SELECT count(*) AS k FROM u) AS x ON t.k = x.k",
        "SELECT k, count(*) AS n FROM t",  # an aggregate over every row
        "SELECT upper(v) AS u, count(*) AS n FROM t GROUP BY upper(v)",  # no plain column
        "SELECT count(*) AS n FROM t GROUP BY k",  # the grouped key is not in the result
        "SELECT k, sum(v) AS s FROM t GROUP BY ROLLUP (k)",
        "SELECT k, sum(v) AS s FROM t GROUP BY CUBE (k)",
        "SELECT k, sum(v) AS s FROM t GROUP BY GROUPING SETS ((k), ())",
        "SELECT k, sum(v) AS s FROM t GROUP BY ALL",
        "SELECT k, sum(v) AS s FROM t GROUP BY k HAVING sum(v) > (SELECT avg(v) FROM t)",
        "SELECT k, sum(v) AS s, rank() OVER (ORDER BY sum(v)) AS r FROM t GROUP BY k",
        "SELECT k FROM t HAVING count(*) > 1",
    ],
)
def test_queries_that_read_across_keys_are_not_partitioned(sql: str) -> None:
    assert key_partition(parsed(sql)) is None


def test_a_looked_up_table_reports_the_columns_the_query_reads() -> None:
    plan = key_partition(parsed(
        "SELECT i.id, p.id IS NOT NULL AS found, coalesce(p.active, false) AS active "
        "FROM items AS i LEFT JOIN products AS p ON i.product_id = p.id"
    ))  # fmt: skip
    assert plan is not None
    (lookup,) = plan.lookups
    assert (lookup.table, lookup.column, lookup.via, lookup.reads) == (
        "products", "id", "product_id", ("active", "id")
    )  # fmt: skip
    grouped_beside = key_partition(parsed(
        "SELECT i.id, p.active FROM items AS i LEFT JOIN products AS p ON i.product_id = p.id "
        "LEFT JOIN (SELECT product_id, count(*) AS n FROM sales GROUP BY product_id) AS s "
        "ON i.product_id = s.product_id"
    ))  # fmt: skip
    assert grouped_beside is not None
    assert [lookup.reads for lookup in grouped_beside.lookups] == [
        ("active", "id"),
        ("product_id",),
    ]
    unqualified = key_partition(parsed(
        "SELECT i.id, active FROM items AS i LEFT JOIN products AS p ON i.product_id = p.id"
    ))  # fmt: skip
    assert unqualified is not None and unqualified.lookups[0].reads is None
    assert unqualified.reads is None


def test_the_driving_table_reports_the_columns_the_query_reads() -> None:
    joined = key_partition(parsed(
        "SELECT i.id, p.active FROM items AS i LEFT JOIN products AS p ON i.product_id = p.id "
        "WHERE i.quantity > 0"
    ))  # fmt: skip
    assert joined is not None and joined.reads == ("id", "product_id", "quantity")
    alone = key_partition(parsed("SELECT d, count(k) AS n FROM t WHERE v > 0 GROUP BY d"))
    assert alone is not None and alone.reads == ("d", "k", "v")
    star = key_partition(parsed("SELECT k, * FROM t"))
    assert star is not None and star.reads is None


QUERY = (
    "SELECT CAST(o.id AS BIGINT) AS id, c.id IS NOT NULL AS found, i.n, "
    "row_number() OVER (PARTITION BY o.id ORDER BY o.t) AS rank "
    "FROM orders AS o LEFT JOIN customers AS c ON o.customer_id = c.id "
    "LEFT JOIN (SELECT order_id, count(*) AS n FROM items GROUP BY order_id) AS i "
    "ON o.id = i.order_id"
)


def run(connection: duckdb.DuckDBPyConnection, tree: sqlglot.exp.Expr) -> list[tuple[object, ...]]:
    return sorted(connection.sql(tree.sql("duckdb")).fetchall(), key=repr)


def test_the_keys_new_rows_reach_are_computed_as_the_whole_query_computes_them() -> None:
    connection = duckdb.connect()
    connection.sql(
        "CREATE TABLE orders AS SELECT * FROM (VALUES (1, 10, 1), (2, 20, 1), "
        "(2, 20, 2), (NULL, 10, 3), (3, 30, 1), (4, 40, 1)) AS o(id, customer_id, t)"
    )
    connection.sql("CREATE TABLE customers AS SELECT * FROM (VALUES (10), (20), (40)) AS c(id)")
    connection.sql(
        "CREATE TABLE items AS SELECT * FROM (VALUES (1), (2), (2), (4), (NULL)) AS i(order_id)"
    )
    connection.sql("CREATE TABLE new_orders AS SELECT * FROM orders WHERE t = 2 OR id IS NULL")
    connection.sql("CREATE TABLE new_customers AS SELECT * FROM (VALUES (40)) AS c(id)")
    tree = parsed(QUERY)
    plan = key_partition(tree)
    assert plan is not None
    assert "items" in restricted(tree, plan, "keys").sql("duckdb")
    keys = affected_keys(plan, {"orders": "new_orders", "customers": "new_customers"})
    assert keys is not None
    connection.sql(f"CREATE TABLE keys AS {keys.sql('duckdb')}")
    assert run(connection, sqlglot.parse_one("SELECT __key FROM keys")) == [(2,), (4,), (None,)]
    connection.sql(f"CREATE TABLE output_keys AS {output_keys(plan, 'keys').sql('duckdb')}")
    whole = run(connection, tree)
    some = run(connection, restricted(tree, plan, "keys"))
    assert some == [row for row in whole if row[0] in (2, 4, None)]
    chosen = sqlglot.exp.select("id").from_("orders").where(
        matching(sqlglot.exp.column("id", "orders"), "output_keys")
    )  # fmt: skip
    assert run(connection, chosen) == [(2,), (2,), (4,), (None,)]


GROUPED = (
    "SELECT o.day, count(o.id) AS orders, count(DISTINCT c.region) AS regions, "
    "sum(i.n) AS items FROM orders AS o LEFT JOIN customers AS c ON o.customer_id = c.id "
    "LEFT JOIN (SELECT order_id, count(*) AS n FROM items GROUP BY order_id) AS i "
    "ON o.id = i.order_id GROUP BY o.day HAVING count(*) > 0"
)


def test_a_grouped_query_computes_the_groups_of_some_keys_as_the_whole_query() -> None:
    connection = duckdb.connect()
    connection.sql(
        "CREATE TABLE orders AS SELECT * FROM (VALUES (1, 10, 1), (2, 20, 1), (3, 20, 2), "
        "(4, 30, NULL), (5, 10, 3), (6, 40, 3)) AS o(id, customer_id, day)"
    )
    connection.sql(
        "CREATE TABLE customers AS SELECT * FROM (VALUES (10, 'n'), (20, 's'), (30, 'n')) "
        "AS c(id, region)"
    )
    connection.sql(
        "CREATE TABLE items AS SELECT * FROM (VALUES (1), (2), (2), (5), (6)) AS i(order_id)"
    )
    connection.sql(
        "CREATE TABLE new_customers AS SELECT * FROM (VALUES (30, 's')) AS c(id, region)"
    )
    connection.sql("CREATE TABLE new_items AS SELECT * FROM (VALUES (3)) AS i(order_id)")
    tree = parsed(GROUPED)
    plan = key_partition(tree)
    assert plan is not None and (plan.key, plan.output) == ("day", "day")
    assert [lookup.via for lookup in plan.lookups] == ["customer_id", "id"]
    changed = {"customers": "new_customers", "items": "new_items"}
    keys = affected_keys(plan, changed)
    assert keys is not None
    connection.sql(f"CREATE TABLE keys AS {keys.sql('duckdb')}")
    assert run(connection, sqlglot.parse_one("SELECT __key FROM keys")) == [(2,), (None,)]
    whole = run(connection, tree)
    assert run(connection, restricted(tree, plan, "keys")) == [
        row for row in whole if row[0] in (2, None)
    ]
