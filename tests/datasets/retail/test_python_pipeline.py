"""The built-in pipeline written in Python equals the SQL one, table by table and count by
count, on each engine: the same columns and types, the same rows, the same expectation
counts and the same quarantined rows."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from retail_lakehouse.backends.duckdb.python_lineage import python_dataset_queries
from retail_lakehouse.cli.main import main
from retail_lakehouse.datasets import dataset_folder
from retail_lakehouse.pipeline.lineage import column_lineage, file_reading_datasets
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
    return pipelines_of(root)


def pipelines_of(root: Path) -> tuple[Path, Path]:
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
    assert sorted(python) == sorted(sql) and len(sql) == 23
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


def column_sources(root: Path, settings: Path, tables: str) -> dict[str, list[str]]:
    """Every stored column's lineage leaves, bronze's (the leaves) left out."""
    pipeline = load_pipeline(settings, root)
    store = DeltaStore(root / tables)
    leaves = file_reading_datasets(pipeline.graph)
    schemas = {n: {f.name: str(f.type) for f in store.dataset(n).schema} for n in leaves}
    stored = {n: store.dataset(n).schema for n in store.list_tables()}
    python = python_dataset_queries(pipeline.graph, stored, pipeline.configuration)
    return {
        f"{planned.dataset.name}.{field.name}": column_lineage(
            pipeline.graph, planned.dataset.name, field.name, schemas, python
        )
        for planned in pipeline.graph.order
        if planned.dataset.is_table and planned.dataset.name not in leaves
        for field in store.dataset(planned.dataset.name).schema
    }


def test_every_column_has_the_same_lineage(updated: Updated) -> None:
    sql, python = pipelines_of(updated.root)
    expected = column_sources(updated.root, sql, "tables_sql")
    assert len(expected) > 50 and all(expected.values())  # every column traces to bronze
    assert column_sources(updated.root, python, "tables_python") == expected


def test_retail_lineage_prints_the_same_for_both(
    updated: Updated, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = []
    for settings in pipelines_of(updated.root):
        column = "gold_daily_sales_summary.total_revenue"
        arguments = ["lineage", column, "--lakehouse", str(updated.root)]
        assert main([*arguments, "--pipeline", str(settings)]) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert printed[0].startswith("gold_daily_sales_summary.total_revenue <- bronze_order_items.")


def test_a_python_column_before_any_update_is_not_traceable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, python = pipelines(make_landing(tmp_path))
    arguments = ["lineage", "silver_orders.order_date", "--lakehouse", str(tmp_path)]
    assert main([*arguments, "--pipeline", str(python)]) == 0
    assert capsys.readouterr().out == "silver_orders.order_date <- (not traceable)\n"
