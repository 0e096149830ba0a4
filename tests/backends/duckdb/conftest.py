"""Fixtures of the engine tests: one DuckDB engine per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine


@pytest.fixture(scope="module")
def engine() -> Iterator[DuckDBEngine]:
    """Two threads, as on the 2-core machine, so results come from parallel plans."""
    engine = DuckDBEngine(threads=2)
    yield engine
    engine.close()
