"""Append flows: several flows into one streaming table take in each landing file once, in
SQL and in Python, incrementally as a full refresh would; flows that cannot go where
they point are one-line errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import ENGINE_FACTORIES, ENGINE_PARAMS, run_update

SQL = """
CREATE OR REFRESH STREAMING TABLE events;

CREATE FLOW from_web AS INSERT INTO events BY NAME
SELECT id, 'web' AS channel FROM STREAM read_files('${landing}/web', format => 'parquet');

CREATE FLOW from_app AS INSERT INTO events BY NAME
SELECT 'app' AS channel, id FROM STREAM read_files('${landing}/app', format => 'parquet');

CREATE OR REFRESH MATERIALIZED VIEW per_channel AS
SELECT channel, count(*) AS n FROM events GROUP BY channel;
"""

PYTHON = """
from pyspark import pipelines as dp
from pyspark.sql import functions as F

dp.create_streaming_table("events")

@dp.append_flow(target="events")
def from_web():
    return (spark.readStream.format("cloudFiles").option("cloudFiles.format", "parquet")
            .load(spark.conf.get("landing") + "/web").select("id", F.lit("web").alias("channel")))

@dp.append_flow(target="events", name="from_app")
def app():
    return (spark.readStream.format("cloudFiles").option("cloudFiles.format", "parquet")
            .load(spark.conf.get("landing") + "/app").select(F.lit("app").alias("channel"), "id"))
"""


def lakehouse(root: Path, files: dict[str, str]) -> Path:
    (root / "pipeline").mkdir(parents=True)
    for name, text in files.items():
        (root / "pipeline" / name).write_text(text)
    settings = root / "pipeline.yaml"
    landing = root / "landing"
    settings.write_text(f"name: flows\nsql: pipeline\nconfiguration: {{landing: '{landing}'}}\n")
    return settings


def land(root: Path, folder: str, day: int, ids: range) -> None:
    path = root / "landing" / folder / f"day-{day}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": pa.array(ids, pa.int64())}), path)


def update(settings: Path, root: Path, engine_name: EngineName, full_refresh: bool = False) -> None:
    engine = ENGINE_FACTORIES[engine_name]()
    try:
        run_update(load_pipeline(settings, root), full_refresh, engine)
    finally:
        engine.close()


def rows(root: Path, table: str) -> Counter[tuple[object, ...]]:
    stored = DeltaStore(root / "tables").read(table)
    return Counter(
        tuple(r.values()) for r in stored.select(sorted(stored.column_names)).to_pylist()
    )


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
@pytest.mark.parametrize("files", [{"flows.sql": SQL}, {"flows.py": PYTHON}], ids=["sql", "python"])
def test_two_flows_append_each_file_once_as_a_full_refresh_would(
    tmp_path: Path, files: dict[str, str], engine_name: EngineName
) -> None:
    """Day 2 brings web files only: the app flow, fed nothing new, appends nothing."""
    daily, once = tmp_path / "daily", tmp_path / "once"
    settings = lakehouse(daily, files)
    days = [(range(0, 3), range(10, 12)), (range(3, 5), range(12, 16)), (range(5, 7), None)]
    for day, (web, app) in enumerate(days):
        for root in (daily, once):
            land(root, "web", day, web)
            if app is not None:
                land(root, "app", day, app)
        update(settings, daily, engine_name)
    update(settings, daily, engine_name)  # nothing new: nothing appended again
    update(lakehouse(once, files), once, engine_name, full_refresh=True)
    expected = Counter([("web", i) for i in range(7)] + [("app", i) for i in range(10, 16)])
    assert rows(daily, "events") == expected
    assert rows(once, "events") == expected
    if "flows.sql" in files:
        assert rows(daily, "per_channel") == Counter({("app", 6): 1, ("web", 7): 1})


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "CREATE FLOW f AS INSERT INTO nowhere BY NAME SELECT 1 AS id",
            "flow 'f' goes into 'nowhere', which is not a streaming table",
        ),
        (
            "CREATE OR REFRESH MATERIALIZED VIEW v AS SELECT 1 AS id;\n"
            "CREATE FLOW f AS INSERT INTO v BY NAME SELECT 1 AS id",
            "flow 'f' goes into 'v', which is not a streaming table",
        ),
        (
            "CREATE OR REFRESH STREAMING TABLE t;\n"
            "CREATE FLOW c AS AUTO CDC INTO t FROM s KEYS (id) SEQUENCE BY id;\n"
            "CREATE FLOW f AS INSERT INTO t BY NAME SELECT 1 AS id",
            "'t' has the AUTO CDC flow 'c': no other flow may write to it",
        ),
        ("CREATE OR REFRESH STREAMING TABLE t", "streaming table 't' has no flow into it"),
        ("CREATE FLOW f AS INSERT INTO t SELECT 1", "expected BY after INSERT INTO t"),
    ],
)
def test_a_flow_that_cannot_go_where_it_points_is_one_line(
    tmp_path: Path, sql: str, problem: str
) -> None:
    settings = lakehouse(tmp_path, {"flows.sql": sql})
    with pytest.raises(DefinitionError) as raised:
        load_pipeline(settings, tmp_path)
    message = str(raised.value)
    assert problem in message and "flows.sql:" in message and "\n" not in message
