"""Runs as the event log records them: the last N updates and the latest one's datasets.

Reads the event log Delta table (an ``update_progress`` event per update, a
``flow_progress`` event per dataset) into :class:`RunRow` and :class:`FlowRow` records.
A lakehouse without an event log, or with no update in it, is a :class:`ReportError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from retail_lakehouse.pipeline.event_log import found_up_to_date
from retail_lakehouse.pipeline.model import Layer, ViolationAction, layer_of_name
from retail_lakehouse.report import ReportError
from retail_lakehouse.report.ground_truth import ExpectedFailures
from retail_lakehouse.report.model import ExpectationRow, FlowRow, RunRow
from retail_lakehouse.storage.delta import DeltaStore

Event = dict[str, Any]


@dataclass(frozen=True)
class PipelineView:
    """What the pipeline's definition says of the datasets an event names."""

    actions: Mapping[tuple[str, str], ViolationAction]  # (dataset, expectation) -> action
    layers: Mapping[str, Layer]  # dataset or quarantine table -> its layer


def read_events(store: DeltaStore, event_log: str) -> list[Event]:
    """Every event of the log, oldest first."""
    if not store.exists(event_log):
        raise ReportError(
            f"{store.table_path(event_log)}: no event log here; run 'retail run' first"
        )
    events: list[Event] = store.read(event_log).to_pylist()
    return sorted(events, key=lambda event: event["timestamp"])


def recent_runs(events: Sequence[Event], limit: int) -> tuple[RunRow, ...]:
    """The last ``limit`` updates, newest first."""
    updates = [e for e in events if e["event_type"] == "update_progress"]
    if not updates:
        raise ReportError("the event log has no update yet; run 'retail run' first")
    failed: dict[str, int] = {}
    for event in _flow_events(events):
        total = sum(e["failed_records"] for e in event["expectations"])
        failed[event["update_id"]] = failed.get(event["update_id"], 0) + total
    newest = updates[::-1][:limit]
    return tuple(_run_row(event, failed.get(event["update_id"], 0)) for event in newest)


def update_flows(
    events: Sequence[Event],
    update_id: str,
    pipeline: PipelineView,
    expected: ExpectedFailures,
) -> tuple[FlowRow, ...]:
    """The datasets of one update, in the order they ran. A dataset the update found up
    to date shows the expectations of the update that last computed it: they describe
    its rows as they are."""
    completed = {
        e["update_id"]
        for e in events
        if e["event_type"] == "update_progress" and e["status"] == "COMPLETED"
    }
    computed: dict[str, Event] = {}  # dataset -> the latest completed update's flow computing it
    rows = []
    for event in _flow_events(events):
        up_to_date = found_up_to_date(event)
        if event["update_id"] == update_id:
            checked = computed.get(event["dataset_name"], event) if up_to_date else event
            rows.append(_flow_row(event, checked, pipeline, expected))
        elif not up_to_date and event["update_id"] in completed:
            computed[event["dataset_name"]] = event
    return tuple(rows)


def _flow_events(events: Sequence[Event]) -> list[Event]:
    return [e for e in events if e["event_type"] == "flow_progress"]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _run_row(event: Event, failed_records: int) -> RunRow:
    details = json.loads(event["details"] or "{}").get("update_progress", {})
    return RunRow(
        update_id=event["update_id"],
        finished=_iso(event["timestamp"]),
        status=event["status"],
        error=details.get("error"),
        seconds=event["duration_seconds"],
        rows_written=event["rows_written"],
        rows_quarantined=event["rows_quarantined"],
        failed_records=failed_records,
    )


def _flow_row(
    event: Event, checked: Event, pipeline: PipelineView, expected: ExpectedFailures
) -> FlowRow:
    """A dataset's flow in the update, with the expectations of ``checked`` (the flow
    itself, or the one that last computed an up-to-date dataset)."""
    dataset: str = event["dataset_name"]
    return FlowRow(
        dataset=dataset,
        layer=pipeline.layers.get(dataset, layer_of_name(dataset)),
        status=event["status"],
        rows_written=event["rows_written"],
        rows_quarantined=event["rows_quarantined"],
        seconds=event["duration_seconds"],
        up_to_date=found_up_to_date(event),
        expectations=tuple(
            ExpectationRow(
                dataset=dataset,
                name=e["name"],
                action=pipeline.actions.get((dataset, e["name"])),
                passed_records=e["passed_records"],
                failed_records=e["failed_records"],
                expected_failed=expected(dataset, e["name"]),
            )
            for e in checked["expectations"]
        ),
    )
