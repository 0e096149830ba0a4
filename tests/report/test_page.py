"""The page: its sections, the embedded data, the tables, and nothing that loads or runs."""

from __future__ import annotations

import dataclasses
import json
import re

from retail_lakehouse.pipeline.lineage import TableEdge
from retail_lakehouse.report.charts import Chart
from retail_lakehouse.report.model import (
    ChartSection,
    ExpectationRow,
    FlowRow,
    LineageNode,
    ReportData,
    RunRow,
)
from retail_lakehouse.report.page import report_page
from tests.report.conftest import embedded_data, table_rows

HOSTILE = "</script><script>alert(1)</script> & <b>"


def sample(status: str = "COMPLETED", error: str | None = None) -> ReportData:
    checks = (
        ExpectationRow("silver_a", "has_id", "drop", 90, 10, 10),
        ExpectationRow("silver_a", "fresh", "warn", 97, 3, 0),
        ExpectationRow("silver_a", "unmapped", None, 100, 0, None),
    )
    latest = RunRow("u2" * 18, "2025-01-02T00:00:00+00:00", status, error, 1.5,  # type: ignore[arg-type]
                    190, 10, 13)  # fmt: skip
    older = RunRow("u1" * 18, "2025-01-01T00:00:00+00:00", "COMPLETED", None, 2.0, 200, 0, 0)
    return ReportData(
        pipeline="demo",
        lakehouse="/tmp/lake",
        generated_at="2025-01-02T00:00:01+00:00",
        latest=latest,
        flows=(FlowRow("bronze_a", "bronze", "COMPLETED", 100, 0, 0.5, ()),
               FlowRow("silver_a", "silver", "COMPLETED", 90, 10, 1.0, checks)),
        runs=(latest, older),
        nodes=(LineageNode("bronze_a", "streaming_table", "bronze", "passed", 100, 0, 0, 0),),
        edges=(TableEdge("bronze_a", "silver_a"),),
        charts=ChartSection("Gold layer", (), ("gold_x",)),
    )  # fmt: skip


def page(data: ReportData) -> str:
    chart = Chart("chart-x", "X", '<svg class="chart"></svg>')
    return report_page(data, '<svg class="lineage"></svg>', [chart], None)


def test_the_embedded_data_is_the_report_data() -> None:
    data = sample()
    html = page(data)
    assert embedded_data(html) == json.loads(json.dumps(dataclasses.asdict(data)))
    for section in ("lineage", "quality", "timings", "charts", "runs"):
        assert f'<section id="{section}">' in html
    assert '<figure id="chart-x">' in html and "gold_x" in html


def test_text_cannot_break_out_of_the_page() -> None:
    html = page(sample("FAILED", HOSTILE))
    assert html.count("<script") == 1
    assert embedded_data(html)["latest"]["error"] == HOSTILE
    assert "Update failed: &lt;/script&gt;" in html


def test_nothing_is_loaded_from_elsewhere() -> None:
    html = page(sample())
    assert not re.search(r"\b(src|href)\s*=|<link|@import|url\((?!#)", html)
    assert not re.search(r"https?://", html)


def test_expectations_stand_next_to_the_ground_truth() -> None:
    rows = table_rows(page(sample()), "expectations")
    assert rows[0] == ["Dataset", "Expectation", "On violation", "Passed", "Failed",
                       "Ground truth", "Match"]  # fmt: skip
    assert rows[1:] == [
        ["silver_a", "has_id", "DROP ROW", "90", "10", "10", "✓"],
        ["silver_a", "fresh", "warn", "97", "3", "0", "✗"],
        ["silver_a", "unmapped", "unknown", "100", "0", "—", ""],
    ]
    assert '<tr class="mismatch">' in page(sample())


def test_runs_newest_first_with_the_current_one_marked() -> None:
    html = page(sample("FAILED", "boom"))
    rows = table_rows(html, "runs")
    assert [row[0] for row in rows[1:]] == ["u2u2u2u2", "u1u1u1u1"]
    assert rows[1][2] == "FAILED" and rows[1][-1] == "boom" and rows[1][6] == "13"
    assert html.count('<tr class="current">') == 1


def test_an_up_to_date_dataset_says_so_in_the_datasets_table() -> None:
    data = sample()
    kept = dataclasses.replace(data.flows[1], rows_written=0, rows_quarantined=0, up_to_date=True)
    rows = table_rows(page(dataclasses.replace(data, flows=(data.flows[0], kept))), "datasets")
    assert [row[:3] for row in rows[1:]] == [
        ["bronze_a", "COMPLETED", "100"],
        ["silver_a", "up to date", "0"],
    ]
