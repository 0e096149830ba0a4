"""Fixtures: small lakehouses with generated landing data, and the engine matrix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from retail_lakehouse.engines.base import Engine, EngineName
from retail_lakehouse.engines.duckdb_engine import DuckDBEngine
from retail_lakehouse.generate.builtin import builtin_spec
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset

SMALL = {"customers": 800, "products": 150, "orders": 4000, "order_items": 9000}
ENGINE_FACTORIES: dict[EngineName, Callable[[], Engine]] = {EngineName.DUCKDB: DuckDBEngine}


@pytest.fixture(params=list(ENGINE_FACTORIES), ids=lambda e: e.value)
def engine_name(request: pytest.FixtureRequest) -> EngineName:
    name: EngineName = request.param
    return name


def make_landing(
    root: Path, seed: int = 3, defect_scale: float = 1.0, output_format: str = "parquet"
) -> Path:
    options = GenerateOptions(
        lakehouse=root, rows=SMALL, seed=seed, defect_scale=defect_scale,
        output_format=output_format, workers=1, parallelism="threads",  # type: ignore[arg-type]
    )  # fmt: skip
    generate_dataset(builtin_spec(), options)
    return root
