"""A new table's version 0: its metadata and its first files in one Delta commit.

delta-rs creates a table in a commit of its own (``DeltaTable.create``) and adds files in
the next; its one-commit create (``create_table_with_add_actions``) rejects properties it
does not know (``pipelines.*``, ``quality``, ``clusteringColumns``). So a new table would
start with an empty version 0, visible to readers and to time travel, and an update that
creates a table would make two commits where Databricks' ``CREATE TABLE AS SELECT`` makes
one.

Instead delta-rs makes both commits in a scratch folder beside the table (which holds no
data: a commit records the files' paths relative to its table), and their actions, as
delta-rs wrote them, become one commit: the protocol and metadata of the create, the add
actions of the write, and the create's commit information (with the caller's entries)
named ``CREATE TABLE AS SELECT``. That commit is put in place as the table's version 0
only if the table has none: a hard link fails when the name is taken, so two writers
cannot both create it, and a reader sees the whole file or nothing.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import CommitProperties
from deltalake.transaction import AddAction, RemoveAction

from retail_lakehouse.storage.delta import LOG_DIR
from retail_lakehouse.storage.table_metadata import TableMetadata, create_table

__all__ = ["FIRST_COMMIT", "create_with_files"]

FIRST_COMMIT = f"{0:020d}.json"
_OPERATION = "CREATE TABLE AS SELECT"


def create_with_files(
    path: Path,
    scratch: Path,
    schema: pa.Schema,
    partition_by: Sequence[str],
    metadata: TableMetadata,
    actions: list[AddAction | RemoveAction],
    commit_info: Mapping[str, str],
) -> None:
    """Create the table at ``path`` with ``metadata`` and the files ``actions`` add (already
    in place under ``path``) as its version 0, made in ``scratch`` (a fresh folder, removed
    afterwards). Raises ``FileExistsError`` when the table has a version 0 already."""
    try:
        table = create_table(scratch, schema, partition_by, metadata, commit_info)
        if actions:
            table.create_write_transaction(
                actions, "append", schema, partition_by=list(partition_by) or None,
                commit_properties=CommitProperties(custom_metadata=dict(commit_info)),
            )  # fmt: skip
        _put_if_absent(path / LOG_DIR, FIRST_COMMIT, _joined(scratch / LOG_DIR, bool(actions)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _joined(log: Path, written: bool) -> list[str]:
    """The lines of one commit: the create's (version 0 in ``log``), with the add actions
    of the write (version 1) when ``written``, named as a create with its data."""
    created = _read_actions(log / FIRST_COMMIT)
    added = _read_actions(log / f"{1:020d}.json") if written else []
    info = next(action["commitInfo"] for action in created if "commitInfo" in action)
    info["operation"] = _OPERATION
    kept = [action for action in created if "commitInfo" not in action]
    adds = [action for action in added if "add" in action]
    return [json.dumps(action) for action in [{"commitInfo": info}, *kept, *adds]]


def _read_actions(commit: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in commit.read_text(encoding="utf-8").splitlines() if line]


def _put_if_absent(log: Path, name: str, lines: list[str]) -> None:
    """Write ``log/name`` whole, or raise ``FileExistsError`` and leave it as it was."""
    log.mkdir(parents=True, exist_ok=True)
    staged = log / f".{name}.{os.getpid()}.tmp"
    with staged.open("w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    try:
        os.link(staged, log / name)
    finally:
        staged.unlink(missing_ok=True)
