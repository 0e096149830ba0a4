"""Two-step Delta commits: staged files change nothing until one commit adds them all."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from retail_lakehouse.storage import delta_files
from retail_lakehouse.storage.delta import DeltaStore, StorageError
from retail_lakehouse.storage.delta_files import (
    NEW_FILES_PREFIX,
    StagedFiles,
    commit_files,
    stage_arrow,
    table_files,
)


@pytest.fixture
def store(tmp_path: Path) -> DeltaStore:
    return DeltaStore(tmp_path / "lake")


def orders(ids: list[int], channel: str = "web") -> pa.Table:
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "channel": pa.array([channel] * len(ids)),
        "amount": pa.array([i * 1.5 for i in ids]),
    })  # fmt: skip


def disk_full(*args: object, **kwargs: object) -> None:
    """Stands for a commit step that fails as a full disk makes it fail."""
    raise OSError("disk full")


def leftovers(store: DeltaStore) -> list[str]:
    return [p.name for p in store.root.iterdir() if NEW_FILES_PREFIX in p.name]


def test_staged_files_change_nothing_until_committed(store: DeltaStore) -> None:
    store.write("orders", orders([1, 2]), "overwrite")
    path = store.table_path("orders")

    staged = stage_arrow(path, orders([3, 4, 5]), "overwrite", "overwrite")

    assert staged.folder.parent == store.root and staged.folder.name.startswith(".orders.")
    assert store.version("orders").version == 0
    assert store.read("orders").column("id").to_pylist() == [1, 2]

    commit_files(staged)

    assert store.version("orders").version == 1
    assert sorted(store.read("orders").column("id").to_pylist()) == [3, 4, 5]
    assert leftovers(store) == []


def logged_adds(path: Path) -> list[dict[str, Any]]:
    """The add actions of every commit in the table's log."""
    commits = sorted((path / "_delta_log").glob("*.json"))
    actions = [json.loads(line) for c in commits for line in c.read_text().splitlines()]
    return [action["add"] for action in actions if "add" in action]


def test_committed_files_carry_delta_rs_statistics(store: DeltaStore) -> None:
    path = store.table_path("orders")
    commit_files(stage_arrow(path, orders([7, 3, 9]), "overwrite", "overwrite"))

    (stats,) = [json.loads(a["stats"]) for a in logged_adds(path)]
    assert stats["numRecords"] == 3
    assert (stats["minValues"]["id"], stats["maxValues"]["id"]) == (3, 9)


def test_partitioned_files_land_in_partition_folders_of_the_table(store: DeltaStore) -> None:
    path = store.table_path("orders")
    data = pa.concat_tables([orders([1], "web"), orders([2], "mobile app"), orders([3], "a/b")])

    commit_files(stage_arrow(path, data, "overwrite", "overwrite", ["channel"]))

    assert sorted(p.name for p in path.iterdir() if p.name.startswith("channel=")) == [
        "channel=a%2Fb", "channel=mobile%20app", "channel=web",
    ]  # fmt: skip
    back = {r["id"]: r["channel"] for r in store.read("orders").to_pylist()}
    assert back == {1: "web", 2: "mobile app", 3: "a/b"}


@pytest.mark.parametrize("folder", ["a lake", "it's", "hash#1 ?x", "Zürich"])
def test_a_table_in_a_folder_with_awkward_characters_lists_its_files_as_on_disk(
    tmp_path: Path, folder: str
) -> None:
    """delta-rs percent-encodes the table's folder in its file URIs (a space as %20) but
    not the partition folders' own escapes: both kinds of file are found where they are."""
    store = DeltaStore(tmp_path / folder / "tables")
    plain, partitioned = store.table_path("plain"), store.table_path("partitioned")
    data = pa.concat_tables([orders([1], "mobile app"), orders([2], "100%"), orders([3], "a=b")])
    commit_files(stage_arrow(plain, data, "overwrite", "overwrite", []))
    commit_files(stage_arrow(partitioned, data, "overwrite", "overwrite", ["channel"]))

    listed = {name: table_files(store.table_path(name)).files for name in ("plain", "partitioned")}
    assert [f.parent for f in listed["plain"]] == [plain]
    assert sorted(f.parent.name for f in listed["partitioned"]) == [
        "channel=100%25", "channel=a%3Db", "channel=mobile%20app",
    ]  # fmt: skip
    assert all(f.is_file() and f.parent.parent == partitioned for f in listed["partitioned"])
    stored = store.files("plain").files
    assert stored is not None and [f.parent for f in stored] == [plain]
    assert sorted(store.read("partitioned").column("id").to_pylist()) == [1, 2, 3]


def test_appended_data_takes_the_tables_wider_types(store: DeltaStore) -> None:
    store.write("orders", orders([1]), "overwrite")
    narrow = pa.table({
        "amount": pa.array([4.5]),
        "id": pa.array([3], pa.int32()),
        "channel": pa.array(["web"]),
    })  # fmt: skip

    commit_files(stage_arrow(store.table_path("orders"), narrow, "append", None))

    back = store.read("orders")
    assert back.schema.field("id").type == pa.int64()
    assert sorted(back.column("id").to_pylist()) == [1, 3]


def test_an_incompatible_append_is_refused_before_writing(store: DeltaStore) -> None:
    store.write("orders", orders([1]), "overwrite")
    other = pa.table({"id": pa.array(["x"]), "channel": ["web"], "amount": [1.0]})

    with pytest.raises(StorageError, match="cannot append") as caught:
        stage_arrow(store.table_path("orders"), other, "append", None)

    assert str(store.table_path("orders")) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert leftovers(store) == []


def test_a_failed_commit_leaves_the_table_and_no_files(
    store: DeltaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write("orders", orders([1, 2]), "overwrite")
    path = store.table_path("orders")
    files_before = sorted(p.name for p in path.rglob("*.parquet"))
    staged = stage_arrow(path, orders([3]), "overwrite", "overwrite")

    monkeypatch.setattr(DeltaTable, "create_write_transaction", disk_full)
    with pytest.raises(StorageError, match="commit failed: disk full"):
        commit_files(staged)

    assert store.version("orders").version == 0
    assert sorted(p.name for p in path.rglob("*.parquet")) == files_before
    assert leftovers(store) == []


def test_files_left_staging_by_a_crash_are_not_a_table(store: DeltaStore) -> None:
    store.write("orders", orders([1]), "overwrite")
    path = store.table_path("orders")
    staged = stage_arrow(path, orders([2]), "overwrite", "overwrite")
    write_deltalake(staged.folder, orders([3]), mode="append")  # as if killed mid-staging

    assert store.list_tables() == ["orders"]
    assert store.read("orders").column("id").to_pylist() == [1]


def test_an_overwrite_replaces_the_schema_as_a_changed_view_needs(store: DeltaStore) -> None:
    store.write("orders", orders([1, 2]), "overwrite")
    changed = pa.table({"id": ["p", "q"], "score": [1.5, 2.5]})

    commit_files(stage_arrow(store.table_path("orders"), changed, "overwrite", "overwrite"))

    assert store.read("orders").sort_by("id").equals(changed)
    assert store.version("orders").version == 1


def test_an_append_in_another_order_and_narrower_types_keeps_the_tables_schema(
    store: DeltaStore,
) -> None:
    store.write("orders", orders([1]), "overwrite")
    schema = store.schema("orders")
    narrow = pa.table({
        "amount": pa.array([4.5], pa.float32()),
        "id": pa.array([3], pa.int32()),
        "channel": pa.array(["store"]),
    })  # fmt: skip

    staged = stage_arrow(store.table_path("orders"), narrow, "append", None)
    commit_files(staged)

    assert staged.schema.names == schema.names
    assert store.schema("orders") == schema
    back = store.read("orders").sort_by("id")
    assert back.column_names == ["id", "channel", "amount"]
    assert back.to_pylist() == [
        *orders([1]).to_pylist(),
        {"id": 3, "channel": "store", "amount": 4.5},
    ]


def test_a_failed_write_names_the_table_and_leaves_no_staged_folder(store: DeltaStore) -> None:
    path = store.table_path("orders")

    too_big = pa.table({"id": pa.array([2**64 - 1], pa.uint64())})  # no BIGINT holds it

    with pytest.raises(StorageError) as caught:
        stage_arrow(path, too_big, "append", None)

    message = str(caught.value)
    assert str(path) in message and "cannot append: write failed: " in message
    cause = str(caught.value.__cause__)
    assert cause and cause[:40] in message  # delta-rs' own words, shortened to one line
    assert "\n" not in message
    assert not path.exists()
    assert leftovers(store) == []


def test_a_failed_commit_of_a_partitioned_table_leaves_no_files_or_folders(
    store: DeltaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write("orders", orders([1, 2]), "overwrite", partition_by=["channel"])
    path = store.table_path("orders")
    before = sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))
    more = pa.concat_tables([orders([3], "mobile app"), orders([4], "store"), orders([5])])
    staged = stage_arrow(path, more, "append", None, ["channel"])

    monkeypatch.setattr(DeltaTable, "create_write_transaction", disk_full)
    with pytest.raises(StorageError, match="cannot append: commit failed: disk full"):
        commit_files(staged)

    assert sorted(p.relative_to(path).as_posix() for p in path.rglob("*")) == before
    assert store.version("orders").version == 0
    assert leftovers(store) == []


def test_an_overwrite_with_no_rows_still_commits_a_version(store: DeltaStore) -> None:
    store.write("orders", orders([1, 2]), "overwrite")
    path = store.table_path("orders")
    empty = orders([])

    for expected in (1, 2):  # first the table has files, then it has none
        commit_files(stage_arrow(path, empty, "overwrite", None), {"update": f"u{expected}"})

        assert store.version("orders").version == expected
        assert store.read("orders").num_rows == 0
        assert store.history("orders", limit=1)[0]["update"] == f"u{expected}"


def test_table_files_are_the_current_versions_parquet_files(store: DeltaStore) -> None:
    path = store.table_path("orders")
    data = pa.concat_tables([orders([1], "web"), orders([2, 3], "store")])
    commit_files(stage_arrow(path, data, "overwrite", "overwrite", ["channel"]))
    commit_files(stage_arrow(path, orders([4], "web"), "append", None))

    files = table_files(path)

    current = sorted(Path(uri) for uri in DeltaTable(str(path)).file_uris())
    assert files.path == path and sorted(files.files) == current and len(current) == 3
    assert all(f.is_file() and path in f.parents for f in files.files)
    assert files.schema == pa.schema(DeltaTable(str(path)).schema())
    assert files.schema.names == ["id", "channel", "amount"]
    assert files.partition_by == ["channel"]


def test_table_files_of_a_table_missing_a_data_file_name_the_table(store: DeltaStore) -> None:
    path = store.table_path("orders")
    commit_files(stage_arrow(path, orders([1, 2]), "overwrite", "overwrite"))
    (lost,) = [Path(uri) for uri in DeltaTable(str(path)).file_uris()]
    lost.unlink()

    with pytest.raises(StorageError) as caught:
        table_files(path)

    message = str(caught.value)
    assert str(path) in message and f"1 data file(s) in the log are missing: {lost.name}" in message


def test_a_failed_first_commit_removes_only_what_it_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new table's folder is left empty; the folders above it stay (the tables'
    folder holds nothing else here, so removing empty parents would remove it)."""
    store = DeltaStore(tmp_path / "lake" / "tables")
    path = store.table_path("orders")
    data = pa.concat_tables([orders([1], "web"), orders([2], "store")])
    staged = stage_arrow(path, data, "overwrite", "overwrite", ["channel"])

    monkeypatch.setattr(delta_files, "create_with_files", disk_full)
    with pytest.raises(StorageError, match="cannot overwrite: commit failed: disk full"):
        commit_files(staged)

    assert store.root.is_dir() and path.is_dir()
    assert list(path.iterdir()) == []
    assert leftovers(store) == []


def staged_files(staged: StagedFiles) -> list[Path]:
    return sorted(staged.folder.rglob("*.parquet"))


@pytest.mark.parametrize(
    ("mtime_ms", "recorded"),
    [(1_700_000_000_123, "the file's"), (0, "the commit's")],
    ids=["mtime", "no-mtime"],
)
def test_an_added_file_is_a_data_change_stamped_with_its_modification_time(
    store: DeltaStore, mtime_ms: int, recorded: str
) -> None:
    """The file's modification time in milliseconds; the commit's time for a file whose
    time reads as the epoch (a file system that keeps none)."""
    path = store.table_path("orders")
    staged = stage_arrow(path, orders([1, 2]), "overwrite", "overwrite")
    for file in staged_files(staged):
        os.utime(file, ns=(mtime_ms * 1_000_000, mtime_ms * 1_000_000))
    before = int(time.time() * 1000)
    commit_files(staged)
    after = int(time.time() * 1000)

    (add,) = logged_adds(path)
    assert add["dataChange"] is True
    if recorded == "the file's":
        assert add["modificationTime"] == mtime_ms
    else:
        assert before <= add["modificationTime"] <= after


def test_an_appends_files_without_rows_are_dropped_and_the_rest_added(
    store: DeltaStore,
) -> None:
    store.write("orders", orders([1]), "overwrite")
    path = store.table_path("orders")
    staged = stage_arrow(path, orders([2, 3]), "append", None)
    empty = staged.folder / "part-0-empty.parquet"  # sorts before delta-rs' own file
    pq.write_table(orders([]), empty)

    commit_files(staged)

    assert sorted(store.read("orders").column("id").to_pylist()) == [1, 2, 3]
    assert [a["path"] for a in logged_adds(path) if "empty" in a["path"]] == []
    assert not (path / empty.name).exists()


def test_files_in_hidden_or_underscore_folders_of_the_staged_folder_are_not_added(
    store: DeltaStore,
) -> None:
    """What a writer keeps aside (Spark's ``_temporary``, a dot folder) is not data."""
    path = store.table_path("orders")
    staged = stage_arrow(path, orders([1, 2]), "overwrite", "overwrite")
    for folder in ("_temporary", ".attempt"):
        (staged.folder / folder).mkdir()
        pq.write_table(orders([99]), staged.folder / folder / "part-9.parquet")

    commit_files(staged)

    assert sorted(store.read("orders").column("id").to_pylist()) == [1, 2]


def test_files_under_two_partition_columns_record_both_values(store: DeltaStore) -> None:
    """Null partition values (Hive's default partition) and values holding '=' too."""
    path = store.table_path("orders")
    data = orders([1, 2, 3, 4]).append_column("day", pa.array(["d1", "d2", None, "a=b"]))

    commit_files(stage_arrow(path, data, "overwrite", "overwrite", ["channel", "day"]))

    logged = sorted((a["partitionValues"]["day"] or "") for a in logged_adds(path))
    assert logged == ["", "a=b", "d1", "d2"]
    back = {r["id"]: (r["channel"], r["day"]) for r in store.read("orders").to_pylist()}
    assert back == {1: ("web", "d1"), 2: ("web", "d2"), 3: ("web", None), 4: ("web", "a=b")}


def test_files_staged_before_the_table_changed_its_schema_are_refused(
    store: DeltaStore,
) -> None:
    """Another writer replaced the table between staging and commit: the staged append no
    longer fits, and the table stays as that writer left it."""
    store.write("orders", orders([1]), "overwrite")
    path = store.table_path("orders")
    staged = stage_arrow(path, orders([2]), "append", None)
    other = pa.table({"id": pa.array(["x"]), "channel": ["web"], "amount": [1.0]})
    store.write("orders", other, "overwrite", schema_mode="overwrite")

    with pytest.raises(StorageError) as caught:
        commit_files(staged)

    assert str(caught.value).startswith(f"Delta table {path}: cannot append: ")
    assert store.read("orders").column("id").to_pylist() == ["x"]
    assert leftovers(store) == []
