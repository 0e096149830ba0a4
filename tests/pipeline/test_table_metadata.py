"""The pipeline's tables carry their metadata as Databricks writes it, on every engine.

A dataset's COMMENT is its table's description, its TBLPROPERTIES are in the table's
configuration (verbatim; Delta's own take effect), its CLUSTER BY columns are recorded
(``clusteringColumns``) and its files are clustered in the commit that writes them, with
no OPTIMIZE commit after; its column comments are in the schema. An update commits each
table once (the first one creates it first); a changed definition shows after the next
update, even on a streaming table that gets no new rows; a failed update leaves the
metadata as it was. Read back from the log's JSON, with pyarrow for the data files.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline import commit as committing
from retail_lakehouse.pipeline.model import Dataset
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.sql.ddl import parse_sql_text
from retail_lakehouse.storage.delta_files import StagedFiles
from retail_lakehouse.storage.delta_files import commit_files as real_commit
from tests.pipeline.conftest import ENGINE_FACTORIES, ENGINE_PARAMS, custom_pipeline, make_landing
from tests.pipeline.conftest import run_update as update

UPDATE_KEY = "retail_lakehouse.update_id"
EXTRA = """
CREATE OR REFRESH MATERIALIZED VIEW gold_channel_days (
  order_date DATE COMMENT 'The day the orders were placed.',
  channel STRING COMMENT 'Where they were placed.',
  CONSTRAINT known_channel EXPECT (channel IS NOT NULL)
)
COMMENT 'Orders per channel and day.'
TBLPROPERTIES ('quality' = 'gold', 'owner' = 'sales', 'delta.checkpointInterval' = '2')
CLUSTER BY (channel, order_date)
AS SELECT order_date, channel, count(*) AS orders FROM silver_orders GROUP BY ALL
"""
EDITS = {  # file -> (text, its replacement), for the third update
    "01_bronze.sql": (
        "COMMENT 'Raw orders from the landing zone.'",
        "COMMENT 'Orders as they landed.'",
    ),
    "99_extra.sql": ("'owner' = 'sales'", "'owner' = 'finance'"),
}
EDITED_COLUMN = ("'Where they were placed.'", "'The channel of the order.'")


def commits(path: Path) -> list[dict[str, Any]]:
    """The commit infos of the table's log, in version order, as its JSON files hold them."""
    infos = []
    for file in sorted((path / "_delta_log").glob("*.json")):
        actions = [json.loads(line) for line in file.read_text().splitlines() if line]
        infos += [a["commitInfo"] for a in actions if "commitInfo" in a]
    return infos


def logged(path: Path, kind: str) -> Any:
    """The latest ``metaData`` or the data files (``add`` minus ``remove``) of the log."""
    latest: Any = None
    files: dict[str, None] = {}
    for file in sorted((path / "_delta_log").glob("*.json")):
        for action in (json.loads(line) for line in file.read_text().splitlines() if line):
            if kind in action:
                latest = action[kind]
            if "add" in action:
                files[action["add"]["path"]] = None
            if "remove" in action:
                files.pop(action["remove"]["path"], None)
    return list(files) if kind == "add" else latest


def comments(path: Path) -> dict[str, str | None]:
    fields = json.loads(logged(path, "metaData")["schemaString"])["fields"]
    return {f["name"]: f["metadata"].get("comment") for f in fields}


@dataclass(frozen=True)
class Updates:
    tables: Path
    ids: tuple[str, ...]  # the updates', in order
    datasets: dict[str, Dataset]  # as last defined

    def operations(self, table: str, update: int) -> list[str]:
        """The operations of one update's commits to ``table`` (0: the first update)."""
        found = commits(self.tables / table)
        return [c["operation"] for c in found if c.get(UPDATE_KEY) == self.ids[update]]


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def updates(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Updates:
    """Three updates: the first, one without new landing files, and one after EDITS."""
    root = make_landing(tmp_path_factory.mktemp("metadata"))
    settings = custom_pipeline(root, extra=EXTRA)
    engine = ENGINE_FACTORIES[request.param]()
    ids = []
    try:
        for number in range(3):
            if number == 2:
                for name, (old, new) in EDITS.items():
                    sql = root / "pipeline" / "sql" / name
                    sql.write_text(sql.read_text().replace(old, new))
                extra = root / "pipeline" / "sql" / "99_extra.sql"
                extra.write_text(extra.read_text().replace(*EDITED_COLUMN))
            result = update(load_pipeline(settings, root), engine=engine)
            assert result.status == "COMPLETED", result.error
            ids.append(result.update_id)
    finally:
        engine.close()
    graph = load_pipeline(settings, root).graph
    datasets = {p.dataset.name: p.dataset for p in graph.order if p.dataset.is_table}
    return Updates(root / "tables", tuple(ids), datasets)


def test_every_table_records_its_comment_and_properties(updates: Updates) -> None:
    assert len(updates.datasets) > 10
    for name, dataset in updates.datasets.items():
        metadata = logged(updates.tables / name, "metaData")
        configuration = dict(metadata["configuration"])
        clustering = json.loads(configuration.pop("clusteringColumns", "[]"))
        assert metadata["description"] == dataset.comment, name
        assert configuration == dict(dataset.properties), name
        assert clustering == [[column] for column in dataset.cluster_by], name
        if dataset.quarantine is not None:
            quarantine = logged(updates.tables / dataset.quarantine, "metaData")
            assert (quarantine["description"], quarantine["configuration"]) == (None, {})


def test_clustering_and_z_order_columns_as_databricks_records_them(updates: Updates) -> None:
    daily = logged(updates.tables / "gold_daily_sales_summary", "metaData")
    assert daily["description"] == "Per day: orders, revenue, average order value and distinct "\
        "customers."  # fmt: skip
    assert daily["configuration"] == {"quality": "gold", "clusteringColumns": '[["order_date"]]'}
    products = logged(updates.tables / "gold_product_performance", "metaData")["configuration"]
    assert products["pipelines.autoOptimize.zOrderCols"] == "category,product_id"
    assert "clusteringColumns" not in products  # Z-ordered, not liquid clustering


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("gold_daily_sales_summary", ["order_date"]),
        ("gold_product_performance", ["category", "product_id"]),
        ("gold_channel_days", ["channel", "order_date"]),
    ],
)
def test_files_are_clustered_by_the_write_itself(
    updates: Updates, table: str, columns: list[str]
) -> None:
    path = updates.tables / table
    ranges = []
    for name in logged(path, "add"):
        rows = pq.read_table(path / name, columns=columns).to_pylist()
        keys = [tuple((row[c] is not None, row[c]) for c in columns) for row in rows]
        assert keys == sorted(keys), name  # nulls first, as Spark sorts
        if keys:
            ranges.append((keys[0], keys[-1]))
    ranges.sort()
    assert ranges and all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))
    assert not [c for c in commits(path) if c["operation"] == "OPTIMIZE"]


def test_each_update_commits_each_table_once(updates: Updates) -> None:
    for name, dataset in updates.datasets.items():
        assert updates.operations(name, 0) == ["CREATE TABLE AS SELECT"], name
        # nothing new: neither the streaming tables nor the views they feed are written
        assert updates.operations(name, 1) == [], (name, dataset.kind)


def test_column_comments_are_in_the_schema(updates: Updates) -> None:
    assert comments(updates.tables / "gold_channel_days") == {
        "order_date": "The day the orders were placed.",
        "channel": "The channel of the order.",  # as edited for the third update
        "orders": None,
    }
    assert set(comments(updates.tables / "silver_orders").values()) == {None}


def test_a_changed_definition_shows_after_the_next_update(updates: Updates) -> None:
    bronze = logged(updates.tables / "bronze_orders", "metaData")
    assert bronze["description"] == "Orders as they landed."
    assert updates.operations("bronze_orders", 2) == ["UPDATE TABLE METADATA"]  # no new rows
    gold = updates.tables / "gold_channel_days"
    assert logged(gold, "metaData")["configuration"]["owner"] == "finance"
    assert updates.operations("gold_channel_days", 2) == ["SET TBLPROPERTIES", "WRITE"]
    assert list((gold / "_delta_log").glob("*.checkpoint.parquet"))  # delta.checkpointInterval
    for name in ("gold_daily_sales_summary", "silver_orders"):  # bronze_orders' rows stayed
        assert updates.operations(name, 2) == [], name


def test_a_failed_update_leaves_the_metadata_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_landing(tmp_path)
    settings = custom_pipeline(root, extra=EXTRA)
    update(load_pipeline(settings, root))
    table = root / "tables" / "gold_channel_days"
    before = logged(table, "metaData")
    extra = root / "pipeline" / "sql" / "99_extra.sql"
    extra.write_text(extra.read_text().replace("'Orders per channel and day.'", "'Changed.'"))

    def commit_then_fail(staged: StagedFiles, metadata: dict[str, str] | None = None) -> None:
        real_commit(staged, metadata)
        if staged.path == table:
            raise OSError("disk full")

    monkeypatch.setattr(committing, "commit_files", commit_then_fail)
    with pytest.raises(OSError, match="disk full"):
        update(load_pipeline(settings, root), engine=DuckDBEngine())

    assert (
        logged(table, "metaData")["description"]
        == before["description"]
        == ("Orders per channel and day.")
    )
    operations = [c["operation"] for c in commits(table)]
    assert operations[-3:] == ["UPDATE TABLE METADATA", "WRITE", "RESTORE"]


def test_column_comments_of_a_column_list_are_parsed() -> None:
    (statement,) = parse_sql_text(EXTRA, Path("extra.sql"), {})
    assert statement.column_comments == (  # type: ignore[union-attr]
        ("order_date", "The day the orders were placed."),
        ("channel", "Where they were placed."),
    )
    with pytest.raises(DefinitionError, match="quoted string after COMMENT of column 'a'"):
        parse_sql_text("CREATE MATERIALIZED VIEW v (a INT COMMENT) AS SELECT 1", Path("x"), {})
