"""The built-in current products (SCD type 1 from the ``products_cdc`` feed): after days
appended and processed one update each, they are the plain-Python reference applied to the
feed's files, and gold shows each product's current list price (NULL once deleted)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from retail_lakehouse.generate.runner import GenerateOptions
from retail_lakehouse.storage.delta import DeltaStore
from tests.datasets.retail.conftest import updated_day_by_day
from tests.pipeline import cdc_reference
from tests.pipeline.conftest import SMALL

COLUMNS = ["product_id", "product_name", "category", "list_price", "is_active"]
DAYS = 8
# The products at their scale-1 count, the rest small: about one delete and one
# out-of-order change a day, with the spec's rates.
ROWS = {**SMALL, "products": 10_000}


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("products")
    options = GenerateOptions(lakehouse=root, rows=ROWS, workers=1, parallelism="threads")
    return updated_day_by_day(options, DAYS)


def feed_rows(root: Path) -> list[dict[str, Any]]:
    """The feed's records in the order they landed: file by file, row by row."""
    files = sorted(str(p) for p in (root / "landing" / "products_cdc").glob("*.parquet"))
    rows: list[dict[str, Any]] = ds.dataset(files, format="parquet").to_table().to_pylist()
    return rows


def feed_events(root: Path) -> list[dict[str, Any]]:
    """The feed's records in the reference's terms: key ``k``, ``op``, ``seq``."""
    return [
        {**{c: r[c] for c in COLUMNS}, "k": r["product_id"], "op": r["operation"],
         "seq": (r["sequence_ts"], r["sequence_no"])}
        for r in feed_rows(root)
    ]  # fmt: skip


def current_products(root: Path) -> dict[int, dict[str, Any]]:
    """The reference's SCD type 1 state of the feed, by product id."""
    return {r["product_id"]: r for r in cdc_reference.scd1(feed_events(root), COLUMNS)}


def feed_defects(root: Path) -> dict[str, Any]:
    manifest = json.loads((root / "landing" / "_manifest.json").read_text())
    defects: dict[str, Any] = manifest["feeds"]["products_cdc"]["defects"]
    return defects


def test_the_feed_reprices_retires_deletes_and_arrives_out_of_order(lakehouse: Path) -> None:
    """What the other tests rely on: the feed exercises every path of SCD type 1."""
    rows = feed_rows(lakehouse)
    assert {r["operation"] for r in rows} == {"INSERT", "UPDATE", "DELETE"}
    defects = feed_defects(lakehouse)
    assert defects["out_of_order_change"]["count"] > 0 and defects["duplicate_change"]["count"] > 0
    inserted = {r["product_id"]: r for r in rows if r["operation"] == "INSERT"}
    current = current_products(lakehouse)
    assert any(r["list_price"] != inserted[k]["list_price"] for k, r in current.items())
    assert any(not r["is_active"] and inserted[k]["is_active"] for k, r in current.items())
    # the last record to land is not the latest change for some out-of-order key
    late = set(defects["out_of_order_change"]["keys"])
    last_landed = {r["product_id"]: r for r in rows if r["product_id"] in late}
    assert any(
        k in current and last_landed[k]["list_price"] != current[k]["list_price"] for k in late
    )


def test_the_current_products_are_the_feed_applied_in_sequence_order(lakehouse: Path) -> None:
    expected = current_products(lakehouse)
    stored = DeltaStore(lakehouse / "tables").read("silver_products_current")
    assert stored.column_names == COLUMNS  # the feed's metadata columns left out
    found = stored.to_pylist()
    assert len({r["product_id"] for r in found}) == len(found)  # one row per product
    assert {r["product_id"]: r for r in found} == expected
    deleted = {r["product_id"] for r in feed_rows(lakehouse) if r["operation"] == "DELETE"}
    assert deleted and not deleted & expected.keys()  # no product came back after its delete


def cents(price: float) -> Decimal:
    """The feed's price as a DECIMAL(12, 2) holds it."""
    return Decimal(str(price)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_gold_shows_each_products_current_list_price(lakehouse: Path) -> None:
    current = current_products(lakehouse)
    store = DeltaStore(lakehouse / "tables")
    gold = store.read("gold_product_performance").to_pylist()
    silver = store.read("silver_products").to_pylist()
    assert sorted(r["product_id"] for r in gold) == sorted(r["product_id"] for r in silver)
    shown = {r["product_id"]: r["current_list_price"] for r in gold}
    assert shown == {k: cents(current[k]["list_price"]) if k in current else None for k in shown}
    assert None in shown.values()  # a product the feed deleted keeps its row and sales
    listed = {r["product_id"]: r["list_price"] for r in silver}
    assert any(price is not None and price != listed[k] for k, price in shown.items())
