"""Fixtures: small lakehouses with generated landing data, and the engine matrix."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.pipeline import keyed_refresh, runner
from retail_lakehouse.pipeline.engine import Engine
from retail_lakehouse.pipeline.project import LoadedPipeline
from retail_lakehouse.pipeline.results import UpdateResult
from tests.spark_support import spark_session

SMALL = {"customers": 800, "products": 150, "orders": 4000, "order_items": 9000}
BUILTIN_SQL = builtin_settings_path().parent / "sql"


def _spark_engine() -> Engine:
    from retail_lakehouse.backends.spark.engine import SparkEngine

    return SparkEngine(spark_session())


ENGINE_FACTORIES: dict[EngineName, Callable[[], Engine]] = {
    EngineName.DUCKDB: DuckDBEngine,
    EngineName.SPARK: _spark_engine,
}
ENGINE_MARKS = {EngineName.SPARK: [pytest.mark.spark]}
ENGINE_PARAMS = [pytest.param(e, marks=ENGINE_MARKS.get(e, []), id=e.value) for e in EngineName]


def run_update(
    pipeline: LoadedPipeline, full_refresh: bool = False, engine: Engine | None = None
) -> UpdateResult:
    """One update on ``engine``, by default on a DuckDB engine of its own, closed after."""
    if engine is not None:
        return runner.run_update(pipeline, engine, full_refresh)
    own = DuckDBEngine()
    try:
        return runner.run_update(pipeline, own, full_refresh)
    finally:
        own.close()


def spy_on_comparisons(
    monkeypatch: pytest.MonkeyPatch, table: str
) -> list[tuple[tuple[str, ...], tuple[str, ...]] | None]:
    """A list that gets, each time a view refreshed by key compares the two versions of
    ``table``, the touched keys it compared them on (their columns and the keys' own
    columns), or None when it compared them whole."""
    compared: list[tuple[tuple[str, ...], tuple[str, ...]] | None] = []
    changed_in = keyed_refresh._changed_in

    def spied(
        columns: list[str], now: str, before: str, touched: keyed_refresh.TouchedKeys | None = None
    ) -> object:
        if now == table:
            compared.append(None if touched is None else (touched.columns, touched.key_columns))
        return changed_in(columns, now, before, touched)

    monkeypatch.setattr(keyed_refresh, "_changed_in", spied)
    return compared


def make_landing(
    root: Path, seed: int = 3, defect_scale: float = 1.0, output_format: str = "parquet"
) -> Path:
    options = GenerateOptions(
        lakehouse=root, rows=SMALL, seed=seed, defect_scale=defect_scale,
        output_format=output_format, workers=1, parallelism="threads",  # type: ignore[arg-type]
    )  # fmt: skip
    generate_dataset(builtin_spec(), options)
    return root


def landing_column(root: Path, table: str, column: str) -> list[Any]:
    """Every value of ``column`` in the landing Parquet files of ``table``, file by file."""
    files = sorted((root / "landing" / table).glob("*.parquet"))
    return [v for f in files for v in pq.read_table(f, columns=[column])[column].to_pylist()]


def landing_shipping_costs(root: Path) -> list[float | None]:
    """The shipping cost of every order in the landing files."""
    return landing_column(root, "orders", "shipping_cost")


def write_sql_pipeline(folder: Path, sql: str, settings: str) -> Path:
    """A pipeline of one SQL file under ``folder`` and its settings (YAML text, whose
    ``sql`` is ``sql``); the settings file's path."""
    (folder / "sql").mkdir(parents=True, exist_ok=True)
    (folder / "sql" / "pipeline.sql").write_text(sql)
    path = folder / "settings.yaml"
    path.write_text(settings)
    return path


def custom_pipeline(root: Path, edit: dict[str, tuple[str, str]] | None = None,
                    extra: str | None = None) -> Path:  # fmt: skip
    """A copy of the retail pipeline under ``root/pipeline`` with text replaced per file."""
    folder = root / "pipeline"
    shutil.copytree(BUILTIN_SQL, folder / "sql")
    for name, (old, new) in (edit or {}).items():
        path = folder / "sql" / name
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))
    if extra is not None:
        (folder / "sql" / "99_extra.sql").write_text(extra)
    settings = folder / "pipeline.yaml"
    settings.write_text("name: custom\nsql: sql\n")
    return settings


def failing_pipeline(root: Path) -> Path:
    """The retail pipeline with shipped_after_ordered as FAIL UPDATE, which the data trips."""
    drop = "EXPECT (shipped_ts IS NULL OR shipped_ts > order_ts) ON VIOLATION DROP ROW"
    return custom_pipeline(root, {"02_silver.sql": (drop, drop.replace("DROP ROW", "FAIL UPDATE"))})
