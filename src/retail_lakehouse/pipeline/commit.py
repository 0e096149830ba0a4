"""Committing an update's tables: staged while the update computes, committed all or none.

As soon as a dataset is computed, its tables are staged on a few threads: the engine
writes their data files beside the tables (delta-rs releases the GIL; Spark runs
concurrent jobs), overlapping the datasets still being computed. Nothing is in a Delta
log yet, so a FAIL UPDATE or an engine error later in the update changes no table, not
even its version. Once everything is computed, every staged table is committed (one
Delta commit each). Each table's version is remembered before the update; if a commit
fails, the tables already committed are restored to it, every staged file is discarded
and the streaming checkpoints are put back.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType

from retail_lakehouse.pipeline.checkpoints import CheckpointStore
from retail_lakehouse.pipeline.engine import Engine, TableWrite
from retail_lakehouse.storage.delta import DeltaStore, TableVersion
from retail_lakehouse.storage.delta_files import StagedFiles, commit_files, discard_files

WRITE_THREADS = 2


@dataclass(frozen=True)
class _Staging:
    write: TableWrite
    files: Future[StagedFiles]


class Committer:
    def __init__(self, engine: Engine, store: DeltaStore, checkpoints: CheckpointStore) -> None:
        self.engine = engine
        self.store = store
        self.checkpoints = checkpoints
        self._snapshot = checkpoints.snapshot()
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
        if error is not None:
            self.rollback()
        self._pool.shutdown(wait=True)

    def stage(self, writes: list[TableWrite]) -> None:
        """Start writing these tables' data files (committed later, by :meth:`commit`)."""
        for write in writes:
            if write.name not in self._before:
                self._before[write.name] = self.store.version(write.name)
            files = self._pool.submit(self.engine.stage, write, self.store)
            self._staging.append(_Staging(write, files))

    def commit(self) -> None:
        """Wait for every staged table, then commit them all; raise the first error."""
        staged = [(item.write, item.files.result()) for item in self._staging]
        # clustered tables first: their optimize, the longest step here, then overlaps the
        # other tables' commits (measured in benchmarks/README.md)
        staged.sort(key=lambda pair: not pair[0].cluster_by)
        self._commits = [self._pool.submit(self._commit, w, files) for w, files in staged]
        for future in self._commits:
            future.result()

    def rollback(self) -> None:
        wait([item.files for item in self._staging])
        wait(self._commits)
        for item in self._staging:
            if item.files.done() and item.files.exception() is None:
                discard_files(item.files.result().folder)  # a no-op once committed
        for version in reversed(list(self._before.values())):
            self.store.restore(version)
        self.checkpoints.put_back(self._snapshot)

    def _commit(self, write: TableWrite, files: StagedFiles) -> None:
        commit_files(files)
        if write.cluster_by:
            self.store.optimize(write.name, write.cluster_by)
