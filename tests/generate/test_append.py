"""Appended days: new files only, ids after the last, timestamps inside their day, foreign
keys valid except where a defect is recorded, and the manifest equal to a recount of the
files. Everything is read back from the files and checked against rules, not against
what the generator computed."""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.generate.landing import recover_landing
from retail_lakehouse.generate.manifest import defect_ids
from retail_lakehouse.generate.spec import DatasetSpec
from tests.generate.appended import (
    BASE_ROWS,
    Landing,
    Row,
    append,
    day_bounds,
    files_of,
    manifest_of,
    read_landing,
)
from tests.generate.conftest import DAYS, copy_landing

TABLE_KEYS = {"customers": "customer_id", "products": "product_id", "orders": "order_id",
              "order_items": "order_item_id"}  # fmt: skip
# child table, its foreign key, the parent it references: the rows past a parent's base
# rows that the base's orphans may name, which appended ids skip
ORPHANS = {"customers": ("orders", "customer_id"), "products": ("order_items", "product_id"),
           "orders": ("order_items", "order_id")}  # fmt: skip


@pytest.fixture(scope="module")
def landing(busy_landing: Landing) -> Landing:
    """The session's busy landing zone with days (``tests.generate.conftest``): read only."""
    return busy_landing


@settings(max_examples=4, deadline=None)
@given(cuts=st.sets(st.integers(min_value=1, max_value=DAYS - 1), max_size=DAYS - 1),
       block_rows=st.sampled_from([17, 1 << 18]))  # fmt: skip
def test_days_appended_in_any_split_are_the_same_bytes(
    busy_spec: DatasetSpec, busy_base: Path, landing: Landing, cuts: set[int], block_rows: int
) -> None:
    """The days of ``landing`` (appended at once) appended day by day, or 1 + 3, or any
    split, in blocks of any size, to a copy of the same base."""
    bounds = [0, *sorted(cuts), DAYS]
    with tempfile.TemporaryDirectory() as folder:
        root = copy_landing(busy_base, Path(folder) / "lakehouse")
        for first, last in itertools.pairwise(bounds):
            append(busy_spec, root, last - first, block_rows=block_rows)
        if block_rows == 17:  # other part files, the same rows
            assert _rows_by_table(root) == _rows_by_table(landing.root)
        else:
            assert files_of(root / "landing") == files_of(landing.root / "landing")


def _rows_by_table(root: Path) -> dict[str, list[Row]]:
    found = read_landing(root)
    return {folder: found.all_rows(folder) for folder in found.rows}


def test_the_generation_and_the_base_files_stay_as_they_were(
    busy_spec: DatasetSpec, busy_base_copy: Path
) -> None:
    root = busy_base_copy
    before = files_of(root / "landing")
    generation = manifest_of(root)["generation"]
    append(busy_spec, root, 1)
    after = files_of(root / "landing")
    kept = {n: b for n, b in before.items() if not n.startswith("_manifest")}
    assert {n: after[n] for n in kept} == kept
    assert manifest_of(root)["generation"] == generation
    new = sorted(set(after) - set(before))
    assert all("part-batch-00001-" in n or n.startswith("_manifest_ids") for n in new), new
    for folder in ("customers", "orders", "order_items"):
        names = sorted(n for n in after if n.startswith(f"{folder}/"))
        assert names[-1].startswith(f"{folder}/part-batch-00001-")  # sorts after the base


def test_ids_continue_after_the_base_and_its_orphan_keys(landing: Landing) -> None:
    """Row i of the appended rows has id next + i, or repeats the id before it (a duplicate
    row); no id of a day is another day's or the base's."""
    for table, key in TABLE_KEYS.items():
        child, _ = ORPHANS.get(table, (None, None))
        reserved = BASE_ROWS[child] if child else 0
        first = BASE_ROWS[table] + reserved + 1
        appended = [r[key] for b in range(1, DAYS + 1) for r in landing.rows[table].get(b, [])]
        for index, value in enumerate(appended):
            assert value == first + index or value == appended[index - 1], (table, index)
        seen = {r[key] for r in landing.rows[table][0]}
        for batch in range(1, DAYS + 1):
            ids = {r[key] for r in landing.rows[table].get(batch, [])}
            assert not ids & seen, (table, batch)
            seen |= ids


def test_timestamps_fall_within_their_day(landing: Landing) -> None:
    drawn = {"customers": "signup_ts", "products": "created_ts", "orders": "order_ts"}
    for batch, day in landing.days.items():
        start, end = day_bounds(day)
        for table, column in drawn.items():
            for row in landing.rows.get(table, {}).get(batch, []):
                assert start <= row[column] < end, (table, row)


def _ids(manifest: dict[str, Any], batch: int, table: str) -> dict[str, list[int]]:
    entry = manifest["arrivals"]["batches"][batch - 1]["tables"][table]
    return {name: d["ids"] for name, d in entry["defects"].items()}


def _duplicated(rows: list[Row], key: str) -> list[int]:
    return sorted(k for k, n in Counter(r[key] for r in rows).items() if n > 1)


def test_defects_of_the_entity_tables_recount(landing: Landing) -> None:
    manifest = manifest_of(landing.root)
    for batch in landing.days:
        customers = landing.rows["customers"].get(batch, [])
        assert _ids(manifest, batch, "customers") == {
            "malformed_email": sorted(r["customer_id"] for r in customers
                                      if r["email"] is not None and "@" not in r["email"]),
            "null_email": sorted(r["customer_id"] for r in customers if r["email"] is None),
            "duplicate_customer": _duplicated(customers, "customer_id"),
        }  # fmt: skip
        products = landing.rows["products"].get(batch, [])
        assert _ids(manifest, batch, "products") == {
            "non_positive_price": sorted(r["product_id"] for r in products
                                         if r["list_price"] <= 0),
            "null_product_name": sorted(r["product_id"] for r in products
                                        if r["product_name"] is None),
            "duplicate_product": _duplicated(products, "product_id"),
        }  # fmt: skip


def test_defects_of_orders_recount_and_other_orders_have_live_customers(landing: Landing) -> None:
    manifest = manifest_of(landing.root)
    known = {r["customer_id"] for r in landing.all_rows("customers")}
    for batch, day in landing.days.items():
        orders = landing.rows["orders"][batch]
        _, end = day_bounds(day)
        deleted = _deleted(landing, "customers", "customer_id", end)
        recount = {
            "missing_customer": sorted(r["order_id"] for r in orders if r["customer_id"]
                                       is not None and r["customer_id"] not in known),
            "null_customer_id": sorted(r["order_id"] for r in orders if r["customer_id"] is None),
            "shipped_before_order": sorted(r["order_id"] for r in orders if r["shipped_ts"]
                                           is not None and r["shipped_ts"] < r["order_ts"]),
            "duplicate_order": _duplicated(orders, "order_id"),
        }  # fmt: skip
        assert _ids(manifest, batch, "orders") == recount
        flagged = {i for ids in recount.values() for i in ids}
        signups = {r["customer_id"]: r["signup_ts"] for r in landing.all_rows("customers")}
        for order in orders:
            if order["order_id"] not in flagged:
                assert order["customer_id"] not in deleted
                assert signups[order["customer_id"]] < order["order_ts"]


def test_defects_of_items_recount_and_other_items_have_active_products(landing: Landing) -> None:
    manifest = manifest_of(landing.root)
    orders = {r["order_id"] for r in landing.all_rows("orders")}
    products = {r["product_id"] for r in landing.all_rows("products")}
    for batch, day in landing.days.items():
        items = landing.rows["order_items"][batch]
        _, end = day_bounds(day)
        active = _active_products(landing, end)
        deleted = _deleted(landing, "products", "product_id", end)
        recount = {
            "non_positive_quantity": sorted(r["order_item_id"] for r in items
                                            if r["quantity"] <= 0),
            "non_positive_price": sorted(r["order_item_id"] for r in items
                                         if r["unit_price"] <= 0),
            "missing_order": sorted(r["order_item_id"] for r in items
                                    if r["order_id"] not in orders),
            "missing_product": sorted(r["order_item_id"] for r in items if r["product_id"]
                                      is not None and r["product_id"] not in products),
            "inactive_product": sorted(r["order_item_id"] for r in items if r["product_id"]
                                       in products and not active[r["product_id"]]),
            "null_product_id": sorted(r["order_item_id"] for r in items
                                      if r["product_id"] is None),
            "duplicate_item": _duplicated(items, "order_item_id"),
        }  # fmt: skip
        assert _ids(manifest, batch, "order_items") == recount
        day_orders = {r["order_id"] for r in landing.rows["orders"][batch]}
        for item in items:
            assert item["product_id"] not in deleted
            if item["order_item_id"] not in recount["missing_order"]:
                assert item["order_id"] in day_orders  # the day's items cover the day's orders


def _deleted(landing: Landing, feed_of: str, key: str, before: Any) -> set[int]:
    feed = landing.all_rows(f"{feed_of}_cdc")
    return {r[key] for r in feed if r["operation"] == "DELETE" and r["sequence_ts"] < before}


def _active_products(landing: Landing, before: Any) -> dict[int, bool]:
    """is_active of each product by ``before``: its first row, then its feed's latest
    record dated before then."""
    active: dict[int, bool] = {}
    for row in landing.all_rows("products"):
        active.setdefault(row["product_id"], row["is_active"])
    records = [r for r in landing.all_rows("products_cdc") if r["sequence_ts"] < before]
    for record in sorted(records, key=lambda r: r["sequence_no"]):
        if record["operation"] != "DELETE":
            active[record["product_id"]] = record["is_active"]
    return active


def test_manifest_totals_are_the_base_and_every_batch(landing: Landing) -> None:
    manifest = manifest_of(landing.root)
    folder = landing.root / "landing"
    for table, entry in manifest["tables"].items():
        files = sorted(p.name for p in (folder / table).iterdir())
        assert entry["files"] == files
        assert entry["rows"] == pq.read_table(folder / table).num_rows
        for name, defect in entry["defects"].items():
            assert defect["count"] == len(defect["ids"])
            assert defect_ids(folder / "_manifest.json", table, name).tolist() == defect["ids"]
    for feed, entry in manifest["feeds"].items():
        assert entry["files"] == sorted(p.name for p in (folder / feed).iterdir())
        assert entry["rows"] == len(landing.all_rows(feed))
        assert sum(entry["operations"].values()) == entry["rows"]
    assert [b["batch"] for b in manifest["arrivals"]["batches"]] == list(range(1, DAYS + 1))
    assert {p.name for p in folder.glob("_manifest_ids*")} == {manifest["defect_ids"]}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_landing_zones_get_days_in_their_format(
    landing: Landing, text_landing: Callable[[str], Path], fmt: str
) -> None:
    """The same rows as the Parquet landing zone's days, file for file, in the zone's format."""
    root = text_landing(fmt)
    for folder, batches in landing.rows.items():
        for batch, rows in batches.items():
            if batch == 0:
                continue
            name = f"part-batch-{batch:05d}-00000.{fmt}"
            path = root / "landing" / folder / name
            read = pcsv.read_csv(path) if fmt == "csv" else pjson.read_json(path)
            assert read.column_names == list(rows[0])
            key = read.column_names[0]
            assert read.column(key).to_pylist() == [r[key] for r in rows]


def test_items_sell_at_the_price_their_product_had_when_the_day_began(landing: Landing) -> None:
    """A clean item's unit price is its product's list price at the start of its day (a
    reprice that day counts from the next), less its discount, to the cent."""
    manifest = manifest_of(landing.root)
    repriced = 0
    for batch, day in landing.days.items():
        start, _ = day_bounds(day)
        prices = _prices(landing, start)
        flagged = {i for ids in _ids(manifest, batch, "order_items").values() for i in ids}
        for item in landing.rows["order_items"][batch]:
            if item["order_item_id"] in flagged:
                continue
            price, first = prices[item["product_id"]]
            repriced += price != first
            assert abs(item["unit_price"] - price * (1 - item["discount"])) <= 0.005 + 1e-9
    assert repriced > 0  # the days do sell repriced products


def _prices(landing: Landing, before: Any) -> dict[int, tuple[float, float]]:
    """Each product's list price by ``before`` and as first written."""
    first: dict[int, float] = {}
    for row in landing.all_rows("products"):
        first.setdefault(row["product_id"], row["list_price"])
    latest = dict(first)
    records = [r for r in landing.all_rows("products_cdc") if r["sequence_ts"] < before]
    for record in sorted(records, key=lambda r: r["sequence_no"]):
        if record["operation"] != "DELETE":
            latest[record["product_id"]] = record["list_price"]
    return {key: (latest[key], first[key]) for key in first}


def test_recovery_removes_defect_id_files_the_manifest_does_not_name(
    busy_spec: DatasetSpec, busy_base_copy: Path
) -> None:
    """What an append killed while writing or replacing its ids file leaves behind."""
    append(busy_spec, busy_base_copy, 1)
    folder = busy_base_copy / "landing"
    named = manifest_of(busy_base_copy)["defect_ids"]
    strays = [folder / "_manifest_ids.parquet", folder / "._manifest_ids-batch-00002.parquet.tmp"]
    for stray in strays:
        stray.write_bytes(b"left behind")
    recover_landing(Lakehouse(busy_base_copy))
    assert sorted(p.name for p in folder.glob("*_manifest_ids*")) == [named]
