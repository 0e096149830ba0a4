"""Opening a backend by name: its generator and its engine, made when asked for."""

from __future__ import annotations

from retail_lakehouse.backends import EngineName, open_backend
from retail_lakehouse.backends.duckdb.backend import DuckDBBackend
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.backends.spark.backend import SparkBackend
from retail_lakehouse.backends.spark.session import DEFAULT_MASTER
from retail_lakehouse.generate.runner import LocalGenerator
from tests.helpers import modules_loaded


def test_each_name_opens_its_backend() -> None:
    duckdb = open_backend(EngineName.DUCKDB)
    spark = open_backend(EngineName.SPARK, "local[1]")
    assert isinstance(duckdb, DuckDBBackend) and duckdb.name is EngineName.DUCKDB
    assert isinstance(spark, SparkBackend) and spark.name is EngineName.SPARK
    assert spark.master == "local[1]"
    assert isinstance(open_backend(EngineName.SPARK), SparkBackend)
    assert open_backend(EngineName.SPARK).master == DEFAULT_MASTER  # type: ignore[attr-defined]


def test_the_embedded_backend_generates_locally_and_makes_one_engine() -> None:
    backend = DuckDBBackend()
    assert isinstance(backend.generator(), LocalGenerator)
    engine = backend.engine()
    assert isinstance(engine, DuckDBEngine) and backend.engine() is engine
    backend.close()


def test_opening_a_backend_loads_no_engine_library() -> None:
    """The generator's workers are forked before the engine loads: they do not carry it."""
    statements = (
        "from retail_lakehouse.backends import open_backend, EngineName\n"
        "open_backend(EngineName.DUCKDB).generator()\n"
        "open_backend(EngineName.SPARK)"
    )
    assert modules_loaded(statements, ("duckdb", "sqlglot", "deltalake", "pyspark")) == []
