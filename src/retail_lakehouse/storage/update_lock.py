"""One update at a time per table store, and the leftovers of a killed one swept away.

An update stages each table's new data files in a hidden folder beside the table
(``.<table>.files-<id>``) and removes it once committed or rolled back. A process that is
killed in between leaves the folder behind; nothing references its files. Holding
:func:`update_lock` (an exclusive ``flock`` on a lock file beside the tables, which the
kernel releases when the process ends, however it ends) means no other update is running
on these tables, so every staging folder found then is such a leftover and is removed. A
second update started while one runs fails at once with a one-line error.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retail_lakehouse.storage.delta_files import discard_files, is_new_files_folder
from retail_lakehouse.storage.errors import StorageError


@contextmanager
def update_lock(lock_file: Path, root: Path) -> Iterator[None]:
    """``with update_lock(lock_file, root):`` holds the update lock of the tables under
    ``root`` for the block, having removed the staging folders a killed update left."""
    root.mkdir(parents=True, exist_ok=True)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a+", encoding="utf-8") as lock:  # closing releases it
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            problem = f"another update is running on these tables ({holder})"
            raise StorageError(root, problem) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}")
        lock.flush()
        remove_leftover_staging(root)
        yield


def leftover_staging(root: Path) -> list[Path]:
    """Staging folders directly under ``root`` (only leftovers while the lock is held)."""
    if not root.is_dir():
        return []
    return sorted(
        child for child in root.iterdir() if child.is_dir() and is_new_files_folder(child)
    )


def remove_leftover_staging(root: Path) -> None:
    for folder in leftover_staging(root):
        discard_files(folder)
