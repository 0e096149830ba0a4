"""The writer lock: one writer per lakehouse, re-entrant in a process, released when the
holder dies however it dies."""

from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.common.lock import LakehouseBusyError, try_writer_lock, writer_lock


def test_another_process_finds_the_lock_taken_then_free(tmp_path: Path) -> None:
    lakehouse = Lakehouse(tmp_path)
    with writer_lock(lakehouse):
        assert _try_elsewhere(lakehouse) == "busy"
    assert _try_elsewhere(lakehouse) == "free"


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    lakehouse = Lakehouse(tmp_path)
    with writer_lock(lakehouse), writer_lock(lakehouse), try_writer_lock(lakehouse) as taken:
        assert taken
    assert lakehouse.lock.read_text() == f"pid {os.getpid()}"


def _hold(root: str, ready: Event) -> None:
    with writer_lock(Lakehouse(Path(root))):
        ready.set()
        signal.pause()  # killed here, in the middle of writing


def test_a_killed_writer_releases_the_lock(tmp_path: Path) -> None:
    lakehouse = Lakehouse(tmp_path)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    writer = context.Process(target=_hold, args=(str(tmp_path), ready))
    writer.start()
    try:
        assert ready.wait(timeout=60)
        with pytest.raises(LakehouseBusyError) as caught:
            writer_lock(lakehouse).__enter__()
        message = str(caught.value)
        assert "\n" not in message and str(tmp_path) in message
        assert f"another process is writing to this lakehouse (pid {writer.pid})" in message
        with try_writer_lock(lakehouse) as taken:
            assert not taken
    finally:
        writer.kill()
        writer.join(timeout=60)
    with writer_lock(lakehouse), try_writer_lock(lakehouse) as taken:
        assert taken


def _report(root: str, queue: multiprocessing.Queue[str]) -> None:
    with try_writer_lock(Lakehouse(Path(root))) as taken:
        queue.put("free" if taken else "busy")


def _try_elsewhere(lakehouse: Lakehouse) -> str:
    """Another process tries the lock: "busy" or "free"."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[str] = context.Queue()
    process = context.Process(target=_report, args=(str(lakehouse.root), queue))
    process.start()
    try:
        return queue.get(timeout=60)
    finally:
        process.join(timeout=60)
