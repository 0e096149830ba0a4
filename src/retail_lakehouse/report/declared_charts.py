"""The charts a pipeline declares for its report, read from the lakehouse's tables.

A pipeline's settings may name a charts file (``charts: charts.yaml``)::

    title: Gold layer            # the report section's heading
    charts:
      - name: daily-revenue      # the chart's HTML id is chart-<name>
        title: Daily revenue
        kind: line               # line: columns x (a date) and y; bars: label and value
        query: SELECT order_date AS x, total_revenue AS y FROM daily ORDER BY x

Each query is Spark SQL over the lakehouse's tables, as ``retail query`` runs it; its rows
are the chart's points in their order. A chart whose tables the lakehouse does not have
is left out and the tables are listed instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from retail_lakehouse.backends.duckdb.lakehouse_names import TableTarget
from retail_lakehouse.backends.duckdb.lakehouse_sql import QueryError, open_lakehouse, run_sql
from retail_lakehouse.common.validation import read_yaml_model
from retail_lakehouse.report import ReportError
from retail_lakehouse.report.model import ChartData, ChartKind, ChartPoint, ChartSection
from retail_lakehouse.sql.queries import SOURCE_DIALECT, referenced_tables

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

ChartName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
COLUMNS: dict[ChartKind, tuple[str, str]] = {"line": ("x", "y"), "bars": ("label", "value")}


class DeclaredChart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ChartName
    title: str
    kind: ChartKind
    query: str = Field(description="Spark SQL over the lakehouse's tables.")


class ChartsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "Charts"
    charts: list[DeclaredChart]


def read_charts(path: Path, tables: Path, target: TableTarget | None = None) -> ChartSection:
    """The points of every chart the file at ``path`` declares, from the tables under
    ``tables``, which answer to the names of the pipeline's ``target`` too; charts reading
    a table that is not there are left out."""
    declared = read_yaml_model(path, ChartsFile, "the charts", ReportError)
    reads = {chart.name: _tables_read(chart, path) for chart in declared.charts}
    wanted = sorted({table for names in reads.values() for table in names})
    connection = open_lakehouse(tables, wanted, target) if tables.is_dir() else None
    try:
        present = set() if connection is None else _table_names(connection)
        charts = tuple(
            _chart_data(connection, chart, path)
            for chart in declared.charts
            if connection is not None and reads[chart.name] <= present
        )
    finally:
        if connection is not None:
            connection.close()
    return ChartSection(declared.title, charts, tuple(t for t in wanted if t not in present))


def _tables_read(chart: DeclaredChart, path: Path) -> set[str]:
    import sqlglot
    from sqlglot.errors import ParseError

    try:
        return referenced_tables(sqlglot.parse_one(chart.query, read=SOURCE_DIALECT))
    except ParseError as exc:
        problem = str(exc).splitlines()[0]
        raise ReportError(f"{path}: chart '{chart.name}': SQL syntax error: {problem}") from None


def _table_names(connection: DuckDBPyConnection) -> set[str]:
    return {row[0] for row in connection.execute("SHOW TABLES").fetchall()}


def _chart_data(connection: DuckDBPyConnection, chart: DeclaredChart, path: Path) -> ChartData:
    try:
        rows = run_sql(connection, chart.query, "spark")
    except QueryError as exc:
        raise ReportError(f"{path}: chart '{chart.name}': {exc}") from None
    label, value = COLUMNS[chart.kind]
    if not {label, value} <= set(rows.column_names):
        raise ReportError(
            f"{path}: chart '{chart.name}': a {chart.kind} chart's query returns columns "
            f"{label} and {value}, this one {', '.join(rows.column_names)}"
        )
    points = (
        ChartPoint(_label(chart, x, path), float(y or 0))
        for x, y in zip(rows[label].to_pylist(), rows[value].to_pylist(), strict=True)
    )
    return ChartData(chart.name, chart.title, chart.kind, tuple(points))


def _label(chart: DeclaredChart, value: Any, path: Path) -> str:
    if chart.kind == "bars":
        return "(none)" if value is None else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ReportError(f"{path}: chart '{chart.name}': x must be a date, got {value!r}")
