"""What a retail lakehouse must hold after any sequence of commands, crashes included,
checked from its files (the manifest, the Delta tables, the event log) with pyarrow alone.

- Bronze rows = landing rows, table by table.
- Silver + quarantine = bronze, table by table.
- Each expectation failed exactly the manifest's count of the defect it catches, as the
  latest completed update that computed its dataset counted it (an up-to-date dataset is
  not counted again).
- The four gold tables agree on revenue, units and orders.
- No journal and no staging folder is left behind.

:func:`table_signatures` fingerprints every table's rows (without the columns that change
from one update to the next), to tell whether a set of tables is all at one state.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.datasets import dataset_folder
from retail_lakehouse.pipeline.event_log import found_up_to_date
from retail_lakehouse.report.ground_truth import expected_failures, load_ground_truth
from retail_lakehouse.storage.delta import DeltaStore

# differ between two updates of the same data, or two copies of one lakehouse
VOLATILE = ("_ingested_at", "_update_id", "_source_file")
SILVER = ("customers", "products", "orders", "order_items")


def check_lakehouse(root: Path) -> list[str]:
    """Every invariant the lakehouse breaks, one line each (none: consistent)."""
    lakehouse = Lakehouse(root)
    store = DeltaStore(lakehouse.tables)
    manifest: dict[str, Any] = json.loads(lakehouse.manifest.read_text(encoding="utf-8"))
    problems = check_consistency(root)
    problems += _bronze_equals_landing(store, manifest)
    problems += _expectations_equal_the_manifest(store, manifest)
    return problems


def check_consistency(root: Path) -> list[str]:
    """What holds whatever landing zone the tables were computed from: nothing left
    behind, silver + quarantine = bronze, the gold tables agree."""
    lakehouse = Lakehouse(root)
    store = DeltaStore(lakehouse.tables)
    return _leftovers(lakehouse) + _silver_and_quarantine_equal_bronze(store) + _gold_agrees(store)


def _leftovers(lakehouse: Lakehouse) -> list[str]:
    found = [lakehouse.update_journal, lakehouse.landing_journal]
    found += list(lakehouse.root.glob(".landing.*")) + list(lakehouse.tables.glob(".*.files-*"))
    return [f"left behind: {path}" for path in found if path.exists()]


def _bronze_equals_landing(store: DeltaStore, manifest: dict[str, Any]) -> list[str]:
    """Every landing table's rows in its bronze table, and every change feed's in its own
    when the pipeline ingests it."""
    problems = []
    landed = {table: entry["rows"] for table, entry in manifest["tables"].items()}
    feeds = manifest.get("feeds") or {}
    landed |= {f: e["rows"] for f, e in feeds.items() if store.exists(f"bronze_{f}")}
    for table, expected in landed.items():
        rows = store.read(f"bronze_{table}").num_rows
        if rows != expected:
            problems.append(f"bronze_{table}: {rows:,} rows for {expected:,} landing rows")
    return problems


def _silver_and_quarantine_equal_bronze(store: DeltaStore) -> list[str]:
    problems = []
    for table in SILVER:
        kept = store.read(f"silver_{table}").num_rows
        dropped = store.read(f"silver_{table}_quarantine").num_rows
        bronze = store.read(f"bronze_{table}").num_rows
        if kept + dropped != bronze:
            problems.append(f"silver_{table}: {kept:,} + {dropped:,} quarantined != {bronze:,}")
    return problems


def _expectations_equal_the_manifest(store: DeltaStore, manifest: dict[str, Any]) -> list[str]:
    events = sorted(store.read("event_log").to_pylist(), key=lambda e: e["timestamp"])
    updates = [e for e in events if e["event_type"] == "update_progress"]
    completed = {e["update_id"] for e in updates if e["status"] == "COMPLETED"}
    if not completed:
        return ["the event log has no completed update"]
    expected = expected_failures(
        load_ground_truth(dataset_folder() / "ground_truth.yaml"), manifest
    )
    checked: dict[str, dict[str, Any]] = {}  # dataset -> the last completed flow computing it
    flows = [e for e in events if e["event_type"] == "flow_progress"]
    for event in flows:
        if event["update_id"] in completed and not found_up_to_date(event):
            checked[event["dataset_name"]] = event
    problems = []
    for event in checked.values():
        for e in event["expectations"]:
            want = expected(e["dataset"], e["name"])
            if e["failed_records"] != want:
                problems.append(
                    f"{e['dataset']}.{e['name']}: failed {e['failed_records']}, manifest {want}"
                )
    return problems


def _gold_agrees(store: DeltaStore) -> list[str]:
    daily = store.read("gold_daily_sales_summary")
    clv = store.read("gold_customer_lifetime_value")
    products = store.read("gold_product_performance")
    categories = store.read("gold_category_performance")
    revenue = {
        "daily": _sum(daily, "total_revenue"),
        "customers": _sum(clv, "lifetime_value"),
        "products": _sum(products, "total_revenue"),
        "categories": _sum(categories, "total_revenue"),
    }
    units = {
        "products": _sum(products, "total_units_sold"),
        "categories": _sum(categories, "total_units_sold"),
    }
    orders = {"daily": _sum(daily, "total_orders"), "customers": _sum(clv, "total_orders")}
    return [
        f"gold {what} disagree: {values}"
        for what, values in (("revenue", revenue), ("units", units), ("orders", orders))
        if len(set(values.values())) != 1
    ]


def _sum(table: pa.Table, column: str) -> Decimal:
    return sum((Decimal(str(v)) for v in table[column].to_pylist() if v is not None), Decimal(0))


def table_signatures(root: Path) -> dict[str, str]:
    """Each table's rows, volatile columns left out, as one hash (order-free)."""
    store = DeltaStore(Lakehouse(root).tables)
    signatures = {}
    for name in store.list_tables():
        if name == "event_log":
            continue
        data = store.read(name)
        data = data.drop_columns([c for c in VOLATILE if c in data.column_names])
        rows = sorted(repr(sorted(row.items())) for row in data.to_pylist())
        signatures[name] = hashlib.blake2b("\n".join(rows).encode(), digest_size=16).hexdigest()
    return signatures
