"""Committing an update's tables: staged while the update computes, committed all or none.

As soon as a dataset is computed, its tables are staged on a few threads: the engine
writes their data files beside the tables (delta-rs releases the GIL; Spark runs
concurrent jobs), overlapping the datasets still being computed. Nothing is in a Delta
log yet, so a FAIL UPDATE or an engine error later in the update changes no table, not
even its version. Once everything is computed and staged, every table's version before
the update goes into the update journal, then every staged table is committed (one Delta
commit each, carrying the update's id and, for a streaming table, its ingestion
progress), then the update's events. A table's files are clustered as they are staged,
and its COMMENT, TBLPROPERTIES, clustering columns and column comments go into its
metadata: a table the update creates, or whose definition changed them, gets them in
commits of its own just before (``storage.table_metadata``). If anything fails or the
process is interrupted, the tables already committed are rolled back to their versions
before the update and every staged file is discarded; if the process is killed, the
next writer does the same from the journal (``pipeline.recovery``).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from types import TracebackType

import pyarrow as pa

from retail_lakehouse.common.faults import crash_point
from retail_lakehouse.pipeline.engine import Engine, TableWrite, derived_from
from retail_lakehouse.pipeline.journal import ROLLED_BACK_KEY, UPDATE_KEY, JournaledTable
from retail_lakehouse.pipeline.model import Dataset
from retail_lakehouse.storage.delta import DeltaStore, TableVersion
from retail_lakehouse.storage.delta_files import StagedFiles, commit_files, discard_files
from retail_lakehouse.storage.table_metadata import TableMetadata

WRITE_THREADS = 2


@dataclass(frozen=True)
class _Staging:
    write: TableWrite
    files: Future[StagedFiles]


class Committer:
    def __init__(self, engine: Engine, store: DeltaStore, update_id: str) -> None:
        self.engine = engine
        self.store = store
        self.update_id = update_id
        self._before: dict[str, TableVersion] = {}
        self._staging: list[_Staging] = []
        self._commits: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(max_workers=WRITE_THREADS)

    def __enter__(self) -> Committer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is not None:  # KeyboardInterrupt included: nothing half-committed stays
            self.rollback()
        self._pool.shutdown(wait=True)

    def stage(self, writes: list[TableWrite]) -> None:
        """Start writing these tables' data files (committed later, by :meth:`commit`)."""
        for write in writes:
            self._remember(write.name)
            files = self._pool.submit(self.engine.stage, write, self.store)
            self._staging.append(_Staging(write, files))

    def writing(self, relation: str) -> bool:
        """Whether a table is still being written from ``relation`` or one derived from it
        (``<relation>__...``)."""
        return any(
            not item.files.done() and derived_from(item.write.relation, relation)
            for item in self._staging
        )

    def staged(self, also: list[str]) -> tuple[JournaledTable, ...]:
        """Wait for every staged table; the versions before the update of those and of
        ``also`` (tables committed after them, such as the event log), for the journal."""
        for item in self._staging:
            item.files.result()
        for name in also:
            self._remember(name)
        return tuple(JournaledTable(name, v.version) for name, v in self._before.items())

    def commit(self) -> None:
        """Commit every staged table; raise the first error."""
        staged = [(item.write, item.files.result()) for item in self._staging]
        self._commits = [self._pool.submit(self._commit, w, files) for w, files in staged]
        for number, future in enumerate(self._commits, start=1):
            future.result()
            crash_point(f"update:commit:{number}")

    def append(self, name: str, data: pa.Table) -> None:
        """Append ``data`` to the table ``name`` as one more commit of the update."""
        self._remember(name)
        self.store.write(name, data, mode="append", metadata={UPDATE_KEY: self.update_id})

    def rollback(self) -> None:
        wait([item.files for item in self._staging])
        wait(self._commits)
        for item in self._staging:
            if item.files.done() and item.files.exception() is None:
                discard_files(item.files.result().folder)  # a no-op once committed
        for name, version in reversed(list(self._before.items())):
            roll_back(self.store, JournaledTable(name, version.version), self.update_id)

    def _remember(self, name: str) -> None:
        if name not in self._before:
            self._before[name] = self.store.version(name)

    def _commit(self, write: TableWrite, files: StagedFiles) -> None:
        described = replace(files, table_metadata=write.table_metadata)
        commit_files(described, {UPDATE_KEY: self.update_id, **write.metadata})


def table_metadata(dataset: Dataset) -> TableMetadata:
    """What a dataset's table records beside its rows: its COMMENT, TBLPROPERTIES, CLUSTER
    BY columns and column comments (the zOrderCols property orders the rows, but it is
    Z-ordering, not liquid clustering: the property records it)."""
    return TableMetadata(
        dataset.comment, dataset.properties, dataset.cluster_by, dataset.column_comments
    )


def roll_back(store: DeltaStore, table: JournaledTable, update_id: str) -> None:
    """Put ``table`` back to its version before the update ``update_id``, unless it is
    there already: untouched by the update, or rolled back by an earlier attempt."""
    path = store.table_path(table.name)
    if not store.exists(table.name):
        if table.version is None:
            return
    else:
        latest = store.history(table.name, limit=1)[0]
        if latest["version"] == table.version or latest.get(ROLLED_BACK_KEY) == update_id:
            return
    store.restore(TableVersion(path, table.version), {ROLLED_BACK_KEY: update_id})
    crash_point(f"rollback:{table.name}")
