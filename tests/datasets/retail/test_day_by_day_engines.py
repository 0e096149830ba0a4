"""The built-in pipeline fed day by day on local Spark: the appended day's update refreshes
the silver facts by key there too, and every table equals DuckDB's (differential)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.generate.append import AppendOptions, append_days
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.pipeline.project import load_pipeline
from tests.backends.duckdb.conftest import stored_rows
from tests.pipeline.conftest import ENGINE_FACTORIES, run_update

# every view but silver_customers (its account age moves with the day) and silver_products
# (at this scale a day brings no new product: it stays up to date)
BY_KEY = {
    "silver_orders", "silver_order_items", "revenue_lines", "revenue_orders",
    "customers_current", "gold_customer_lifetime_value", "gold_product_performance",
    "gold_daily_sales_summary", "gold_category_performance",
}  # fmt: skip


@pytest.mark.spark
def test_an_appended_day_on_spark_refreshes_by_key_and_equals_duckdb(tmp_path: Path) -> None:
    first = tmp_path / "spark"
    options = GenerateOptions(scale=0.01, lakehouse=first, workers=1, parallelism="threads")
    generate_dataset(builtin_spec(), options)
    other = tmp_path / "duckdb"
    shutil.copytree(first / "landing", other / "landing")
    refreshed: dict[EngineName, set[str]] = {}
    for engine_name, root in ((EngineName.SPARK, first), (EngineName.DUCKDB, other)):
        engine = ENGINE_FACTORIES[engine_name]()
        try:
            run_update(load_pipeline(builtin_settings_path(), root), engine=engine)
            append_days(builtin_spec(), AppendOptions(root, 1))
            result = run_update(load_pipeline(builtin_settings_path(), root), engine=engine)
        finally:
            engine.close()
        refreshed[engine_name] = {d.name for d in result.datasets if d.by_keys}
    assert refreshed == {EngineName.SPARK: BY_KEY, EngineName.DUCKDB: BY_KEY}
    assert stored_rows(first) == stored_rows(other)
