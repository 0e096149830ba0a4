"""``retail lineage DATASET.COLUMN``: a column's sources; a dataset or a column the pipeline
does not have is one line naming it and what there is instead, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.cli.main import main
from tests.pipeline.conftest import make_landing


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_landing(tmp_path_factory.mktemp("lineage"))
    assert main(["run", "--lakehouse", str(root)]) == 0
    return root


def lineage(
    capsys: pytest.CaptureFixture[str], lakehouse: Path, column: str
) -> tuple[int, str, str]:
    code = main(["lineage", column, "--lakehouse", str(lakehouse)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, "")
    assert err.startswith("retail: error: ") and err.count("\n") == 1, err
    return err


def test_an_unknown_column_names_it_and_the_tables_columns(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(*lineage(capsys, lakehouse, "gold_daily_sales_summary.nope"))
    assert "gold_daily_sales_summary has no column 'nope'; its columns: order_date, " in err
    assert "total_revenue" in err and "(not traceable)" not in err


def test_an_unknown_column_of_a_temporary_view_is_found_from_its_query(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(*lineage(capsys, lakehouse, "customers_current.nope"))
    assert "customers_current has no column 'nope'; its columns: customer_id, " in err


def test_an_unknown_dataset_names_it_and_the_pipelines_datasets(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(*lineage(capsys, lakehouse, "gold_nope.total_revenue"))
    assert "gold_nope.total_revenue: pipeline 'retail' has no dataset 'gold_nope'" in err
    assert "gold_daily_sales_summary" in err


@pytest.mark.parametrize(
    "argument", ["gold_daily_sales_summary", "gold_daily_sales_summary.", ".x"]
)
def test_a_column_must_be_dataset_dot_column(
    lakehouse: Path, capsys: pytest.CaptureFixture[str], argument: str
) -> None:
    err = one_line_error(*lineage(capsys, lakehouse, argument))
    assert f"expected DATASET.COLUMN, got '{argument}'" in err


def test_a_column_is_found_whatever_its_case(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = lineage(capsys, lakehouse, "gold_daily_sales_summary.TOTAL_Revenue")
    assert (code, err) == (0, "")
    assert out == (
        "gold_daily_sales_summary.total_revenue <- "
        "bronze_order_items.quantity, bronze_order_items.unit_price\n"
    )
