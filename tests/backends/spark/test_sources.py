"""Rewriting queries for open-source Spark SQL (pure tree work: no Spark needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from retail_lakehouse.backends.spark.sources import FILE_PATH_COLUMN, FileRead, rewrite_for_spark
from retail_lakehouse.pipeline.engine import EngineError, Sources

COLUMNS = ["order_id", "status"]


def rewrite(query: str, streams: dict[str, str] | None = None) -> tuple[str, list[FileRead]]:
    registered: list[FileRead] = []

    def register(read: FileRead) -> list[str]:
        registered.append(read)
        return COLUMNS

    tree = sqlglot.parse_one(query, dialect="databricks")
    files = [[Path("/landing/orders/part-0.parquet")]] * query.lower().count("read_files(")
    sources = Sources(files, streams or {})
    return rewrite_for_spark(tree, sources, "__result_x", register), registered


def test_star_over_read_files_lists_the_data_columns_and_the_path_is_a_hidden_column() -> None:
    sql, reads = rewrite(
        "SELECT *, _metadata.file_path AS _source_file "
        "FROM STREAM read_files('/landing/orders', format => 'parquet')"
    )
    assert sql == (
        f"SELECT `order_id`, `status`, {FILE_PATH_COLUMN} AS _source_file "
        "FROM `__result_x__files_0`"
    )
    assert reads == [
        FileRead("__result_x__files_0", [Path("/landing/orders/part-0.parquet")], "parquet", {})
    ]


def test_qualified_star_and_options_are_kept() -> None:
    sql, reads = rewrite(
        "SELECT o.* FROM read_files('/l/orders', format => 'csv', sep => ';') AS o"
    )
    assert "`o`.`order_id`, `o`.`status`" in sql and FILE_PATH_COLUMN not in sql
    assert reads[0].options == {"header": "true", "inferSchema": "true", "sep": ";"}


@pytest.mark.parametrize(
    "source", ["STREAM(bronze_orders) AS b", "STREAM bronze_orders AS b", "STREAM(bronze_orders) b"]
)
def test_stream_of_a_dataset_reads_its_new_rows_under_its_alias(source: str) -> None:
    sql, _ = rewrite(f"SELECT b.order_id FROM {source}", {"bronze_orders": "__new_b"})
    assert sql == "SELECT b.order_id FROM `__new_b` AS b"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * FROM read_files('/l', format => 'avro')", "format 'avro' is not supported"),
        (
            "SELECT * FROM read_files('/l', format => 'parquet') AS a JOIN t ON a.id = t.id",
            "use alias.*",
        ),
    ],
)
def test_unsupported_sources_are_engine_errors(query: str, message: str) -> None:
    with pytest.raises(EngineError, match=message):
        rewrite(query)
