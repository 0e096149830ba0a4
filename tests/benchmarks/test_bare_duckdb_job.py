"""The bare DuckDB yardstick of the scaling benchmark computes what ``retail run`` does:
every dataset of the built-in pipeline, AUTO CDC targets included, with the same rows."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bare_duckdb_job import load_datasets, open_database, run_pipeline
from benchmarks.pipeline_log import last_update

from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from tests.pipeline.conftest import make_landing, run_update


def test_the_bare_job_has_retail_runs_rows_in_every_dataset(tmp_path: Path) -> None:
    lakehouse = make_landing(tmp_path / "lakehouse")
    run_update(load_pipeline(builtin_settings_path(), lakehouse))
    ours = last_update(lakehouse / "tables")
    assert ours is not None

    connection = open_database(tmp_path / "bare", "1GB")
    try:
        bare = run_pipeline(connection, load_datasets(lakehouse), tmp_path / "bare")
    finally:
        connection.close()

    theirs = {flow["name"]: flow["rows_written"] for flow in bare["flows"]}
    assert theirs == ours.rows_by_dataset()
    assert theirs["silver_customers_history"] > 0 and theirs["silver_products_current"] > 0
