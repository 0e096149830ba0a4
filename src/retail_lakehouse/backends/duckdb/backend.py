"""The embedded backend: this machine's generator workers, and DuckDB for the pipeline.

The engine, and with it DuckDB, sqlglot and delta-rs, loads on first use, after any
generation: the generator's forked workers do not carry it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from retail_lakehouse.backends import (
    DEFAULT_RESOURCES,
    EngineName,
    Resources,
    default_memory_limit,
)
from retail_lakehouse.generate.runner import LandingGenerator, LocalGenerator

if TYPE_CHECKING:
    from retail_lakehouse.backends.duckdb.engine import DuckDBEngine


class DuckDBBackend:
    name = EngineName.DUCKDB

    def __init__(self, resources: Resources = DEFAULT_RESOURCES) -> None:
        self.resources = resources
        self._engine: DuckDBEngine | None = None

    def generator(self) -> LandingGenerator:
        return LocalGenerator()

    def engine(self) -> DuckDBEngine:
        if self._engine is None:
            from retail_lakehouse.backends.duckdb.engine import DuckDBEngine

            scratch = self.resources.scratch
            self._engine = DuckDBEngine(
                self.resources.threads,
                self.resources.memory_limit or default_memory_limit(),
                scratch / f"duckdb-{os.getpid()}" if scratch is not None else None,
            )
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
