"""The staging folders a killed update left beside its tables, found and removed.

An update stages each table's new data files in a hidden folder beside the table
(``.<table>.files-<id>``, see ``delta_files``) and removes it once committed or rolled
back. A process killed in between leaves the folder behind; nothing references its files.
Whoever holds the lakehouse's writer lock knows no update is running, so every such
folder it finds is a leftover, and :func:`remove_leftover_staging` removes them.
"""

from __future__ import annotations

from pathlib import Path

from retail_lakehouse.storage.delta_files import discard_files, is_new_files_folder


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
