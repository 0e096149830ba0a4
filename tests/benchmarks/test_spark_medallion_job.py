"""The hand-written PySpark medallion the benchmark compares the Spark engine with computes
what ``retail run`` does: every dataset of the built-in pipeline, AUTO CDC targets
included, with the same rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.pipeline_log import last_update
from benchmarks.spark_medallion_job import load_datasets, run_pipeline

from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from tests.pipeline.conftest import make_landing, run_update
from tests.spark_support import spark_session

pytestmark = pytest.mark.spark


def test_the_medallion_has_retail_runs_rows_in_every_dataset(tmp_path: Path) -> None:
    lakehouse = make_landing(tmp_path / "lakehouse")
    run_update(load_pipeline(builtin_settings_path(), lakehouse))
    ours = last_update(lakehouse / "tables")
    assert ours is not None

    medallion = run_pipeline(spark_session(), load_datasets(lakehouse), tmp_path / "medallion")

    theirs = {flow["name"]: flow["rows_written"] for flow in medallion["flows"]}
    assert theirs == ours.rows_by_dataset()
    assert theirs["silver_customers_history"] > 0 and theirs["silver_products_current"] > 0
