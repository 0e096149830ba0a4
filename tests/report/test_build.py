"""The report of a real lakehouse: the numbers it embeds and shows are the event log's and
the gold tables', next to the generator's ground truth; the file is small and offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from retail_lakehouse.datasets import builtin_settings_path, dataset_folder
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.report.build import BuiltReport, build_report, gather_report, render_report
from retail_lakehouse.report.ground_truth import expected_failures, load_ground_truth
from retail_lakehouse.storage.delta import DeltaStore
from tests.report.conftest import embedded_data, expected_charts, table_rows

MAX_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def built(reported_lakehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    output = tmp_path_factory.mktemp("built") / "nested" / "report.html"
    pipeline = load_pipeline(builtin_settings_path(), reported_lakehouse)
    return build_report(pipeline, output=output)


@pytest.fixture(scope="module")
def shown(built: BuiltReport) -> dict[str, Any]:
    return embedded_data(built.path.read_text(encoding="utf-8"))


def logged(root: Path, kind: str) -> list[dict[str, Any]]:
    events = DeltaStore(root / "tables").read("event_log").to_pylist()
    return sorted((e for e in events if e["event_type"] == kind), key=lambda e: e["timestamp"])


def test_the_file_is_where_asked_and_small(built: BuiltReport) -> None:
    assert built.path.name == "report.html" and built.path.parent.name == "nested"
    assert built.size == len(built.path.read_bytes()) < MAX_BYTES
    assert 0 < built.seconds < 30


def test_runs_are_the_logged_updates(reported_lakehouse: Path, shown: dict[str, Any]) -> None:
    updates = logged(reported_lakehouse, "update_progress")[::-1]
    fields = ("update_id", "status", "rows_written", "rows_quarantined")
    assert [[r[f] for f in fields] for r in shown["runs"]] == [
        [u[f] for f in fields] for u in updates
    ]
    assert [r["seconds"] for r in shown["runs"]] == [u["duration_seconds"] for u in updates]
    assert shown["latest"] == shown["runs"][0]


def test_datasets_are_the_latest_updates_flows(
    reported_lakehouse: Path, shown: dict[str, Any]
) -> None:
    latest = shown["latest"]["update_id"]
    flows = [f for f in logged(reported_lakehouse, "flow_progress") if f["update_id"] == latest]
    assert [f["dataset"] for f in shown["flows"]] == [f["dataset_name"] for f in flows]
    for flow, event in zip(shown["flows"], flows, strict=True):
        assert flow["rows_written"] == event["rows_written"]
        assert flow["rows_quarantined"] == event["rows_quarantined"]
        assert flow["seconds"] == event["duration_seconds"]
        counts = [
            (e["name"], e["passed_records"], e["failed_records"]) for e in flow["expectations"]
        ]
        assert counts == [(e["name"], e["passed_records"], e["failed_records"])
                          for e in event["expectations"]]  # fmt: skip
    nodes = {node["name"]: node for node in shown["nodes"]}
    for flow in shown["flows"]:
        assert nodes[flow["dataset"]]["rows_written"] == flow["rows_written"]
        if flow["expectations"]:
            quarantine = nodes[flow["dataset"] + "_quarantine"]
            assert quarantine["rows_written"] == flow["rows_quarantined"]


def test_the_declared_charts_show_the_gold_tables(
    reported_lakehouse: Path, shown: dict[str, Any]
) -> None:
    assert shown["charts"] == expected_charts(reported_lakehouse)


def test_expectations_meet_the_ground_truth(
    reported_lakehouse: Path, built: BuiltReport, shown: dict[str, Any]
) -> None:
    manifest = json.loads((reported_lakehouse / "landing" / "_manifest.json").read_text())
    expected = expected_failures(
        load_ground_truth(dataset_folder() / "ground_truth.yaml"), manifest
    )
    checks = [e for flow in shown["flows"] for e in flow["expectations"]]
    assert len(checks) == 21 and sum(e["failed_records"] for e in checks) > 0
    for e in checks:
        assert e["expected_failed"] == expected(e["dataset"], e["name"])
        assert e["failed_records"] == e["expected_failed"], e
        assert e["action"] == "drop"
    rows = table_rows(built.path.read_text(encoding="utf-8"), "expectations")[1:]
    assert rows == [[e["dataset"], e["name"], "DROP ROW", f"{e['passed_records']:,}",
                     f"{e['failed_records']:,}", f"{e['expected_failed']:,}", "✓"]
                    for e in checks]  # fmt: skip


def test_a_pipeline_that_names_neither_has_no_ground_truth_nor_charts(
    reported_lakehouse: Path,
) -> None:
    data = gather_report(
        load_pipeline(reported_lakehouse / "pipeline" / "pipeline.yaml", reported_lakehouse), 2
    )
    assert data.pipeline == "custom" and len(data.runs) == 2
    assert data.charts is None
    assert render_report(data).count('<section id="') == 4  # no charts section
    checks = [e for flow in data.flows for e in flow.expectations]
    assert checks and all(e.expected_failed is None for e in checks)
    actions = {(e.dataset, e.name): e.action for e in checks}
    assert actions[("silver_orders", "shipped_after_ordered")] == "fail"
