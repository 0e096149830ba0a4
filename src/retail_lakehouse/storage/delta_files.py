"""Delta tables whose data files another engine writes: a version's files, new commits.

An engine that writes Parquet itself (Spark without Delta jars) puts its files in a fresh
hidden folder beside the table folder; :func:`commit_files` moves that folder into the
table folder and adds its files to the table in one Delta commit with delta-rs (replacing
every current file when overwriting). Until that commit, readers see the table as it was;
a failed write or commit leaves no referenced file behind. :func:`table_files` is the
other direction: the files, schema and partition columns of the current version, for an
engine that reads Parquet.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError
from deltalake.transaction import AddAction, RemoveAction

from retail_lakehouse.storage.delta import (
    SchemaMode,
    WriteMode,
    check_data_files,
    check_schema,
    load_table,
    load_table_if_present,
)
from retail_lakehouse.storage.errors import StorageError, one_line

NEW_FILES_PREFIX = "files-"


@dataclass(frozen=True)
class TableFiles:
    """The current version of a table as plain Parquet: what a Parquet reader needs."""

    path: Path
    files: list[Path]
    schema: pa.Schema
    partition_by: list[str]


def table_files(path: Path) -> TableFiles:
    table = load_table(path)
    check_data_files(path, table)
    files = [Path(uri) for uri in table.file_uris()]
    schema = pa.schema(table.schema())
    return TableFiles(path, files, schema, list(table.metadata().partition_columns))


def new_files_folder(path: Path) -> Path:
    """A fresh (not yet created) folder beside the table for an engine to write one commit."""
    return path.parent / f".{path.name}.{NEW_FILES_PREFIX}{uuid.uuid4().hex}"


def discard_files(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def commit_files(
    path: Path,
    folder: Path,
    schema: pa.Schema,
    mode: WriteMode,
    schema_mode: SchemaMode | None,
    partition_by: Sequence[str] = (),
) -> None:
    """Add the Parquet files under ``folder`` (``col=value`` folders for partitions) to the
    table at ``path`` in one commit, creating the table if needed."""
    schema = pa.schema([field.with_nullable(True) for field in schema])
    table = load_table_if_present(path)
    if table is not None:
        check_schema(path, table, schema, mode, schema_mode)
    partitions = list(partition_by) or None
    moved = path / folder.name.rsplit(".", 1)[-1]
    try:
        if table is None:
            table = DeltaTable.create(path, schema, partition_by=partitions)
        if folder.is_dir():
            folder.rename(moved)
        actions: list[AddAction | RemoveAction] = [
            _add_action(path, file) for file in _data_files(moved)
        ]
        table.create_write_transaction(actions, mode, schema, partition_by=partitions)
    except (DeltaError, OSError, ValueError) as exc:
        discard_files(moved)
        raise StorageError(path, f"cannot {mode}: commit failed: {one_line(exc)}") from exc
    finally:
        discard_files(folder)


def _data_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*.parquet")
        if not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts)
    )


def _add_action(table_path: Path, file: Path) -> AddAction:
    relative = file.relative_to(table_path)
    stat = file.stat()
    rows = pq.read_metadata(file).num_rows
    return AddAction(
        relative.as_posix(),
        stat.st_size,
        _partition_values(relative),
        int(stat.st_mtime * 1000) or int(time.time() * 1000),
        True,
        json.dumps({"numRecords": rows}),
    )


def _partition_values(relative: Path) -> dict[str, str | None]:
    """``col=value`` folder names (Hive style, as Spark writes them) of a file's path."""
    values: dict[str, str | None] = {}
    for part in relative.parts[:-1]:
        if "=" in part:
            key, _, value = part.partition("=")
            text = unquote(value)
            values[unquote(key)] = None if text == "__HIVE_DEFAULT_PARTITION__" else text
    return values
