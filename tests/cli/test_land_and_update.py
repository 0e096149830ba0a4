"""land_and_update: generate the landing zone when missing, then update on the backend's
engine, made only after the generation (the forked workers do not carry it)."""

from __future__ import annotations

from pathlib import Path

from retail_lakehouse.backends.duckdb.backend import DuckDBBackend
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.cli.land_and_update import land_and_update
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.generate.runner import GenerateOptions
from tests.helpers import modules_loaded
from tests.pipeline.conftest import SMALL


def test_the_run_command_loads_no_pipeline_library_before_generating() -> None:
    statements = "import retail_lakehouse.cli.main, retail_lakehouse.cli.run"
    assert modules_loaded(statements, ("duckdb", "sqlglot", "deltalake")) == []


class _RecordingBackend(DuckDBBackend):
    """The embedded backend, noting whether the landing zone existed when the engine was made."""

    def __init__(self, lakehouse: Path) -> None:
        super().__init__()
        self.lakehouse = Lakehouse(lakehouse)
        self.landed_before_engine: list[bool] = []

    def engine(self) -> DuckDBEngine:
        self.landed_before_engine.append(self.lakehouse.manifest.exists())
        return super().engine()


def test_a_missing_landing_zone_is_generated_then_fully_refreshed(tmp_path: Path) -> None:
    options = GenerateOptions(lakehouse=tmp_path, rows=SMALL, workers=2, block_rows=2000)
    backend = _RecordingBackend(tmp_path)
    try:
        first = land_and_update(builtin_spec(), options, builtin_settings_path(), backend)
        again = land_and_update(builtin_spec(), options, builtin_settings_path(), backend)
    finally:
        backend.close()

    assert first.generated is not None and first.update.status == "COMPLETED"
    assert again.generated is None and again.update.status == "COMPLETED"
    assert backend.landed_before_engine == [True, True]
    bronze = {d.name: d.input_rows for d in first.update.datasets if d.layer == "bronze"}
    assert bronze["bronze_orders"] == SMALL["orders"]
    assert {d.name: d.input_rows for d in again.update.datasets}["bronze_orders"] == 0
