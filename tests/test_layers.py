"""Dependencies flow one way: the generator core loads no engine, storage, pipeline or CLI
code (nor their libraries), storage loads no engine or pipeline code, and PySpark is
loaded only when a Spark session starts."""

from __future__ import annotations

import pkgutil

import pytest

import retail_lakehouse
from tests.helpers import modules_loaded

OUR_LAYERS = tuple(
    f"retail_lakehouse.{name}"
    for name in ("engines", "storage", "pipeline", "report", "cli", "jobs", "query")
)


def import_all(package: str) -> str:
    """Statements importing every module of ``package`` (a subpackage of ours)."""
    folder = retail_lakehouse.__path__[0] + "/" + package.removeprefix("retail_lakehouse.")
    modules = pkgutil.walk_packages([folder], prefix=package + ".")
    return "\n".join(f"import {name}" for name in [package, *(m.name for m in modules)])


def test_the_generator_core_loads_only_its_own_libraries() -> None:
    foreign = ("duckdb", "deltalake", "sqlglot", "pyspark", "rich", *OUR_LAYERS)
    assert modules_loaded(import_all("retail_lakehouse.generate"), foreign) == []


def test_storage_loads_no_engine_pipeline_or_query_library() -> None:
    above = (
        "duckdb",
        "sqlglot",
        "pyspark",
        "retail_lakehouse.backends",
        "retail_lakehouse.pipeline",
    )
    assert modules_loaded(import_all("retail_lakehouse.storage"), above) == []


@pytest.mark.parametrize(
    "package", ["retail_lakehouse.backends", "retail_lakehouse.pipeline", "retail_lakehouse.report"]
)
def test_importing_any_module_loads_no_pyspark(package: str) -> None:
    assert modules_loaded(import_all(package), ("pyspark", "py4j")) == []


def test_the_probe_sees_a_library_a_module_loads() -> None:
    """The tests above would pass vacuously if the probe missed imports."""
    assert modules_loaded(import_all("retail_lakehouse.backends"), ("duckdb",)) != []
    assert "import retail_lakehouse.generate.spec.columns" in import_all(
        "retail_lakehouse.generate"
    )
    assert "import retail_lakehouse.backends.spark.engine" in import_all(
        "retail_lakehouse.backends"
    )
