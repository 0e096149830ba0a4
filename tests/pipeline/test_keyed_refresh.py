"""Materialized views refreshed by key: after new files arrive, a view partitioned by a key
computes only the keys the new rows reach, and its table, quarantine and expectation
counts equal those of a full refresh over the same landing zone.

The landing files are written here, batch by batch, so each batch can bring what the
refresh must handle: new keys, a NULL key, a customer that makes an earlier order valid
(a quarantined row leaving the quarantine), a key seen before (its rows replaced), a
customer seen before (a view grouped by its key replaces that group)."""

from __future__ import annotations

import doctest
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retail_lakehouse.backends import EngineName
from retail_lakehouse.pipeline import keyed_refresh
from retail_lakehouse.pipeline.event_log import ROW_BASED
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.sql import key_partition
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import (
    ENGINE_FACTORIES,
    ENGINE_PARAMS,
    run_update,
    spy_on_comparisons,
    write_sql_pipeline,
)

PIPELINE_SQL = """
CREATE OR REFRESH STREAMING TABLE raw_orders
AS SELECT *, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/orders', format => 'parquet');

CREATE OR REFRESH STREAMING TABLE raw_customers
AS SELECT * FROM STREAM read_files('${landing_path}/customers', format => 'parquet');

CREATE OR REFRESH MATERIALIZED VIEW known_customers
AS SELECT customer_id, count(*) AS copies FROM raw_customers GROUP BY customer_id;

CREATE OR REFRESH MATERIALIZED VIEW clean_orders (
  CONSTRAINT has_id EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT known_customer EXPECT (_customer_found) ON VIOLATION DROP ROW,
  CONSTRAINT unique_id EXPECT (_rank = 1) ON VIOLATION DROP ROW,
  CONSTRAINT cheap EXPECT (cost < 12)
)
AS SELECT
  CAST(o.order_id AS BIGINT) AS order_id,
  o.customer_id,
  o.cost,
  c.customer_id IS NOT NULL AS _customer_found,
  CAST(row_number() OVER (
    PARTITION BY o.order_id ORDER BY o._source_file, o.customer_id, o.cost
  ) AS INT) AS _rank
FROM raw_orders AS o
LEFT JOIN known_customers AS c ON o.customer_id = c.customer_id;

CREATE OR REFRESH MATERIALIZED VIEW order_totals
AS SELECT count(*) AS orders, sum(cost) AS cost FROM clean_orders;

CREATE OR REFRESH MATERIALIZED VIEW customer_orders
AS SELECT c.customer_id, c.copies, coalesce(o.orders, 0) AS orders
FROM known_customers AS c
LEFT JOIN (
  SELECT customer_id, count(*) AS orders FROM clean_orders GROUP BY customer_id
) AS o ON o.customer_id = c.customer_id;
"""
VIEW, QUARANTINE = "clean_orders", "clean_orders_quarantine"
KNOWN, TOTALS = "known_customers", "order_totals"  # grouped by its key; over every row
PER_CUSTOMER = "customer_orders"  # driven by a view that may be rewritten
Order = tuple[int | None, int, float]  # order id, customer id, cost


def test_the_doctests_pass() -> None:
    assert doctest.testmod(keyed_refresh).failed == 0
    assert doctest.testmod(key_partition).failed == 0


def land(root: Path, batch: int, orders: list[Order], customers: list[int]) -> None:
    """One batch of landing files: orders, and customers when there are any."""
    for table, rows in (("orders", orders), ("customers", customers)):
        if not rows:
            continue
        folder = root / "landing" / table
        folder.mkdir(parents=True, exist_ok=True)
        if table == "orders":
            ids, customer_ids, costs = zip(*orders, strict=True)
            data = pa.table({
                "order_id": pa.array(ids, pa.int64()),
                "customer_id": pa.array(customer_ids, pa.int64()),
                "cost": pa.array(costs, pa.float64()),
            })  # fmt: skip
        else:
            data = pa.table({"customer_id": pa.array(customers, pa.int64())})
        pq.write_table(data, folder / f"batch-{batch:04d}.parquet")


def pipeline_settings(root: Path) -> Path:
    settings_text = "name: keyed\nsql: sql\ntables: keyed\n"
    return write_sql_pipeline(root / "pipeline", PIPELINE_SQL, settings_text)


def rows(root: Path, name: str) -> list[str]:
    """The table's rows as sorted JSON, without the update that quarantined them."""
    table = DeltaStore(root / "keyed").read(name)
    found = [{k: v for k, v in r.items() if k != "_update_id"} for r in table.to_pylist()]
    return sorted(json.dumps(r, default=str, sort_keys=True) for r in found)


def counts(result: UpdateResult) -> dict[str, tuple[int, int]]:
    view = next(d for d in result.datasets if d.name == VIEW)
    return {e.name: (e.failed_records, e.passed_records) for e in view.expectations}


def by_keys(root: Path, result: UpdateResult) -> set[str]:
    """The datasets the update's event log says were refreshed by key."""
    events = DeltaStore(root / "keyed").read("event_log").to_pylist()
    return {
        e["dataset_name"]
        for e in events
        if e["update_id"] == result.update_id
        and e["event_type"] == "flow_progress"
        and json.loads(e["details"])["flow_progress"].get("planning_information")
        == {"maintenance_type": ROW_BASED}
    }


def full_refresh_of(root: Path, copy: Path) -> tuple[dict[str, list[str]], UpdateResult]:
    """The view and its quarantine as one full refresh over ``root``'s landing zone gives
    them, and that update."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root / "landing", copy / "landing")
    result = run_update(load_pipeline(pipeline_settings(copy), copy), full_refresh=True)
    compared = (VIEW, QUARANTINE, KNOWN, TOTALS, PER_CUSTOMER)
    return {name: rows(copy, name) for name in compared}, result


BATCHES: list[tuple[list[Order], list[int]]] = [
    ([(1, 1, 5.0), (2, 1, 13.0), (2, 2, 7.0), (None, 3, 4.0), (5, 4, 3.0)], [1, 2, 3]),
    ([(6, 2, 2.0), (None, 1, 20.0), (7, 9, 1.0)], [4]),  # customer 4 makes order 5 valid
    ([(8, 3, 6.0)], [1]),  # customer 1 again: its group replaced, its orders looked up again
    ([(2, 3, 1.0), (9, 1, 1.0)], []),  # order 2 again: its rows replaced, the table rewritten
]


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
def test_new_keys_are_appended_and_equal_a_full_refresh(
    tmp_path: Path, engine_name: EngineName
) -> None:
    root = tmp_path / "daily"
    engine = ENGINE_FACTORIES[engine_name]()
    refreshed: list[set[str]] = []
    try:
        for number, (orders, customers) in enumerate(BATCHES):
            land(root, number, orders, customers)
            pipeline = load_pipeline(pipeline_settings(root), root)
            result = run_update(pipeline, engine=engine)
            refreshed.append(by_keys(root, result))
            expected, full = full_refresh_of(root, tmp_path / f"once-{number}")
            assert {name: rows(root, name) for name in expected} == expected, number
            assert counts(result) == counts(full), number
    finally:
        engine.close()
    keyed = {VIEW, KNOWN, PER_CUSTOMER}  # customer_orders: its driving view appended to,
    assert refreshed == [set(), keyed, keyed, {VIEW, PER_CUSTOMER}]  # rewritten, left alone
    store = DeltaStore(root / "keyed")
    modes = [entry["operationParameters"]["mode"] for entry in reversed(store.history(VIEW))]
    assert modes == ["ErrorIfExists", "Append", "Append", "Overwrite"]  # created, ..., replaced
    known = [entry["operationParameters"]["mode"] for entry in reversed(store.history(KNOWN))]
    assert known == ["ErrorIfExists", "Append", "Overwrite"]  # customer 4 new, customer 1 not
    quarantined = rows(root, QUARANTINE)
    assert not any('"order_id": 5' in row for row in quarantined)  # left the quarantine
    assert sum('"order_id": null' in row for row in quarantined) == 2


def test_a_refresh_by_key_appends_only_the_new_rows(tmp_path: Path) -> None:
    root = tmp_path / "daily"
    for number, (orders, customers) in enumerate(BATCHES[:3]):
        land(root, number, orders, customers)
        result = run_update(load_pipeline(pipeline_settings(root), root))
    view = next(d for d in result.datasets if d.name == VIEW)
    assert (view.input_rows, view.written_rows) == (1, 1)  # order 8 alone
    history = DeltaStore(root / "keyed").history(VIEW)
    assert history[0]["operation"] == "WRITE"
    assert history[0]["operationParameters"]["mode"] == "Append"


def test_a_view_over_a_view_refreshed_by_key_compares_its_keys_computed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Customer 1 again: known_customers is written again with that key computed again,
    and the two views that read it (clean_orders looks customers up in it, customer_orders
    is driven by it) compare the rows of that key alone."""
    compared = spy_on_comparisons(monkeypatch, KNOWN)
    root = tmp_path / "daily"
    for number, (orders, customers) in enumerate(BATCHES[:3]):
        land(root, number, orders, customers)
        result = run_update(load_pipeline(pipeline_settings(root), root))
    assert PER_CUSTOMER in by_keys(root, result)
    assert compared == [(("customer_id",), ("__key",))] * 2
    expected, _ = full_refresh_of(root, tmp_path / "once")
    assert rows(root, PER_CUSTOMER) == expected[PER_CUSTOMER]


def test_a_view_that_aggregates_over_every_row_is_computed_whole(tmp_path: Path) -> None:
    root = tmp_path / "daily"
    for number, (orders, customers) in enumerate(BATCHES[:2]):
        land(root, number, orders, customers)
        result = run_update(load_pipeline(pipeline_settings(root), root))
    assert by_keys(root, result) == {VIEW, KNOWN, PER_CUSTOMER}  # not the totals
    totals = next(d for d in result.datasets if d.name == TOTALS)
    assert totals.written_rows == 1 and not totals.by_keys


orders_strategy = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(1, 12)),
        st.integers(1, 6),
        st.sampled_from([1.0, 5.0, 15.0]),
    ),
    max_size=6,
)
batches_strategy = st.lists(
    st.tuples(orders_strategy, st.lists(st.integers(1, 6), max_size=3)), min_size=2, max_size=4
)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=batches_strategy)
def test_updates_batch_by_batch_equal_one_full_refresh(
    tmp_path_factory: pytest.TempPathFactory, batches: list[tuple[list[Order], list[int]]]
) -> None:
    folder = tmp_path_factory.mktemp("keyed")
    root = folder / "daily"
    batches = [([(1, 1, 1.0)], [1]), *batches]  # the tables exist from the first update on
    computed: dict[str, tuple[int, int]] = {}  # by the last update that computed the view
    for number, (orders, customers) in enumerate(batches):
        land(root, number, orders, customers)
        result = run_update(load_pipeline(pipeline_settings(root), root))
        computed = counts(result) or computed
    expected, full = full_refresh_of(root, folder / "once")
    assert {name: rows(root, name) for name in expected} == expected
    assert computed == counts(full)
