"""Stored tables read back by the DuckDB engine: views over their Parquet files when the
files hold the rows as they are, pyarrow's dataset otherwise; unions of views stay views."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.storage.delta import DeltaStore


def orders(first: int, count: int) -> pa.Table:
    ids = list(range(first, first + count))
    return pa.table(
        {
            "order_id": pa.array(ids, pa.int64()),
            "amount": pa.array([Decimal(i) / 100 for i in ids], pa.decimal128(12, 2)),
            "at": pa.array(
                [datetime(2026, 1, 1, i % 24, tzinfo=UTC) for i in ids], pa.timestamp("us", "UTC")
            ),
            "status": pa.array(["shipped" if i % 2 else "placed" for i in ids], pa.string()),
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> DeltaStore:
    store = DeltaStore(tmp_path / "tables")
    store.write("orders", orders(0, 5), "append")
    store.write("orders", orders(5, 3), "append")
    store.write("by_status", orders(0, 6), "overwrite", partition_by=["status"])
    return store


def test_an_unpartitioned_table_is_a_view_over_its_files_in_its_types(
    engine: DuckDBEngine, store: DeltaStore
) -> None:
    engine.attach("stored_orders", store, "orders")
    assert engine.kinds["stored_orders"] == "view"
    read = engine.export("stored_orders")
    assert read.schema == store.read("orders").schema
    assert read.sort_by("order_id").equals(store.read("orders").sort_by("order_id"))
    assert engine.rows("stored_orders") == 8


def test_a_partitioned_table_is_read_through_pyarrow(
    engine: DuckDBEngine, store: DeltaStore
) -> None:
    engine.attach("stored_by_status", store, "by_status")
    assert "stored_by_status" not in engine.kinds  # a registered Arrow dataset
    read = engine.export("stored_by_status").sort_by("order_id")
    assert read.column("status").to_pylist() == ["placed", "shipped"] * 3


def test_a_table_without_files_is_empty_with_its_columns(
    engine: DuckDBEngine, tmp_path: Path
) -> None:
    store = DeltaStore(tmp_path / "empty")
    store.write("orders", orders(0, 0), "append")
    engine.attach("stored_empty", store, "orders")
    assert engine.rows("stored_empty") == 0
    assert [name for name, _ in engine.described("stored_empty")] == [
        "order_id",
        "amount",
        "at",
        "status",
    ]


def test_a_union_of_the_engines_relations_is_a_view_and_of_arrow_a_table(
    engine: DuckDBEngine, store: DeltaStore
) -> None:
    engine.attach("old_orders", store, "orders")
    engine.attach("old_by_status", store, "by_status")
    engine.union("all_orders", ["old_orders", "old_orders"])
    engine.union("mixed_orders", ["old_orders", "old_by_status"])
    assert engine.kinds["all_orders"] == "view"
    assert engine.kinds["mixed_orders"] == "table"
    assert (engine.rows("all_orders"), engine.rows("mixed_orders")) == (16, 14)
