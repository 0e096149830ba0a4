from __future__ import annotations

import datetime as dt
import decimal
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from retail_lakehouse.storage.delta import DeltaStore, StorageError, TableVersion
from retail_lakehouse.storage.schema_check import fits

UTC = dt.UTC


def sample_table(start: int = 0, rows: int = 4) -> pa.Table:
    """Every column type the pipeline writes, with a null in each column (row ``start + 1``)."""
    ids = list(range(start, start + rows))
    present = [i != start + 1 for i in ids]
    cities = ["Berlin", "Zürich", "", "Paris"]
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "city": pa.array(
                [cities[i % 4] if ok else None for i, ok in zip(ids, present, strict=True)]
            ).dictionary_encode(),
            "ordered_at": pa.array(
                [
                    dt.datetime(2024, 1, 1, 12, 30, 15, 123456, tzinfo=UTC) + dt.timedelta(days=i)
                    if ok
                    else None
                    for i, ok in zip(ids, present, strict=True)
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "amount": pa.array(
                [
                    decimal.Decimal(f"{i * 1000 + 0.25:.2f}") if ok else None
                    for i, ok in zip(ids, present, strict=True)
                ],
                pa.decimal128(12, 2),
            ),
            "quantity": pa.array(
                [i * 3 if ok else None for i, ok in zip(ids, present, strict=True)]
            ),
            "ratio": pa.array([i / 7 if ok else None for i, ok in zip(ids, present, strict=True)]),
            "returned": pa.array(
                [i % 2 == 0 if ok else None for i, ok in zip(ids, present, strict=True)]
            ),
        }
    )


def as_stored(table: pa.Table) -> pa.Table:
    """What a read returns for ``table``: dictionary columns come back as plain strings."""
    return table.set_column(1, "city", table.column("city").cast(pa.string()))


def sorted_rows(table: pa.Table) -> pa.Table:
    return table.sort_by("id")


@pytest.fixture
def store(tmp_path: Path) -> DeltaStore:
    return DeltaStore(tmp_path / "lake")


def log_files(store: DeltaStore, name: str) -> list[Path]:
    return sorted((store.table_path(name) / "_delta_log").glob("*.json"))


def data_files(store: DeltaStore, name: str) -> list[Path]:
    return sorted(store.table_path(name).glob("*.parquet"))


def assert_one_line_naming(error: pytest.ExceptionInfo[StorageError], path: Path) -> None:
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message
    assert "\x1b[" not in message


# --- round trips ----------------------------------------------------------------------------


def test_round_trip_keeps_types_values_and_nulls(store: DeltaStore) -> None:
    data = sample_table()
    assert pa.types.is_dictionary(data.schema.field("city").type)

    assert store.write("orders", data, "overwrite") == 0

    back = store.read("orders")
    assert back.schema.field("city").type == pa.string()  # delta-rs accepts dictionaries
    assert back.schema.field("ordered_at").type == pa.timestamp("us", tz="UTC")
    assert back.schema.field("amount").type == pa.decimal128(12, 2)
    assert sorted_rows(back).equals(as_stored(data))
    assert sorted_rows(back).slice(1, 1).to_pylist()[0] == {
        "id": 1,
        **dict.fromkeys(["city", "ordered_at", "amount", "quantity", "ratio", "returned"]),
    }


def test_record_batch_reader_with_dictionary_is_written(store: DeltaStore) -> None:
    data = sample_table(rows=6)
    reader = pa.RecordBatchReader.from_batches(data.schema, data.to_batches(max_chunksize=2))

    store.write("orders", reader, "overwrite")

    assert sorted_rows(store.read("orders")).equals(as_stored(data))


def test_each_write_is_one_commit_and_returns_its_version(store: DeltaStore) -> None:
    assert store.write("t", sample_table(0), "overwrite") == 0
    assert store.write("t", sample_table(4), "append") == 1
    assert store.write("t", sample_table(8), "overwrite") == 2

    assert store.version("t") == TableVersion(store.table_path("t"), 2)
    assert len(log_files(store, "t")) == 3
    assert store.read("t").column("id").to_pylist() == [8, 9, 10, 11]


def test_a_store_reads_again_a_table_another_writer_committed_to(store: DeltaStore) -> None:
    store.write("t", sample_table(4), "overwrite")
    assert store.version("t").version == 0
    assert len(store.history("t")) == 1
    DeltaStore(store.root).write("t", sample_table(8), "append")  # not through this store
    assert store.version("t").version == 1
    assert [entry["version"] for entry in store.history("t")] == [1, 0]
    assert store.read("t").num_rows == sample_table(4).num_rows + sample_table(8).num_rows


def test_a_table_made_again_with_as_many_commits_is_read_again(store: DeltaStore) -> None:
    store.write("t", sample_table(4), "overwrite")
    assert store.schema("t").names == sample_table(4).schema.names
    shutil.rmtree(store.table_path("t"))
    DeltaStore(store.root).write("t", pa.table({"other": [1, 2]}), "overwrite")
    assert store.schema("t").names == ["other"]
    assert store.read("t").num_rows == 2


def test_append_accepts_lossless_widening(store: DeltaStore) -> None:
    store.write("t", pa.table({"n": pa.array([1], pa.int64()), "s": ["a"]}), "overwrite")

    narrow = pa.table({"n": pa.array([2], pa.int32()), "s": pa.array(["b"], pa.large_string())})
    store.write("t", narrow, "append")

    assert sorted(store.read("t").column("n").to_pylist()) == [1, 2]
    assert store.read("t").schema.field("n").type == pa.int64()


def test_empty_table_round_trips(store: DeltaStore) -> None:
    empty = sample_table().slice(0, 0)
    store.write("t", empty, "overwrite")

    assert store.read("t").num_rows == 0
    assert store.read("t").schema == as_stored(empty).schema


# --- existence, versions, listing -----------------------------------------------------------


def test_absent_table_has_no_version(store: DeltaStore) -> None:
    assert not store.exists("nope")
    assert store.version("nope") == TableVersion(store.table_path("nope"), None)
    assert store.list_tables() == []


def test_empty_folder_counts_as_absent(store: DeltaStore) -> None:
    store.table_path("t").mkdir(parents=True)
    assert store.version("t").version is None
    assert not store.exists("t")


def test_list_tables_lists_only_delta_tables_sorted(store: DeltaStore) -> None:
    for name in ["b_sales", "a_orders", "c_items"]:
        store.write(name, sample_table(), "overwrite")
    (store.root / "not_a_table").mkdir()
    (store.root / "stray.parquet").write_bytes(b"")

    assert store.list_tables() == ["a_orders", "b_sales", "c_items"]
    assert store.exists("a_orders")
    assert not store.exists("not_a_table")


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden"])
def test_invalid_table_names_are_rejected(store: DeltaStore, name: str) -> None:
    with pytest.raises(StorageError, match="invalid table name"):
        store.table_path(name)


def test_history_is_newest_first_with_versions(store: DeltaStore) -> None:
    store.write("t", sample_table(0), "overwrite")
    store.write("t", sample_table(4), "append")

    history = store.history("t")

    assert [entry["version"] for entry in history] == [1, 0]
    assert [entry["operation"] for entry in history] == ["WRITE", "WRITE"]
    assert history[0]["operationParameters"] == {"mode": "Append"}


# --- restore --------------------------------------------------------------------------------


def test_restore_after_overwrite_returns_previous_rows(store: DeltaStore) -> None:
    store.write("t", sample_table(0), "overwrite")
    store.write("t", sample_table(4), "append")
    before = store.version("t")
    expected = sorted_rows(store.read("t"))

    store.write("t", sample_table(100), "overwrite")
    store.restore(before)

    assert sorted_rows(store.read("t")).equals(expected)
    assert store.version("t").version == 3  # a restore is a new commit


def test_restore_after_append_returns_previous_rows(store: DeltaStore) -> None:
    store.write("t", sample_table(0), "overwrite")
    before = store.version("t")

    store.write("t", sample_table(4), "append")
    store.restore(before)

    assert sorted_rows(store.read("t")).equals(as_stored(sample_table(0)))


def test_restore_brings_back_a_replaced_schema(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")
    before = store.version("t")

    store.write("t", pa.table({"other": ["x"]}), "overwrite", schema_mode="overwrite")
    assert store.read("t").column_names == ["other"]
    store.restore(before)

    assert sorted_rows(store.read("t")).equals(as_stored(sample_table()))


def test_restore_of_a_table_that_did_not_exist_removes_it(store: DeltaStore) -> None:
    before = store.version("new")
    store.write("new", sample_table(), "overwrite")
    assert store.exists("new")

    store.restore(before)

    assert not store.exists("new")
    assert not store.table_path("new").exists()
    assert store.version("new").version is None


def test_restore_to_the_current_version_changes_nothing(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")

    store.restore(store.version("t"))  # delta-rs itself refuses this

    assert store.version("t").version == 0


def test_restore_to_a_later_version_fails(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")

    with pytest.raises(StorageError, match="cannot restore version 5"):
        store.restore(TableVersion(store.table_path("t"), 5))


# --- corrupt or missing logs ----------------------------------------------------------------


def truncate_latest_commit(path: Path) -> None:
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


def garble_latest_commit(path: Path) -> None:
    path.write_text("{not json at all\n")


def empty_latest_commit(path: Path) -> None:
    path.write_text("")


@pytest.mark.parametrize(
    "damage", [truncate_latest_commit, garble_latest_commit, empty_latest_commit]
)
def test_a_damaged_commit_file_is_a_corrupt_log(
    store: DeltaStore, damage: Callable[[Path], None]
) -> None:
    store.write("t", sample_table(0), "overwrite")
    store.write("t", sample_table(4), "append")
    damage(log_files(store, "t")[-1])
    path = store.table_path("t")

    for action in (
        lambda: store.version("t"),
        lambda: store.read("t"),
        lambda: store.dataset("t"),
        lambda: store.write("t", sample_table(8), "append"),
        lambda: store.history("t"),
    ):
        with pytest.raises(StorageError, match="delta log is corrupt") as error:
            action()
        assert_one_line_naming(error, path)
    assert store.exists("t")  # exists() only looks for a log; loading it is what fails


def test_a_gap_in_the_log_is_a_corrupt_log(store: DeltaStore) -> None:
    for start in range(0, 12, 4):
        store.write("t", sample_table(start), "append")
    log_files(store, "t")[1].unlink()

    with pytest.raises(StorageError, match="delta log is corrupt") as error:
        store.version("t")
    assert_one_line_naming(error, store.table_path("t"))


def test_deleted_log_with_data_files_left_is_a_missing_log(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")
    shutil.rmtree(store.table_path("t") / "_delta_log")
    assert data_files(store, "t")

    assert not store.exists("t")
    assert store.list_tables() == []
    for action in (
        lambda: store.version("t"),
        lambda: store.read("t"),
        lambda: store.write("t", sample_table(), "overwrite"),  # no fresh log over old files
    ):
        with pytest.raises(StorageError, match="delta log is missing") as error:
            action()
        assert_one_line_naming(error, store.table_path("t"))


def test_empty_log_folder_is_a_missing_log(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")
    for commit in log_files(store, "t"):
        commit.unlink()

    assert not store.exists("t")
    with pytest.raises(StorageError, match="delta log is missing") as error:
        store.version("t")
    assert_one_line_naming(error, store.table_path("t"))


def test_restore_does_not_delete_an_unreadable_folder_it_did_not_create(
    store: DeltaStore,
) -> None:
    store.write("t", sample_table(), "overwrite")
    shutil.rmtree(store.table_path("t") / "_delta_log")

    with pytest.raises(StorageError):
        store.version("t")  # so a runner never gets a version None to "restore" to
    assert data_files(store, "t")


def test_a_missing_data_file_is_reported_before_scanning(store: DeltaStore) -> None:
    store.write("t", sample_table(0), "overwrite")
    store.write("t", sample_table(4), "append")
    data_files(store, "t")[0].unlink()

    actions: list[Callable[[], object]] = [lambda: store.read("t"), lambda: store.dataset("t")]
    for action in actions:
        with pytest.raises(StorageError, match="data file") as error:
            action()
        assert_one_line_naming(error, store.table_path("t"))


# --- schema mismatches ----------------------------------------------------------------------


def test_append_of_an_incompatible_column_type_names_table_and_column(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")
    bad = sample_table(4).set_column(4, "quantity", pa.array(["1", "2", "3", "4"]))

    with pytest.raises(StorageError, match="column 'quantity' has type string") as error:
        store.write("t", bad, "append")  # delta-rs alone would parse the strings as numbers

    assert_one_line_naming(error, store.table_path("t"))
    assert store.version("t").version == 0


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("amount", pa.array([1.239] * 4)),  # delta-rs alone would round it into the decimal
        ("amount", pa.array([decimal.Decimal("1.239")] * 4, pa.decimal128(12, 3))),
        ("ordered_at", pa.array([0] * 4, pa.int64())),  # ... or take it as microseconds
        ("ordered_at", pa.array([0] * 4, pa.timestamp("us"))),  # ... or fail on a table feature
    ],
)
def test_append_rejects_lossy_or_reinterpreting_casts(
    store: DeltaStore, column: str, values: pa.Array
) -> None:
    store.write("t", sample_table(), "overwrite")
    data = sample_table(4)
    bad = data.set_column(data.column_names.index(column), column, values)

    with pytest.raises(StorageError, match=f"column '{column}'"):
        store.write("t", bad, "append")


def test_append_with_missing_or_extra_columns_names_them(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")
    data = sample_table(4).drop_columns(["ratio"]).append_column("extra", pa.array([1] * 4))

    with pytest.raises(StorageError, match=r"lacks column.*'ratio'.*no column.*'extra'") as error:
        store.write("t", data, "append")
    assert_one_line_naming(error, store.table_path("t"))


def test_append_with_merge_adds_columns(store: DeltaStore) -> None:
    store.write("t", pa.table({"id": [1]}), "overwrite")

    store.write("t", pa.table({"id": [2], "extra": ["x"]}), "append", schema_mode="merge")

    assert sorted_rows(store.read("t")).to_pylist() == [
        {"id": 1, "extra": None},
        {"id": 2, "extra": "x"},
    ]


def test_append_with_merge_still_rejects_a_changed_type(store: DeltaStore) -> None:
    store.write("t", pa.table({"id": [1]}), "overwrite")

    with pytest.raises(StorageError, match="column 'id' has type string"):
        store.write("t", pa.table({"id": ["2"], "extra": ["x"]}), "append", schema_mode="merge")


def test_overwrite_replaces_the_schema_only_when_asked(store: DeltaStore) -> None:
    store.write("t", sample_table(), "overwrite")
    new = pa.table({"id": [1, 2], "label": ["a", "b"]})

    with pytest.raises(StorageError, match="schema_mode='overwrite'"):
        store.write("t", new, "overwrite")
    store.write("t", new, "overwrite", schema_mode="overwrite")

    assert sorted_rows(store.read("t")).equals(new)


@pytest.mark.parametrize(
    ("incoming", "stored", "expected"),
    [
        (pa.dictionary(pa.int8(), pa.string()), pa.string(), True),
        (pa.large_string(), pa.string(), True),
        (pa.int32(), pa.int64(), True),
        (pa.uint32(), pa.int64(), True),
        (pa.uint64(), pa.int64(), False),
        (pa.int64(), pa.int32(), False),
        (pa.float32(), pa.float64(), True),
        (pa.decimal128(10, 2), pa.decimal128(12, 2), True),
        (pa.decimal128(12, 3), pa.decimal128(12, 2), False),
        (pa.timestamp("ns", tz="Europe/Berlin"), pa.timestamp("us", tz="UTC"), True),
        (pa.timestamp("us"), pa.timestamp("us", tz="UTC"), False),
        (pa.null(), pa.decimal128(12, 2), True),
        (pa.string(), pa.int64(), False),
        (pa.float64(), pa.decimal128(12, 2), False),
        (pa.large_list(pa.int32()), pa.list_(pa.field("element", pa.int32())), True),
    ],
)
def test_fits(incoming: pa.DataType, stored: pa.DataType, expected: bool) -> None:
    assert fits(incoming, stored) is expected


# --- DuckDB over the dataset ----------------------------------------------------------------


def test_duckdb_scans_the_dataset_directly(store: DeltaStore) -> None:
    store.write("t", sample_table(0, rows=8), "overwrite")
    store.write("t", sample_table(8, rows=8), "append")

    con = duckdb.connect()
    con.register("t", store.dataset("t"))
    [row] = con.sql(
        "SELECT count(*), sum(quantity), sum(amount), count(city) FROM t WHERE NOT returned"
    ).fetchall()

    expected = [r for r in store.read("t").to_pylist() if r["returned"] is False]
    assert row == (
        len(expected),
        sum(r["quantity"] for r in expected),
        sum(r["amount"] for r in expected),
        sum(r["city"] is not None for r in expected),
    )


def test_dataset_reads_through_pyarrows_local_filesystem(store: DeltaStore) -> None:
    """Scanning a dataset opened on delta-rs' own filesystem handler (a ``PyFileSystem``) makes
    the interpreter abort at exit in about one run out of four (delta-io/delta-rs#2184)."""
    store.write("t", sample_table(), "overwrite")

    filesystem = store.dataset("t").filesystem

    assert isinstance(filesystem, pafs.SubTreeFileSystem)
    assert isinstance(filesystem.base_fs, pafs.LocalFileSystem)


def test_process_exits_cleanly_after_reading(tmp_path: Path) -> None:
    """Smoke test of the above in a fresh interpreter (the abort is racy, so not a proof)."""
    script = textwrap.dedent(
        f"""
        import duckdb, pyarrow as pa
        from pathlib import Path
        from retail_lakehouse.storage.delta import DeltaStore
        store = DeltaStore(Path({str(tmp_path)!r}))
        store.write("t", pa.table({{"x": list(range(1000))}}), "overwrite")
        assert store.read("t").num_rows == 1000
        con = duckdb.connect()
        con.register("t", store.dataset("t"))
        assert con.sql("SELECT sum(x) FROM t").fetchall() == [(499500,)]
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "terminate called" not in result.stderr


def test_integer_and_time_columns_are_delta_encoded_the_rest_dictionary(
    store: DeltaStore,
) -> None:
    store.write("orders", sample_table(rows=50), "overwrite")

    (file,) = data_files(store, "orders")
    metadata = pq.ParquetFile(file).metadata.row_group(0)
    columns = {metadata.column(i).path_in_schema: metadata.column(i) for i in range(7)}
    for name in ("id", "quantity", "ordered_at"):
        assert "DELTA_BINARY_PACKED" in columns[name].encodings, name
        assert "RLE_DICTIONARY" not in columns[name].encodings, name
    for name in ("city", "amount"):
        assert "RLE_DICTIONARY" in columns[name].encodings, name
    assert {c.compression for c in columns.values()} == {"SNAPPY"}
