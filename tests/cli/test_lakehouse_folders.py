"""A lakehouse in a folder whose name is awkward: spaces, a quote and a '#' work on both
engines, the landing path going into the pipeline's SQL literals and delta-rs' file URIs
coming back percent-encoded; a '%' before two hex digits, which delta-rs would decode, is
one line, exit 2, before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.cli.main import main
from retail_lakehouse.generate.manifest import read_manifest
from tests.datasets.retail.landing_truth import clean_rows
from tests.pipeline.conftest import ENGINE_PARAMS
from tests.spark_support import TEST_MASTER

ROWS = ["--rows", "customers=200", "--rows", "products=40", "--rows", "orders=600",
        "--rows", "order_items=1200"]  # fmt: skip


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
def test_a_lakehouse_folder_with_a_space_a_quote_and_a_hash_runs_and_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine_name: EngineName
) -> None:
    root = tmp_path / "Jane's #1 lake"
    engine = ["--engine", engine_name.value, "--master", TEST_MASTER]
    assert main(["run", "--lakehouse", str(root), *engine, *ROWS]) == 0
    assert "COMPLETED" in capsys.readouterr().out
    manifest = read_manifest(root / "landing" / "_manifest.json")
    query = ["query", "SELECT count(*) AS n FROM silver_orders", "--format", "json"]
    assert main([*query, "--lakehouse", str(root)]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": clean_rows(manifest, "orders")}]


def test_a_percent_escape_in_the_lakehouse_folder_is_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "100%41 lake"
    assert main(["run", "--lakehouse", str(root), *ROWS]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"retail: error: {root / 'tables'}: delta-rs reads '%41' in a folder name as an "
        "escaped character; use a folder without '%' before two hex digits\n"
    )
    assert not root.exists()
