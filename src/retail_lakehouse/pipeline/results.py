"""What an update did: per dataset rows, expectations and timings; the update itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from retail_lakehouse.pipeline.model import DatasetKind, Layer, ViolationAction

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
