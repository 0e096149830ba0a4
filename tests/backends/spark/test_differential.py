"""The same data and the same pipeline on Spark and on DuckDB give the same answers.

Spark generates the landing zone from the same spec and seed (with other block sizes, so
other partitions), and runs the pipeline's SQL files natively; every landing, bronze,
silver, gold and quarantine table and every expectation count must equal the embedded
engine's (floats within 1e-9 relative), and every table must have the same Delta schema
(names, types, nullability, field metadata, read by PySpark from the log) and metadata.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.backends.duckdb.lakehouse_sql import open_lakehouse, run_sql
from retail_lakehouse.backends.spark.engine import SparkEngine
from retail_lakehouse.backends.spark.generate import generate_on_spark
from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.pipeline.engine import Engine
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import SMALL, run_update
from tests.spark_support import spark_session

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

pytestmark = pytest.mark.spark
TABLES = list(SMALL)
VOLATILE = {"_ingested_at", "_update_id"}  # when, and which update: differ by design


def options(root: Path, block_rows: int) -> GenerateOptions:
    return GenerateOptions(lakehouse=root, rows=SMALL, seed=3, block_rows=block_rows, workers=1)


@pytest.fixture(scope="module")
def landings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("differential")
    generate_dataset(builtin_spec(), options(root / "local", 1 << 18))
    generate_on_spark(spark_session(), builtin_spec(), options(root / "spark", 2500))
    return root / "local", root / "spark"


def settings_for(root: Path, tables: str) -> Path:
    if not (root / "sql").is_dir():  # a pipeline's SQL sits beside its settings
        shutil.copytree(builtin_settings_path().parent / "sql", root / "sql")
    path = root / f"{tables}.yaml"
    path.write_text(f"name: retail\nsql: sql\ntables: {tables}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def updates(landings: tuple[Path, Path]) -> dict[str, UpdateResult]:
    lakehouse = landings[0]
    engines: dict[str, Engine] = {
        "tables_duckdb": DuckDBEngine(),
        "tables_spark": SparkEngine(spark_session()),
    }
    results = {}
    for tables, engine in engines.items():
        pipeline = load_pipeline(settings_for(lakehouse, tables), lakehouse)
        results[tables] = run_update(pipeline, full_refresh=True, engine=engine)
        engine.close()
    return results


def _text(table: pa.Table) -> pa.Table:
    """Dictionary-encoded text as plain strings (how any engine reads it back)."""
    fields = [
        pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


@pytest.mark.parametrize("table", TABLES)
def test_landing_tables_are_identical(landings: tuple[Path, Path], table: str) -> None:
    local, spark = (_text(pq.read_table(root / "landing" / table)) for root in landings)
    key = local.column_names[0]  # the primary key comes first
    assert spark.schema.equals(local.schema)
    assert spark.sort_by(key).equals(local.sort_by(key))


def test_spark_manifest_lists_the_same_defects(landings: tuple[Path, Path]) -> None:
    local, spark = (read_manifest(root / "landing" / "_manifest.json") for root in landings)
    for table in TABLES:
        assert spark["tables"][table]["rows"] == local["tables"][table]["rows"] == SMALL[table]
        assert spark["tables"][table]["defects"] == local["tables"][table]["defects"]
    assert len(spark["tables"]["order_items"]["files"]) == -(-SMALL["order_items"] // 2500)


def test_expectation_counts_are_equal(updates: dict[str, UpdateResult]) -> None:
    def counts(update: UpdateResult) -> dict[tuple[str, str], tuple[int, int]]:
        return {
            (d.name, e.name): (e.passed_records, e.failed_records)
            for d in update.datasets
            for e in d.expectations
        }

    duckdb, spark = updates["tables_duckdb"], updates["tables_spark"]
    assert counts(spark) == counts(duckdb)
    assert sum(failed for _, failed in counts(spark).values()) > 0
    rows = {(d.name, d.input_rows, d.written_rows, d.quarantined_rows) for d in spark.datasets}
    assert rows == {(d.name, d.input_rows, d.written_rows, d.quarantined_rows)
                    for d in duckdb.datasets}  # fmt: skip


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    columns = [c for c in table.column_names if c not in VOLATILE]
    rows = [tuple(row[c] for c in columns) for row in table.select(columns).to_pylist()]
    return sorted(rows, key=lambda row: [repr(v) for v in row if not isinstance(v, float)])


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9)
    return bool(a == b)


def test_every_table_is_equal(
    landings: tuple[Path, Path], updates: dict[str, UpdateResult]
) -> None:
    lakehouse = landings[0]
    duckdb, spark = DeltaStore(lakehouse / "tables_duckdb"), DeltaStore(lakehouse / "tables_spark")
    names = [n for n in duckdb.list_tables() if n != "event_log"]
    assert spark.list_tables() == duckdb.list_tables()
    assert any(n.endswith("_quarantine") for n in names) and any(
        n.startswith("gold") for n in names
    )
    for name in names:
        expected, actual = duckdb.read(name), spark.read(name)
        assert actual.column_names == expected.column_names, name
        assert actual.num_rows == expected.num_rows, name
        for left, right in zip(_rows(actual), _rows(expected), strict=True):
            assert all(_same_value(a, b) for a, b in zip(left, right, strict=True)), (
                name,
                left,
                right,
            )


def test_retail_query_reads_what_spark_wrote(
    landings: tuple[Path, Path], updates: dict[str, UpdateResult]
) -> None:
    connection = open_lakehouse(landings[0] / "tables_spark")
    result = run_sql(
        connection,
        "SELECT sum(total_revenue) AS revenue, sum(total_orders) AS orders "
        "FROM gold_daily_sales_summary",
        "spark",
    )
    daily = DeltaStore(landings[0] / "tables_duckdb").read("gold_daily_sales_summary")
    assert result.column("orders")[0].as_py() == sum(daily["total_orders"].to_pylist())
    assert result.column("revenue")[0].as_py() == sum(daily["total_revenue"].to_pylist())


def test_spark_leaves_no_bookkeeping_files_in_tables(
    landings: tuple[Path, Path], updates: dict[str, UpdateResult]
) -> None:
    tables = landings[0] / "tables_spark"
    in_tables = [p for p in tables.rglob("*") if p.is_file() and "_delta_log" not in p.parts]
    # the store's own bookkeeping (_checkpoints, _update.lock) sits beside the tables
    data = [p for p in in_tables if not p.relative_to(tables).parts[0].startswith("_")]
    assert any(p.suffix == ".parquet" for p in data)
    assert not [p for p in data if p.name.startswith(("_", "."))]


def logged_schema(table: Path) -> StructType:
    """The table's schema as its log's latest metaData records it, read by PySpark."""
    from pyspark.sql.types import StructType

    text = None
    for commit in sorted((table / "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            action = json.loads(line) if line else {}
            if "metaData" in action:
                text = action["metaData"]["schemaString"]
    assert text is not None, table
    return StructType.fromJson(json.loads(text))


def test_every_table_has_the_same_schema_and_metadata(
    landings: tuple[Path, Path], updates: dict[str, UpdateResult]
) -> None:
    from pyspark.sql.types import IntegerType

    duckdb, spark = (DeltaStore(landings[0] / f"tables_{e}") for e in ("duckdb", "spark"))
    names = duckdb.list_tables()
    assert spark.list_tables() == names and len(names) > 15
    for name in names:
        expected, actual = (logged_schema(store.table_path(name)) for store in (duckdb, spark))
        assert actual == expected, (name, actual.simpleString(), expected.simpleString())
        metadata = {
            (m.description, tuple(sorted(m.configuration.items())))
            for m in (DeltaTable(store.table_path(name)).metadata() for store in (duckdb, spark))
        }
        assert len(metadata) == 1, (name, metadata)
    ages = logged_schema(spark.table_path("silver_customers"))["account_age_days"]
    assert ages.dataType == IntegerType()  # datediff's type on Spark and Databricks
