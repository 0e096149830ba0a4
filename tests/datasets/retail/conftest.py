"""Helpers of the built-in pipeline's tests: a lakehouse fed day by day, one update a day."""

from __future__ import annotations

from pathlib import Path

from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.generate.append import AppendOptions, append_days
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.pipeline.project import load_pipeline
from tests.pipeline.conftest import run_update


def updated_day_by_day(options: GenerateOptions, days: int) -> Path:
    """The lakehouse ``options`` generates, updated once, then ``days`` days appended and
    each processed by an update of its own (DuckDB): what `retail simulate` does."""
    generate_dataset(builtin_spec(), options)
    run_update(load_pipeline(builtin_settings_path(), options.lakehouse))
    for _ in range(days):
        append_days(builtin_spec(), AppendOptions(options.lakehouse, 1))
        run_update(load_pipeline(builtin_settings_path(), options.lakehouse))
    return options.lakehouse
