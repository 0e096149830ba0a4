"""What an update did: per dataset rows, expectations and timings; the update itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from retail_lakehouse.pipeline.engine import CheckedRelation, ExpectationCounts
from retail_lakehouse.pipeline.model import Dataset, DatasetKind, Layer, ViolationAction

UpdateStatus = Literal["COMPLETED", "FAILED"]
FlowStatus = Literal["COMPLETED", "FAILED"]  # FAILED: a FAIL UPDATE expectation tripped


@dataclass(frozen=True)
class ExpectationResult:
    name: str
    dataset: str
    action: ViolationAction
    passed_records: int
    failed_records: int


@dataclass(frozen=True)
class DatasetResult:
    name: str
    kind: DatasetKind
    layer: Layer
    input_rows: int  # rows the query produced in this update (new rows for streaming tables)
    written_rows: int
    quarantined_rows: int
    expectations: tuple[ExpectationResult, ...]
    seconds: float
    started: datetime
    finished: datetime
    status: FlowStatus = "COMPLETED"
    up_to_date: bool = False  # its stored rows were already its result: nothing written
    by_keys: bool = False  # a view that computed only the keys new rows reached again


@dataclass
class UpdateResult:
    update_id: str
    pipeline: str
    started: datetime
    status: UpdateStatus = "COMPLETED"
    error: str | None = None
    datasets: list[DatasetResult] = field(default_factory=list)
    seconds: float = 0.0
    write_seconds: float = 0.0  # finishing the writes and committing, after the last dataset
    engine: str = ""  # which engine ran the update
    storage: str = ""  # how that engine wrote the tables
    resources: str = ""  # what the engine could use
    notes: list[str] = field(default_factory=list)  # what the user should know, a line each


def dataset_result(
    dataset: Dataset,
    input_rows: int,
    checked: CheckedRelation,
    timing: tuple[datetime, float],  # when it started, how many seconds it took
    status: FlowStatus,
    up_to_date: bool = False,
    by_keys: bool = False,
) -> DatasetResult:
    """A dataset's result in the update; a FAILED flow wrote nothing, nor did an up-to-date
    one, which checked nothing either."""
    wrote = status == "COMPLETED" and not up_to_date
    written = (checked.kept_rows, checked.quarantined_rows) if wrote else (0, 0)
    actions = {e.name: e.action for e in dataset.expectations}
    expectations = tuple(
        ExpectationResult(c.name, dataset.name, actions[c.name], c.passed, c.failed)
        for c in (() if up_to_date else checked.counts)
    )
    started, seconds = timing
    return DatasetResult(
        dataset.name, dataset.kind, dataset.layer, input_rows, *written, expectations, seconds,
        started, started + timedelta(seconds=seconds), status, up_to_date, by_keys,
    )  # fmt: skip


def tripped_fail_expectation(
    dataset: Dataset, counts: tuple[ExpectationCounts, ...]
) -> ExpectationCounts | None:
    """The first FAIL UPDATE expectation some row violated, if any."""
    actions = {e.name: e.action for e in dataset.expectations}
    return next((c for c in counts if actions[c.name] == "fail" and c.failed), None)
