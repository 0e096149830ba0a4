"""What a dataset reads in one update: its file sources resolved to files, and for a
streaming table, the files it has not taken in yet and the progress it will commit.

A streaming table appends what is new since its progress (``pipeline.progress``), or
starts over from every file when it cannot append: a full refresh, a table that does not
exist yet, a progress it cannot read, a source generated again (another generation of
the landing zone), or an input it streams from that started over itself. A start-over
that the user did not ask for comes with the reason.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.pipeline.graph import PlannedDataset
from retail_lakehouse.pipeline.progress import (
    FileId,
    Progress,
    SourceProgress,
    fingerprint,
    list_source_files,
    read_progress,
    relative_name,
    source_key,
)
from retail_lakehouse.sql.queries import FileSource
from retail_lakehouse.storage.delta import DeltaStore


@dataclass(frozen=True)
class Ingest:
    files: tuple[tuple[Path, ...], ...]  # per read_files call of the query, what to read
    progress: Progress | None  # a streaming table's progress after this update
    starts_over: bool  # a streaming table rebuilt from all its input, not appended to
    reason: str | None = None  # why it starts over, when nobody asked for it
    columns_from: tuple[Path, ...] = ()  # per read_files call, its source's last file


class IngestPlanner:
    """Resolves the file sources of each dataset of one update."""

    def __init__(self, lakehouse: Lakehouse, store: DeltaStore, full_refresh: bool) -> None:
        self.lakehouse = lakehouse
        self.store = store
        self.full_refresh = full_refresh
        self.generation = _landing_generation(lakehouse)

    def plan(self, planned: PlannedDataset, started_over: Collection[str]) -> Ingest:
        """What ``planned`` reads; ``started_over``: the streaming tables of this update that
        start over (a table streaming from one of them starts over too)."""
        dataset = planned.dataset
        found = [(source, self._files(source, planned)) for source in planned.file_sources]
        if not dataset.appends:  # reads every file: none is empty (``_files``)
            return Ingest(tuple(files for _, files in found), None, False)
        stored, reason = self._stored_progress(dataset.name, found, started_over, planned)
        files, progress = [], {}
        for source, listed in found:
            if not source.streaming:
                files.append(listed)
                continue
            key = source_key(Path(source.path), self.lakehouse)
            seen = dict(stored.get(key, SourceProgress(None)).files) if stored is not None else {}
            ids = {relative_name(f, Path(source.path)): (f, fingerprint(f)) for f in listed}
            files.append(tuple(f for name, (f, id_) in ids.items() if seen.get(name) != id_))
            taken: dict[str, FileId] = {**seen, **{n: id_ for n, (_, id_) in ids.items()}}
            progress[key] = SourceProgress(self._generation_of(Path(source.path)), taken)
        last = tuple(listed[-1] for _, listed in found)  # columns for a source with no new file
        return Ingest(tuple(files), progress, stored is None, reason, last)

    def _files(self, source: FileSource, planned: PlannedDataset) -> tuple[Path, ...]:
        found = list_source_files(Path(source.path))
        if not found:
            dataset = planned.dataset
            raise DefinitionError(
                dataset.location, f"'{dataset.name}' reads no files: nothing at {source.path}"
            )
        return tuple(found)

    def _stored_progress(
        self,
        table: str,
        found: list[tuple[FileSource, tuple[Path, ...]]],
        started_over: Collection[str],
        planned: PlannedDataset,
    ) -> tuple[Progress | None, str | None]:
        """The progress to append after, or None and why the table starts over."""
        if self.full_refresh or not self.store.exists(table):
            return None, None
        rebuilt = sorted(set(planned.streamed) & set(started_over))
        if rebuilt:
            return None, f"{rebuilt[0]}, which it streams from, was rebuilt"
        stored = read_progress(self.store, table)
        if stored is None:
            return None, "its Delta log records no ingestion progress (an older version wrote it)"
        for source, _ in found:
            key = source_key(Path(source.path), self.lakehouse)
            generation = self._generation_of(Path(source.path))
            if source.streaming and key in stored and stored[key].generation != generation:
                return None, "the landing zone was generated again from other inputs"
        return stored, None

    def _generation_of(self, folder: Path) -> str | None:
        """The generation of the landing zone ``folder`` is in, None outside it."""
        inside = folder.resolve().is_relative_to(self.lakehouse.landing.resolve())
        return self.generation if inside else None


def _landing_generation(lakehouse: Lakehouse) -> str | None:
    if not lakehouse.manifest.exists():
        return None
    generation = read_manifest(lakehouse.manifest).get("generation")
    return str(generation) if generation is not None else None
