"""The pipeline commands: run (and --dry-run), query with the demo's queries, lineage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retail_lakehouse.cli.main import main
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import new_files_folder
from tests.datasets.retail.landing_truth import clean_rows
from tests.helpers import type_at_prompt, writer_elsewhere
from tests.pipeline.conftest import make_landing

DEMO_QUERIES = {
    "clv_by_segment": """
        SELECT customer_segment, COUNT(*) AS customers, ROUND(AVG(lifetime_value), 2) AS avg_clv
        FROM gold_customer_lifetime_value GROUP BY customer_segment ORDER BY avg_clv DESC""",
    "last_30_days": """
        SELECT order_date, total_orders, total_revenue FROM gold_daily_sales_summary
        WHERE order_date >= date_sub((SELECT max(order_date) FROM gold_daily_sales_summary), 30)
        ORDER BY order_date DESC""",
    "categories": """
        SELECT category, total_revenue, total_units_sold, stock_availability_pct
        FROM gold_category_performance ORDER BY total_revenue DESC""",
}


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_landing(tmp_path_factory.mktemp("cli"))
    assert main(["run", "--lakehouse", str(root)]) == 0
    return root


def test_run_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", "--lakehouse", str(tmp_path), "--scale", "0.01"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "gold_daily_sales_summary" in out or "gold_daily" in out
    assert "valid_email" in out and "COMPLETED" in out
    assert (tmp_path / "landing" / "_manifest.json").exists()
    assert (tmp_path / "tables" / "silver_orders" / "_delta_log").is_dir()
    report = (tmp_path / "report.html").resolve()
    assert out.strip().splitlines()[-1].startswith(f"Report: {report} (") and report.is_file()


def test_reused_landing_zone_is_noted(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--lakehouse", str(lakehouse), "--scale", "2"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "reused the existing landing zone" in out and "--scale 1.0 (not 2.0)" in out
    assert "--regenerate" in out and "--seed" not in out  # not passed: not noted


def test_dry_run_reads_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--lakehouse", str(tmp_path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "silver_order_items" in out and "valid_product" in out
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", list(DEMO_QUERIES))
def test_demo_queries_return_json_rows(
    lakehouse: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["query", DEMO_QUERIES[name], "--lakehouse", str(lakehouse), "--format", "json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list) and rows and isinstance(rows[0], dict)
    if name == "categories":
        assert len(rows) == 10
        assert rows[0]["total_revenue"] >= rows[-1]["total_revenue"]
    if name == "last_30_days":
        assert 1 <= len(rows) <= 31


def test_query_csv_and_table(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT count(*) AS n FROM silver_orders"
    assert main(["query", sql, "--lakehouse", str(lakehouse), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    orders = clean_rows(read_manifest(Lakehouse(lakehouse).manifest), "orders")
    assert lines[0].strip('"') == "n" and int(lines[1]) == orders
    assert main(["query", sql, "--lakehouse", str(lakehouse)]) == 0
    assert "1 rows" in capsys.readouterr().out


def test_query_errors_are_one_line(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT * FROM nowhere", "--lakehouse", str(lakehouse)]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and err.count("\n") == 1


def test_query_without_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT 1", "--lakehouse", str(tmp_path)]) == 2
    assert "run 'retail run' first" in capsys.readouterr().err


def test_lineage_tables_and_columns(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lineage", "--lakehouse", str(lakehouse)]) == 0
    out = capsys.readouterr().out
    assert "bronze_orders" in out and "silver_orders_quarantine" in out
    assert main(["lineage", "gold_category_performance.total_revenue",
                 "--lakehouse", str(lakehouse)]) == 0  # fmt: skip
    traced = capsys.readouterr().out
    assert traced.strip() == (
        "gold_category_performance.total_revenue <- "
        "bronze_order_items.quantity, bronze_order_items.unit_price"
    )


def test_interactive_query_prompt(lakehouse: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    lines = [".tables", "SELECT count(*) AS n", "FROM gold_category_performance;", "SELEC;"]
    type_at_prompt(monkeypatch, lines)
    assert main(["query", "--lakehouse", str(lakehouse), "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert "gold_daily_sales_summary" in captured.out
    assert "\n10\n" in captured.out
    assert captured.err.startswith("error: ")


def test_run_while_another_update_runs_fails_in_one_line_and_changes_nothing(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = Lakehouse(lakehouse)
    tables = layout.tables
    before = DeltaStore(tables).version("silver_orders")
    with writer_elsewhere(lakehouse):
        assert main(["run", "--lakehouse", str(lakehouse)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"retail: error: {lakehouse}: ") and "\n" not in error
    assert "another process is writing to this lakehouse" in error
    assert DeltaStore(tables).version("silver_orders") == before


def test_run_sweeps_away_the_staging_of_a_killed_update(lakehouse: Path) -> None:
    tables = lakehouse / "tables"
    left = new_files_folder(tables / "silver_orders")
    left.mkdir()
    (left / "part-0.parquet").write_bytes(b"PAR1")
    assert main(["run", "--lakehouse", str(lakehouse)]) == 0
    assert not left.exists()
    manifest = read_manifest(Lakehouse(lakehouse).manifest)
    assert DeltaStore(tables).read("silver_orders").num_rows == clean_rows(manifest, "orders")
