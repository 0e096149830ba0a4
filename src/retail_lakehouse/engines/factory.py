"""Choosing an engine by name: the one place that knows which adapter each name means.

The embedded DuckDB engine is the default; the Spark engine is imported only when asked
for, so PySpark stays an optional extra.
"""

from __future__ import annotations

from collections.abc import Callable

from retail_lakehouse.engines.base import Engine, EngineName

DEFAULT_ENGINE = EngineName.DUCKDB
DEFAULT_SPARK_MASTER = "local[*]"


def _duckdb(master: str | None) -> Engine:
    from retail_lakehouse.engines.duckdb_engine import DuckDBEngine

    return DuckDBEngine()


def _spark(master: str | None) -> Engine:
    from retail_lakehouse.engines.spark.engine import SparkEngine

    return SparkEngine.start(master or DEFAULT_SPARK_MASTER)


_FACTORIES: dict[EngineName, Callable[[str | None], Engine]] = {
    EngineName.DUCKDB: _duckdb,
    EngineName.SPARK: _spark,
}


def create_engine(name: EngineName = DEFAULT_ENGINE, master: str | None = None) -> Engine:
    """A new engine; ``master`` is the Spark master URL (ignored by DuckDB)."""
    return _FACTORIES[name](master)
