"""The built-in retail pipeline end to end on the embedded engine.

Expectation counts are checked against the generator's ground truth (for several seeds
and defect rates, 0 included), rows are conserved, and the gold tables add up what silver
holds (test_gold_from_landing recomputes them from the landing files alone).
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.datasets import builtin_settings_path, dataset_folder
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.report.ground_truth import expected_failures, load_ground_truth
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import ENGINE_FACTORIES, make_landing, run_update

CAUGHT_BY = load_ground_truth(dataset_folder() / "ground_truth.yaml")
KEYS = {"silver_customers": "customer_id", "silver_products": "product_id",
        "silver_orders": "order_id", "silver_order_items": "order_item_id"}  # fmt: skip


def run(root: Path, engine: EngineName = EngineName.DUCKDB, full: bool = False) -> UpdateResult:
    pipeline = load_pipeline(builtin_settings_path(), root)
    return run_update(pipeline, full, ENGINE_FACTORIES[engine]())


def manifest(root: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((root / "landing" / "_manifest.json").read_text())
    return document


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_landing(tmp_path_factory.mktemp("retail"))
    run(root)
    return root


def tables(root: Path) -> DeltaStore:
    return DeltaStore(root / "tables")


@pytest.mark.parametrize(("seed", "defect_scale"), [(3, 1.0), (11, 2.5), (5, 0.0)])
def test_expectation_counts_equal_the_ground_truth(
    tmp_path: Path, engine_name: EngineName, seed: int, defect_scale: float
) -> None:
    root = make_landing(tmp_path, seed=seed, defect_scale=defect_scale)
    update = run(root, engine_name)
    expected_failed = expected_failures(CAUGHT_BY, manifest(root))
    seen = set()
    for result in update.datasets:
        for expectation in result.expectations:
            expected = expected_failed(result.name, expectation.name)
            assert expectation.failed_records == expected, (result.name, expectation.name)
            seen.add((result.name, expectation.name))
    assert set(CAUGHT_BY) <= seen
    if defect_scale == 0:
        assert all(r.quarantined_rows == 0 for r in update.datasets)


def test_quarantined_keys_are_the_injected_ones(lakehouse: Path) -> None:
    truth = manifest(lakehouse)["tables"]
    store = tables(lakehouse)
    for dataset, key in KEYS.items():
        quarantine = store.read(f"{dataset}_quarantine").to_pylist()
        for (name, expectation), (table, defect) in CAUGHT_BY.items():
            if name != dataset:
                continue
            ids = sorted(r[key] for r in quarantine if expectation in r["_failed_expectations"])
            expected = truth[table]["defects"][defect]["ids"]
            if defect.startswith("null_") and key == defect.removeprefix("null_"):
                continue  # a null key has no id to compare
            assert ids == expected, (dataset, expectation)


def test_rows_are_conserved(lakehouse: Path) -> None:
    update = run(lakehouse, full=True)
    for result in update.datasets:
        assert result.input_rows == result.written_rows + result.quarantined_rows, result.name
    store = tables(lakehouse)
    for name in KEYS:
        result = next(r for r in update.datasets if r.name == name)
        assert store.read(name).num_rows == result.written_rows
        assert store.read(f"{name}_quarantine").num_rows == result.quarantined_rows


def test_second_run_without_new_files_appends_nothing(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    run(root)
    store = tables(root)
    before = {name: store.version(name).version for name in ("bronze_orders", "bronze_customers")}
    rows = store.read("bronze_orders").num_rows
    update = run(root)
    bronze = [r for r in update.datasets if r.name.startswith("bronze_")]
    assert all(r.input_rows == 0 and r.written_rows == 0 for r in bronze)
    assert {n: store.version(n).version for n in before} == before
    assert store.read("bronze_orders").num_rows == rows


def test_new_landing_files_are_appended(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    run(root)
    extra = root / "landing" / "orders" / "part-99999.parquet"
    (first,) = sorted((root / "landing" / "orders").iterdir())
    ids = pq.read_table(first)["order_id"].to_pylist()
    extra.write_bytes(first.read_bytes())
    update = run(root)
    bronze_orders = next(r for r in update.datasets if r.name == "bronze_orders")
    assert bronze_orders.written_rows == len(ids)
    assert tables(root).read("bronze_orders").num_rows == 2 * len(ids)
    silver = next(r for r in update.datasets if r.name == "silver_orders")
    unique = next(e for e in silver.expectations if e.name == "unique_order_id")
    duplicates = manifest(root)["tables"]["orders"]["defects"]["duplicate_order"]["count"]
    assert len(ids) - len(set(ids)) == duplicates
    # every copied order is now a duplicate key too: all rows but the first of each key
    assert unique.failed_records == 2 * len(ids) - len(set(ids)) == len(ids) + duplicates


def _money(values: list[Any]) -> Decimal:
    return sum((Decimal(str(v)) for v in values if v is not None), Decimal(0))


def test_gold_adds_up_the_silver_tables(lakehouse: Path) -> None:
    store = tables(lakehouse)
    orders = store.read("silver_orders")
    items = store.read("silver_order_items")
    counted = orders.filter(
        pc.invert(pc.is_in(orders["status"], pa.array(["cancelled", "returned"])))
    )
    counted_ids = set(counted["order_id"].to_pylist())
    lines = [r for r in items.to_pylist() if r["order_id"] in counted_ids]
    revenue = _money([r["line_total"] for r in lines])
    daily = store.read("gold_daily_sales_summary")
    assert _money(daily["total_revenue"].to_pylist()) == revenue
    assert sum(daily["total_orders"].to_pylist()) == len({r["order_id"] for r in lines})
    for table, column in (("gold_customer_lifetime_value", "lifetime_value"),
                          ("gold_product_performance", "total_revenue"),
                          ("gold_category_performance", "total_revenue")):  # fmt: skip
        assert _money(store.read(table)[column].to_pylist()) == revenue, table
    per_product: dict[int, int] = {}
    for r in lines:
        per_product[r["product_id"]] = per_product.get(r["product_id"], 0) + r["quantity"]
    performance = {r["product_id"]: r for r in store.read("gold_product_performance").to_pylist()}
    for product, units in per_product.items():
        assert performance[product]["total_units_sold"] == units
    for customer in store.read("gold_customer_lifetime_value").to_pylist():
        if customer["total_orders"]:  # half up to the cent, exactly (not a float's rounding)
            mean = customer["lifetime_value"] / customer["total_orders"]
            assert customer["avg_order_value"] == mean.quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_bronze_has_the_landing_columns_plus_ingestion_metadata(lakehouse: Path) -> None:
    import pyarrow.parquet as pq

    landing = pq.read_schema(next((lakehouse / "landing" / "orders").iterdir())).names
    bronze = tables(lakehouse).read("bronze_orders")
    assert bronze.column_names == [*landing, "_ingested_at", "_source_file"]
    assert bronze.schema.field("_source_file").type == pa.string()  # not DuckDB's ENUM
    files = set(bronze["_source_file"].to_pylist())
    assert files == {str(p) for p in (lakehouse / "landing" / "orders").iterdir()}


def test_event_log_records_every_flow(lakehouse: Path) -> None:
    log = tables(lakehouse).read("event_log").to_pylist()
    flows = [e for e in log if e["event_type"] == "flow_progress"]
    assert {e["dataset_name"] for e in flows} >= {
        "bronze_orders",
        "silver_orders",
        "gold_daily_sales_summary",
    }
    silver = next(e for e in flows if e["dataset_name"] == "silver_order_items")
    details = json.loads(silver["details"])["flow_progress"]
    assert details["data_quality"]["expectations"] == silver["expectations"]
    # a row carries at most one defect, and each is caught by one expectation
    injected = manifest(lakehouse)["tables"]["order_items"]["defects"].values()
    assert details["data_quality"]["dropped_records"] == silver["rows_quarantined"]
    assert silver["rows_quarantined"] == sum(d["count"] for d in injected) > 0
    assert any(e["event_type"] == "update_progress" and e["status"] == "COMPLETED" for e in log)


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("gold_daily_sales_summary", ["order_date"]),
        ("gold_product_performance", ["category", "product_id"]),
    ],
)
def test_cluster_by_and_zorder_property_cluster_the_files_they_write(
    lakehouse: Path, table: str, columns: list[str]
) -> None:
    """In the commit that writes them, as Databricks' liquid clustering does: no OPTIMIZE."""
    store = tables(lakehouse)
    operations = [str(e.get("operation", "")).upper() for e in store.history(table)]
    assert "OPTIMIZE" not in operations
    files = store.files(table).files
    assert files
    for file in files:
        keys = [tuple(row.values()) for row in pq.read_table(file, columns=columns).to_pylist()]
        assert keys == sorted(keys) and len(keys) > 1


def test_landing_formats_give_the_same_silver(tmp_path: Path) -> None:
    counts = {}
    for fmt in ("parquet", "jsonl", "csv"):
        root = make_landing(tmp_path / fmt, output_format=fmt)
        update = run(root)
        counts[fmt] = {r.name: (r.written_rows, r.quarantined_rows) for r in update.datasets}
        silver = tables(root).read("silver_orders")
        assert silver.schema.field("order_ts").type == pa.timestamp("us", tz="UTC")
        assert pa.types.is_decimal(silver.schema.field("shipping_cost").type)
    assert counts["parquet"] == counts["jsonl"] == counts["csv"]


def test_layers_come_from_the_quality_property(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    update = run_update(load_pipeline(builtin_settings_path(), root))
    layers = {d.name: d.layer for d in update.datasets}
    assert {layers[name] for name in KEYS} == {"silver"}
    assert layers["bronze_orders"] == "bronze" and layers["gold_daily_sales_summary"] == "gold"
    assert layers["revenue_lines"] == "other"  # a temporary view: no table properties
