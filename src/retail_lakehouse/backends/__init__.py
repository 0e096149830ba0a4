"""The backends the pipeline runs on, one subpackage each: ``duckdb`` (embedded, the
default) and ``spark``.

A backend pairs a landing-zone generator with an engine for the pipeline (the engine port
of :mod:`retail_lakehouse.pipeline.engine`); Spark's pair shares one session.
:func:`open_backend` is the one place that knows which name means which backend, and a
backend's libraries load only when it is opened, so PySpark stays an optional extra.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from retail_lakehouse.generate.runner import LandingGenerator
    from retail_lakehouse.pipeline.engine import Engine


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


DEFAULT_ENGINE = EngineName.DUCKDB
DEFAULT_MEMORY_SHARE = 1 / 16  # of the machine's memory, when no limit is given


@dataclass(frozen=True)
class Resources:
    """What an engine may use: memory (bytes), threads, and a folder to spill to."""

    memory_limit: int | None = None  # None: DEFAULT_MEMORY_SHARE of the machine's memory
    threads: int | None = None  # None: every core
    scratch: Path | None = None  # None: nothing spills


DEFAULT_RESOURCES = Resources()


def machine_memory() -> int:
    """The machine's physical memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def default_memory_limit() -> int:
    return int(machine_memory() * DEFAULT_MEMORY_SHARE)


class Backend(Protocol):
    name: EngineName

    def generator(self) -> LandingGenerator:
        """What generates the landing zone the way this backend scales (same rows either way)."""
        ...

    def engine(self) -> Engine:
        """The engine of the pipeline's updates (one, made on first use)."""
        ...

    def close(self) -> None: ...


def open_backend(
    name: EngineName = DEFAULT_ENGINE,
    master: str | None = None,
    resources: Resources = DEFAULT_RESOURCES,
) -> Backend:
    """The backend called ``name``; ``master`` is the Spark master URL (DuckDB has none);
    ``resources`` bound the embedded engine (Spark takes its memory and threads from its
    master, and only the scratch folder from ``resources``)."""
    if name is EngineName.SPARK:
        from retail_lakehouse.backends.spark.backend import SparkBackend

        return SparkBackend(master, scratch=resources.scratch)
    from retail_lakehouse.backends.duckdb.backend import DuckDBBackend

    return DuckDBBackend(resources)
