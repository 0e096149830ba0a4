"""Runs as the event log records them: the last N updates and the latest one's datasets.

Reads the event log Delta table (an ``update_progress`` event per update, a
``flow_progress`` event per dataset) into :class:`RunRow` and :class:`FlowRow` records.
A lakehouse without an event log, or with no update in it, is a :class:`ReportError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from retail_lakehouse.pipeline.model import ViolationAction
from retail_lakehouse.pipeline.results import layer_of
from retail_lakehouse.report.model import ExpectationRow, FlowRow, RunRow
from retail_lakehouse.storage.delta import DeltaStore

Event = dict[str, Any]
# (dataset, expectation) -> failed records the ground truth expects, None where unknown
ExpectedFailures = Callable[[str, str], int | None]
Actions = Mapping[tuple[str, str], ViolationAction]  # (dataset, expectation) -> action


class ReportError(ValueError):
    """The report cannot be built (nothing has run yet): one line, exit code 2."""


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
    events: Sequence[Event], update_id: str, actions: Actions, expected: ExpectedFailures
) -> tuple[FlowRow, ...]:
    """The datasets of one update, in the order they ran."""
    return tuple(
        _flow_row(event, actions, expected)
        for event in _flow_events(events)
        if event["update_id"] == update_id
    )


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


def _flow_row(event: Event, actions: Actions, expected: ExpectedFailures) -> FlowRow:
    dataset: str = event["dataset_name"]
    return FlowRow(
        dataset=dataset,
        layer=layer_of(dataset),
        status=event["status"],
        rows_written=event["rows_written"],
        rows_quarantined=event["rows_quarantined"],
        seconds=event["duration_seconds"],
        expectations=tuple(
            ExpectationRow(
                dataset=dataset,
                name=e["name"],
                action=actions.get((dataset, e["name"])),
                passed_records=e["passed_records"],
                failed_records=e["failed_records"],
                expected_failed=expected(dataset, e["name"]),
            )
            for e in event["expectations"]
        ),
    )
