"""The backends the pipeline runs on, one subpackage each: ``duckdb`` (embedded, the
default) and ``spark``.

A backend pairs a landing-zone generator with an engine for the pipeline (the engine port
of :mod:`retail_lakehouse.pipeline.engine`); Spark's pair shares one session.
:func:`open_backend` is the one place that knows which name means which backend, and a
backend's libraries load only when it is opened, so PySpark stays an optional extra.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from retail_lakehouse.generate.runner import LandingGenerator
    from retail_lakehouse.pipeline.engine import Engine


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


DEFAULT_ENGINE = EngineName.DUCKDB


class Backend(Protocol):
    name: EngineName

    def generator(self) -> LandingGenerator:
        """What generates the landing zone the way this backend scales (same rows either way)."""
        ...

    def engine(self) -> Engine:
        """The engine of the pipeline's updates (one, made on first use)."""
        ...

    def close(self) -> None: ...


def open_backend(name: EngineName = DEFAULT_ENGINE, master: str | None = None) -> Backend:
    """The backend called ``name``; ``master`` is the Spark master URL (DuckDB has none)."""
    if name is EngineName.SPARK:
        from retail_lakehouse.backends.spark.backend import SparkBackend

        return SparkBackend(master)
    from retail_lakehouse.backends.duckdb.backend import DuckDBBackend

    return DuckDBBackend()
