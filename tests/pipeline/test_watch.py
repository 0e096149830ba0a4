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


class RelationsWatcher(Recorder):
    """The DuckDB relations alive as each dataset starts."""

    def __init__(self, engine: DuckDBEngine) -> None:
        super().__init__()
        self.engine = engine
        self.alive: dict[str, set[str]] = {}

    def dataset_started(self, name: str) -> None:
        self.alive[name] = set(self.engine.kinds)


def test_relations_nothing_reads_any_more_are_freed(tmp_path: Path) -> None:
    make_landing(tmp_path)
    engine = DuckDBEngine()
    watcher = RelationsWatcher(engine)
    try:
        run_update(load_pipeline(builtin_settings_path(), tmp_path), engine, watcher=watcher)
        left = set(engine.kinds)
    finally:
        engine.close()

    assert left == set()
    at_gold = watcher.alive["gold_category_performance"]
    assert not any("bronze_" in name for name in at_gold)  # read by silver alone
    assert "gold_product_performance" in at_gold  # which this one reads
    assert any("silver_" in name for name in watcher.alive["gold_product_performance"])
