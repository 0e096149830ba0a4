"""Fixtures of the engine tests: one DuckDB engine per test module, and the retail
pipeline's tables from two lakehouses to compare."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import make_landing, run_update


@pytest.fixture(scope="module")
def engine() -> Iterator[DuckDBEngine]:
    """Two threads, as on the 2-core machine, so results come from parallel plans."""
    engine = DuckDBEngine(threads=2)
    yield engine
    engine.close()


def retail_twice(root: Path) -> tuple[Path, Path]:
    """A small lakehouse updated once, and a second with the same landing zone, not yet
    updated (to update under a change and compare)."""
    first = make_landing(root / "first")
    second = root / "second"
    shutil.copytree(first / "landing", second / "landing")
    run_update(load_pipeline(builtin_settings_path(), first), full_refresh=True)
    return first, second


def stored_rows(root: Path) -> dict[str, Counter[tuple[object, ...]]]:
    """Every table's rows but the event log's, without the columns of the run itself."""
    store = DeltaStore(root / "tables")
    per_run = {"_ingested_at", "_update_id", "_source_file"}  # the time, update and folder
    rows = {}
    for name in store.list_tables():
        if name != "event_log":
            table = store.read(name)
            kept = table.drop_columns([c for c in table.column_names if c in per_run])
            rows[name] = Counter(
                tuple(_hashable(v) for v in row.values()) for row in kept.to_pylist()
            )
    return rows


def _hashable(value: object) -> object:
    """A list or a struct (a dict) as a tuple, so a row can be counted."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value
