"""Shared fixtures: small plans of the built-in retail dataset, generated in memory, and one
small lakehouse with a few runs behind it for the run report."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.cli.main import main
from retail_lakehouse.datasets import builtin_spec
from retail_lakehouse.generate.blocks import generate_table
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec import DatasetSpec
from tests.helpers import small_plan
from tests.pipeline.conftest import ENGINE_PARAMS, failing_pipeline


@pytest.fixture(scope="session")
def retail_spec() -> DatasetSpec:
    return builtin_spec()


@pytest.fixture(scope="session")
def retail_plan(retail_spec: DatasetSpec) -> DatasetPlan:
    return small_plan(retail_spec)


@pytest.fixture(scope="session")
def retail_tables(retail_plan: DatasetPlan) -> dict[str, pa.Table]:
    return {
        name: generate_table(retail_plan, name, block_rows=4096).data for name in retail_plan.rows
    }


@pytest.fixture(scope="session")
def retail_defects(retail_plan: DatasetPlan) -> dict[str, dict[str, list[int]]]:
    return {
        name: {
            defect: sorted(ids.tolist())
            for defect, ids in generate_table(retail_plan, name, 4096).defect_ids.items()
        }
        for name in retail_plan.rows
    }


@pytest.fixture(scope="session")
def reported_lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scale 0.01 lakehouse after three ``retail run``s: a completed update, one a FAIL
    UPDATE expectation stopped, and a completed one; the last two are full refreshes, so
    they count every expectation (with nothing new, an update finds the views up to date
    and counts none)."""
    root = tmp_path_factory.mktemp("reported")
    run = ["run", "--lakehouse", str(root), "--scale", "0.01", "--workers", "1"]
    assert main(run) == 0
    assert main([*run, "--pipeline", str(failing_pipeline(root)), "--full-refresh"]) == 1
    assert main([*run, "--full-refresh"]) == 0
    return root


@pytest.fixture(params=ENGINE_PARAMS)
def engine_name(request: pytest.FixtureRequest) -> EngineName:
    """The engine matrix: every test taking this runs on each engine."""
    name: EngineName = request.param
    return name
