"""``--engine spark`` on the command line: generate and run on local Spark, then query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retail_lakehouse.backends.spark import session
from retail_lakehouse.cli.main import main
from retail_lakehouse.generate.manifest import read_manifest
from tests.datasets.retail.landing_truth import clean_rows
from tests.spark_support import TEST_MASTER, spark_session

ROWS = ["--rows", "customers=300", "--rows", "products=60", "--rows", "orders=1200",
        "--rows", "order_items=2500"]  # fmt: skip


@pytest.mark.spark
def test_run_on_spark_then_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spark_session()  # skip (or, in CI, fail) here when Spark cannot start
    args = ["run", "--engine", "spark", "--master", TEST_MASTER, "--lakehouse", str(tmp_path)]
    assert main([*args, *ROWS]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "COMPLETED" in out and "on spark" in out and "delta-rs commits the log" in out
    manifest = read_manifest(tmp_path / "landing" / "_manifest.json")
    assert manifest["tables"]["orders"]["rows"] == 1200
    query = "SELECT count(*) AS n FROM silver_orders"
    assert main(["query", query, "--lakehouse", str(tmp_path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    log = [
        "query",
        'SELECT count(*) AS n FROM event_log WHERE details LIKE \'%"engine": "spark"%\'',
    ]
    assert rows == [{"n": clean_rows(manifest, "orders")}]
    assert main([*log, "--lakehouse", str(tmp_path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["n"] == 1  # the update event names the engine


def test_spark_without_pyspark_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(session, "pyspark_installed", lambda: False)
    assert main(["generate", "--engine", "spark", "--lakehouse", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "retail-lakehouse[spark]" in err
    assert not (tmp_path / "landing").exists()
