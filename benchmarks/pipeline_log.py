"""What one pipeline update cost, per medallion layer: from our event log or the Spark job.

A dataset's layer is its name's prefix: ``bronze_*``, ``silver_*``, ``gold_*``; the gold
SQL file's temporary views (``revenue_*``) count as gold. A layer's seconds are the sum of
its datasets' flow durations; the update's seconds also hold what no flow covers (on our
side: writing the Delta tables, checkpoints, the event log).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from retail_lakehouse.storage.delta import DeltaStore

Layer = Literal["bronze", "silver", "gold", "other"]
LAYERS: tuple[Layer, ...] = get_args(Layer)
GOLD_VIEW_PREFIX = "revenue_"
EVENT_LOG = "event_log"


@dataclass(frozen=True)
class Flow:
    dataset: str
    seconds: float
    rows_written: int


@dataclass(frozen=True)
class UpdateSummary:
    """One update: its total seconds and its flows."""

    seconds: float
    flows: tuple[Flow, ...]

    def layer_seconds(self) -> dict[Layer, float]:
        totals: dict[Layer, float] = dict.fromkeys(LAYERS, 0.0)
        for flow in self.flows:
            totals[layer_of(flow.dataset)] += flow.seconds
        return totals

    def rows_by_dataset(self) -> dict[str, int]:
        return {flow.dataset: flow.rows_written for flow in self.flows}

    @property
    def rows_written(self) -> int:
        return sum(flow.rows_written for flow in self.flows)


def layer_of(dataset: str) -> Layer:
    for layer in LAYERS:
        if dataset.startswith(f"{layer}_"):
            return layer
    return "gold" if dataset.startswith(GOLD_VIEW_PREFIX) else "other"


def last_update(tables: Path) -> UpdateSummary | None:
    """The newest update in ``tables/event_log`` (None without a completed update there).

    Read through the project's ``DeltaStore``: reading the table straight through
    ``deltalake`` can make the interpreter abort at exit (delta-io/delta-rs#2184).
    """
    store = DeltaStore(tables)
    if not store.exists(EVENT_LOG):
        return None
    columns = ["timestamp", "event_type", "update_id", "dataset_name"]
    events = store.read(EVENT_LOG).select([*columns, "duration_seconds", "rows_written"])
    rows: list[dict[str, Any]] = events.to_pylist()
    updates = [r for r in rows if r["event_type"] == "update_progress"]
    if not updates:
        return None
    newest = max(updates, key=lambda row: row["timestamp"])
    flows = (
        Flow(r["dataset_name"], float(r["duration_seconds"]), int(r["rows_written"] or 0))
        for r in rows
        if r["event_type"] == "flow_progress" and r["update_id"] == newest["update_id"]
    )
    return UpdateSummary(float(newest["duration_seconds"]), tuple(flows))


def spark_update(run: dict[str, Any]) -> UpdateSummary:
    """One run of ``spark_medallion_job.py``'s result JSON."""
    flows: Iterable[dict[str, Any]] = run["flows"]
    return UpdateSummary(
        float(run["seconds"]),
        tuple(Flow(f["name"], float(f["seconds"]), int(f["rows_written"])) for f in flows),
    )
