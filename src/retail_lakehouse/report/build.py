"""Builds the run report: gathers what to show, draws it and writes ``report.html``.

``gather_report`` reads the event log (the last N updates and the latest one's
datasets), the landing manifest (the ground truth, for the built-in pipeline) and the
gold tables, and takes the graph and each expectation's action from the loaded pipeline
(``retail run`` passes the one it ran, so the SQL is not parsed twice);
``build_report`` draws the graph and charts and writes the page atomically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from retail_lakehouse.generate.manifest import MANIFEST_FILE, read_manifest, write_text_atomic
from retail_lakehouse.generate.runner import LANDING_DIR
from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.pipeline.ground_truth import expected_failures
from retail_lakehouse.pipeline.project import LoadedPipeline
from retail_lakehouse.report import DEFAULT_RUNS, REPORT_FILE
from retail_lakehouse.report.charts import gold_charts, timings_chart
from retail_lakehouse.report.gold import read_gold
from retail_lakehouse.report.graph_svg import lineage_svg
from retail_lakehouse.report.lineage import lineage_graph
from retail_lakehouse.report.model import ReportData
from retail_lakehouse.report.page import report_page
from retail_lakehouse.report.runs import (
    Actions,
    ExpectedFailures,
    read_events,
    recent_runs,
    update_flows,
)
from retail_lakehouse.storage.delta import DeltaStore


@dataclass(frozen=True)
class BuiltReport:
    path: Path
    size: int  # bytes
    seconds: float


def default_report_path(lakehouse: Path) -> Path:
    return lakehouse / REPORT_FILE


def build_report(
    lakehouse: Path,
    pipeline: LoadedPipeline,
    runs: int = DEFAULT_RUNS,
    output: Path | None = None,
) -> BuiltReport:
    began = time.perf_counter()
    page = render_report(gather_report(lakehouse, pipeline, runs))
    path = output if output is not None else default_report_path(lakehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, page)
    return BuiltReport(path, len(page.encode("utf-8")), time.perf_counter() - began)


def gather_report(lakehouse: Path, pipeline: LoadedPipeline, runs: int) -> ReportData:
    tables_root = pipeline.tables_root(lakehouse)
    events = read_events(DeltaStore(tables_root), pipeline.settings.event_log)
    recent = recent_runs(events, runs)
    truth = _ground_truth(lakehouse, pipeline)
    flows = update_flows(events, recent[0].update_id, _actions(pipeline.graph), truth)
    nodes, edges = lineage_graph(pipeline.graph, flows)
    return ReportData(
        pipeline=pipeline.settings.name,
        lakehouse=str(lakehouse.resolve()),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        latest=recent[0],
        flows=flows,
        runs=recent,
        nodes=nodes,
        edges=edges,
        gold=read_gold(tables_root),
    )


def render_report(data: ReportData) -> str:
    expectations = [e for flow in data.flows for e in flow.expectations]
    lineage = lineage_svg(data.nodes, data.edges, expectations)
    return report_page(data, lineage, gold_charts(data.gold), timings_chart(data.flows))


def _actions(graph: PipelineGraph) -> Actions:
    return {
        (planned.dataset.name, e.name): e.action
        for planned in graph.order
        for e in planned.dataset.expectations
    }


def _ground_truth(lakehouse: Path, pipeline: LoadedPipeline) -> ExpectedFailures:
    """The manifest's counts for the built-in pipeline; no ground truth for another."""
    landing = lakehouse / LANDING_DIR
    if not pipeline.is_builtin() or not (landing / MANIFEST_FILE).exists():
        return lambda dataset, expectation: None
    manifest = read_manifest(landing)
    return lambda dataset, expectation: expected_failures(manifest, dataset, expectation)
