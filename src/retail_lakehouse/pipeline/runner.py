"""Running an update: compute every dataset in order, then commit all tables or none.

Phase one computes each dataset in the engine, in dependency order, evaluating its
expectations (a FAIL UPDATE violation stops the update), and stages each computed
table's data files while the next datasets compute. Phase two, once everything was
computed, commits every staged table (one Delta commit each), the quarantine tables and
then the event log. Nothing reaches a Delta log before phase two, and if a commit fails
the tables already committed are restored, so a failed update leaves every table as it
was. One update runs at a time per table store (``storage.update_lock``).

:func:`run_update` is the library's entry point: a loaded pipeline, an engine (e.g.
``SparkEngine(spark)`` in a notebook), one update.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.checkpoints import (
    CheckpointStore,
    Fingerprint,
    fingerprint,
    list_source_files,
)
from retail_lakehouse.pipeline.commit import Committer
from retail_lakehouse.pipeline.engine import (
    CheckedRelation,
    DatasetRelations,
    Engine,
    EngineError,
    ExpectationCounts,
    Sources,
    TableWrite,
)
from retail_lakehouse.pipeline.event_log import events_table
from retail_lakehouse.pipeline.graph import PlannedDataset
from retail_lakehouse.pipeline.model import Dataset, ExpectationFailedError
from retail_lakehouse.pipeline.project import LoadedPipeline
from retail_lakehouse.pipeline.results import (
    DatasetResult,
    ExpectationResult,
    FlowStatus,
    UpdateResult,
)
from retail_lakehouse.sql.queries import file_sources
from retail_lakehouse.storage.delta import DeltaStore, SchemaMode, WriteMode
from retail_lakehouse.storage.update_lock import update_lock

ZORDER_PROPERTY = "pipelines.autoOptimize.zOrderCols"


@dataclass
class _Pending:
    """A computed dataset waiting for the commit phase."""

    planned: PlannedDataset
    checked: CheckedRelation
    new_files: dict[str, Fingerprint] = field(default_factory=dict)


def run_update(
    pipeline: LoadedPipeline, engine: Engine, full_refresh: bool = False
) -> UpdateResult:
    """One update of ``pipeline`` on ``engine`` (which stays open for the caller)."""
    return UpdateRunner(pipeline, engine, full_refresh).run()


class UpdateRunner:
    """One update of one pipeline on one engine against its lakehouse's tables."""

    def __init__(
        self, pipeline: LoadedPipeline, engine: Engine, full_refresh: bool = False
    ) -> None:
        self.lakehouse = pipeline.lakehouse
        self.graph = pipeline.graph
        self.engine = engine
        self.store = DeltaStore(self.lakehouse.tables)
        self.event_log = pipeline.settings.event_log
        self.full_refresh = full_refresh
        self.checkpoints = CheckpointStore(self.lakehouse.checkpoints)
        self.result = UpdateResult(str(uuid.uuid4()), pipeline.settings.name, datetime.now(UTC))
        self.result.engine, self.result.storage = engine.name, engine.storage

    def run(self) -> UpdateResult:
        """One update, holding the tables' update lock (which sweeps a killed update's
        staging folders away first)."""
        with update_lock(self.lakehouse.update_lock, self.store.root):
            return self._run()

    def _run(self) -> UpdateResult:
        began = time.perf_counter()
        self._check_stored_tables()
        try:
            with Committer(self.engine, self.store, self.checkpoints) as committer:
                self._compute_and_commit(committer)
        except BaseException as exc:
            self.result.status = "FAILED"
            self.result.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.result.seconds = time.perf_counter() - began
            self._log_failure()
            raise
        self.result.seconds = time.perf_counter() - began
        self.store.write(self.event_log, events_table(self.result), mode="append")
        return self.result

    def _compute_and_commit(self, committer: Committer) -> None:
        """Compute every dataset, staging each table as soon as it is computed, then commit
        them all. ``write_seconds`` is the time the writes took beyond the computing."""
        pending = []
        for planned in self.graph.order:
            item = self._compute(planned)
            pending.append(item)
            if planned.dataset.is_table:
                committer.stage(self._planned_writes(item))
        tables = [item for item in pending if item.planned.dataset.is_table]
        write_began = time.perf_counter()
        committer.commit()
        self._record_checkpoints(tables)
        self.result.write_seconds = time.perf_counter() - write_began

    def _record_checkpoints(self, done: list[_Pending]) -> None:
        for item in done:
            if item.planned.dataset.kind == "streaming_table":
                if self.full_refresh:
                    self.checkpoints.forget(item.planned.dataset.name)
                self.checkpoints.record(item.planned.dataset.name, item.new_files)

    def _check_stored_tables(self) -> None:
        """Load every table the update will write: a corrupt log fails before any work."""
        for planned in self.graph.order:
            dataset = planned.dataset
            if dataset.is_table:
                self.store.version(dataset.name)
            if dataset.quarantine is not None:
                self.store.version(dataset.quarantine)
        self.store.version(self.event_log)

    # --- phase one: compute ------------------------------------------------------------

    def _compute(self, planned: PlannedDataset) -> _Pending:
        dataset = planned.dataset
        started, began = datetime.now(UTC), time.perf_counter()
        streaming = dataset.kind == "streaming_table"
        sources, new_files = self._sources(planned, streaming)
        result = DatasetRelations(dataset.name).result
        stored = self._stored_relation(dataset) if streaming else None
        try:
            if streaming and stored is not None and not self._has_new_input(planned, sources):
                self.engine.empty_like(result, stored)
                input_rows = 0
            else:
                input_rows = self.engine.run_query(result, planned.tree, sources)
        except EngineError as exc:
            raise DefinitionError(dataset.location, f"'{dataset.name}': {exc}") from None
        checked = self._check(dataset, result)
        tripped = _tripped_fail_expectation(dataset, checked)
        if tripped is not None:  # logged with its counts, so the event log says which
            self._record(dataset, input_rows, checked, started, began, "FAILED")
            raise ExpectationFailedError(
                f"{dataset.location}: expectation '{tripped.name}' of '{dataset.name}' failed "
                f"for {tripped.failed} rows (ON VIOLATION FAIL UPDATE): no table was changed"
            )
        self._publish(dataset, checked, stored)
        self._record(dataset, input_rows, checked, started, began, "COMPLETED")
        return _Pending(planned, checked, new_files)

    def _record(
        self,
        dataset: Dataset,
        input_rows: int,
        checked: CheckedRelation,
        started: datetime,
        began: float,
        status: FlowStatus,
    ) -> None:
        """Add the dataset's result; a FAILED flow wrote nothing."""
        written = (checked.kept_rows, checked.quarantined_rows) if status == "COMPLETED" else (0, 0)
        self.result.datasets.append(
            DatasetResult(
                dataset.name,
                dataset.kind,
                dataset.layer,
                input_rows,
                *written,
                _expectation_results(dataset, checked),
                time.perf_counter() - began,
                started,
                datetime.now(UTC),
                status,
            )
        )

    def _check(self, dataset: Dataset, result: str) -> CheckedRelation:
        try:
            return self.engine.check(result, dataset.expectations, self.result.update_id)
        except EngineError as exc:
            names = ", ".join(e.name for e in dataset.expectations)
            raise DefinitionError(
                dataset.location, f"an expectation of '{dataset.name}' ({names}) fails: {exc}"
            ) from None

    def _sources(
        self, planned: PlannedDataset, streaming: bool
    ) -> tuple[Sources, dict[str, Fingerprint]]:
        dataset = planned.dataset
        files: list[list[Path]] = []
        new_files: dict[str, Fingerprint] = {}
        for source in file_sources(planned.tree, dataset.defined_query):
            found = list_source_files(Path(source.path))
            if not found:
                raise DefinitionError(
                    dataset.location, f"'{dataset.name}' reads no files: nothing at {source.path}"
                )
            if source.streaming and streaming and not self.full_refresh:
                found = self.checkpoints.new_files(dataset.name, found)
            files.append(found)
            if source.streaming:
                new_files.update({str(f): fingerprint(f) for f in found})
        streams = {name: DatasetRelations(name).new_rows for name in planned.streamed}
        return Sources(files, streams), new_files

    def _has_new_input(self, planned: PlannedDataset, sources: Sources) -> bool:
        if any(sources.files):
            return True
        return any(self.engine.rows(sources.streams[name]) for name in planned.streamed)

    def _stored_relation(self, dataset: Dataset) -> str | None:
        if self.full_refresh or not self.store.exists(dataset.name):
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

    def _planned_writes(self, item: _Pending) -> list[TableWrite]:
        dataset = item.planned.dataset
        append = dataset.kind == "streaming_table" and not self.full_refresh
        mode: WriteMode = "append" if append else "overwrite"
        schema_mode: SchemaMode | None = None if append else "overwrite"
        partitions = dataset.partition_by
        targets = [(dataset.name, item.checked.kept, _cluster_columns(dataset), partitions)]
        if dataset.quarantine is not None:
            targets.append((dataset.quarantine, item.checked.quarantine, (), partitions))
        writes = []
        for name, relation, cluster, partition_by in targets:
            if append and not self.engine.rows(relation) and self.store.exists(name):
                continue  # nothing new: no empty commit
            writes.append(TableWrite(name, relation, mode, schema_mode, cluster, partition_by))
        return writes

    def _log_failure(self) -> None:
        with contextlib.suppress(Exception):  # the update's own error is the one to report
            self.store.write(self.event_log, events_table(self.result), mode="append")


def _cluster_columns(dataset: Dataset) -> tuple[str, ...]:
    """CLUSTER BY columns, then those of the pipelines.autoOptimize.zOrderCols property."""
    columns = list(dataset.cluster_by)
    z_order = dataset.property(ZORDER_PROPERTY)
    if z_order:
        columns += [c.strip() for c in z_order.split(",") if c.strip() and c.strip() not in columns]
    return tuple(columns)


def _tripped_fail_expectation(
    dataset: Dataset, checked: CheckedRelation
) -> ExpectationCounts | None:
    """The first FAIL UPDATE expectation some row violated, if any."""
    actions = {e.name: e.action for e in dataset.expectations}
    return next((c for c in checked.counts if actions[c.name] == "fail" and c.failed), None)


def _expectation_results(
    dataset: Dataset, checked: CheckedRelation
) -> tuple[ExpectationResult, ...]:
    actions = {e.name: e.action for e in dataset.expectations}
    return tuple(
        ExpectationResult(c.name, dataset.name, actions[c.name], c.passed, c.failed)
        for c in checked.counts
    )
