"""What a display learns of an update while it runs: each dataset as it starts and ends,
and the commit. The runner only calls; what is shown, and where, is the caller's."""

from __future__ import annotations

from typing import Protocol

from retail_lakehouse.pipeline.results import DatasetResult


class UpdateWatcher(Protocol):
    def dataset_started(self, name: str) -> None: ...

    def dataset_finished(self, result: DatasetResult) -> None: ...

    def committing(self, tables: int) -> None: ...


class Unwatched:
    """The watcher of an update nobody watches."""

    def dataset_started(self, name: str) -> None:
        pass

    def dataset_finished(self, result: DatasetResult) -> None:
        pass

    def committing(self, tables: int) -> None:
        pass
