"""The event log, itself a Delta table: one row per event of an update.

Each ``flow_progress`` row carries the dataset, status, rows written and the expectations
array (name, dataset, passed_records, failed_records), and ``details`` holds the same as
JSON shaped like Databricks' event log, so ``details:flow_progress.data_quality.
expectations`` queries carry over. A dataset the update found up to date (a materialized
view it did not compute, an AUTO CDC target no new change reached) wrote no rows, has no
expectations and says so in ``details:flow_progress.planning_information.
maintenance_type`` (``MAINTENANCE_TYPE_NO_OP``); a view refreshed by key (only the keys new
rows reached computed again) says ``MAINTENANCE_TYPE_ROW_BASED`` there, with expectation
counts over all its rows, as a full computation has them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from retail_lakehouse.pipeline.results import DatasetResult, UpdateResult

EXPECTATION_TYPE = pa.struct(
    [
        ("name", pa.string()),
        ("dataset", pa.string()),
        ("passed_records", pa.int64()),
        ("failed_records", pa.int64()),
    ]
)
NO_OP = "MAINTENANCE_TYPE_NO_OP"  # Databricks' name for a refresh that had nothing to do
ROW_BASED = "MAINTENANCE_TYPE_ROW_BASED"  # ... and for one that computed only what changed
EVENT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("event_type", pa.string()),
        ("level", pa.string()),
        ("message", pa.string()),
        ("pipeline_name", pa.string()),
        ("update_id", pa.string()),
        ("dataset_name", pa.string()),
        ("status", pa.string()),
        ("rows_written", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("duration_seconds", pa.float64()),
        ("expectations", pa.list_(EXPECTATION_TYPE)),
        ("details", pa.string()),
    ]
)


def _flow_event(update: UpdateResult, result: DatasetResult) -> dict[str, Any]:
    expectations = [
        {
            "name": e.name,
            "dataset": e.dataset,
            "passed_records": e.passed_records,
            "failed_records": e.failed_records,
        }
        for e in result.expectations
    ]
    progress: dict[str, Any] = {
        "status": result.status,
        "metrics": {"num_output_rows": result.written_rows},
        "data_quality": {"dropped_records": result.quarantined_rows, "expectations": expectations},
    }
    message = f"Flow '{result.name}' has {result.status}."
    if result.up_to_date:
        progress["planning_information"] = {"maintenance_type": NO_OP}
        message = f"Flow '{result.name}' is up to date: its definition and inputs did not change."
    elif result.by_keys:
        progress["planning_information"] = {"maintenance_type": ROW_BASED}
    details = {"flow_progress": progress}
    return {
        "timestamp": result.finished,
        "event_type": "flow_progress",
        "level": "INFO" if result.status == "COMPLETED" else "ERROR",
        "message": message,
        "dataset_name": result.name,
        "status": result.status,
        "rows_written": result.written_rows,
        "rows_quarantined": result.quarantined_rows,
        "duration_seconds": result.seconds,
        "expectations": expectations,
        "details": json.dumps(details),
    }


def _update_event(update: UpdateResult) -> dict[str, Any]:
    details = {
        "update_progress": {"state": update.status, "error": update.error},
        "engine": update.engine,
        "storage": update.storage,
        "notes": update.notes,
    }
    return {
        "timestamp": datetime.now(UTC),
        "event_type": "update_progress",
        "level": "INFO" if update.status == "COMPLETED" else "ERROR",
        "message": f"Update {update.update_id[:8]} is {update.status} on {update.engine}."
        + (f" {update.error}" if update.error else ""),
        "dataset_name": None,
        "status": update.status,
        "rows_written": sum(d.written_rows for d in update.datasets),
        "rows_quarantined": sum(d.quarantined_rows for d in update.datasets),
        "duration_seconds": update.seconds,
        "expectations": [],
        "details": json.dumps(details),
    }


def events_table(update: UpdateResult) -> pa.Table:
    """The update's events: a flow_progress row per dataset, then the update's outcome."""
    rows = [_flow_event(update, r) for r in update.datasets] + [_update_event(update)]
    for row in rows:
        row.update(id=str(uuid.uuid4()), pipeline_name=update.pipeline, update_id=update.update_id)
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def found_up_to_date(event: Mapping[str, Any]) -> bool:
    """Whether a stored ``flow_progress`` event says its dataset was up to date."""
    return maintenance_type(event) == NO_OP


def maintenance_type(event: Mapping[str, Any]) -> str | None:
    """How a stored ``flow_progress`` event says its dataset was refreshed (``NO_OP``,
    ``ROW_BASED``), None when it says nothing (computed whole)."""
    progress = json.loads(event["details"] or "{}").get("flow_progress", {})
    found = progress.get("planning_information", {}).get("maintenance_type")
    return None if found is None else str(found)
