"""Running an update: compute every dataset in order, then commit all tables or none.

Phase one computes each dataset in the engine, in dependency order, evaluating its
expectations (a FAIL UPDATE violation stops the update), and stages each computed
table's data files while the next datasets compute. Phase two, once everything was
computed, commits every staged table (one Delta commit each), then the event log. The
update holds the lakehouse's writer lock throughout, first recovering whatever a killed
writer left (``pipeline.recovery``), and keeps a journal beside its tables, so a failed,
interrupted or killed update leaves every table at its version before the update.

:func:`run_update` is the library's entry point: a loaded pipeline, an engine (e.g.
``SparkEngine(spark)`` in a notebook), one update.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.common.faults import crash_point
from retail_lakehouse.common.lock import writer_lock
from retail_lakehouse.pipeline.change_targets import ChangeTargets
from retail_lakehouse.pipeline.commit import Committer, table_metadata
from retail_lakehouse.pipeline.engine import (
    CheckedRelation,
    DatasetRelations,
    Engine,
    EngineError,
    Sources,
)
from retail_lakehouse.pipeline.event_log import events_table
from retail_lakehouse.pipeline.graph import PlannedDataset, unread_after
from retail_lakehouse.pipeline.ingest import IngestPlanner
from retail_lakehouse.pipeline.journal import UPDATE_KEY, UpdateJournal
from retail_lakehouse.pipeline.keyed_refresh import KeyedRefresh, counts_metadata
from retail_lakehouse.pipeline.model import Dataset, ExpectationFailedError
from retail_lakehouse.pipeline.progress import progress_metadata
from retail_lakehouse.pipeline.project import LoadedPipeline
from retail_lakehouse.pipeline.python.schema import check_declared_schema
from retail_lakehouse.pipeline.recovery import recover
from retail_lakehouse.pipeline.results import (
    FlowStatus,
    UpdateResult,
    dataset_result,
    tripped_fail_expectation,
)
from retail_lakehouse.pipeline.up_to_date import DIGEST_KEY, UpToDateViews
from retail_lakehouse.pipeline.watch import Unwatched, UpdateWatcher
from retail_lakehouse.pipeline.writes import ComputedDataset, changes_rows, table_writes
from retail_lakehouse.storage.delta import DeltaStore, StorageError


def run_update(
    pipeline: LoadedPipeline,
    engine: Engine,
    full_refresh: bool = False,
    watcher: UpdateWatcher | None = None,
) -> UpdateResult:
    """One update of ``pipeline`` on ``engine`` (which stays open for the caller), told to
    ``watcher`` as it goes."""
    return UpdateRunner(pipeline, engine, full_refresh, watcher).run()


class UpdateRunner:
    """One update of one pipeline on one engine against its lakehouse's tables."""

    def __init__(
        self,
        pipeline: LoadedPipeline,
        engine: Engine,
        full_refresh: bool = False,
        watcher: UpdateWatcher | None = None,
    ) -> None:
        self.lakehouse = pipeline.lakehouse
        self.graph = pipeline.graph
        self.configuration = pipeline.configuration
        self.engine = engine
        self.store = DeltaStore(self.lakehouse.tables)
        self.event_log = pipeline.settings.event_log
        self.full_refresh = full_refresh
        self.watcher = watcher or Unwatched()
        self.result = UpdateResult(str(uuid.uuid4()), pipeline.settings.name, datetime.now(UTC))
        self.result.engine, self.result.storage = engine.name, engine.storage
        self.result.resources = engine.resources
        self.result.notes += pipeline.notes
        self.journal = UpdateJournal(
            self.result.update_id, self.result.pipeline, self.event_log, engine.name,
            engine.storage, self.result.started.isoformat(),
        )  # fmt: skip
        self.started_over: set[str] = set()
        self.ingest = IngestPlanner(self.lakehouse, self.store, full_refresh)
        self.rebuilt: dict[str, list[str]] = {}  # why streaming tables start over -> which
        self.change_targets = ChangeTargets(
            engine, self.store, self.graph, full_refresh, self.started_over, self.rebuilt
        )
        self.up_to_date = UpToDateViews(self.store, self.graph, full_refresh, self.result.update_id)
        self.waiting: dict[str, PlannedDataset] = {}  # temporary views not computed yet
        self.keyed = KeyedRefresh(
            engine, self.store, self.graph, self.up_to_date, self.result.update_id
        )

    def run(self) -> UpdateResult:
        """One update, holding the lakehouse's writer lock, after recovering what a killed
        writer left."""
        with writer_lock(self.lakehouse):
            recovered = recover(self.lakehouse)
            if recovered is not None:
                self.result.notes.append(recovered)
            return self._run()

    def _run(self) -> UpdateResult:
        began = time.perf_counter()
        aside = self._set_aside_plan(self._unreadable_tables())
        self.journal = replace(self.journal, set_aside=tuple(aside.items()))
        self.journal.write(self.lakehouse.update_journal)
        crash_point("update:journaled")
        for name, folder in aside.items():
            self.store.set_aside(name, folder)
        try:
            with Committer(self.engine, self.store, self.result.update_id) as committer:
                self._compute_and_commit(committer, began)
        except BaseException as exc:  # Ctrl-C too: the committer rolled every table back
            for name, folder in aside.items():
                self.store.put_back(name, folder)
            self.result.status = "FAILED"
            self.result.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.result.seconds = time.perf_counter() - began
            self._log_failure()
            raise
        finally:
            self.lakehouse.update_journal.unlink(missing_ok=True)
        for folder in aside.values():
            self.store.discard_aside(folder)
        return self.result

    def _compute_and_commit(self, committer: Committer, began: float) -> None:
        """Compute every dataset, staging each table as soon as it is computed, then commit
        them all and the event log. ``write_seconds`` is the time the writes took beyond
        the computing."""
        unread = unread_after(self.graph.order)
        idle: list[str] = []  # read by nobody any more: released once staged
        for planned in self.graph.order:
            item = self._compute_or_keep(planned)
            if item is not None and planned.dataset.is_table:
                writes = table_writes(self.store, self.engine, item)
                if changes_rows(self.engine, writes, planned.dataset.name):
                    self.up_to_date.written.add(planned.dataset.name)
                if item.appends:
                    self.keyed.appended[planned.dataset.name] = item.new_rows
                committer.stage(writes)
            idle = self._release_idle(committer, idle + unread[planned.dataset.name])
        self._record_unread_views()
        for reason, names in self.rebuilt.items():
            self.result.notes.append(f"rebuilt from all their input: {', '.join(names)} ({reason})")
        write_began = time.perf_counter()
        tables = committer.staged(also=[self.event_log])
        self._release_staged(committer, idle)  # all written: nothing waits any more
        self.watcher.committing(len(tables))
        self.journal = self.journal.committing(tables)
        self.journal.write(self.lakehouse.update_journal)
        crash_point("update:committing")
        committer.commit()
        self.result.write_seconds = time.perf_counter() - write_began
        self.result.seconds = time.perf_counter() - began
        committer.append(self.event_log, events_table(self.result))
        crash_point("update:logged")
        self.journal.committed().write(self.lakehouse.update_journal)
        crash_point("update:committed")

    def _unreadable_tables(self) -> dict[str, str]:
        """Load every table the update will write, so a corrupt log fails before any work;
        a full refresh rebuilds them instead: the unreadable ones and their problems."""
        names = [self.event_log]
        for planned in self.graph.order:
            names += [n for n in (planned.dataset.name, planned.dataset.quarantine) if n]
        unreadable = {}
        for name in names:
            try:
                self.store.version(name)
            except StorageError as exc:
                if not self.full_refresh:
                    raise
                unreadable[name] = str(exc)
        return unreadable

    def _set_aside_plan(self, unreadable: dict[str, str]) -> dict[str, str]:
        """Where each unreadable table goes while a full refresh rebuilds it."""
        folders = {name: f".{name}.unreadable-{self.result.update_id}" for name in unreadable}
        self.result.notes += [
            f"{problem}; rebuilt by the full refresh" for problem in unreadable.values()
        ]
        return folders

    # --- phase one: compute ------------------------------------------------------------

    def _compute_or_keep(self, planned: PlannedDataset) -> ComputedDataset | None:
        """The dataset computed, or its stored table kept when it is up to date; None for a
        temporary view that waits until a dataset that is computed reads it."""
        digest = self.up_to_date.digest(planned)
        if digest is not None and self.up_to_date.holds(planned, digest):
            return self._keep_stored(planned)
        if self.up_to_date.can_wait(planned):
            self.waiting[planned.dataset.name] = planned
            return None
        self._compute_waiting(planned.inputs)
        if digest is not None:
            refreshed = self._refresh_by_keys(planned, digest)
            if refreshed is not None:
                return refreshed
        return self._compute(planned, digest)

    def _compute_waiting(self, names: Sequence[str]) -> None:
        """Compute the waiting temporary views among ``names``, after those they read."""
        for name in names:
            view = self.waiting.pop(name, None)
            if view is not None:
                self._compute_waiting(view.inputs)
                self._compute(view, None)

    def _compute(self, planned: PlannedDataset, digest: str | None) -> ComputedDataset:
        """``digest``: what a materialized view's commit records its rows depend on."""
        dataset = planned.dataset
        self.watcher.dataset_started(dataset.name)
        started, began = datetime.now(UTC), time.perf_counter()
        ingest = self.ingest.plan(planned, self.started_over)
        if ingest.starts_over and dataset.appends:
            self.started_over.add(dataset.name)
        if ingest.reason is not None:
            self.rebuilt.setdefault(ingest.reason, []).append(dataset.name)
        sources = Sources(ingest.files, self._streams(planned), ingest.columns_from)
        result = DatasetRelations(dataset.name).result
        stored = None if ingest.starts_over else self._stored_relation(dataset)
        progress = ingest.progress
        commit_info = progress_metadata(progress) if progress is not None else {}
        if digest is not None:
            commit_info = {**commit_info, DIGEST_KEY: digest}
        unchanged = False
        try:
            if stored is not None and not self._has_new_input(planned, sources):
                self.engine.empty_like(result, stored)
                input_rows = 0
            elif dataset.changes is not None:
                applied = self.change_targets.apply(result, dataset.changes)
                input_rows, unchanged = applied.changes, applied.unchanged
                commit_info = applied.commit_info
                if applied.touched is not None:
                    self.keyed.touched[dataset.name] = applied.touched
            elif planned.tree is not None:
                input_rows = self.engine.run_query(result, planned.tree, sources)
            else:
                input_rows = self.engine.run_python(result, dataset, sources, self.configuration)
                if dataset.python is not None and dataset.python.schema is not None:
                    check_declared_schema(dataset, self.engine.described(result))
        except EngineError as exc:
            raise DefinitionError(dataset.location, f"'{dataset.name}': {exc}") from None
        checked = self._check(dataset, result)
        if digest is not None:
            commit_info = {**commit_info, **counts_metadata(checked.counts)}
        self._stop_if_tripped(dataset, input_rows, checked, started, began)
        self._publish(dataset, checked, stored)
        kept = unchanged and self.store.describes(dataset.name, table_metadata(dataset))
        self._record(dataset, input_rows, checked, started, began, "COMPLETED", kept)
        return ComputedDataset(planned, checked, ingest, commit_info, kept)

    def _refresh_by_keys(self, planned: PlannedDataset, digest: str) -> ComputedDataset | None:
        """The view refreshed by key (``keyed_refresh``), or None: it is computed whole."""
        dataset = planned.dataset
        started, began = datetime.now(UTC), time.perf_counter()
        try:
            refreshed = self.keyed.refresh(planned)
        except EngineError as exc:
            raise DefinitionError(dataset.location, f"'{dataset.name}': {exc}") from None
        if refreshed is None:
            return None
        self.watcher.dataset_started(dataset.name)
        checked = refreshed.checked
        self._stop_if_tripped(dataset, refreshed.input_rows, checked, started, began)
        self._publish(dataset, checked, refreshed.stored)
        self._record(dataset, refreshed.input_rows, checked, started, began, by_keys=True)
        commit_info = {DIGEST_KEY: digest, **counts_metadata(checked.counts)}
        ingest = self.ingest.plan(planned, self.started_over)
        return ComputedDataset(
            planned, checked, ingest, commit_info, by_keys=True,
            replaces_rows=refreshed.replaces_rows,
            replaces_quarantine=refreshed.replaces_quarantine,
        )  # fmt: skip

    def _stop_if_tripped(
        self,
        dataset: Dataset,
        input_rows: int,
        checked: CheckedRelation,
        started: datetime,
        began: float,
    ) -> None:
        """Fail the update when a FAIL UPDATE expectation failed, logging the flow with its
        counts so the event log says which."""
        tripped = tripped_fail_expectation(dataset, checked.counts)
        if tripped is not None:
            self._record(dataset, input_rows, checked, started, began, "FAILED")
            raise ExpectationFailedError(
                f"{dataset.location}: expectation '{tripped.name}' of '{dataset.name}' failed "
                f"for {tripped.failed} rows (ON VIOLATION FAIL UPDATE): no table was changed"
            )

    def _keep_stored(self, planned: PlannedDataset) -> ComputedDataset:
        """An up-to-date materialized view: its stored rows, read as they are."""
        dataset = planned.dataset
        self.watcher.dataset_started(dataset.name)
        started, began = datetime.now(UTC), time.perf_counter()
        ingest = self.ingest.plan(planned, self.started_over)
        stored = DatasetRelations(dataset.name).stored
        self.engine.attach(stored, self.store, dataset.name)
        checked = CheckedRelation(stored, stored, 0, 0, ())
        self._publish(dataset, checked, None)
        self._record(dataset, 0, checked, started, began, "COMPLETED", up_to_date=True)
        return ComputedDataset(planned, checked, ingest, {}, up_to_date=True)

    def _record_unread_views(self) -> None:
        """The temporary views no computed dataset read: up to date, as all their readers."""
        for view in self.waiting.values():
            self.watcher.dataset_started(view.dataset.name)
            empty = CheckedRelation("", "", 0, 0, ())
            began = time.perf_counter()
            self._record(view.dataset, 0, empty, datetime.now(UTC), began, "COMPLETED", True)
        self.waiting.clear()

    def _record(
        self,
        dataset: Dataset,
        input_rows: int,
        checked: CheckedRelation,
        started: datetime,
        began: float,
        status: FlowStatus = "COMPLETED",
        up_to_date: bool = False,
        by_keys: bool = False,
    ) -> None:
        seconds = time.perf_counter() - began
        timing = (started, seconds)
        result = dataset_result(dataset, input_rows, checked, timing, status, up_to_date, by_keys)
        self.result.datasets.append(result)
        self.watcher.dataset_finished(result)

    def _check(self, dataset: Dataset, result: str) -> CheckedRelation:
        try:
            return self.engine.check(result, dataset.expectations, self.result.update_id)
        except EngineError as exc:
            names = ", ".join(e.name for e in dataset.expectations)
            raise DefinitionError(
                dataset.location, f"an expectation of '{dataset.name}' ({names}) fails: {exc}"
            ) from None

    @staticmethod
    def _streams(planned: PlannedDataset) -> dict[str, str]:
        return {name: DatasetRelations(name).new_rows for name in planned.streamed}

    def _has_new_input(self, planned: PlannedDataset, sources: Sources) -> bool:
        if any(sources.files):
            return True
        return any(self.engine.rows(sources.streams[name]) for name in planned.streamed)

    def _stored_relation(self, dataset: Dataset) -> str | None:
        """The stored rows a streaming table appends to (None: it starts over)."""
        if not dataset.appends or not self.store.exists(dataset.name):
            return None
        relation = DatasetRelations(dataset.name).stored
        self.engine.attach(relation, self.store, dataset.name)
        return relation

    def _publish(self, dataset: Dataset, checked: CheckedRelation, stored: str | None) -> None:
        """Let downstream queries read the dataset (and STREAM its new rows)."""
        relations = DatasetRelations(dataset.name)
        self.engine.alias(relations.new_rows, checked.kept)
        if stored is not None:
            self.engine.union(relations.combined, [stored, checked.kept])
            self.engine.alias(dataset.name, relations.combined)
        else:
            self.engine.alias(dataset.name, checked.kept)

    # --- phase two: commit -------------------------------------------------------------

    def _release_idle(self, committer: Committer, idle: list[str]) -> list[str]:
        """Release the idle datasets that no waiting view reads (once staged); the others
        stay idle."""
        held = {name for view in self.waiting.values() for name in view.inputs}
        free = self._release_staged(committer, [name for name in idle if name not in held])
        return [name for name in idle if name in held] + free

    def _release_staged(self, committer: Committer, idle: list[str]) -> list[str]:
        """Free the relations of the idle datasets whose files are written, so memory and
        spill hold only what later datasets read; the others, still idle."""
        waiting = []
        for name in idle:
            relations = DatasetRelations(name)
            if committer.writing(relations.result):
                waiting.append(name)
                continue
            for relation in relations.every:
                self.engine.release(relation)
        return waiting

    def _log_failure(self) -> None:
        """The failed update in the event log, after the rollback."""
        metadata = {UPDATE_KEY: self.result.update_id}
        with contextlib.suppress(Exception):  # the update's own error is the one to report
            self.store.write(self.event_log, events_table(self.result), "append", metadata=metadata)
