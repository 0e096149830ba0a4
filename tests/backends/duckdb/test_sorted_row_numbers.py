"""Row numbers from a stable sort in numpy: the same numbers as DuckDB's window with the
row's position as the last order key, for every key type it takes, NULL placement and
direction; the types it leaves to DuckDB; and which arrival orders count as nearly
sorted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.backends.duckdb.sorted_row_numbers import SortKey, sort_keys
from tests.backends.duckdb.test_row_numbers import parse, split_and_number

INT64 = np.iinfo(np.int64)
UINT64_MAX = 2**64 - 1
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


# small integers (lots of ties) spread over each type's range, extremes included
SPREAD: dict[str, tuple[pa.DataType, Callable[[int], object]]] = {
    "int64": (pa.int64(), lambda v: [INT64.min, -1, 0, INT64.max][v]),
    "int8": (pa.int8(), lambda v: [-128, -1, 0, 127][v]),
    "uint64": (pa.uint64(), lambda v: [0, 1, 2**63, UINT64_MAX][v]),
    "bool": (pa.bool_(), lambda v: v % 2 == 1),
    "date": (pa.date32(), lambda v: dt.date(1969, 12, 31) + dt.timedelta(days=400 * v)),
    "timestamp": (
        pa.timestamp("us", tz="UTC"),
        lambda v: EPOCH + dt.timedelta(microseconds=v - 1),
    ),
}


def as_type(values: list[int | None], type_name: str) -> pa.Array:
    data_type, spread = SPREAD[type_name]
    return pa.array([None if v is None else spread(v) for v in values], data_type)


TYPES = list(SPREAD)
values = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
rows = st.lists(st.tuples(values, values, values), min_size=0, max_size=50)
sort_key = st.tuples(st.booleans(), st.booleans())  # descending, nulls first


def duckdb_numbers(
    engine: DuckDBEngine, table: pa.Table, partition: list[str], order: list[SortKey]
) -> np.ndarray:
    """DuckDB's own window over ``table``, ties broken by the row's position."""
    positioned = table.append_column("pos", pa.array(np.arange(table.num_rows)))
    engine.connection.register("keys_table", positioned)
    by = [
        f"{k.name} {'DESC' if k.descending else 'ASC'} NULLS {'FIRST' if k.nulls_first else 'LAST'}"
        for k in order
    ]
    over = (f"PARTITION BY {', '.join(partition)} " if partition else "") + "ORDER BY "
    query = f"SELECT pos, row_number() OVER ({over}{', '.join([*by, 'pos'])}) AS n FROM keys_table"
    numbered = engine.connection.sql(query).to_arrow_table()
    numbers = np.empty(table.num_rows, dtype=np.int64)
    numbers[numbered["pos"].to_numpy()] = numbered["n"].to_numpy()
    return numbers


@settings(max_examples=150, deadline=None)
@given(
    rows=rows,
    types=st.tuples(*[st.sampled_from(TYPES)] * 3),
    partitioned=st.integers(min_value=0, max_value=2),
    keys=st.tuples(sort_key, sort_key),
)
def test_the_numbers_are_duckdbs_with_ties_in_arrival_order(
    engine: DuckDBEngine,
    rows: list[tuple[int | None, int | None, int | None]],
    types: tuple[str, str, str],
    partitioned: int,
    keys: tuple[tuple[bool, bool], tuple[bool, bool]],
) -> None:
    names = ["a", "b", "c"]
    columns = list(zip(*rows, strict=True)) if rows else [(), (), ()]
    typed = zip(names, columns, types, strict=True)
    table = pa.table({name: as_type(list(column), kind) for name, column, kind in typed})
    partition = names[:partitioned]
    order = [SortKey(n, *k) for n, k in zip(names[partitioned:], keys, strict=False)]
    in_numpy = sort_keys(table, partition, order)
    assert in_numpy is not None
    expected = duckdb_numbers(engine, table, partition, order)
    assert in_numpy.row_numbers().tolist() == expected.tolist()


@pytest.mark.parametrize(
    "column",
    [
        pa.array(["b", "a"]),
        pa.array([1.5, float("nan")]),
        pa.array([Decimal("1.10"), Decimal("2.00")]),
        pa.array(["b", "a"]).dictionary_encode(),
    ],
    ids=["string", "double", "decimal", "dictionary"],
)
def test_keys_numpy_does_not_order_as_sql_are_left_to_duckdb(column: pa.Array) -> None:
    table = pa.table({"k": column, "i": [1, 2]})
    assert sort_keys(table, ["k"], [SortKey("i")]) is None
    assert sort_keys(table, ["i"], [SortKey("k")]) is None


def nearly_sorted(keys: np.ndarray, descending: bool = False) -> bool:
    table = pa.table({"k": keys})
    prepared = sort_keys(table, [], [SortKey("k", descending)])
    assert prepared is not None
    return prepared.nearly_sorted()


def test_keys_that_arrive_nearly_in_order_are_sorted_in_numpy() -> None:
    rng = np.random.default_rng(7)
    keys = np.arange(10_000)
    assert nearly_sorted(keys)
    assert nearly_sorted(keys[::-1], descending=True)
    displaced = keys.copy()
    displaced[rng.choice(keys.size, 200, replace=False)] = rng.integers(0, keys.size, 200)
    assert nearly_sorted(displaced)  # a few rows out of place: 96% in order
    assert not nearly_sorted(keys[::-1])
    assert not nearly_sorted(rng.permutation(keys))


def test_a_leading_null_flag_does_not_count_as_the_order() -> None:
    keys = pa.array([None, *range(99, 0, -1)], pa.int64())  # NULL first, then descending
    prepared = sort_keys(pa.table({"k": keys}), ["k"], [])
    assert prepared is not None
    assert not prepared.nearly_sorted()


def numbered_by_engine_path(engine: DuckDBEngine, keys: list[int]) -> tuple[list[int], bool]:
    """The numbers number_rows gives over ``keys``, and whether DuckDB numbered them."""
    tree = parse("SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts) AS n FROM t")
    engine.connection.register("t", pa.table({"k": keys, "ts": [0] * len(keys)}))
    used: list[str] = []

    def run(name: str, narrow: pa.Table, query: exp.Expr) -> pa.Table:
        used.append(name)
        return engine._run_with(name, narrow, query)

    numbered = split_and_number(engine, tree, run)
    assert numbered is not None
    return numbered.column("n").to_pylist(), bool(used)


def test_the_engine_sorts_arriving_sorted_keys_in_numpy_and_shuffled_ones_in_duckdb(
    engine: DuckDBEngine,
) -> None:
    in_order = [1, 1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9]
    numbers = [1, 2, 1, 1, 2, 3, 1, 1, 1, 1, 1, 1]
    assert numbered_by_engine_path(engine, in_order) == (numbers, False)
    shuffled = [9, 1, 8, 3, 7, 3, 6, 1, 5, 3, 4, 2]
    numbers = [1, 1, 1, 1, 1, 2, 1, 2, 1, 3, 1, 1]
    assert numbered_by_engine_path(engine, shuffled) == (numbers, True)


@pytest.mark.parametrize("order", ["ts", "ts DESC", "ts ASC NULLS LAST", "ts DESC NULLS FIRST"])
def test_the_engine_numbers_in_numpy_as_duckdbs_window_does(
    engine: DuckDBEngine, order: str
) -> None:
    """Spark's default NULL places (first when ascending, last when descending) and explicit
    ones reach the numpy sort as the window means them."""
    k = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4]
    ts = [None, 5, 2, None, 7, 7, None, 1, 3, None]
    engine.connection.register("t", pa.table({"k": k, "ts": pa.array(ts, pa.int64())}))
    tree = parse(f"SELECT k, ts, row_number() OVER (PARTITION BY k ORDER BY {order}) AS n FROM t")
    numbered = split_and_number(engine, tree, lambda *_: pytest.fail("left to DuckDB"))
    assert numbered is not None
    expected = engine.connection.sql(tree.sql("duckdb")).to_arrow_table()
    assert sorted(numbered.to_pylist(), key=repr) == sorted(expected.to_pylist(), key=repr)
