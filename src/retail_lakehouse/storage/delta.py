"""Delta Lake tables in one local folder, through delta-rs (the ``deltalake`` package; no JVM).

Owns the on-disk layout (one table per folder, ``root / name``), writing Arrow data as single
Delta commits, reading tables back (as Arrow tables or as pyarrow datasets DuckDB can scan
without copying), rolling a table back to an earlier version, telling whether a table's
metadata is what its definition says, and turning every delta-rs failure into a one-line
:class:`StorageError` naming the table.

Rules this module enforces on top of delta-rs:

* A folder that exists and is not empty but has no loadable ``_delta_log`` is an error, never
  "absent": treating it as absent would let :meth:`DeltaStore.restore` delete its files or let a
  write start a fresh log over orphaned data files.
* A zero-byte commit file counts as a corrupt log (delta-rs silently reads it as an empty commit).
* Without ``schema_mode``, data must have the table's columns, with types that widen losslessly
  (see :mod:`retail_lakehouse.storage.schema_check`); delta-rs itself would cast unsafely.
* Datasets are opened on pyarrow's own local filesystem: scanning a dataset opened on delta-rs'
  filesystem handler makes the interpreter abort at exit ("terminate called without an active
  exception", delta-io/delta-rs#2184).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.fs as pafs
from deltalake import (
    ColumnProperties,
    CommitProperties,
    DeltaTable,
    WriterProperties,
    write_deltalake,
)
from deltalake.exceptions import (
    CommitFailedError,
    DeltaError,
    SchemaMismatchError,
    TableNotFoundError,
)

from retail_lakehouse.common.parquet import is_delta_encoded
from retail_lakehouse.storage.errors import StorageError, one_line
from retail_lakehouse.storage.folders import check_delta_folder
from retail_lakehouse.storage.schema_check import schema_problem
from retail_lakehouse.storage.table_metadata import TableMetadata, metadata_changes

if TYPE_CHECKING:  # pyarrow.dataset imports pandas when installed, which is slow
    import pyarrow.dataset as pds

__all__ = ["DeltaStore", "SchemaMode", "StorageError", "TableVersion", "WriteMode"]

WriteMode = Literal["overwrite", "append"]
SchemaMode = Literal["overwrite", "merge"]

LOG_DIR = "_delta_log"
_COMMIT_FILE = re.compile(r"^\d{20}\.json$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class TableVersion:
    """A table's version at some moment; ``version`` is ``None`` when the table did not exist."""

    path: Path
    version: int | None


# --- opening tables -------------------------------------------------------------------------


def _is_absent(path: Path) -> bool:
    """No table and nothing else there: the folder is missing or empty."""
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _check_commit_files(path: Path) -> None:
    for entry in (path / LOG_DIR).iterdir():
        if _COMMIT_FILE.match(entry.name) and entry.stat().st_size == 0:
            raise StorageError(path, f"delta log is corrupt: commit file {entry.name} is empty")


def load_table(path: Path) -> DeltaTable:
    """Open the table's latest version; a missing or unreadable log is a :class:`StorageError`."""
    if not path.is_dir():
        raise StorageError(path, "no Delta table: the folder does not exist")
    if not (path / LOG_DIR).is_dir():
        raise StorageError(path, f"delta log is missing: no {LOG_DIR} folder")
    _check_commit_files(path)
    try:
        return DeltaTable(path)
    except TableNotFoundError as exc:
        raise StorageError(path, f"delta log is missing: {one_line(exc)}") from exc
    except (DeltaError, OSError) as exc:
        raise StorageError(path, f"delta log is corrupt: {one_line(exc)}") from exc


def load_table_if_present(path: Path) -> DeltaTable | None:
    """Like :func:`load_table`, but ``None`` when the folder is missing or empty."""
    return None if _is_absent(path) else load_table(path)


# --- reading --------------------------------------------------------------------------------


def data_files(path: Path, table: DeltaTable) -> list[Path]:
    """The current version's data files on disk, under ``path``. delta-rs gives each as
    the table's URI, percent-encoded (a space as ``%20``), followed by the file's path in
    the table's folder as it is on disk (a partition value's own ``%20`` kept)."""
    root = table.table_uri.removeprefix("file://")
    return [
        path / uri.removeprefix(root) if uri.startswith(root) else Path(uri)
        for uri in table.file_uris()
    ]


def check_data_files(path: Path, table: DeltaTable) -> list[Path]:
    """The current version's data files, each checked to be on disk."""
    files = data_files(path, table)
    missing = [file for file in files if not file.is_file()]
    if missing:
        example = missing[0].name
        raise StorageError(path, f"{len(missing)} data file(s) in the log are missing: {example}")
    return files


@dataclass(frozen=True)
class StoredFiles:
    """A table's current version as an engine reads it: its schema, and its data files
    when they hold the rows as they are (``None``: read it through :meth:`dataset`)."""

    path: Path
    table: DeltaTable
    schema: pa.Schema
    files: list[Path] | None

    def dataset(self) -> pds.Dataset:
        """pyarrow's dataset of the table, opened only when asked for (pyarrow.dataset
        imports pandas: a plain table's reader does without it)."""
        return open_dataset(self.path, self.table)


def stored_files(path: Path, table: DeltaTable) -> StoredFiles:
    """The table's files are its rows when nothing is kept outside them: no partition
    values in the paths, and reader protocol 1 (no column mapping, no deletion vectors)."""
    files = check_data_files(path, table)
    plain = table.protocol().min_reader_version == 1 and not table.metadata().partition_columns
    return StoredFiles(path, table, pa.schema(table.schema()), files if plain else None)


def open_dataset(path: Path, table: DeltaTable) -> pds.Dataset:
    """The table's current files as a pyarrow dataset on pyarrow's local filesystem."""
    check_data_files(path, table)
    filesystem = pafs.SubTreeFileSystem(str(path.resolve()), pafs.LocalFileSystem())
    try:
        return table.to_pyarrow_dataset(filesystem=filesystem)
    except DeltaError as exc:
        raise StorageError(path, f"cannot read: {one_line(exc)}") from exc


# --- writing --------------------------------------------------------------------------------

# delta-rs dictionary-encodes every column by default, and the dictionaries of ids, foreign
# keys and timestamps (few repeats) cost the most write time for the least gain. So integer,
# date and timestamp columns are DELTA_BINARY_PACKED, the same columns as the landing
# files' (``is_delta_encoded``), and the rest (strings, decimals, booleans) dictionaries,
# all snappy. Decimals stay dictionaries: delta-encoded (INT64 in the file) they are slower
# to write and larger (measured in benchmarks/README.md).


def writer_properties(schema: pa.Schema) -> WriterProperties:
    """How delta-rs encodes the data files of a table with this schema."""
    delta = ColumnProperties(dictionary_enabled=False, encoding="DELTA_BINARY_PACKED")
    columns = {f.name: delta for f in schema if is_delta_encoded(f.type)}
    return WriterProperties(compression="SNAPPY", column_properties=columns)


_SCHEMA_REMEDY: dict[WriteMode, str] = {
    "append": "schema_mode='merge' would add or null-fill columns",
    "overwrite": "schema_mode='overwrite' would replace the schema",
}


def check_schema(
    path: Path,
    table: DeltaTable,
    incoming: pa.Schema,
    mode: WriteMode,
    schema_mode: SchemaMode | None,
) -> None:
    if schema_mode == "overwrite":
        return
    stored = pa.schema(table.schema())
    if schema_mode == "merge":  # new columns are welcome; shared ones must still fit
        incoming = pa.schema([field for field in incoming if field.name in stored.names])
        stored = pa.schema([field for field in stored if field.name in incoming.names])
    problem = schema_problem(incoming, stored, _SCHEMA_REMEDY[mode])
    if problem is not None:
        raise StorageError(path, f"cannot {mode}: {problem}")


def _describe_write_failure(exc: Exception) -> str:
    if isinstance(exc, SchemaMismatchError):
        return f"schema mismatch: {one_line(exc)}"
    if isinstance(exc, CommitFailedError):
        return f"commit failed: {one_line(exc)}"
    return f"write failed: {one_line(exc)}"


def write_table(
    path: Path,
    data: pa.Table | pa.RecordBatchReader,
    mode: WriteMode,
    schema_mode: SchemaMode | None,
    partition_by: Sequence[str] = (),
    metadata: Mapping[str, str] | None = None,
) -> int:
    """Write ``data`` as one commit (creating the table if needed); returns the new version.

    ``partition_by`` applies when the write creates or overwrites the table; ``metadata``
    goes into the commit's info."""
    table = load_table_if_present(path)
    if table is not None:
        check_schema(path, table, data.schema, mode, schema_mode)
    try:
        target = path if table is None else table
        partitions = list(partition_by) or None
        write_deltalake(
            target, data, mode=mode, schema_mode=schema_mode, partition_by=partitions,
            writer_properties=writer_properties(data.schema),
            commit_properties=CommitProperties(custom_metadata=dict(metadata or {})),
        )  # fmt: skip
    except Exception as exc:  # delta-rs raises a bare Exception for Arrow cast errors
        raise StorageError(path, f"cannot {mode}: {_describe_write_failure(exc)}") from exc
    if table is None:
        table = load_table(path)
    return table.version()  # write_deltalake updated the DeltaTable it was given


# --- maintenance ----------------------------------------------------------------------------


def _delete_folder(path: Path) -> None:
    try:
        if path.exists():
            shutil.rmtree(path)
    except OSError as exc:
        raise StorageError(path, f"cannot delete the table folder: {one_line(exc)}") from exc


def restore_table(before: TableVersion, metadata: Mapping[str, str] | None = None) -> None:
    """Roll the table back to ``before``; delete its folder if it did not exist then.
    ``metadata`` goes into the restore commit's info."""
    path = before.path
    if before.version is None:
        _delete_folder(path)
        return
    table = load_table(path)
    current = table.version()
    if before.version == current:  # delta-rs refuses to restore the current version
        return
    if before.version > current:
        raise StorageError(path, f"cannot restore version {before.version}: latest is {current}")
    try:
        properties = CommitProperties(custom_metadata=dict(metadata or {}))
        table.restore(before.version, commit_properties=properties)
    except DeltaError as exc:
        raise StorageError(
            path, f"cannot restore version {before.version}: {one_line(exc)}"
        ) from exc


# --- facade ---------------------------------------------------------------------------------


def _log_state(path: Path) -> tuple[str, ...] | None:
    """The log folder's identity and the names of its files: a new version adds a file,
    and a table made again has a new folder, so an equal state is the same latest
    version; None without a log."""
    log = path / LOG_DIR
    try:
        folder = log.stat()
        names = sorted(entry.name for entry in log.iterdir())
        return (str(folder.st_ino), str(folder.st_mtime_ns), *names)
    except OSError:
        return None


class DeltaStore:
    """Delta tables stored as folders directly under ``root``; one table per name.

    A table's log is parsed once per version this store sees: reading the table again
    (its version, history, schema, files) lists the log's folder, and parses it again
    only when a commit has added a file since."""

    def __init__(self, root: Path) -> None:
        check_delta_folder(root)
        self.root = root
        self._loaded: dict[Path, tuple[tuple[str, ...], DeltaTable]] = {}
        self._histories: dict[Path, tuple[tuple[str, ...], list[dict[str, Any]]]] = {}

    def _load(self, path: Path, state: tuple[str, ...] | None = None) -> DeltaTable:
        """The table's latest version, loaded again only when its log changed (``state``:
        its log's, when the caller has just read it)."""
        state = state or _log_state(path)
        cached = self._loaded.get(path)
        if cached is not None and state is not None and cached[0] == state:
            return cached[1]
        table = load_table(path)
        if state is not None:
            self._loaded[path] = (state, table)
        return table

    def _load_if_present(self, path: Path) -> DeltaTable | None:
        return None if _is_absent(path) else self._load(path)

    def table_path(self, name: str) -> Path:
        if not _TABLE_NAME.match(name):
            raise StorageError(self.root / name, f"invalid table name {name!r}")
        return self.root / name

    def exists(self, name: str) -> bool:
        """A Delta log is there (checked cheaply: a corrupt log still counts; loading it fails)."""
        path = self.table_path(name)
        return path.is_dir() and DeltaTable.is_deltatable(path)

    def version(self, name: str) -> TableVersion:
        path = self.table_path(name)
        table = self._load_if_present(path)
        return TableVersion(path, None if table is None else table.version())

    def list_tables(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(  # hidden folders are files being staged, e.g. left by a crash
            child.name
            for child in self.root.iterdir()
            if child.is_dir() and not child.name.startswith(".") and DeltaTable.is_deltatable(child)
        )

    def dataset(self, name: str) -> pds.Dataset:
        path = self.table_path(name)
        return open_dataset(path, self._load(path))

    def files(self, name: str) -> StoredFiles:
        path = self.table_path(name)
        return stored_files(path, self._load(path))

    def read(self, name: str) -> pa.Table:
        path = self.table_path(name)
        try:
            return open_dataset(path, self._load(path)).to_table()
        except (OSError, pa.ArrowException) as exc:
            raise StorageError(path, f"cannot read data files: {one_line(exc)}") from exc

    def write(
        self,
        name: str,
        data: pa.Table | pa.RecordBatchReader,
        mode: WriteMode,
        schema_mode: SchemaMode | None = None,
        partition_by: Sequence[str] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> int:
        path = self.table_path(name)
        return write_table(path, data, mode, schema_mode, partition_by, metadata)

    def restore(self, before: TableVersion, metadata: Mapping[str, str] | None = None) -> None:
        restore_table(before, metadata)

    def schema(self, name: str) -> pa.Schema:
        """The table's schema, from its log alone (no data file is opened)."""
        return pa.schema(self._load(self.table_path(name)).schema())

    def describes(self, name: str, metadata: TableMetadata) -> bool:
        """Whether the table exists and its metadata says all that ``metadata`` says."""
        table = self._load_if_present(self.table_path(name))
        return table is not None and metadata_changes(table, metadata).empty

    def set_aside(self, name: str, folder: str) -> None:
        """Move an unreadable table out of the way, to the hidden ``folder`` beside it."""
        self.table_path(name).rename(self.root / folder)

    def put_back(self, name: str, folder: str) -> None:
        """Undo :meth:`set_aside`, unless the table is there again or the folder is gone."""
        aside = self.root / folder
        if aside.exists() and not self.table_path(name).exists():
            aside.rename(self.table_path(name))

    def discard_aside(self, folder: str) -> None:
        shutil.rmtree(self.root / folder, ignore_errors=True)

    def history(self, name: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Commit infos, newest first (as delta-rs returns them, custom metadata at the top
        level); each has a ``version`` key. ``limit``: only the newest that many."""
        path = self.table_path(name)
        state = _log_state(path)
        cached = self._histories.get(path)
        if limit is None and state is not None and cached is not None and cached[0] == state:
            return [dict(entry) for entry in cached[1]]
        try:
            entries = [dict(entry) for entry in self._load(path, state).history(limit)]
        except DeltaError as exc:
            raise StorageError(path, f"cannot read the history: {one_line(exc)}") from exc
        if limit is None and state is not None:
            self._histories[path] = (state, entries)
        return [dict(entry) for entry in entries]
