"""The embedded backend: this machine's generator workers, and DuckDB for the pipeline.

The engine, and with it DuckDB, sqlglot and delta-rs, loads on first use, after any
generation: the generator's forked workers do not carry it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retail_lakehouse.backends import EngineName
from retail_lakehouse.generate.runner import LandingGenerator, LocalGenerator

if TYPE_CHECKING:
    from retail_lakehouse.backends.duckdb.engine import DuckDBEngine


class DuckDBBackend:
    name = EngineName.DUCKDB

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._engine: DuckDBEngine | None = None

    def generator(self) -> LandingGenerator:
        return LocalGenerator()

    def engine(self) -> DuckDBEngine:
        if self._engine is None:
            from retail_lakehouse.backends.duckdb.engine import DuckDBEngine

            self._engine = DuckDBEngine(self.threads)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
