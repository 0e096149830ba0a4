"""The SQL files the bundle's pipeline lists, with the bundle's configuration, are valid SQL.

Each file is read as Lakeflow SQL (the statement headers, expectations and table clauses
sqlglot has no grammar for) with the configuration the pipeline resource gives it; every
query and expectation condition then parses with sqlglot's Databricks dialect.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from retail_lakehouse.sql.ddl import CreateStatement, parse_sql_text
from tests.bundle.bundle_files import PIPELINE, Bundle, load_bundle, resolved_target

LISTED = [path for files in load_bundle().pipeline_files() for path in files]


def bundle_datasets(bundle: Bundle, path: Path) -> list[CreateStatement]:
    """The datasets of ``path`` with the pipeline configuration of the default target."""
    configuration = resolved_target(bundle, "dev")["resources"]["pipelines"][PIPELINE][
        "configuration"
    ]
    statements = parse_sql_text(path.read_text(encoding="utf-8"), path, configuration)
    return [s for s in statements if isinstance(s, CreateStatement) and not s.declares_only]


@pytest.mark.parametrize("path", LISTED, ids=lambda path: path.name)
def test_listed_sql_parses_with_the_databricks_dialect(bundle: Bundle, path: Path) -> None:
    datasets = bundle_datasets(bundle, path)
    assert datasets
    for dataset in datasets:
        assert isinstance(sqlglot.parse_one(dataset.query, read="databricks"), sqlglot.exp.Query)
        for expectation in dataset.constraints:
            sqlglot.parse_one(expectation.condition, read="databricks")
