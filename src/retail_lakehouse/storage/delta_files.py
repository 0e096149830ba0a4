"""Delta commits in two steps: stage a table's new data files, commit them later.

An update writes every table's files while it still computes, and commits them only
once everything was computed, so a failed update changes no table's version. Staged
files sit in a fresh hidden folder beside the table folder; :func:`commit_files` moves
them into the table folder (partition folders and all) and adds them to the table in
one Delta commit with delta-rs (replacing every current file when overwriting); a new
table is created in that same commit (:mod:`.first_version`), an existing one is first
given the description, properties and column comments its definition gives
(:mod:`.table_metadata`). Until that commit, readers see the table as it was; a failed
write or commit leaves no referenced file. An engine clusters a table's rows while it
stages them (sorted on the clustering columns, :func:`check_cluster_columns`), so the
files are clustered in the commit that adds them.

:func:`stage_arrow` stages Arrow data with delta-rs' own writer (into a scratch Delta
table whose log only lends its file statistics); an engine that writes Parquet itself
(Spark without Delta jars) stages a folder of files and gets row counts as statistics.
:func:`table_files` is the other direction: the files, schema and partition columns of
the current version, for an engine that reads Parquet.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError
from deltalake.transaction import AddAction, RemoveAction

from retail_lakehouse.storage.delta import (
    LOG_DIR,
    SchemaMode,
    WriteMode,
    check_data_files,
    check_schema,
    load_table,
    load_table_if_present,
    writer_properties,
)
from retail_lakehouse.storage.errors import StorageError, one_line
from retail_lakehouse.storage.first_version import FIRST_COMMIT, create_with_files
from retail_lakehouse.storage.table_metadata import (
    TableMetadata,
    alter_table,
    commented_schema,
    metadata_changes,
)

NEW_FILES_PREFIX = "files-"
_NEW_FILES_FOLDER = re.compile(rf"^\..+\.{NEW_FILES_PREFIX}[0-9a-f]{{32}}$")


@dataclass(frozen=True)
class TableFiles:
    """The current version of a table as plain Parquet: what a Parquet reader needs."""

    path: Path
    files: list[Path]
    schema: pa.Schema
    partition_by: list[str]


@dataclass(frozen=True)
class StagedFiles:
    """Data files written for a table and not yet in its log: what one commit adds."""

    path: Path  # the table
    folder: Path  # the files, beside the table until the commit moves them in
    schema: pa.Schema
    mode: WriteMode
    schema_mode: SchemaMode | None
    partition_by: tuple[str, ...] = ()
    stats: Mapping[str, str] = field(default_factory=dict)  # file under folder -> stats JSON
    table_metadata: TableMetadata = field(default_factory=TableMetadata)  # what it should say


def table_files(path: Path) -> TableFiles:
    table = load_table(path)
    files = check_data_files(path, table)
    schema = pa.schema(table.schema())
    return TableFiles(path, files, schema, list(table.metadata().partition_columns))


def new_files_folder(path: Path) -> Path:
    """A fresh (not yet created) folder beside the table for an engine to write one commit."""
    return path.parent / f".{path.name}.{NEW_FILES_PREFIX}{uuid.uuid4().hex}"


def is_new_files_folder(path: Path) -> bool:
    """Whether ``path`` is named as :func:`new_files_folder` names them."""
    return _NEW_FILES_FOLDER.match(path.name) is not None


def check_cluster_columns(path: Path, columns: Sequence[str], cluster_by: Sequence[str]) -> None:
    """Every clustering column is one of ``columns`` (names match without case, as the
    engines resolve them)."""
    known = {column.lower() for column in columns}
    unknown = [column for column in cluster_by if column.lower() not in known]
    if unknown:
        raise StorageError(path, f"cannot cluster: no column(s) {', '.join(map(repr, unknown))}")


def discard_files(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def stage_arrow(
    path: Path,
    data: pa.Table,
    mode: WriteMode,
    schema_mode: SchemaMode | None,
    partition_by: Sequence[str] = (),
) -> StagedFiles:
    """Write ``data`` as the next files of the table at ``path``, without committing them.

    Appended data takes the table's column types (the schema check allows only lossless
    widening), as a direct delta-rs append would."""
    table = load_table_if_present(path)
    if table is not None:
        check_schema(path, table, data.schema, mode, schema_mode)
        if mode == "append" and schema_mode is None:
            stored = pa.schema(table.schema())
            data = data.select(stored.names).cast(stored)
    folder = new_files_folder(path)
    try:
        write_deltalake(
            folder, data, mode="error", partition_by=list(partition_by) or None,
            writer_properties=writer_properties(data.schema),
        )  # fmt: skip
        stats = _logged_stats(folder / LOG_DIR / FIRST_COMMIT)
        shutil.rmtree(folder / LOG_DIR)
    except Exception as exc:  # delta-rs raises a bare Exception for Arrow cast errors
        discard_files(folder)
        raise StorageError(path, f"cannot {mode}: write failed: {one_line(exc)}") from exc
    return StagedFiles(path, folder, data.schema, mode, schema_mode, tuple(partition_by), stats)


def _logged_stats(commit: Path) -> dict[str, str]:
    """File (relative to the table, as on disk) -> the statistics its add action carries."""
    stats: dict[str, str] = {}
    for line in commit.read_text(encoding="utf-8").splitlines():
        add = json.loads(line).get("add") if line.strip() else None
        if add is not None and add.get("stats"):
            stats[unquote(add["path"])] = add["stats"]
    return stats


def commit_files(staged: StagedFiles, metadata: Mapping[str, str] | None = None) -> None:
    """Move the staged Parquet files (in ``col=value`` folders for partitions) into the
    table folder and add them to the table in one commit, creating the table if needed.

    A new table gets the staged ``table_metadata`` in the commit that adds its first files
    (:mod:`.first_version`); an existing one first, by altering what differs (see
    :mod:`.table_metadata`), and an overwrite's schema carries the column comments itself.
    An append adds no file without rows, and commits nothing when none is left.
    ``metadata`` goes into the info of every commit this makes, the data commit's in the
    same atomic commit as the files."""
    path = staged.path
    info = dict(metadata or {})
    schema = commented_schema(_nullable(staged.schema), staged.table_metadata)
    moved: list[Path] = []
    try:
        table = load_table_if_present(path)
        if table is not None:  # another writer may have changed it since the staging
            check_schema(path, table, schema, staged.mode, staged.schema_mode)
        if table is None:
            _move_files(staged.folder, path, moved)
            actions = _add_actions(path, moved, staged)
            create_with_files(
                path, new_files_folder(path), schema, staged.partition_by,
                staged.table_metadata, actions, info,
            )  # fmt: skip
        else:
            table = _described_table(staged, table, info)
            _move_files(staged.folder, path, moved)
            _write_files(table, _add_actions(path, moved, staged), staged, schema, info)
    except (DeltaError, OSError, ValueError) as exc:
        _remove_files(moved, path)
        raise StorageError(path, f"cannot {staged.mode}: commit failed: {one_line(exc)}") from exc
    finally:
        discard_files(staged.folder)


def _write_files(
    table: DeltaTable,
    actions: list[AddAction | RemoveAction],
    staged: StagedFiles,
    schema: pa.Schema,
    info: Mapping[str, str],
) -> None:
    """One commit adding the files to an existing table (replacing its files when
    overwriting); none for an append without files."""
    if actions or staged.mode == "overwrite":
        table.create_write_transaction(
            actions, staged.mode, schema, partition_by=list(staged.partition_by) or None,
            commit_properties=CommitProperties(custom_metadata=dict(info)),
        )  # fmt: skip


def _nullable(schema: pa.Schema) -> pa.Schema:
    """Every column nullable, as the table records it: DuckDB infers no nullability, so
    only this lets both engines record one schema."""
    return pa.schema([column.with_nullable(True) for column in schema], metadata=schema.metadata)


def _described_table(
    staged: StagedFiles, table: DeltaTable, commit_info: Mapping[str, str]
) -> DeltaTable:
    """The existing table altered to the staged metadata where it differs."""
    wanted = staged.table_metadata
    changes = metadata_changes(table, wanted)
    if staged.mode == "overwrite":  # its schema, comments included, replaces the table's
        changes = replace(changes, column_comments={})
    if changes.empty:
        return table
    alter_table(table, changes, commit_info)
    return load_table(staged.path)


def _add_actions(
    path: Path, files: Sequence[Path], staged: StagedFiles
) -> list[AddAction | RemoveAction]:
    """The files' add actions; an append's files without rows are deleted instead."""
    actions: list[AddAction | RemoveAction] = []
    for file in files:
        action = _add_action(path, file, staged.stats)
        if staged.mode == "append" and json.loads(action.stats)["numRecords"] == 0:
            _remove_files([file], path)
            continue
        actions.append(action)
    return actions


def _move_files(folder: Path, table_path: Path, moved: list[Path]) -> None:
    """Each data file to the same place under the table folder (file names are unique),
    listed in ``moved`` as it goes, so a failure halfway can be undone."""
    for file in _data_files(folder):
        target = table_path / file.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        file.rename(target)
        moved.append(target)


def _remove_files(files: list[Path], table_path: Path) -> None:
    """Undo :func:`_move_files` (and the partition folders it left empty)."""
    for file in files:
        file.unlink(missing_ok=True)
        for parent in file.parents:
            if parent == table_path or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()


def _data_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*.parquet")
        if not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts)
    )


def _add_action(table_path: Path, file: Path, stats: Mapping[str, str]) -> AddAction:
    relative = file.relative_to(table_path)
    stat = file.stat()
    logged = stats.get(relative.as_posix())
    if logged is None:
        logged = json.dumps({"numRecords": pq.read_metadata(file).num_rows})
    return AddAction(
        relative.as_posix(),  # as on disk: delta-rs URI-encodes it for the log
        stat.st_size,
        _partition_values(relative),
        int(stat.st_mtime * 1000) or int(time.time() * 1000),
        True,
        logged,
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
