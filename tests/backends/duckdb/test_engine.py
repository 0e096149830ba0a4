"""The DuckDB engine's start-up: what it loads before the first dataset runs."""

from __future__ import annotations

from tests.helpers import modules_loaded


def test_starting_the_engine_loads_the_duckdb_dialect_before_any_query() -> None:
    dialect = "sqlglot.dialects.duckdb"
    assert dialect not in modules_loaded(
        "import retail_lakehouse.backends.duckdb.engine", (dialect,)
    )
    started = modules_loaded(
        "from retail_lakehouse.backends.duckdb.engine import DuckDBEngine\nDuckDBEngine()",
        (dialect,),
    )
    assert started == [dialect]
