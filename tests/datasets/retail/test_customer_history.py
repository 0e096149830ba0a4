"""The built-in customer history (SCD type 2 from the ``customers_cdc`` feed): after days
appended and processed one update each, it is the plain-Python reference applied to the
feed's files, and gold shows each customer's current loyalty tier."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from retail_lakehouse.generate.runner import GenerateOptions
from retail_lakehouse.storage.delta import DeltaStore
from tests.datasets.retail.conftest import updated_day_by_day
from tests.pipeline import cdc_reference

COLUMNS = ["customer_id", "first_name", "last_name", "email", "country", "city", "loyalty_tier"]
DAYS = 10
SCALE = 0.2  # 20,000 customers: enough for every kind of change within a few days


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    options = GenerateOptions(scale=SCALE, lakehouse=root, workers=1, parallelism="threads")
    return updated_day_by_day(options, DAYS)


def feed_events(root: Path) -> list[dict[str, Any]]:
    """The feed's records in the reference's terms: key ``k``, ``op``, ``seq``."""
    rows = ds.dataset(root / "landing" / "customers_cdc", format="parquet").to_table().to_pylist()
    return [
        {**{c: r[c] for c in COLUMNS}, "k": r["customer_id"], "op": r["operation"],
         "seq": (r["sequence_ts"], r["sequence_no"])}
        for r in rows
    ]  # fmt: skip


def as_tuple(sequence: dict[str, Any] | None) -> tuple[Any, ...] | None:
    return None if sequence is None else (sequence["sequence_ts"], sequence["sequence_no"])


def test_the_history_is_the_feed_applied_in_sequence_order(lakehouse: Path) -> None:
    events = feed_events(lakehouse)
    assert {e["op"] for e in events} == {"INSERT", "UPDATE", "DELETE"}
    manifest = json.loads((lakehouse / "landing" / "_manifest.json").read_text())
    defects = manifest["feeds"]["customers_cdc"]["defects"]
    assert defects["out_of_order_change"]["count"] > 0 and defects["duplicate_change"]["count"] > 0
    expected = cdc_reference.scd2(events, COLUMNS, ("loyalty_tier", "city"))
    stored = DeltaStore(lakehouse / "tables").read("silver_customers_history").to_pylist()
    found = Counter(
        (*(r[c] for c in COLUMNS), as_tuple(r["__START_AT"]), as_tuple(r["__END_AT"]))
        for r in stored
    )
    assert found == Counter(
        (*(r[c] for c in COLUMNS), r["__START_AT"], r["__END_AT"]) for r in expected
    )
    assert sum(r["__END_AT"] is not None for r in expected) > 0  # some versions closed


def test_gold_shows_each_customers_current_tier(lakehouse: Path) -> None:
    events = feed_events(lakehouse)
    current = {
        r["customer_id"]: r["loyalty_tier"]
        for r in cdc_reference.scd2(events, COLUMNS, ("loyalty_tier", "city"))
        if r["__END_AT"] is None
    }
    gold = DeltaStore(lakehouse / "tables").read("gold_customer_lifetime_value").to_pylist()
    shown = {r["customer_id"]: r["loyalty_tier"] for r in gold if r["customer_id"] in current}
    assert shown and shown == {k: current[k] for k in shown}
