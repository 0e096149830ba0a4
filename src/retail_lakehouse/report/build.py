"""Builds the run report: gathers what to show, draws it and writes it.

``gather_report`` reads the event log (the last N updates and the latest one's
datasets), takes the graph, each expectation's action and each dataset's layer from the
loaded pipeline (``retail run`` passes the one it ran, so the SQL is not parsed twice),
and what the pipeline's settings name: the ground truth, against the landing zone's
manifest, and the declared charts, read from the tables. ``build_report`` draws the
graph and charts and writes the page atomically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from retail_lakehouse.backends.duckdb.lakehouse_names import TableTarget
from retail_lakehouse.common.files import write_text_atomic
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.pipeline.graph import PipelineGraph
from retail_lakehouse.pipeline.project import LoadedPipeline
from retail_lakehouse.report import DEFAULT_RUNS
from retail_lakehouse.report.charts import declared_charts, timings_chart
from retail_lakehouse.report.declared_charts import read_charts
from retail_lakehouse.report.graph_svg import lineage_svg
from retail_lakehouse.report.ground_truth import (
    ExpectedFailures,
    expected_failures,
    load_ground_truth,
    no_ground_truth,
)
from retail_lakehouse.report.lineage import lineage_graph
from retail_lakehouse.report.model import ReportData
from retail_lakehouse.report.page import report_page
from retail_lakehouse.report.runs import PipelineView, read_events, recent_runs, update_flows
from retail_lakehouse.storage.delta import DeltaStore


@dataclass(frozen=True)
class BuiltReport:
    path: Path
    size: int  # bytes
    seconds: float


def build_report(
    pipeline: LoadedPipeline, runs: int = DEFAULT_RUNS, output: Path | None = None
) -> BuiltReport:
    began = time.perf_counter()
    page = render_report(gather_report(pipeline, runs))
    path = output if output is not None else pipeline.lakehouse.report
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, page)
    return BuiltReport(path, len(page.encode("utf-8")), time.perf_counter() - began)


def gather_report(pipeline: LoadedPipeline, runs: int) -> ReportData:
    lakehouse = pipeline.lakehouse
    events = read_events(DeltaStore(lakehouse.tables), pipeline.settings.event_log)
    recent = recent_runs(events, runs)
    view = _view(pipeline.graph)
    flows = update_flows(events, recent[0].update_id, view, _ground_truth(pipeline))
    nodes, edges = lineage_graph(pipeline.graph, flows)
    charts = pipeline.files.charts
    return ReportData(
        pipeline=pipeline.settings.name,
        lakehouse=str(lakehouse.root.resolve()),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        latest=recent[0],
        flows=flows,
        runs=recent,
        nodes=nodes,
        edges=edges,
        charts=read_charts(charts, lakehouse.tables, _target(pipeline)) if charts else None,
    )


def _target(pipeline: LoadedPipeline) -> TableTarget:
    """The catalog and schema a chart's query may name the tables by, as on Databricks."""
    return TableTarget(pipeline.settings.catalog, pipeline.settings.target_schema)


def render_report(data: ReportData) -> str:
    expectations = [e for flow in data.flows for e in flow.expectations]
    lineage = lineage_svg(data.nodes, data.edges, expectations)
    declared = declared_charts(data.charts) if data.charts is not None else []
    return report_page(data, lineage, declared, timings_chart(data.flows))


def _view(graph: PipelineGraph) -> PipelineView:
    actions = {
        (planned.dataset.name, e.name): e.action
        for planned in graph.order
        for e in planned.dataset.expectations
    }
    return PipelineView(actions, graph.layers())


def _ground_truth(pipeline: LoadedPipeline) -> ExpectedFailures:
    """The manifest's counts where the pipeline names a ground truth and there is a manifest."""
    manifest = pipeline.lakehouse.manifest
    if pipeline.files.ground_truth is None or not manifest.exists():
        return no_ground_truth
    caught = load_ground_truth(pipeline.files.ground_truth)
    return expected_failures(caught, read_manifest(manifest))
