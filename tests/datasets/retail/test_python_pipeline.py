"""The built-in pipeline written in Python equals the SQL one, table by table and count by
count, on each engine: the same columns and types, the same rows, the same expectation
counts and the same quarantined rows."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from retail_lakehouse.datasets import dataset_folder
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import ENGINE_FACTORIES, ENGINE_PARAMS, make_landing, run_update

VOLATILE = ("_ingested_at", "_update_id")


def pipelines(root: Path) -> tuple[Path, Path]:
    """The SQL and the Python pipeline of the dataset folder, writing apart."""
    for language, sources in (("sql", "sql"), ("python", "python")):
        folder = root / language
        shutil.copytree(dataset_folder() / sources, folder / sources)
        (folder / f"{language}.yaml").write_text(
            f"name: retail_{language}\nsources: {sources}\ntables: tables_{language}\n"
        )
    return root / "sql" / "sql.yaml", root / "python" / "python.yaml"


@dataclass(frozen=True)
class Updated:
    root: Path
    sql: UpdateResult
    python: UpdateResult

    def tables(self, language: str) -> dict[str, pa.Table]:
        store = DeltaStore(self.root / f"tables_{language}")
        return {name: store.read(name) for name in store.list_tables() if name != "event_log"}


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def updated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Updated:
    """Both languages over one landing zone, on each engine of the matrix."""
    root = make_landing(tmp_path_factory.mktemp("languages"))
    sql, python = pipelines(root)
    engine = ENGINE_FACTORIES[request.param]()
    try:
        return Updated(
            root,
            run_update(load_pipeline(sql, root), engine=engine),
            run_update(load_pipeline(python, root), engine=engine),
        )
    finally:
        engine.close()


def rows(table: pa.Table) -> list[str]:
    kept = table.drop_columns([c for c in VOLATILE if c in table.column_names])
    return sorted(repr(sorted(row.items())) for row in kept.to_pylist())


def test_every_table_has_the_same_columns_types_and_rows(updated: Updated) -> None:
    sql, python = updated.tables("sql"), updated.tables("python")
    assert sorted(python) == sorted(sql) and len(sql) == 16
    for name, table in sql.items():
        assert python[name].schema == table.schema, name
        assert rows(python[name]) == rows(table), name


def test_every_flow_has_the_same_counts(updated: Updated) -> None:
    def counts(update: UpdateResult) -> dict[str, object]:
        return {
            d.name: (d.layer, d.input_rows, d.written_rows, d.quarantined_rows,
                     [(e.name, e.action, e.passed_records, e.failed_records)
                      for e in d.expectations])
            for d in update.datasets
        }  # fmt: skip

    assert counts(updated.python) == counts(updated.sql)
