"""Which window functions read a stream: those Databricks rejects, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.common.errors import SourceLocation
from retail_lakehouse.sql.queries import DefinedQuery, parse_query, windows_over_streams

HERE = SourceLocation(Path("q.sql"), 1)
RANK = "row_number() OVER (PARTITION BY k ORDER BY t)"


def flagged(sql: str) -> list[str]:
    tree = parse_query(DefinedQuery("q", sql, HERE))
    return [w.sql(dialect="spark") for w in windows_over_streams(tree)]


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT *, {RANK} AS r FROM STREAM(bronze)",
        f"SELECT *, {RANK} AS r FROM STREAM read_files('/x', format => 'csv')",
        f"SELECT * FROM (SELECT *, {RANK} AS r FROM STREAM(bronze)) WHERE r = 1",
        f"SELECT s.*, {RANK} AS r FROM dim AS d JOIN STREAM(bronze) AS s ON s.k = d.k",
        f"WITH a AS (SELECT * FROM STREAM(bronze)), b AS (SELECT * FROM a) "
        f"SELECT *, {RANK} AS r FROM b",
        f"SELECT *, {RANK} AS r FROM (SELECT * FROM STREAM(bronze))",
    ],
)
def test_a_window_over_a_stream_is_found(sql: str) -> None:
    assert flagged(sql) == ["ROW_NUMBER() OVER (PARTITION BY k ORDER BY t)"]


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT *, {RANK} AS r FROM bronze",  # a batch read
        f"SELECT s.* FROM STREAM(bronze) AS s JOIN (SELECT k, {RANK} AS r FROM dim) AS d "
        "ON d.k = s.k",  # the window reads the static side of a stream-static join
        f"WITH a AS (SELECT * FROM STREAM(bronze)) SELECT *, {RANK} AS r FROM dim",
        "SELECT k, count(*) AS n FROM STREAM(bronze) GROUP BY k",  # no OVER
    ],
)
def test_a_window_over_batch_input_is_not(sql: str) -> None:
    assert flagged(sql) == []
