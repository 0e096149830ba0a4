"""Shared fixtures: small plans of the built-in retail dataset, generated in memory."""

from __future__ import annotations

import pyarrow as pa
import pytest

from retail_lakehouse.generate.blocks import generate_table
from retail_lakehouse.generate.builtin import builtin_spec
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec import DatasetSpec
from tests.helpers import small_plan


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
