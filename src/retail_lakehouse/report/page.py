"""Assembles the report page: header, sections and tables around the drawn SVG, in one file.

Nothing in the page runs or loads anything: the CSS is ``style.css`` beside this module,
inlined; the graph and charts are inline SVG; and the records behind every number are
embedded as JSON in ``<script type="application/json" id="report-data">``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from importlib.resources import files

from retail_lakehouse.report.charts import LAYER_COLOURS, Chart
from retail_lakehouse.report.model import (
    ExpectationRow,
    FlowRow,
    ReportData,
    RunRow,
    report_json,
)

STATES = ("passed", "warned", "dropped", "failed", "not_run")
ACTION_LABELS = {"warn": "warn", "drop": "DROP ROW", "fail": "FAIL UPDATE"}


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False


@dataclass(frozen=True)
class Row:
    cells: Sequence[str]  # HTML, already escaped
    css_class: str = ""


def report_page(
    data: ReportData, lineage: str, declared: Sequence[Chart], timings: Chart | None
) -> str:
    css = files("retail_lakehouse.report").joinpath("style.css").read_text(encoding="utf-8")
    title = f"{data.pipeline}: update {data.latest.update_id[:8]} {data.latest.status}"
    body = "".join(
        [
            _header(data),
            _section("lineage", "Lineage", _lineage_legend() + _panel(lineage)),
            _section("quality", "Data quality", _expectations_table(data)),
            _section("timings", "Timings", _timings(data, timings)),
            _charts_section(data, declared),
            _section("runs", f"Last {len(data.runs)} runs", _runs_table(data.runs, data.latest)),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{css}</style></head><body>{body}"
        f"<footer>Built by retail-lakehouse at {escape(data.generated_at)} from the event "
        f"log and the tables of <code>{escape(data.lakehouse)}</code>.</footer>"
        f'<script type="application/json" id="report-data">{report_json(data)}</script>'
        "</body></html>\n"
    )


def _header(data: ReportData) -> str:
    latest = data.latest
    failed = sum(1 for f in data.flows for e in f.expectations if e.failed_records)
    checks = sum(len(f.expectations) for f in data.flows)
    tiles = [
        ("Datasets", f"{len(data.flows):,}"),
        ("Rows written", f"{latest.rows_written:,}"),
        ("Rows quarantined", f"{latest.rows_quarantined:,}"),
        ("Expectations with failures", f"{failed:,} of {checks:,}"),
        ("Seconds", f"{latest.seconds:.2f}"),
    ]
    banner = (
        f'<div class="banner">Update failed: {escape(latest.error or "")}</div>'
        if latest.status == "FAILED"
        else ""
    )
    return (
        f"<header><h1>Pipeline <code>{escape(data.pipeline)}</code> run report</h1>"
        f'<div class="muted">Update <code>{escape(latest.update_id)}</code> '
        f'<span class="status-{latest.status}">{latest.status}</span> at '
        f"{escape(latest.finished)} · lakehouse <code>{escape(data.lakehouse)}</code></div>"
        '<div class="tiles">'
        + "".join(f'<div class="tile">{escape(k)}<b>{escape(v)}</b></div>' for k, v in tiles)
        + f"</div>{banner}</header>"
    )


def _section(section_id: str, title: str, content: str) -> str:
    return f'<section id="{section_id}"><h2>{escape(title)}</h2>{content}</section>'


def _panel(content: str) -> str:
    return f'<div class="panel">{content}</div>'


def _lineage_legend() -> str:
    states = "".join(
        f'<span><i class="swatch {s}"></i>{s.replace("_", " ")}</span>' for s in STATES
    )
    layers = "".join(
        f'<span><i class="swatch {layer}"></i>{layer}</span>' for layer in LAYER_COLOURS
    )
    quarantine = '<span><i class="swatch quarantine"></i>quarantine table</span>'
    return f'<div class="legend">{states}{layers}{quarantine}</div>'


def _table(table_id: str, columns: Sequence[Column], rows: Iterable[Row]) -> str:
    head = "".join(
        f'<th class="num">{escape(c.title)}</th>' if c.numeric else f"<th>{escape(c.title)}</th>"
        for c in columns
    )
    body = "".join(
        f'<tr class="{row.css_class}">'
        + "".join(
            f'<td class="num">{cell}</td>' if column.numeric else f"<td>{cell}</td>"
            for column, cell in zip(columns, row.cells, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return _panel(
        f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def _status(status: str) -> str:
    return f'<span class="status-{status}">{status}</span>'


def _columns(*titles: str, numeric: Collection[str]) -> tuple[Column, ...]:
    return tuple(Column(title, title in numeric) for title in titles)


COUNTS = {"Passed", "Failed", "Ground truth", "Rows written", "Quarantined", "Seconds",
          "Failed records"}  # fmt: skip
EXPECTATION_COLUMNS = _columns("Dataset", "Expectation", "On violation", "Passed", "Failed",
                               "Ground truth", "Match", numeric=COUNTS)  # fmt: skip
DATASET_COLUMNS = _columns("Dataset", "Status", "Rows written", "Quarantined", "Seconds",
                           numeric=COUNTS)  # fmt: skip
RUN_COLUMNS = _columns("Update", "Finished (UTC)", "Status", "Seconds", "Rows written",
                       "Quarantined", "Failed records", "Error", numeric=COUNTS)  # fmt: skip


def _expectations_table(data: ReportData) -> str:
    rows = [_expectation_row(e) for flow in data.flows for e in flow.expectations]
    if not rows:
        return '<p class="muted">The latest update checked no expectation.</p>'
    return _table("expectations", EXPECTATION_COLUMNS, rows)


def _expectation_row(e: ExpectationRow) -> Row:
    action = e.action or "unknown"
    badge = f'<span class="badge {action}">{ACTION_LABELS.get(action, "unknown")}</span>'
    if e.expected_failed is None:
        match, css = "", ""
    elif e.expected_failed == e.failed_records:
        match, css = '<span class="ok">✓</span>', ""
    else:
        match, css = '<span class="bad">✗</span>', "mismatch"
    counts = [_count(e.passed_records), _count(e.failed_records), _count(e.expected_failed)]
    return Row([_code(e.dataset), _code(e.name), badge, *counts, match], css)


def _timings(data: ReportData, chart: Chart | None) -> str:
    table = _table("datasets", DATASET_COLUMNS, [_dataset_row(f) for f in data.flows])
    figure = _figure(chart) if chart is not None else ""
    return f'<div class="charts">{figure}{table}</div>'


def _dataset_row(f: FlowRow) -> Row:
    counts = [_count(f.rows_written), _count(f.rows_quarantined)]
    status = '<span class="muted">up to date</span>' if f.up_to_date else _status(f.status)
    return Row([_code(f.dataset), status, *counts, f"{f.seconds:.2f}"])


def _figure(chart: Chart) -> str:
    caption = f"<figcaption>{escape(chart.title)}</figcaption>"
    return f'<figure id="{chart.id}">{caption}{chart.svg}</figure>'


def _charts_section(data: ReportData, charts: Sequence[Chart]) -> str:
    """The pipeline's declared charts; nothing when it declares none."""
    if data.charts is None:
        return ""
    missing = ", ".join(_code(name) for name in data.charts.missing)
    note = f'<p class="muted">Not in this lakehouse: {missing}</p>' if missing else ""
    figures = '<div class="charts">' + "".join(_figure(c) for c in charts) + "</div>"
    return _section("charts", data.charts.title, note + figures)


def _runs_table(runs: Sequence[RunRow], latest: RunRow) -> str:
    return _table("runs", RUN_COLUMNS, [_run_row(r, r.update_id == latest.update_id) for r in runs])


def _run_row(r: RunRow, current: bool) -> Row:
    update = f'<code title="{escape(r.update_id)}">{escape(r.update_id[:8])}</code>'
    counts = [_count(r.rows_written), _count(r.rows_quarantined), _count(r.failed_records)]
    cells = [update, escape(r.finished), _status(r.status), f"{r.seconds:.2f}", *counts]
    return Row([*cells, escape(r.error or "")], "current" if current else "")
