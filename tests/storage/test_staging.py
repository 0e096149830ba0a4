"""The staging folders a killed update leaves are found, and removing them removes nothing else."""

from __future__ import annotations

from pathlib import Path

from retail_lakehouse.storage.delta_files import new_files_folder
from retail_lakehouse.storage.staging import leftover_staging, remove_leftover_staging


def left_by_a_killed_update(root: Path, table: str) -> Path:
    folder = new_files_folder(root / table)
    (folder / "_delta_log").mkdir(parents=True)
    (folder / "part-0.parquet").write_bytes(b"PAR1")
    return folder


def test_only_staging_folders_are_leftovers_and_removed(tmp_path: Path) -> None:
    stale = [left_by_a_killed_update(tmp_path, t) for t in ("orders", "my.table-2")]
    kept = [tmp_path / ".hidden", tmp_path / "orders" / "_delta_log", tmp_path / ".orders.files-x"]
    for folder in kept:
        folder.mkdir(parents=True)
    assert leftover_staging(tmp_path) == sorted(stale)

    remove_leftover_staging(tmp_path)
    assert leftover_staging(tmp_path) == []
    assert all(not folder.exists() for folder in stale)
    assert all(folder.is_dir() for folder in kept)
    assert leftover_staging(tmp_path / "missing") == []
