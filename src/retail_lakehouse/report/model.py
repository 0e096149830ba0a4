"""What the report shows, as plain typed records, and their JSON form.

Every number on the page comes from one of these records, and the page embeds them as
JSON (``<script type="application/json" id="report-data">``), so the embedded data is
exactly what is shown.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Literal

from retail_lakehouse.pipeline.lineage import TableEdge
from retail_lakehouse.pipeline.model import DatasetKind, Layer, ViolationAction
from retail_lakehouse.pipeline.results import FlowStatus, UpdateStatus

NodeKind = DatasetKind | Literal["quarantine"]
# the worst outcome of a dataset in the latest update, by colour on the page
NodeState = Literal["passed", "warned", "dropped", "failed", "not_run"]


@dataclass(frozen=True)
class ExpectationRow:
    dataset: str
    name: str
    action: ViolationAction | None  # None: the pipeline no longer defines it
    passed_records: int
    failed_records: int
    expected_failed: int | None  # the generator's ground truth; None where there is none


@dataclass(frozen=True)
class FlowRow:
    """One dataset in the latest update."""

    dataset: str
    layer: Layer
    status: FlowStatus
    rows_written: int
    rows_quarantined: int
    seconds: float
    expectations: tuple[ExpectationRow, ...]
    up_to_date: bool = False  # not computed: its expectations are from when it last was


@dataclass(frozen=True)
class RunRow:
    """One update, from its ``update_progress`` event."""

    update_id: str
    finished: str  # ISO 8601, UTC
    status: UpdateStatus
    error: str | None
    seconds: float
    rows_written: int
    rows_quarantined: int
    failed_records: int  # over all expectations of the update


@dataclass(frozen=True)
class LineageNode:
    name: str
    kind: NodeKind
    layer: Layer
    state: NodeState
    rows_written: int | None  # None: not in the latest update
    rows_dropped: int
    expectations_passed: int  # expectations no row failed
    expectations_failed: int  # expectations some row failed


ChartKind = Literal["line", "bars"]  # line: a value per date; bars: a value per label


@dataclass(frozen=True)
class ChartPoint:
    label: str  # a line chart's ISO date, a bar's label
    value: float


@dataclass(frozen=True)
class ChartData:
    """One declared chart's points, read from the tables."""

    name: str
    title: str
    kind: ChartKind
    points: tuple[ChartPoint, ...]


@dataclass(frozen=True)
class ChartSection:
    """The charts a pipeline declares, with the tables of theirs the lakehouse lacks."""

    title: str
    charts: tuple[ChartData, ...]  # those whose tables the lakehouse has
    missing: tuple[str, ...]  # tables a chart reads that the lakehouse does not have


@dataclass(frozen=True)
class ReportData:
    pipeline: str
    lakehouse: str
    generated_at: str  # ISO 8601, UTC
    latest: RunRow
    flows: tuple[FlowRow, ...]  # the latest update's datasets, in pipeline order
    runs: tuple[RunRow, ...]  # newest first
    nodes: tuple[LineageNode, ...]
    edges: tuple[TableEdge, ...]
    charts: ChartSection | None  # None: the pipeline declares no charts


def report_json(data: ReportData) -> str:
    """The data as JSON, safe to embed in a ``<script>`` element."""
    text = json.dumps(dataclasses.asdict(data), separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")  # no "</script>" can end the element early
