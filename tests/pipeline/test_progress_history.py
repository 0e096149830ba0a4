"""Ingestion progress read back through a table's history: OPTIMIZE and RESTORE commits.

An OPTIMIZE commit (delta-rs compaction) carries no progress and changes none: the
progress read back is the one of the update before, and the next update takes in nothing
new. ``latest_commit_value`` follows a RESTORE to the version it restored; one naming a
version not in the history, naming none, or naming itself gives None, without a
KeyError or an endless loop.
"""

from __future__ import annotations

import hashlib
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from deltalake import DeltaTable

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.pipeline.progress import (
    PROGRESS_KEY,
    ROWS_UNCHANGED,
    fingerprint,
    latest_commit_value,
    list_source_files,
    read_progress,
    relative_name,
    source_key,
)
from retail_lakehouse.pipeline.project import LoadedPipeline, load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.storage.delta import DeltaStore, StorageError
from tests.pipeline.conftest import make_landing, run_update, write_sql_pipeline

PIPELINE_SQL = """
CREATE OR REFRESH STREAMING TABLE raw_orders
AS SELECT * FROM STREAM read_files('${landing_path}/orders', format => '${landing_format}');
"""
KEY = "retail.test.key"


def load(root: Path) -> LoadedPipeline:
    settings = write_sql_pipeline(
        root / "progress_pipeline", PIPELINE_SQL, "name: progress\nsql: sql\n"
    )
    return load_pipeline(settings, root)


def written(result: UpdateResult, name: str) -> int:
    return next(d.written_rows for d in result.datasets if d.name == name)


def test_an_optimize_commit_changes_no_progress(tmp_path: Path) -> None:
    pipeline = load(make_landing(tmp_path))
    first = run_update(pipeline)
    store = DeltaStore(pipeline.lakehouse.tables)
    progress = read_progress(store, "raw_orders")
    assert progress and written(first, "raw_orders") > 0
    orders = sorted((pipeline.lakehouse.landing_table("orders")).glob("*.parquet"))
    shutil.copy(orders[0], orders[0].with_name(f"copy-{orders[0].name}"))
    assert written(run_update(pipeline), "raw_orders") > 0  # a second file to compact
    progress = read_progress(store, "raw_orders")
    rows = store.read("raw_orders").num_rows
    table = DeltaTable(store.table_path("raw_orders"))

    table.optimize.compact()

    assert store.history("raw_orders", limit=1)[0]["operation"] == "OPTIMIZE"
    assert read_progress(store, "raw_orders") == progress
    again = run_update(pipeline)
    assert written(again, "raw_orders") == 0
    assert store.read("raw_orders").num_rows == rows


class StubStore(DeltaStore):
    """A store whose only table has the given history (newest first, as delta-rs gives)."""

    def __init__(self, history: list[dict[str, Any]]) -> None:
        super().__init__(Path("nowhere"))
        self.entries = history

    def exists(self, name: str) -> bool:
        return True

    def history(self, name: str, limit: int | None = None) -> list[dict[str, Any]]:
        return self.entries[:limit]


def write(version: int, value: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": version, "operation": "WRITE"}
    return entry if value is None else {**entry, KEY: value}


def restore(version: int, to: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": version, "operation": "RESTORE"}
    return entry if to is None else {**entry, "operationParameters": {"version": to}}


def optimize(version: int) -> dict[str, Any]:
    return {"version": version, "operation": "OPTIMIZE", "operationParameters": {}}


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail the block, rather than hang, if it runs for longer than ``seconds``."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds}s: an endless loop?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([write(1, "b"), write(0, "a")], "b"),
        ([write(1), write(0, "a")], None),
        ([optimize(2), optimize(1), write(0, "a")], "a"),
        ([restore(2, 0), write(1, "b"), write(0, "a")], "a"),
        ([optimize(3), restore(2, 0), write(1, "b"), write(0, "a")], "a"),
        ([restore(5, 1), optimize(4), write(3, "d"), write(2, "c"), write(1, "b")], "b"),
    ],
    ids=["latest", "latest-without", "optimize", "restore", "optimize-restore", "far-restore"],
)
def test_latest_commit_value_follows_restores_and_skips_optimize(
    history: list[dict[str, Any]], expected: str | None
) -> None:
    with within(5):
        assert latest_commit_value(StubStore(history), "t", KEY) == expected


def test_the_rows_writer_passes_commits_that_only_change_metadata() -> None:
    """A comment or a property altered in a later update records that update too, but the
    rows are still the ones the earlier write left."""
    altered = [
        {"version": 3, "operation": operation, KEY: "c"}
        for operation in ("UPDATE TABLE METADATA", "SET TBLPROPERTIES", "UPDATE FIELD METADATA")
    ]
    for commit in altered:
        history = [commit, optimize(2), write(1, "b"), write(0, "a")]
        assert latest_commit_value(StubStore(history), "t", KEY) == "c"  # as before
        assert latest_commit_value(StubStore(history), "t", KEY, ROWS_UNCHANGED) == "b"
    restored = [restore(4, 2), altered[0], optimize(2), write(1, "b"), write(0, "a")]
    assert latest_commit_value(StubStore(restored), "t", KEY, ROWS_UNCHANGED) == "b"


def test_a_table_never_written_has_no_latest_commit_but_a_corrupt_log_fails(
    tmp_path: Path,
) -> None:
    store = DeltaStore(tmp_path)
    assert latest_commit_value(store, "absent", KEY) is None
    log = tmp_path / "broken" / "_delta_log"
    log.mkdir(parents=True)
    (log / "00000000000000000000.json").write_text("")  # an empty commit file
    with pytest.raises(StorageError, match=r"commit file \S+ is empty"):
        latest_commit_value(store, "broken", KEY)


@pytest.mark.parametrize(
    "history",
    [
        [restore(3, 1), write(2, "c"), write(0, "a")],
        [restore(2, None), write(1, "b"), write(0, "a")],
        [restore(2, 2), write(1, "b"), write(0, "a")],
        [restore(3, 2), restore(2, 3), write(1, "b")],
        [optimize(1), restore(0, 1)],
        [],
    ],
    ids=["missing-version", "no-parameters", "itself", "cycle", "optimize-cycle", "empty"],
)
def test_latest_commit_value_of_a_dangling_restore_is_none(history: list[dict[str, Any]]) -> None:
    with within(5):
        assert latest_commit_value(StubStore(history), "t", KEY) is None


def test_read_progress_of_an_unreadable_value_is_none() -> None:
    store = StubStore([{"version": 0, "operation": "WRITE", PROGRESS_KEY: "{not json"}])
    assert read_progress(store, "t") is None


@pytest.mark.parametrize("size", [0, 3, 1 << 16, (1 << 16) + 1, 3 << 16])
def test_a_files_fingerprint_is_its_size_and_the_documented_hash(tmp_path: Path, size: int) -> None:
    """Progress written by one release is read by the next: the fingerprint stays the
    BLAKE2b (16 bytes) of the size's digits, the first 64 KiB and the last 64 KiB past
    them, recomputed here from the file's bytes."""
    content = bytes((i * 7 + i // 251) % 256 for i in range(size))
    path = tmp_path / "part-0.parquet"
    path.write_bytes(content)
    sample = 1 << 16
    expected = hashlib.blake2b(str(size).encode(), digest_size=16)
    expected.update(content[:sample])
    expected.update(content[max(sample, size - sample) :] if size > sample else b"")

    assert fingerprint(path) == (size, expected.hexdigest())


def test_a_sources_files_are_its_data_files_at_any_depth(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    for name in [
        "part-1.parquet", "day=2/part-2.parquet", "_SUCCESS", ".part-1.parquet.crc",
        "_temporary/part-9.parquet", ".staging/part-8.parquet", "day=3/_committed",
    ]:  # fmt: skip
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    (folder / "empty-day").mkdir()

    found = list_source_files(folder)

    assert found == [folder / "day=2" / "part-2.parquet", folder / "part-1.parquet"]
    assert list_source_files(folder / "part-1.parquet") == [folder / "part-1.parquet"]
    assert list_source_files(tmp_path / "missing") == []
    assert [relative_name(f, folder) for f in found] == ["day=2/part-2.parquet", "part-1.parquet"]
    assert relative_name(folder / "part-1.parquet", folder / "part-1.parquet") == "part-1.parquet"


def test_a_source_is_keyed_by_its_path_in_the_lakehouse_or_its_whole_path(
    tmp_path: Path,
) -> None:
    lakehouse = Lakehouse(tmp_path / "lake")
    (tmp_path / "lake" / "landing" / "orders").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()

    assert source_key(tmp_path / "lake" / "landing" / "orders", lakehouse) == "landing/orders"
    outside = tmp_path / "elsewhere"
    assert source_key(outside, lakehouse) == str(outside.resolve())
