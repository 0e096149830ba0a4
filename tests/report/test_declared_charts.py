"""The charts a pipeline declares: their points are the tables', charts over missing tables
are left out and named, and a bad charts file is one line naming the file and chart."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from retail_lakehouse.backends.duckdb.lakehouse_names import TableTarget
from retail_lakehouse.datasets import dataset_folder
from retail_lakehouse.report import ReportError
from retail_lakehouse.report.declared_charts import read_charts
from retail_lakehouse.storage.delta import DeltaStore
from tests.report.conftest import expected_charts

RETAIL_CHARTS = dataset_folder() / "charts.yaml"


def test_the_points_are_those_of_the_tables(reported_lakehouse: Path) -> None:
    section = dataclasses.asdict(read_charts(RETAIL_CHARTS, reported_lakehouse / "tables"))
    charts = {key: list(value) if isinstance(value, tuple) else value
              for key, value in section.items()}  # fmt: skip
    for chart in charts["charts"]:
        chart["points"] = list(chart["points"])
    assert charts == expected_charts(reported_lakehouse)
    points = {chart["name"]: chart["points"] for chart in charts["charts"]}
    assert len(points["daily-revenue"]) > 300 and len(points["top-products"]) == 10


def test_charts_over_missing_tables_are_left_out_and_the_tables_named(tmp_path: Path) -> None:
    section = read_charts(RETAIL_CHARTS, tmp_path / "tables")
    assert section.title == "Gold layer" and section.charts == ()
    assert section.missing == (
        "gold_category_performance", "gold_customer_lifetime_value",
        "gold_daily_sales_summary", "gold_product_performance",
    )  # fmt: skip


def declared(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "charts.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("charts:\n  - {name: a, title: A, kind: pie, query: SELECT 1}\n", "charts.a.kind"),
        ("charts:\n  - {name: a, title: A, kind: bars, query: SELECT 1, y: 2}\n", "charts.a.y"),
        (
            "charts:\n  - {name: a, title: A, kind: bars, query: 'SELECT (('}\n",
            "chart 'a': SQL syntax error",
        ),
        ("charts: [\n", "invalid YAML"),
        (
            "charts:\n  - {name: a, title: A, kind: bars, query: SELECT 1 AS x}\n",
            "chart 'a': a bars chart's query returns columns label and value, this one x",
        ),
        (
            "charts:\n  - {name: a, title: A, kind: line, query: 'SELECT 1 AS x, 2 AS y'}\n",
            "chart 'a': x must be a date, got 1",
        ),
        (
            "charts:\n  - {name: a, title: A, kind: bars,\n"
            "     query: 'SELECT nope AS label, 1 AS value FROM gold_daily_sales_summary'}\n",
            "chart 'a': Binder Error",
        ),
    ],
    ids=["kind", "extra-field", "syntax", "yaml", "columns", "not-a-date", "unknown-column"],
)
def test_a_bad_charts_file_is_one_line_naming_it(
    reported_lakehouse: Path, tmp_path: Path, text: str, problem: str
) -> None:
    path = declared(tmp_path, text)
    with pytest.raises(ReportError) as raised:
        read_charts(path, reported_lakehouse / "tables")
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_a_chart_names_tables_by_the_pipelines_catalog_and_schema(
    reported_lakehouse: Path, tmp_path: Path
) -> None:
    """As its queries would on Databricks, with the settings' catalog and schema."""
    path = declared(
        tmp_path,
        "charts:\n  - name: segments\n    title: Customers by segment\n    kind: bars\n"
        "    query: SELECT customer_segment AS label, count(*) AS value\n"
        "      FROM sales.analytics.gold_customer_lifetime_value GROUP BY 1\n",
    )
    tables = reported_lakehouse / "tables"
    section = read_charts(path, tables, TableTarget("sales", "analytics"))
    (chart,) = section.charts
    counted = sum(point.value for point in chart.points)
    assert counted == DeltaStore(tables).read("gold_customer_lifetime_value").num_rows
    with pytest.raises(ReportError, match=r"sales\.analytics"):  # not the default target
        read_charts(path, tables)
