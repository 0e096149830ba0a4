"""A new table's version 0 holds its metadata and its first files in one commit, put in
place whole or not at all; read back by delta-rs, by time travel and by the log's JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from retail_lakehouse.storage.delta import DeltaStore, StorageError
from retail_lakehouse.storage.delta_files import commit_files, is_new_files_folder, stage_arrow
from retail_lakehouse.storage.first_version import FIRST_COMMIT, create_with_files
from retail_lakehouse.storage.table_metadata import TableMetadata

METADATA = TableMetadata(
    description="Sales.",
    properties=(("pipelines.reset.allowed", "false"), ("delta.appendOnly", "false")),
    clustering=("day",),
)


def sales(n: int) -> pa.Table:
    return pa.table({
        "id": pa.array(range(n), pa.int64()),
        "day": pa.array([f"2024-01-0{1 + i % 3}" for i in range(n)]),
    })  # fmt: skip


def create(path: Path, data: pa.Table, partition_by: tuple[str, ...] = ()) -> None:
    staged = stage_arrow(path, data, "overwrite", "overwrite", partition_by)
    commit_files(replace(staged, table_metadata=METADATA), {"update": "u1"})


def first_commit(path: Path) -> list[dict[str, Any]]:
    text = (path / "_delta_log" / FIRST_COMMIT).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def kinds(actions: list[dict[str, Any]]) -> list[str]:
    return [next(iter(action)) for action in actions]


def test_version_0_holds_protocol_metadata_files_and_commit_info(tmp_path: Path) -> None:
    path = tmp_path / "sales"
    create(path, sales(5))

    actions = first_commit(path)
    assert kinds(actions) == ["commitInfo", "protocol", "metaData", "add"]
    info, metadata, add = actions[0]["commitInfo"], actions[2]["metaData"], actions[3]["add"]
    assert (info["operation"], info["update"]) == ("CREATE TABLE AS SELECT", "u1")
    assert metadata["description"] == "Sales."
    assert metadata["configuration"]["pipelines.reset.allowed"] == "false"
    assert json.loads(add["stats"])["numRecords"] == 5
    assert sorted(p.name for p in (path / "_delta_log").iterdir()) == [FIRST_COMMIT]
    table = DeltaTable(path, version=0)
    assert table.version() == 0 and table.to_pyarrow_table().sort_by("id").equals(sales(5))


def test_a_partitioned_table_records_its_partition_values(tmp_path: Path) -> None:
    path = tmp_path / "sales"
    create(path, sales(6), ("day",))

    adds = [action["add"] for action in first_commit(path) if "add" in action]
    assert sorted(add["partitionValues"]["day"] for add in adds) == [
        "2024-01-01", "2024-01-02", "2024-01-03",
    ]  # fmt: skip
    assert DeltaStore(tmp_path).read("sales").num_rows == 6


def test_an_empty_first_write_creates_the_table_without_files(tmp_path: Path) -> None:
    path = tmp_path / "sales"
    create(path, sales(0))

    assert "add" not in kinds(first_commit(path))
    assert DeltaStore(tmp_path).read("sales").schema.names == ["id", "day"]


def test_no_scratch_folder_is_left_beside_the_table(tmp_path: Path) -> None:
    create(tmp_path / "sales", sales(3))

    assert [p.name for p in tmp_path.iterdir()] == ["sales"]


def test_an_existing_version_0_is_kept_and_the_second_create_fails(tmp_path: Path) -> None:
    path = tmp_path / "sales"
    create(path, sales(3))
    before = (path / "_delta_log" / FIRST_COMMIT).read_bytes()
    scratch = tmp_path / ".sales.files-0123456789abcdef0123456789abcdef"
    assert is_new_files_folder(scratch)  # so recovery would sweep one a crash left

    with pytest.raises(FileExistsError):
        create_with_files(path, scratch, sales(1).schema, (), METADATA, [], {})

    assert (path / "_delta_log" / FIRST_COMMIT).read_bytes() == before
    assert sorted(p.name for p in (path / "_delta_log").iterdir()) == [FIRST_COMMIT]
    assert not scratch.exists()


def test_metadata_delta_rs_refuses_fails_the_commit_and_leaves_no_table(tmp_path: Path) -> None:
    path = tmp_path / "sales"
    staged = stage_arrow(path, sales(2), "overwrite", "overwrite")
    bad = TableMetadata(properties=(("delta.minReaderVersion", "9"),))

    with pytest.raises(StorageError, match=r"sales.*cannot overwrite: commit failed"):
        commit_files(replace(staged, table_metadata=bad))

    assert not list(path.rglob("*.parquet")) and not (path / "_delta_log").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "sales"] == []
