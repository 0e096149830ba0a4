"""Committing an update's tables: Delta writes on a few threads, all undone on failure.

Each table's version is remembered before its first write of the update; if anything
fails (a write, or a dataset computed after some tables were already written), every
table written is restored to that version and the streaming checkpoints are put back.
The engine writes (delta-rs releases the GIL; Spark runs concurrent jobs), so writes
overlap each other.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import TracebackType

from retail_lakehouse.engines.base import Engine, TableWrite
from retail_lakehouse.pipeline.checkpoints import CheckpointStore
from retail_lakehouse.storage.delta import DeltaStore, TableVersion

WRITE_THREADS = 2


class Committer:
    def __init__(self, engine: Engine, store: DeltaStore, checkpoints: CheckpointStore) -> None:
        self.engine = engine
        self.store = store
        self.checkpoints = checkpoints
        self._snapshot = checkpoints.snapshot()
        self._before: dict[str, TableVersion] = {}
        self._futures: list[Future[None]] = []
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

    def submit(self, writes: list[TableWrite]) -> None:
        for write in writes:
            if write.name not in self._before:
                self._before[write.name] = self.store.version(write.name)
            self._futures.append(self._pool.submit(self._write, write))

    def finish(self) -> None:
        """Wait for every write; raise the first error."""
        for future in self._futures:
            future.result()

    def rollback(self) -> None:
        wait(self._futures)
        for version in reversed(list(self._before.values())):
            self.store.restore(version)
        self.checkpoints.put_back(self._snapshot)

    def _write(self, write: TableWrite) -> None:
        self.engine.write(write, self.store)
        if write.cluster_by:
            self.store.optimize(write.name, write.cluster_by)
