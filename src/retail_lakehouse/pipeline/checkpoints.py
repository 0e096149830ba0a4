"""Which source files a streaming table has ingested: file -> (size, mtime) fingerprints.

A file is new when it was never seen or its fingerprint changed. Checkpoints are written
after the update's tables are committed, each with an atomic rename.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from retail_lakehouse.common.files import write_text_atomic

Fingerprint = tuple[int, int]


def fingerprint(path: Path) -> Fingerprint:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


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


class CheckpointStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, dataset: str) -> Path:
        return self.root / f"{dataset}.json"

    def seen(self, dataset: str) -> dict[str, Fingerprint]:
        path = self._path(dataset)
        if not path.exists():
            return {}
        raw: dict[str, list[int]] = json.loads(path.read_text(encoding="utf-8"))
        return {name: (values[0], values[1]) for name, values in raw.items()}

    def new_files(self, dataset: str, files: Iterable[Path]) -> list[Path]:
        seen = self.seen(dataset)
        return [f for f in files if seen.get(str(f)) != fingerprint(f)]

    def record(self, dataset: str, files: Mapping[str, Fingerprint]) -> None:
        merged = self.seen(dataset) | dict(files)
        self.root.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self._path(dataset), json.dumps(merged, indent=1, sort_keys=True))

    def forget(self, dataset: str) -> None:
        self._path(dataset).unlink(missing_ok=True)

    def snapshot(self) -> dict[str, bytes]:
        """Raw contents, to put back if an update fails after writing checkpoints."""
        if not self.root.exists():
            return {}
        return {p.name: p.read_bytes() for p in self.root.glob("*.json")}

    def put_back(self, snapshot: Mapping[str, bytes]) -> None:
        if self.root.exists():
            for path in self.root.glob("*.json"):
                if path.name not in snapshot:
                    path.unlink()
        for name, content in snapshot.items():
            (self.root / name).write_bytes(content)
