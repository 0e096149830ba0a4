"""How the Spark engine keeps relations: each row computed once, freed on release.

A query's result is written once as Parquet files in the engine's scratch folder and read
back, counted without reading a column; the kept and quarantined rows are filters over it,
so checking, staging and reading downstream compute no row again. Two
relations never share one cache, and expectations whose value changes between
evaluations still split the rows once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot

from retail_lakehouse.backends.spark.backend import SparkBackend
from retail_lakehouse.backends.spark.engine import SparkEngine
from retail_lakehouse.pipeline.engine import EngineError, Sources, TableWrite
from retail_lakehouse.pipeline.model import Expectation
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import commit_files
from tests.spark_support import spark_session

pytestmark = pytest.mark.spark

COUNTED_UDF = "counted_in_test"


@pytest.fixture
def engine() -> Iterator[SparkEngine]:
    spark_engine = SparkEngine(spark_session())
    yield spark_engine
    spark_engine.close()


def run(engine: SparkEngine, relation: str, sql: str) -> int:
    return engine.run_query(relation, sqlglot.parse_one(sql, read="databricks"), Sources())


def written_rows(engine: SparkEngine, store: DeltaStore, name: str, relation: str) -> int:
    commit_files(engine.stage(TableWrite(name, relation, "overwrite", "overwrite"), store))
    return int(store.read(name).num_rows)


def test_checking_staging_and_reading_downstream_compute_each_row_once(
    engine: SparkEngine, tmp_path: Path
) -> None:
    from pyspark.sql.types import LongType

    spark = engine.spark
    evaluations = spark.sparkContext.accumulator(0)

    def counted(value: int) -> int:
        evaluations.add(1)
        return value

    spark.udf.register(COUNTED_UDF, counted, LongType())
    store = DeltaStore(tmp_path)

    assert run(engine, "r", f"SELECT {COUNTED_UDF}(id) AS id FROM range(10)") == 10
    checked = engine.check("r", (Expectation("even", "id % 2 = 0", "drop"),), "update-1")
    assert (checked.kept_rows, checked.quarantined_rows) == (5, 5)
    assert written_rows(engine, store, "kept", checked.kept) == 5
    assert written_rows(engine, store, "bad", checked.quarantine) == 5
    assert run(engine, "downstream", f"SELECT sum(id) AS total FROM {checked.kept}") == 1
    assert evaluations.value == 10


def test_release_deletes_the_results_files(engine: SparkEngine) -> None:
    run(engine, "r", "SELECT id FROM range(5)")
    run(engine, "other", "SELECT id FROM range(2)")
    engine.check("r", (Expectation("small", "id < 3", "drop"),), "update-1")
    folder = engine.results["r"]
    assert folder.parent == engine.scratch and list(folder.glob("*.parquet"))
    engine.release("r")
    assert not folder.exists() and engine.results["other"].exists()
    assert set(engine.frames) == {"other"}
    assert not engine.spark.catalog.tableExists("r__kept")
    engine.close()
    assert not engine.scratch.exists()


def test_the_backend_keeps_results_in_the_lakehouse_scratch(tmp_path: Path) -> None:
    scratch = tmp_path / ".scratch"
    backend = SparkBackend(session=spark_session(), scratch=scratch)
    engine = backend.engine()
    run(engine, "r", "SELECT id FROM range(5)")
    assert engine.results["r"].parent == scratch / f"spark-{os.getpid()}"
    backend.close()
    assert not scratch.exists()  # removed with the engine


def test_relations_of_the_same_query_keep_their_rows_when_either_is_released(
    engine: SparkEngine,
) -> None:
    query = "SELECT id, current_timestamp() AS at FROM range(3)"
    run(engine, "first", query)
    time.sleep(0.01)  # a recomputation would see a later time
    run(engine, "second", query)
    before = engine.spark.table("second").collect()  # as downstream queries read it
    engine.release("first")
    assert engine.spark.table("second").collect() == before


def test_an_expectation_on_the_current_time_splits_the_rows_once(
    engine: SparkEngine, tmp_path: Path
) -> None:
    run(engine, "r", "SELECT id, current_timestamp() + INTERVAL 2 SECONDS AS due FROM range(4)")
    overdue = Expectation("not_due_yet", "due > current_timestamp()", "drop")
    checked = engine.check("r", (overdue,), "update-1")
    assert (checked.kept_rows, checked.quarantined_rows) == (4, 0)
    time.sleep(2.5)  # now every row is due: evaluated again, the condition would fail
    store = DeltaStore(tmp_path)
    assert written_rows(engine, store, "kept", checked.kept) == 4
    assert written_rows(engine, store, "bad", checked.quarantine) == 0


def test_a_java_error_is_told_by_its_own_words(engine: SparkEngine) -> None:
    # py4j's first line only names the failed call ("An error occurred while calling ...")
    jvm = engine.spark.sparkContext._jvm
    assert jvm is not None
    with pytest.raises(EngineError, match=r"^java\.util\.NoSuchElementException: No value"):
        engine._guard(lambda: jvm.java.util.Optional.empty().get())
