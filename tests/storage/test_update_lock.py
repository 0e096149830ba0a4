"""The update lock: one update at a time per store, a killed update's staging swept away."""

from __future__ import annotations

import multiprocessing
import os
import signal
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from retail_lakehouse.storage.delta_files import new_files_folder
from retail_lakehouse.storage.errors import StorageError
from retail_lakehouse.storage.update_lock import leftover_staging, update_lock

LOCK = "_update.lock"


def lock(root: Path) -> AbstractContextManager[None]:
    """The update lock of the tables under ``root``, in a lock file beside them."""
    return update_lock(root / LOCK, root)


def left_by_a_killed_update(root: Path, table: str) -> Path:
    folder = new_files_folder(root / table)
    (folder / "_delta_log").mkdir(parents=True)
    (folder / "part-0.parquet").write_bytes(b"PAR1")
    return folder


def test_taking_the_lock_removes_staging_folders_and_nothing_else(tmp_path: Path) -> None:
    stale = [left_by_a_killed_update(tmp_path, t) for t in ("orders", "my.table-2")]
    kept = [tmp_path / ".hidden", tmp_path / "orders" / "_delta_log", tmp_path / ".orders.files-x"]
    for folder in kept:
        folder.mkdir(parents=True)
    assert leftover_staging(tmp_path) == sorted(stale)

    with lock(tmp_path):
        assert leftover_staging(tmp_path) == []
        assert all(not folder.exists() for folder in stale)
        assert all(folder.is_dir() for folder in kept)


def test_a_second_update_fails_in_one_line_naming_the_store_and_the_holder(
    tmp_path: Path,
) -> None:
    second = lock(tmp_path)
    with lock(tmp_path), pytest.raises(StorageError) as caught:
        second.__enter__()
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path) in message
    assert f"another update is running on these tables (pid {os.getpid()})" in message


def test_the_lock_is_free_again_after_the_update(tmp_path: Path) -> None:
    with lock(tmp_path):
        pass
    with lock(tmp_path):
        assert (tmp_path / LOCK).read_text() == f"pid {os.getpid()}"


def _hold_the_lock_and_stage(root: str, ready: multiprocessing.synchronize.Event) -> None:
    with lock(Path(root)):
        left_by_a_killed_update(Path(root), "orders")
        ready.set()
        signal.pause()  # killed here, in the middle of the update


def test_a_killed_update_releases_the_lock_and_its_staging_is_swept(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    update = context.Process(target=_hold_the_lock_and_stage, args=(str(tmp_path), ready))
    update.start()
    try:
        assert ready.wait(timeout=60)
        with pytest.raises(StorageError, match="another update is running"):
            lock(tmp_path).__enter__()
    finally:
        update.kill()
        update.join(timeout=60)
    assert len(leftover_staging(tmp_path)) == 1

    with lock(tmp_path):
        assert leftover_staging(tmp_path) == []
