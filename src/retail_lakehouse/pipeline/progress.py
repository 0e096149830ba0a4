"""Which source files a streaming table has taken in, kept in the table's own Delta commits.

Every commit that writes a streaming table carries, in its commit info, the files the
table has ingested so far (``retail_lakehouse.progress``): the progress is committed
atomically with the rows, so a file is ingested exactly once however a process dies. A
file is known by its path relative to its source folder, its size and a fingerprint of
its content (not its modification time), and a source folder by its path relative to
the lakehouse, so a moved or copied lakehouse ingests nothing twice. A source in a
generated landing zone also carries the zone's generation: a landing zone generated
again from other inputs is a new source, and the table is rebuilt from it.

A table's progress is that of its latest commit carrying one; a RESTORE commit stands for
the version it restored, and an OPTIMIZE commit changes no progress.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.storage.delta import DeltaStore

PROGRESS_KEY = "retail_lakehouse.progress"
SAMPLE_BYTES = 1 << 16  # of each end of a file, for its fingerprint
_UNCHANGED = frozenset({"OPTIMIZE", "VACUUM START", "VACUUM END"})
# commits that leave the rows as they were: the above, and delta-rs' metadata alterations
ROWS_UNCHANGED = _UNCHANGED | {
    "UPDATE TABLE METADATA",
    "SET TBLPROPERTIES",
    "UPDATE FIELD METADATA",
}

FileId = tuple[int, str]  # size in bytes, content fingerprint


@dataclass(frozen=True)
class SourceProgress:
    """One source folder's files a table has taken in, and the generation they belong to."""

    generation: str | None
    files: Mapping[str, FileId] = field(default_factory=dict)  # relative path -> id


Progress = Mapping[str, SourceProgress]  # source key -> what was taken in from it


def fingerprint(path: Path) -> FileId:
    """The file's size and a BLAKE2b hash of its size and of its first and last 64 KiB
    (all of it when smaller): equal for a copy, different for regenerated content."""
    size = path.stat().st_size
    digest = hashlib.blake2b(str(size).encode(), digest_size=16)
    with path.open("rb") as handle:
        digest.update(handle.read(SAMPLE_BYTES))
        if size > SAMPLE_BYTES:
            handle.seek(max(SAMPLE_BYTES, size - SAMPLE_BYTES))
            digest.update(handle.read())
    return size, digest.hexdigest()


def list_source_files(folder: Path) -> list[Path]:
    """Data files under ``folder``, sorted; names starting with '_' or '.' are skipped."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts)
    )


def source_key(folder: Path, lakehouse: Lakehouse) -> str:
    """A source folder's name in the progress: relative to the lakehouse when inside it."""
    resolved, root = folder.resolve(), lakehouse.root.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def relative_name(file: Path, folder: Path) -> str:
    return file.name if folder.is_file() else file.relative_to(folder).as_posix()


def read_progress(store: DeltaStore, table: str) -> Progress | None:
    """The progress recorded in the table's log; None when its latest data commit has none
    (written by something else, or by an older version of this package)."""
    text = latest_commit_value(store, table, PROGRESS_KEY)
    return _parse(text) if text is not None else None


def latest_commit_value(
    store: DeltaStore, table: str, key: str, passing: frozenset[str] = _UNCHANGED
) -> str | None:
    """``key`` of the commit info of the table's latest data commit (a RESTORE commit
    stands for the version it restored; a commit whose operation is in ``passing``, an
    OPTIMIZE by default, is skipped); None when that commit has none, or the table has no
    log yet (a table an update stores for the first time, a temporary view until then)."""
    entry = latest_commit_with(store, table, key, passing)
    return None if entry is None else str(entry[key])


def latest_commit_with(
    store: DeltaStore, table: str, key: str, passing: frozenset[str] = _UNCHANGED
) -> dict[str, Any] | None:
    """The commit info of the table's latest data commit, as :func:`latest_commit_value`
    finds it, when it has ``key``; None otherwise."""
    if not store.exists(table):  # never committed: a corrupt log still counts, and fails
        return None
    history = {int(entry["version"]): entry for entry in store.history(table)}
    version: int | None = max(history, default=None)
    seen: set[int] = set()
    while version is not None and version in history and version not in seen:
        seen.add(version)
        entry = history[version]
        if entry.get("operation") in passing:
            version -= 1
        elif key in entry:
            return entry
        elif entry.get("operation") == "RESTORE":
            version = int(entry.get("operationParameters", {}).get("version", -1))
        else:
            return None
    return None


def progress_metadata(progress: Progress) -> dict[str, str]:
    """The commit-info entry that records ``progress``."""
    document = {
        key: {
            "generation": source.generation,
            "files": {n: list(i) for n, i in source.files.items()},
        }
        for key, source in sorted(progress.items())
    }
    return {PROGRESS_KEY: json.dumps(document, sort_keys=True, separators=(",", ":"))}


def _parse(text: str) -> Progress | None:
    try:
        document: dict[str, Any] = json.loads(text)
        return {
            key: SourceProgress(
                source["generation"],
                {
                    name: (int(size), str(digest))
                    for name, (size, digest) in source["files"].items()
                },
            )
            for key, source in document.items()
        }
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: the table is rebuilt, never appended to twice
