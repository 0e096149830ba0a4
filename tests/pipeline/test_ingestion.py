"""Exactly-once ingestion: every landing row reaches bronze once, however the lakehouse was
regenerated, moved or copied, and the progress lives in the streaming table's own commits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from benchmarks.invariants import check_lakehouse

from retail_lakehouse.cli.main import main
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.progress import (
    PROGRESS_KEY,
    fingerprint,
    progress_metadata,
    read_progress,
)
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore, TableVersion
from tests.pipeline.conftest import landing_shipping_costs, make_landing, run_update

SMALL = ["--scale", "0.01", "--workers", "1"]


def bronze_rows(root: Path) -> dict[str, int]:
    store = DeltaStore(root / "tables")
    return {name: store.read(name).num_rows for name in store.list_tables() if "bronze" in name}


def retail_run(root: Path, *extra: str) -> int:
    return main(["run", "--lakehouse", str(root), *SMALL, *extra])


def test_a_landing_zone_generated_again_is_a_new_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run; generate --seed 9; run --seed 9: bronze is the new zone's, never both."""
    root = tmp_path / "lakehouse"
    assert retail_run(root) == 0
    assert main(["generate", "--lakehouse", str(root), *SMALL, "--seed", "9"]) == 0
    capsys.readouterr()
    assert retail_run(root, "--seed", "9") == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "note: rebuilt from all their input: bronze_customers, bronze_products," in out
    assert "bronze_products_cdc (the landing zone was generated again from other inputs)" in out
    assert check_lakehouse(root) == []


@pytest.mark.parametrize("how", ["moved", "copied"])
def test_a_moved_or_copied_lakehouse_ingests_nothing_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    first = tmp_path / "first"
    assert retail_run(first) == 0
    rows = bronze_rows(first)
    second = tmp_path / "second"
    if how == "moved":
        first.rename(second)
    else:
        shutil.copytree(first, second)  # new inodes and modification times
    capsys.readouterr()
    assert retail_run(second) == 0
    assert bronze_rows(second) == rows
    assert "note:" not in capsys.readouterr().out
    assert check_lakehouse(second) == []


def test_a_file_is_known_by_its_content_not_its_name(tmp_path: Path) -> None:
    """A landing file rewritten in place with other rows is taken in; an untouched one
    is not, nor one rewritten with the same bytes."""
    root = make_landing(tmp_path)
    pipeline = load_pipeline(builtin_settings_path(), root)
    run_update(pipeline)
    (customers,) = (root / "landing" / "customers").glob("*.parquet")
    shutil.copyfile(customers, tmp_path / "same.parquet")
    (tmp_path / "same.parquet").replace(customers)  # the same bytes, a new file
    (orders,) = (root / "landing" / "orders").glob("*.parquet")
    pq.write_table(pq.read_table(orders).slice(0, 10), orders)  # other rows, the same name
    update = run_update(load_pipeline(builtin_settings_path(), root))
    taken = {d.name: d.input_rows for d in update.datasets}
    assert taken["bronze_orders"] == 10 and taken["bronze_customers"] == 0


def test_the_progress_is_in_the_commit_and_follows_a_restore(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    run_update(load_pipeline(builtin_settings_path(), root))
    store = DeltaStore(Lakehouse(root).tables)
    first_version = store.version("bronze_orders")
    progress = read_progress(store, "bronze_orders")
    assert progress is not None and list(progress) == ["landing/orders"]
    files = sorted((root / "landing" / "orders").iterdir())
    assert dict(progress["landing/orders"].files) == {f.name: fingerprint(f) for f in files}
    assert PROGRESS_KEY in store.history("bronze_orders", limit=1)[0]

    extra = root / "landing" / "orders" / "part-09999.parquet"
    pq.write_table(pq.read_table(files[0]).slice(0, 5), extra)
    run_update(load_pipeline(builtin_settings_path(), root))
    grown = read_progress(store, "bronze_orders")
    assert grown is not None and "part-09999.parquet" in grown["landing/orders"].files
    store.restore(first_version)  # a RESTORE commit stands for the version it restored
    assert read_progress(store, "bronze_orders") == progress


def test_a_table_without_progress_in_its_log_is_rebuilt_not_appended_to(
    tmp_path: Path,
) -> None:
    root = make_landing(tmp_path)
    run_update(load_pipeline(builtin_settings_path(), root))
    store = DeltaStore(Lakehouse(root).tables)
    rows = store.read("bronze_orders")
    store.write("bronze_orders", rows, mode="overwrite")  # a commit without progress
    assert read_progress(store, "bronze_orders") is None
    update = run_update(load_pipeline(builtin_settings_path(), root))
    assert store.read("bronze_orders").num_rows == rows.num_rows
    assert (
        "rebuilt from all their input: bronze_orders "
        "(its Delta log records no ingestion progress (an older version wrote it))"
    ) in update.notes


def test_an_unreadable_progress_counts_as_none(tmp_path: Path) -> None:
    store = DeltaStore(tmp_path)
    data = pa.table({"a": [1]})
    store.write("t", data, mode="append", metadata={PROGRESS_KEY: "{not json"})
    assert read_progress(store, "t") is None
    store.write("t", data, mode="append", metadata=progress_metadata({}))
    assert read_progress(store, "t") == {}
    store.restore(TableVersion(tmp_path / "t", 0))
    assert read_progress(store, "t") is None


STREAMS_SQL = """
CREATE OR REFRESH STREAMING TABLE raw_orders
AS SELECT * FROM STREAM read_files('${landing_path}/orders', format => 'parquet');

CREATE OR REFRESH STREAMING TABLE costly_orders
AS SELECT order_id FROM STREAM(raw_orders) WHERE shipping_cost > 10;

CREATE OR REFRESH STREAMING TABLE outside_rows
AS SELECT * FROM STREAM read_files('${outside}', format => 'parquet');
"""


def streams_pipeline(root: Path, outside: Path) -> Path:
    """Two streaming tables over the landing zone, one over files outside it."""
    outside.mkdir()
    pq.write_table(pa.table({"n": [1, 2, 3]}), outside / "part-0.parquet")
    folder = root / "my_pipeline"
    (folder / "sql").mkdir(parents=True)
    (folder / "sql" / "pipeline.sql").write_text(STREAMS_SQL)
    settings = folder / "settings.yaml"
    settings.write_text(f"name: mine\nsql: sql\nconfiguration: {{outside: '{outside}'}}\n")
    return settings


def test_a_landing_zone_generated_again_rebuilds_what_streams_from_it_only(
    tmp_path: Path,
) -> None:
    """A table streaming from a rebuilt one is rebuilt too (not appended to with every row
    again); files outside the landing zone are not new because the zone is."""
    root = make_landing(tmp_path / "lakehouse")
    settings = streams_pipeline(root, tmp_path / "outside")
    run_update(load_pipeline(settings, root))
    make_landing(root, seed=4)
    update = run_update(load_pipeline(settings, root))
    written = {d.name: d.written_rows for d in update.datasets}
    costs = landing_shipping_costs(root)
    costly = sum(c is not None and c > 10 for c in costs)
    assert written == {"raw_orders": len(costs), "costly_orders": costly, "outside_rows": 0}
    assert DeltaStore(Lakehouse(root).tables).read("costly_orders").num_rows == costly
    assert update.notes == [
        "rebuilt from all their input: raw_orders "
        "(the landing zone was generated again from other inputs)",
        "rebuilt from all their input: costly_orders (raw_orders, which it streams from, "
        "was rebuilt)",
    ]
