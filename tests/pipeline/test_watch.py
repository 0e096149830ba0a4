"""The runner tells a watcher each dataset as it starts and ends, then the commit."""

from __future__ import annotations

from pathlib import Path

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import DatasetResult
from retail_lakehouse.pipeline.runner import run_update
from tests.pipeline.conftest import make_landing


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str | int]] = []

    def dataset_started(self, name: str) -> None:
        self.events.append(("started", name))

    def dataset_finished(self, result: DatasetResult) -> None:
        self.events.append(("finished", result.name))
        self.events.append(("rows", result.written_rows))

    def committing(self, tables: int) -> None:
        self.events.append(("committing", tables))


def test_each_dataset_starts_and_ends_in_order_before_the_commit(tmp_path: Path) -> None:
    make_landing(tmp_path)
    pipeline = load_pipeline(builtin_settings_path(), tmp_path)
    recorder = Recorder()
    engine = DuckDBEngine()
    try:
        result = run_update(pipeline, engine, watcher=recorder)
    finally:
        engine.close()

    names = [d.name for d in result.datasets]
    expected: list[tuple[str, str | int]] = []
    for dataset in result.datasets:
        expected += [("started", dataset.name), ("finished", dataset.name)]
        expected.append(("rows", dataset.written_rows))
    tables = sum(1 for p in (tmp_path / "tables").iterdir() if not p.name.startswith((".", "_")))
    assert recorder.events == [*expected, ("committing", tables)]
    assert len(names) == len(set(names)) > 10
