"""The Spark engine's failure paths: a failed update leaves every table as it was.

A FAIL UPDATE expectation stops the update before any commit; a commit that fails halfway
restores the tables already committed; a bad expectation is a one-line error naming the
file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retail_lakehouse.backends.spark.engine import SparkEngine
from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline import commit as committing
from retail_lakehouse.pipeline.model import ExpectationFailedError
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import commit_files as real_commit
from tests.pipeline.conftest import custom_pipeline, failing_pipeline, make_landing, run_update
from tests.pipeline.test_failures import versions
from tests.spark_support import spark_session

pytestmark = pytest.mark.spark


def run_on_spark(root: Path, settings: Path, full_refresh: bool = False) -> UpdateResult:
    engine = SparkEngine(spark_session())
    try:
        return run_update(load_pipeline(settings, root), full_refresh, engine)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lakehouse after one update on Spark (copied by each test that changes it)."""
    root = make_landing(tmp_path_factory.mktemp("spark-engine"))
    run_on_spark(root, builtin_settings_path())
    return root


@pytest.fixture
def lakehouse(updated: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(updated, tmp_path / "lakehouse"))


def snapshot(root: Path) -> dict[str, list[str]]:
    store = DeltaStore(root / "tables")
    return {name: sorted(map(repr, store.read(name).to_pylist())) for name in versions(root)}


def test_fail_update_on_spark_changes_no_table(lakehouse: Path) -> None:
    before = versions(lakehouse)
    settings = failing_pipeline(lakehouse)
    with pytest.raises(ExpectationFailedError, match="shipped_after_ordered"):
        run_on_spark(lakehouse, settings)
    assert versions(lakehouse) == before


def test_a_failed_commit_on_spark_restores_the_tables_already_written(
    lakehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(lakehouse)
    calls = {"n": 0}

    def failing_commit(*args: object) -> None:
        calls["n"] += 1
        if calls["n"] == 6:
            raise OSError("disk full")
        real_commit(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(committing, "commit_files", failing_commit)
    with pytest.raises(OSError, match="disk full"):
        run_on_spark(lakehouse, builtin_settings_path(), full_refresh=True)
    assert calls["n"] >= 6
    assert snapshot(lakehouse) == before


def test_an_unknown_column_in_an_expectation_is_one_line_naming_the_file(
    lakehouse: Path,
) -> None:
    before = versions(lakehouse)
    settings = custom_pipeline(lakehouse, {"02_silver.sql": (
        "EXPECT (list_price > 0)", "EXPECT (no_such_price > 0)",
    )})  # fmt: skip
    with pytest.raises(DefinitionError) as caught:
        run_on_spark(lakehouse, settings)
    message = str(caught.value)
    assert "02_silver.sql:" in message and "positive_price" in message
    assert "\n" not in message and "no_such_price" in message
    assert versions(lakehouse) == before
