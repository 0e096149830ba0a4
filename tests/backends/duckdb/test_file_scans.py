"""Results that only read files stay views: which queries qualify, and that every read of
such a view (the table's files, each reader, the expectations) sees the same rows."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot

from retail_lakehouse.backends.duckdb import file_scans
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.backends.duckdb.file_scans import as_file_scan
from retail_lakehouse.pipeline.engine import Sources
from retail_lakehouse.pipeline.model import Expectation

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
SCAN = "READ_PARQUET(['a.parquet'])"


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(file_scans).failed == 0


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * FROM {SCAN}",
        f"SELECT id, CAST(v AS DOUBLE) AS v, current_timestamp AS t FROM {SCAN} WHERE v > 1",
        f"SELECT parse_filename(filename) AS f FROM {SCAN}",
    ],
)
def test_row_by_row_reads_of_one_reader_are_file_scans(query: str) -> None:
    assert as_file_scan(sqlglot.parse_one(query, read="duckdb"), NOW) is not None


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT random() AS r FROM {SCAN}",  # volatile: each read would differ
        f"SELECT lower(v) FROM {SCAN}",  # not on the list: stored, to be safe
        f"SELECT id, count(*) FROM {SCAN} GROUP BY id",
        f"SELECT DISTINCT id FROM {SCAN}",
        f"SELECT * FROM {SCAN} ORDER BY id",
        f"SELECT * FROM {SCAN} LIMIT 3",
        f"SELECT row_number() OVER (ORDER BY id) FROM {SCAN}",
        f"SELECT * FROM {SCAN} AS a JOIN t AS b ON a.id = b.id",
        f"SELECT * FROM {SCAN} WHERE id IN (SELECT id FROM t)",
        "SELECT * FROM t",
        f"SELECT * FROM {SCAN} UNION ALL SELECT * FROM {SCAN}",
    ],
)
def test_anything_else_is_stored(query: str) -> None:
    assert as_file_scan(sqlglot.parse_one(query, read="duckdb"), NOW) is None


def test_the_current_time_is_bound_once_for_every_read() -> None:
    tree = sqlglot.parse_one(f"SELECT current_timestamp AS t FROM {SCAN}", read="duckdb")
    bound = as_file_scan(tree, NOW)
    assert bound is not None
    assert "CURRENT_TIMESTAMP" not in bound.sql("duckdb").upper()
    assert "2026-12-06 08:00:00+00:00" in bound.sql("duckdb")


@pytest.fixture
def landing(tmp_path: Path) -> list[Path]:
    files = []
    for part in range(2):
        path = tmp_path / f"part-{part}.parquet"
        ids = list(range(part * 5, part * 5 + 5))
        pq.write_table(pa.table({"id": ids, "v": [i - 2 for i in ids]}), path)
        files.append(path)
    return files


def bronze(engine: DuckDBEngine, relation: str, files: list[Path]) -> int:
    query = (
        "SELECT *, current_timestamp() AS _ingested_at, _metadata.file_path AS _source_file "
        "FROM STREAM read_files('/landing', format => 'parquet')"
    )
    tree = sqlglot.parse_one(query, read="databricks")
    return engine.run_query(relation, tree, Sources([files]))


def test_a_file_scan_result_is_a_view_whose_reads_agree(
    engine: DuckDBEngine, landing: list[Path]
) -> None:
    assert bronze(engine, "scan_result", landing) == 10
    assert engine.kinds["scan_result"] == "view"
    first, second = engine.export("scan_result"), engine.export("scan_result")
    assert first.equals(second)
    assert len(set(first.column("_ingested_at").to_pylist())) == 1
    assert first.column("id").to_pylist() == list(range(10))  # the files' order


def test_expectations_on_a_file_scan_check_its_rows_once(
    engine: DuckDBEngine, landing: list[Path]
) -> None:
    bronze(engine, "checked_scan", landing)
    rules = (Expectation("positive", "v > 0", "drop"), Expectation("small", "v < 6"))
    checked = engine.check("checked_scan", rules, "u1")
    assert (checked.kept_rows, checked.quarantined_rows) == (7, 3)
    assert [(c.name, c.failed) for c in checked.counts] == [("positive", 3), ("small", 2)]
    assert engine.export(checked.kept).column("id").to_pylist() == list(range(3, 10))
    quarantine = engine.export(checked.quarantine)
    assert quarantine.column("id").to_pylist() == [0, 1, 2]
    assert quarantine.column("_failed_expectations").to_pylist() == [["positive"]] * 3
    engine.release("checked_scan")
    assert not [name for name in engine.kinds if name.startswith("checked_scan")]
