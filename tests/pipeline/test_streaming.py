"""Streaming tables: files ingested once, STREAM(dataset) reads only new rows, settings.

Row counts are derived from the landing files themselves, read with pyarrow."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.settings import SettingsError, load_settings
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import (
    landing_column,
    landing_shipping_costs,
    make_landing,
    run_update,
    write_sql_pipeline,
)

PIPELINE_SQL = """
CREATE OR REFRESH STREAMING TABLE raw_orders
AS SELECT *, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/orders', format => '${landing_format}');

CREATE OR REFRESH STREAMING TABLE big_orders (
  CONSTRAINT cheap_shipping EXPECT (shipping_cost < 12)
)
AS SELECT order_id, customer_id, shipping_cost
FROM STREAM(raw_orders) WHERE shipping_cost > ${min_cost};

CREATE OR REFRESH MATERIALIZED VIEW order_count
AS SELECT count(*) AS n, count(DISTINCT _source_file) AS files FROM raw_orders;

CREATE OR REFRESH MATERIALIZED VIEW orders_by_channel
PARTITIONED BY (channel)
AS SELECT order_id, channel, shipping_cost FROM raw_orders;
"""


def write_pipeline(root: Path, configuration: str = "min_cost: '10'") -> Path:
    settings = f"name: mine\nsql: sql\ntables: mine\nconfiguration:\n  {configuration}\n"
    return write_sql_pipeline(root / "my_pipeline", PIPELINE_SQL, settings)


def test_stream_of_a_dataset_reads_only_its_new_rows(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    costs = landing_shipping_costs(root)
    big_costs = [c for c in costs if c is not None and c > 10]  # min_cost: '10'
    pipeline = load_pipeline(write_pipeline(root), root)
    first = run_update(pipeline, full_refresh=False)
    big = next(d for d in first.datasets if d.name == "big_orders")
    assert 0 < big.written_rows == len(big_costs) < len(costs)
    warn = big.expectations[0]
    assert warn.action == "warn"
    assert 0 < warn.failed_records == sum(not c < 12 for c in big_costs)  # kept and counted
    assert big.quarantined_rows == 0

    source = sorted((root / "landing" / "orders").iterdir())[0]
    (root / "landing" / "orders" / "part-77777.parquet").write_bytes(source.read_bytes())
    second = run_update(pipeline, full_refresh=False)
    assert next(d for d in second.datasets if d.name == "raw_orders").written_rows == len(costs)
    big_again = next(d for d in second.datasets if d.name == "big_orders")
    assert big_again.written_rows == big.written_rows
    store = DeltaStore(root / "mine")
    assert store.read("big_orders").num_rows == 2 * big.written_rows
    assert store.read("order_count").to_pylist() == [{"n": 2 * len(costs), "files": 2}]

    third = run_update(pipeline, full_refresh=False)
    assert all(d.written_rows == 0 for d in third.datasets if d.kind == "streaming_table")


def test_partitioned_by_partitions_the_delta_table(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    run_update(load_pipeline(write_pipeline(root), root), full_refresh=False)
    folder = root / "mine" / "orders_by_channel"
    assert sorted(p.name for p in folder.glob("channel=*")) == [
        "channel=marketplace", "channel=mobile_app", "channel=web",
    ]  # fmt: skip
    assert DeltaStore(root / "mine").read("orders_by_channel").num_rows == len(
        landing_shipping_costs(root)
    )


def test_full_refresh_reingests_everything(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    pipeline = load_pipeline(write_pipeline(root), root)
    run_update(pipeline, full_refresh=False)
    again = run_update(pipeline, full_refresh=True)
    landed = len(landing_shipping_costs(root))
    assert next(d for d in again.datasets if d.name == "raw_orders").written_rows == landed
    assert DeltaStore(root / "mine").read("raw_orders").num_rows == landed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: mine\nsql: sql\nunknown: 1\n", "unknown: Extra inputs are not permitted"),
        ("name: 'bad name'\nsql: sql\n", "name: String should match pattern"),
        ("- a\n", "must be a mapping"),
        ("name: [\n", "invalid YAML"),
    ],
)
def test_settings_errors_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert message in str(caught.value) and str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_a_window_over_a_stream_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """As on Databricks: de-duplicating a stream with row_number() does not run there."""
    root = make_landing(tmp_path)
    settings = write_pipeline(root)
    sql = settings.parent / "sql" / "pipeline.sql"
    sql.write_text(
        sql.read_text().replace(
            "AS SELECT order_id, customer_id, shipping_cost\n",
            "AS SELECT order_id, customer_id, shipping_cost,\n"
            "  row_number() OVER (PARTITION BY order_id ORDER BY shipping_cost) AS copy\n",
        )
    )
    with pytest.raises(DefinitionError, match=r"pipeline\.sql:6: 'big_orders' computes ROW_NUMBER"):
        load_pipeline(settings, root)


def test_a_streaming_table_given_a_new_column_needs_a_full_refresh(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    settings = write_pipeline(root)
    run_update(load_pipeline(settings, root))
    sql = settings.parent / "sql" / "pipeline.sql"
    sql.write_text(
        sql.read_text().replace(
            "shipping_cost\nFROM STREAM", "shipping_cost, 1 AS extra\nFROM STREAM"
        )
    )
    source = sorted((root / "landing" / "orders").iterdir())[0]
    (root / "landing" / "orders" / "part-77777.parquet").write_bytes(source.read_bytes())
    store = DeltaStore(root / "mine")
    before = store.version("big_orders")
    with pytest.raises(
        DefinitionError, match=r"pipeline\.sql:6: 'big_orders' adds column\(s\) extra.*full refresh"
    ):
        run_update(load_pipeline(settings, root))
    assert store.version("big_orders") == before
    run_update(load_pipeline(settings, root), full_refresh=True)
    assert "extra" in store.read("big_orders").column_names


LOOKUP_SQL = """
CREATE OR REFRESH STREAMING TABLE known_orders
AS SELECT o.order_id, c.customer_id
FROM read_files('${landing_path}/customers', format => '${landing_format}') AS c
JOIN STREAM read_files('${landing_path}/orders', format => '${landing_format}') AS o
  ON o.customer_id = c.customer_id;
"""


def test_a_batch_source_beside_a_stream_is_read_whole_every_update(tmp_path: Path) -> None:
    """A lookup file source in a streaming table: only its stream reads new files only."""
    root = make_landing(tmp_path)
    settings = write_sql_pipeline(
        root / "my_pipeline", LOOKUP_SQL, "name: mine\nsql: sql\ntables: mine\n"
    )
    customers = Counter(landing_column(root, "customers", "customer_id"))
    orders = landing_column(root, "orders", "customer_id")
    matches = sum(customers[c] for c in orders if c is not None)
    first = run_update(load_pipeline(settings, root), full_refresh=False)
    assert 0 < first.datasets[0].written_rows == matches < len(orders)

    orders_folder = root / "landing" / "orders"
    source = sorted(orders_folder.iterdir())[0]
    (orders_folder / "part-77777.parquet").write_bytes(source.read_bytes())
    copied = pq.read_table(source, columns=["customer_id"])["customer_id"].to_pylist()
    copied_matches = sum(customers[c] for c in copied if c is not None)
    second = run_update(load_pipeline(settings, root), full_refresh=False)
    assert 0 < second.datasets[0].written_rows == copied_matches
    assert DeltaStore(root / "mine").read("known_orders").num_rows == matches + copied_matches


ONE_STREAM_SQL = """
CREATE OR REFRESH STREAMING TABLE arrivals
AS SELECT CAST(order_id AS BIGINT) AS id
FROM STREAM read_files('${landing_path}/orders', format => '${landing_format}');
"""
SECOND_STREAM_SQL = """
UNION ALL SELECT CAST(order_item_id AS BIGINT) AS id
FROM STREAM read_files('${landing_path}/order_items', format => '${landing_format}');
"""


def test_a_stream_source_added_later_is_read_from_its_first_file(tmp_path: Path) -> None:
    """The stored progress knows the first source only: the second one starts empty."""
    root = make_landing(tmp_path)
    settings = write_sql_pipeline(
        root / "my_pipeline", ONE_STREAM_SQL, "name: mine\nsql: sql\ntables: mine\n"
    )
    orders = len(landing_column(root, "orders", "order_id"))
    assert run_update(load_pipeline(settings, root)).datasets[0].written_rows == orders
    sql = settings.parent / "sql" / "pipeline.sql"
    sql.write_text(ONE_STREAM_SQL.rstrip().rstrip(";") + SECOND_STREAM_SQL)
    items = len(landing_column(root, "order_items", "order_item_id"))
    second = run_update(load_pipeline(settings, root), full_refresh=False)
    assert second.datasets[0].written_rows == items  # no order read twice
    assert DeltaStore(root / "mine").read("arrivals").num_rows == orders + items


def test_a_stream_of_an_empty_folder_is_an_error_naming_the_line(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    (root / "landing" / "empty").mkdir()
    sql = ONE_STREAM_SQL.replace("/orders'", "/empty'")
    settings = write_sql_pipeline(root / "my_pipeline", sql, "name: mine\nsql: sql\n")
    with pytest.raises(DefinitionError) as caught:
        run_update(load_pipeline(settings, root))
    where = settings.parent / "sql" / "pipeline.sql"
    assert str(caught.value) == (
        f"{where}:2: 'arrivals' reads no files: nothing at {root / 'landing' / 'empty'}"
    )
