"""``_metadata.file_path`` and ``_metadata.file_name`` on every engine, as on Databricks."""

from __future__ import annotations

from pathlib import Path

import sqlglot

from retail_lakehouse.backends import EngineName
from retail_lakehouse.pipeline.engine import Sources, TableWrite
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import commit_files
from tests.pipeline.conftest import ENGINE_FACTORIES, make_landing


def test_file_name_is_the_last_part_of_the_file_path(
    engine_name: EngineName, tmp_path: Path
) -> None:
    landing = make_landing(tmp_path / "lakehouse") / "landing" / "orders"
    files = sorted(landing.glob("*.parquet"))
    query = (
        "SELECT DISTINCT _metadata.file_path AS path, _metadata.file_name AS name "
        f"FROM read_files('{landing}', format => 'parquet')"
    )
    engine = ENGINE_FACTORIES[engine_name]()
    store = DeltaStore(tmp_path / "tables")
    try:
        engine.run_query("files", sqlglot.parse_one(query, read="databricks"), Sources([files]))
        commit_files(engine.stage(TableWrite("files", "files", "overwrite", "overwrite"), store))
    finally:
        engine.close()

    rows = sorted((r["path"], r["name"]) for r in store.read("files").to_pylist())
    assert rows == [(str(f), f.name) for f in files]
    assert all(name.startswith("part-") for _, name in rows)
