"""Reading runs back from the event log: order, limit, failures and the latest update's flows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.model import ExpectationFailedError
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.report import ReportError
from retail_lakehouse.report.runs import PipelineView, read_events, recent_runs, update_flows
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import custom_pipeline, make_landing, run_update


def logged(root: Path) -> list[dict[str, Any]]:
    """The event log as stored, without the module under test."""
    rows: list[dict[str, Any]] = DeltaStore(root / "tables").read("event_log").to_pylist()
    return rows


def test_runs_are_the_updates_newest_first(reported_lakehouse: Path) -> None:
    log = logged(reported_lakehouse)
    updates = sorted((e for e in log if e["event_type"] == "update_progress"),
                     key=lambda e: e["timestamp"], reverse=True)  # fmt: skip
    runs = recent_runs(read_events(DeltaStore(reported_lakehouse / "tables"), "event_log"), 10)
    assert [r.update_id for r in runs] == [u["update_id"] for u in updates]
    assert [r.status for r in runs] == ["COMPLETED", "FAILED", "COMPLETED"]
    for run, update in zip(runs, updates, strict=True):
        assert run.rows_written == update["rows_written"]
        assert run.rows_quarantined == update["rows_quarantined"]
        assert run.seconds == update["duration_seconds"]
        flows = [e for e in log if e["update_id"] == run.update_id and e["dataset_name"]]
        assert run.failed_records == sum(x["failed_records"] for f in flows
                                         for x in f["expectations"])  # fmt: skip
    assert runs[1].error is not None and "shipped_after_ordered" in runs[1].error
    assert runs[0].error is None and runs[0].failed_records > 0


def test_the_limit_keeps_the_newest(reported_lakehouse: Path) -> None:
    events = read_events(DeltaStore(reported_lakehouse / "tables"), "event_log")
    everything = recent_runs(events, 10)
    assert recent_runs(events, 2) == everything[:2]
    assert recent_runs(events, 1) == everything[:1]


def test_flows_of_an_update_in_the_order_they_ran(reported_lakehouse: Path) -> None:
    store = DeltaStore(reported_lakehouse / "tables")
    events = read_events(store, "event_log")
    failed_update = recent_runs(events, 10)[1]
    view = PipelineView({}, {"silver_orders": "gold"})  # a layer the name does not say
    flows = update_flows(events, failed_update.update_id, view, lambda dataset, name: 7)
    logged_flows = sorted((e for e in logged(reported_lakehouse)
                           if e["update_id"] == failed_update.update_id and e["dataset_name"]),
                          key=lambda e: e["timestamp"])  # fmt: skip
    assert [f.dataset for f in flows] == [e["dataset_name"] for e in logged_flows]
    assert flows[-1].dataset == "silver_orders" and flows[-1].status == "FAILED"
    assert all(f.status == "COMPLETED" for f in flows[:-1])
    for flow, event in zip(flows, logged_flows, strict=True):
        assert flow.rows_written == event["rows_written"]
        assert flow.rows_quarantined == event["rows_quarantined"]
        shown = [(e.name, e.passed_records, e.failed_records) for e in flow.expectations]
        stored = [
            (x["name"], x["passed_records"], x["failed_records"]) for x in event["expectations"]
        ]
        assert shown == stored
        assert all(e.action is None and e.expected_failed == 7 for e in flow.expectations)
    layers = {f.dataset: f.layer for f in flows}
    assert layers["silver_orders"] == "gold"  # as the pipeline says
    assert layers["bronze_orders"] == "bronze"  # not in the pipeline's view: by its name


def test_an_up_to_date_dataset_shows_the_checks_of_the_update_that_computed_it(
    tmp_path: Path,
) -> None:
    root = make_landing(tmp_path)
    pipeline = load_pipeline(builtin_settings_path(), root)
    first, second = run_update(pipeline), run_update(pipeline)
    events = read_events(DeltaStore(root / "tables"), "event_log")
    view = PipelineView({}, {})
    flows = {f.dataset: f for f in update_flows(events, second.update_id, view, lambda d, n: None)}
    computed = {d.name: d for d in first.datasets}
    for name in ("silver_orders", "silver_order_items", "gold_daily_sales_summary"):
        assert flows[name].up_to_date and flows[name].rows_written == 0
        shown = [(e.name, e.passed_records, e.failed_records) for e in flows[name].expectations]
        counted = [
            (e.name, e.passed_records, e.failed_records) for e in computed[name].expectations
        ]
        assert shown == counted
    assert flows["silver_orders"].expectations  # the retail pipeline checks its silver tables
    assert not flows["bronze_orders"].up_to_date


def test_counts_of_a_failed_update_are_not_shown_for_an_up_to_date_dataset(
    tmp_path: Path,
) -> None:
    """A failed update computed silver_order_items with another expectation, then a gold
    FAIL UPDATE stopped it: nothing was committed, so the next update finds the table up
    to date, and its counts are still the first update's."""
    root = make_landing(tmp_path)
    first = run_update(load_pipeline(custom_pipeline(root), root))
    shutil.rmtree(root / "pipeline")
    gold = "CREATE OR REFRESH MATERIALIZED VIEW gold_category_performance\n"
    trips = gold.replace("\n", " (CONSTRAINT never EXPECT (false) ON VIOLATION FAIL UPDATE)\n")
    edits = {"02_silver.sql": ("EXPECT (quantity > 0)", "EXPECT (quantity > 1)"),
             "03_gold.sql": (gold, trips)}  # fmt: skip
    with pytest.raises(ExpectationFailedError):
        run_update(load_pipeline(custom_pipeline(root, edits), root))
    shutil.rmtree(root / "pipeline")
    third = run_update(load_pipeline(custom_pipeline(root), root))
    events = read_events(DeltaStore(root / "tables"), "event_log")
    flows = {f.dataset: f for f in update_flows(events, third.update_id, PipelineView({}, {}),
                                                lambda d, n: None)}  # fmt: skip
    items = flows["silver_order_items"]
    assert items.up_to_date
    counted = next(d for d in first.datasets if d.name == "silver_order_items").expectations
    assert [e.failed_records for e in items.expectations] == [e.failed_records for e in counted]


def test_no_event_log_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no event log here; run 'retail run' first"):
        read_events(DeltaStore(tmp_path / "tables"), "event_log")


def test_a_log_without_updates_is_a_report_error() -> None:
    with pytest.raises(ReportError, match="no update yet"):
        recent_runs([], 10)
