"""Staged files committed with the metadata their table should carry, as Databricks writes
it: the description, the configuration (properties verbatim, Delta's own taking effect,
the clustering columns in Delta's JSON) and column comments in the schema's field
metadata; read back from the log's JSON itself and through delta-rs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from retail_lakehouse.storage.delta import DeltaStore, StorageError
from retail_lakehouse.storage.delta_files import (
    StagedFiles,
    check_cluster_columns,
    commit_files,
    stage_arrow,
)
from retail_lakehouse.storage.first_version import FIRST_COMMIT
from retail_lakehouse.storage.table_metadata import TableMetadata, commented_schema

DAILY = TableMetadata(
    description="Orders per day.",
    properties=(("quality", "gold"), ("pipelines.autoOptimize.zOrderCols", "day,id")),
    clustering=("day", "channel"),
    column_comments=(("ID", "The order."), ("nope", "Not a column.")),
)


@pytest.fixture
def store(tmp_path: Path) -> DeltaStore:
    return DeltaStore(tmp_path / "lake")


def orders(ids: list[int]) -> pa.Table:
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "day": pa.array([f"2024-01-0{1 + i % 3}" for i in ids]),
        "channel": pa.array(["web"] * len(ids)),
    })  # fmt: skip


def commit(
    store: DeltaStore,
    data: pa.Table,
    metadata: TableMetadata,
    mode: str = "overwrite",
    info: dict[str, str] | None = None,
) -> None:
    path = store.table_path("orders")
    schema_mode = "overwrite" if mode == "overwrite" else None
    staged = stage_arrow(path, data, mode, schema_mode)  # type: ignore[arg-type]
    commit_files(replace(staged, table_metadata=metadata), info)


def log_actions(path: Path) -> list[list[dict[str, Any]]]:
    """Each commit's actions, in version order, as the log's JSON files hold them."""
    commits = sorted((path / "_delta_log").glob("*.json"))
    return [[json.loads(line) for line in c.read_text().splitlines() if line] for c in commits]


def logged(path: Path, kind: str) -> dict[str, Any]:
    """The latest action of ``kind`` (``metaData``, ``protocol``) in the log."""
    found: list[dict[str, Any]] = [a[kind] for c in log_actions(path) for a in c if kind in a]
    return found[-1]


def logged_fields(path: Path) -> dict[str, dict[str, Any]]:
    schema = json.loads(logged(path, "metaData")["schemaString"])
    return {f["name"]: f for f in schema["fields"]}


def operations(path: Path) -> list[str]:
    return [a["commitInfo"]["operation"] for c in log_actions(path) for a in c if "commitInfo" in a]


def test_a_new_table_records_description_configuration_and_column_comments(
    store: DeltaStore,
) -> None:
    commit(store, orders([1, 2, 3]), DAILY, info={"update": "u1"})

    path = store.table_path("orders")
    metadata = logged(path, "metaData")
    assert metadata["description"] == "Orders per day."
    assert metadata["configuration"] == {
        "quality": "gold",
        "pipelines.autoOptimize.zOrderCols": "day,id",
        "clusteringColumns": '[["day"],["channel"]]',
    }
    fields = logged_fields(path)
    assert fields["id"]["metadata"] == {"comment": "The order."}  # matched without case
    assert fields["day"]["metadata"] == {} and "nope" not in fields
    assert [c["nullable"] for c in fields.values()] == [True, True, True]
    read = DeltaTable(path).metadata()  # delta-rs reads the same back
    assert (read.description, read.configuration) == (metadata["description"],
                                                      metadata["configuration"])  # fmt: skip


def test_creating_takes_one_commit_with_the_files_and_the_commit_info(
    store: DeltaStore,
) -> None:
    commit(store, orders([1, 2]), DAILY, info={"update": "u1"})

    [actions] = log_actions(store.table_path("orders"))
    infos = [a["commitInfo"] for a in actions if "commitInfo" in a]
    assert [(i["operation"], i["update"]) for i in infos] == [("CREATE TABLE AS SELECT", "u1")]
    assert len([a for a in actions if "add" in a]) == 1
    assert DeltaTable(store.table_path("orders"), version=0).to_pyarrow_table().num_rows == 2


def test_delta_properties_delta_rs_knows_take_effect(store: DeltaStore) -> None:
    metadata = TableMetadata(properties=(
        ("delta.checkpointInterval", "2"), ("delta.enableChangeDataFeed", "true"),
        ("delta.someFutureFeature", "on"),
    ))  # fmt: skip
    for ids in ([1], [2], [3]):
        commit(store, orders(ids), metadata)

    path = store.table_path("orders")
    assert list((path / "_delta_log").glob("*.checkpoint.parquet"))  # not before 100 otherwise
    assert logged(path, "protocol")["minWriterVersion"] >= 4  # change data feed
    assert logged(path, "metaData")["configuration"]["delta.someFutureFeature"] == "on"


def test_an_unchanged_table_gets_one_commit_per_write(store: DeltaStore) -> None:
    commit(store, orders([1, 2]), DAILY)
    commit(store, orders([3]), DAILY)
    commit(store, orders([4]), DAILY, "append")

    assert operations(store.table_path("orders")) == ["CREATE TABLE AS SELECT", "WRITE", "WRITE"]


def test_appends_keep_the_metadata(store: DeltaStore) -> None:
    commit(store, orders([1, 2]), DAILY)
    before = logged(store.table_path("orders"), "metaData")

    commit(store, orders([3]), DAILY, "append")

    path = store.table_path("orders")
    assert logged(path, "metaData") == before
    assert sorted(store.read("orders").column("id").to_pylist()) == [1, 2, 3]


def test_a_changed_definition_is_altered_in_commits_before_the_write(store: DeltaStore) -> None:
    commit(store, orders([1, 2]), DAILY)
    changed = replace(
        DAILY,
        description="Orders by day.",
        properties=(("quality", "platinum"), ("pipelines.autoOptimize.zOrderCols", "day,id")),
        column_comments=(("id", "The order's id."),),
    )

    commit(store, orders([3]), changed, "append", {"update": "u2"})

    path = store.table_path("orders")
    metadata = logged(path, "metaData")
    assert metadata["description"] == "Orders by day."
    assert metadata["configuration"]["quality"] == "platinum"
    assert logged_fields(path)["id"]["metadata"] == {"comment": "The order's id."}
    infos = [a["commitInfo"] for c in log_actions(path)[1:] for a in c if "commitInfo" in a]
    assert [i["operation"] for i in infos][-1] == "WRITE"
    assert len(infos) == 4 and {i["update"] for i in infos} == {"u2"}


def test_an_overwrite_carries_changed_column_comments_in_its_own_commit(
    store: DeltaStore,
) -> None:
    commit(store, orders([1]), DAILY)

    commit(store, orders([2]), replace(DAILY, column_comments=(("day", "The day."),)))

    path = store.table_path("orders")
    assert operations(path)[1:] == ["WRITE"]
    fields = logged_fields(path)
    assert fields["day"]["metadata"] == {"comment": "The day."} and fields["id"]["metadata"] == {}


def test_clustering_removed_from_the_definition_is_recorded_as_none(store: DeltaStore) -> None:
    commit(store, orders([1]), DAILY)

    commit(store, orders([2]), replace(DAILY, clustering=()))

    assert logged(store.table_path("orders"), "metaData")["configuration"]["clusteringColumns"] == (
        "[]"
    )


def test_an_append_without_rows_commits_only_changed_metadata(store: DeltaStore) -> None:
    commit(store, orders([1]), DAILY)
    commit(store, orders([]), DAILY, "append")
    path = store.table_path("orders")
    assert operations(path) == ["CREATE TABLE AS SELECT"]

    commit(store, orders([]), replace(DAILY, description="New."), "append")

    assert operations(path) == ["CREATE TABLE AS SELECT", "UPDATE TABLE METADATA"]
    assert store.read("orders").column("id").to_pylist() == [1]
    assert len(list(path.glob("*.parquet"))) == 1  # the empty file went, not into the table


def test_describes_compares_what_the_definition_says(store: DeltaStore) -> None:
    assert not store.describes("orders", DAILY)  # no table
    commit(store, orders([1]), DAILY)

    assert store.describes("orders", DAILY)
    assert store.describes("orders", replace(DAILY, description=None, properties=()))
    assert not store.describes("orders", replace(DAILY, description="Other."))
    assert not store.describes("orders", replace(DAILY, properties=(("quality", "x"),)))
    assert not store.describes("orders", replace(DAILY, clustering=("id",)))
    assert not store.describes("orders", replace(DAILY, column_comments=(("day", "d"),)))


def test_a_restore_brings_the_metadata_back(store: DeltaStore) -> None:
    commit(store, orders([1]), DAILY)
    before = store.version("orders")

    commit(store, orders([2]), replace(DAILY, description="Other.", clustering=("id",)))
    store.restore(before)

    metadata = logged(store.table_path("orders"), "metaData")
    assert metadata["description"] == "Orders per day."
    assert metadata["configuration"]["clusteringColumns"] == '[["day"],["channel"]]'


def test_a_failed_commit_names_the_table(store: DeltaStore) -> None:
    bad = TableMetadata(properties=(("delta.minReaderVersion", "9"),))
    path = store.table_path("orders")
    staged: StagedFiles = stage_arrow(path, orders([1]), "overwrite", "overwrite")

    with pytest.raises(StorageError, match=r"orders.*cannot overwrite: commit failed"):
        commit_files(replace(staged, table_metadata=bad))
    assert not staged.folder.exists()


def test_commented_schema_keeps_other_field_metadata() -> None:
    schema = pa.schema([pa.field("a", pa.int32(), metadata={"x": "1"}), pa.field("b", pa.int8())])

    commented = commented_schema(schema, TableMetadata(column_comments=(("a", "A."),)))

    assert commented.field("a").metadata == {b"x": b"1", b"comment": b"A."}
    assert commented.field("b").metadata is None


def test_clustering_on_an_unknown_column_fails(tmp_path: Path) -> None:
    check_cluster_columns(tmp_path / "t", ["Day", "id"], ["day", "ID"])
    with pytest.raises(StorageError) as caught:
        check_cluster_columns(tmp_path / "t", ["day", "id"], ["day", "nope", "Other"])
    assert (
        str(caught.value)
        == f"Delta table {tmp_path / 't'}: cannot cluster: no column(s) 'nope', 'Other'"
    )


def test_delta_rs_writes_to_no_clustered_table_so_clustering_stays_in_the_configuration(
    tmp_path: Path,
) -> None:
    """Why the clustering columns are not in the ``delta.clustering`` domain metadata: a
    table with the ``clustering`` feature takes no more commits from delta-rs. When this
    fails, delta-rs writes such tables and the domain can be written too."""
    path = tmp_path / "clustered"
    DeltaTable.create(path, orders([1]).schema)
    first = path / "_delta_log" / FIRST_COMMIT
    actions = [json.loads(line) for line in first.read_text().splitlines() if line]
    features = {"minReaderVersion": 1, "minWriterVersion": 7,
                "writerFeatures": ["domainMetadata", "clustering"]}  # fmt: skip
    domain = {"domain": "delta.clustering", "removed": False,
              "configuration": json.dumps({"clusteringColumns": [["day"]]})}  # fmt: skip
    actions = [{"protocol": features} if "protocol" in a else a for a in actions]
    first.write_text("\n".join(json.dumps(a) for a in [*actions, {"domainMetadata": domain}]))

    with pytest.raises(Exception, match="Unsupported table features"):
        DeltaTable(path).alter.set_table_description("Orders.")
