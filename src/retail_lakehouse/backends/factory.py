"""Choosing an engine by name: the one place that knows which adapter each name means.

The embedded DuckDB engine is the default; the Spark engine is imported only when asked
for, so PySpark stays an optional extra.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from retail_lakehouse.backends.names import EngineName

if TYPE_CHECKING:  # the engines import DuckDB, sqlglot and delta-rs: only when one is made
    from retail_lakehouse.generate.runner import (
        GenerateOptions,
        GenerateReport,
        Meanwhile,
        ProgressSink,
    )
    from retail_lakehouse.generate.spec import DatasetSpec
    from retail_lakehouse.pipeline.engine import Engine

LandingGenerator = Callable[
    ["DatasetSpec", "GenerateOptions", "ProgressSink | None", "Meanwhile | None"],
    "GenerateReport",
]
"""Generates a landing zone: (spec, options, progress, meanwhile) -> report; ``meanwhile``
is called once while the generation runs (see ``generate_dataset``)."""

DEFAULT_ENGINE = EngineName.DUCKDB
DEFAULT_SPARK_MASTER = "local[*]"


def _duckdb(master: str | None) -> Engine:
    from retail_lakehouse.backends.duckdb.engine import DuckDBEngine

    return DuckDBEngine()


def _spark(master: str | None) -> Engine:
    from retail_lakehouse.backends.spark.engine import SparkEngine

    return SparkEngine.start(master or DEFAULT_SPARK_MASTER)


_FACTORIES: dict[EngineName, Callable[[str | None], Engine]] = {
    EngineName.DUCKDB: _duckdb,
    EngineName.SPARK: _spark,
}


def create_engine(name: EngineName = DEFAULT_ENGINE, master: str | None = None) -> Engine:
    """A new engine; ``master`` is the Spark master URL (ignored by DuckDB)."""
    return _FACTORIES[name](master)


def create_generator(
    name: EngineName = DEFAULT_ENGINE,
    master: str | None = None,
    engine: Callable[[], Engine] | None = None,
) -> LandingGenerator:
    """What generates a landing zone for ``name``: the local generator for the embedded
    engine (without loading the pipeline engine at all), Spark tasks for Spark, on the
    engine ``engine`` supplies (by default a new one)."""
    if name is EngineName.DUCKDB:
        from retail_lakehouse.generate.runner import generate_dataset

        return generate_dataset
    on = engine() if engine is not None else create_engine(name, master)

    def generate_on_engine(
        spec: DatasetSpec,
        options: GenerateOptions,
        progress: ProgressSink | None,
        meanwhile: Meanwhile | None = None,
    ) -> GenerateReport:
        if meanwhile is not None:  # Spark's tasks generate, not this process: do it first
            meanwhile()
        return on.generate_landing(spec, options, progress)

    return generate_on_engine
