"""Where a pipeline's datasets come from: the ``CREATE`` statements of its SQL files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from retail_lakehouse.pipeline.model import Dataset, Expectation
from retail_lakehouse.sql.ddl import CreateStatement, parse_sql_folder


def dataset_of(statement: CreateStatement) -> Dataset:
    """The dataset a statement declares; its constraints are its expectations."""
    return Dataset(
        name=statement.name,
        kind=statement.kind,
        query=statement.query,
        location=statement.location,
        expectations=tuple(
            Expectation(c.name, c.condition, c.action) for c in statement.constraints
        ),
        comment=statement.comment,
        properties=statement.properties,
        partition_by=statement.partition_by,
        cluster_by=statement.cluster_by,
        columns=statement.columns,
    )


def sql_datasets(folder: Path, configuration: Mapping[str, str]) -> list[Dataset]:
    """The datasets of every ``*.sql`` file under ``folder``, in order of definition."""
    return [dataset_of(statement) for statement in parse_sql_folder(folder, configuration)]
