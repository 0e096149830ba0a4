"""A relation's rows staged by DuckDB as a table's files: in Delta's types, clustered."""

from __future__ import annotations

import doctest
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from retail_lakehouse.backends.duckdb import files
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.pipeline.engine import TableWrite
from retail_lakehouse.storage.delta import DeltaStore, StorageError


def test_examples() -> None:
    assert doctest.testmod(files).failed == 0


def test_a_clustered_table_is_staged_sorted_on_its_clustering_columns(
    engine: DuckDBEngine, tmp_path: Path
) -> None:
    engine.connection.execute(
        "CREATE TABLE shuffled AS SELECT (i * 7919) % 1000 AS id, i % 3 AS day "
        "FROM range(1000) t(i) UNION ALL SELECT NULL, NULL"
    )
    engine.kinds["shuffled"] = "table"
    write = TableWrite("t", "shuffled", "overwrite", "overwrite", cluster_by=("DAY", "id"))

    staged = engine.stage(write, DeltaStore(tmp_path))

    (file,) = staged.folder.glob("*.parquet")
    rows = pq.read_table(file).to_pylist()
    keys = [(row["day"] is not None, row["day"], row["id"] is not None, row["id"]) for row in rows]
    assert keys == sorted(keys) and len(keys) == 1001
    assert keys[0] == (False, None, False, None)  # nulls first, as Spark sorts


def test_clustering_on_an_unknown_column_stages_nothing(
    engine: DuckDBEngine, tmp_path: Path
) -> None:
    engine.connection.execute("CREATE TABLE small AS SELECT 1 AS id")
    engine.kinds["small"] = "table"
    write = TableWrite("t", "small", "overwrite", "overwrite", cluster_by=("id", "day"))

    with pytest.raises(StorageError, match=r"cannot cluster: no column\(s\) 'day'"):
        engine.stage(write, DeltaStore(tmp_path))
    assert list(tmp_path.iterdir()) == []
