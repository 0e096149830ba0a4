"""The lakehouse invariants count each expectation as the last update that computed its
dataset did: an update that found the dataset up to date does not hide those counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from benchmarks.invariants import check_lakehouse

from retail_lakehouse.cli.main import main
from retail_lakehouse.pipeline.event_log import events_table
from retail_lakehouse.pipeline.results import DatasetResult, ExpectationResult, UpdateResult
from retail_lakehouse.storage.delta import DeltaStore

SMALL = ["--scale", "0.01", "--workers", "1"]


def retail_run(root: Path) -> int:
    return main(["run", "--lakehouse", str(root), *SMALL])


def test_counts_of_an_up_to_date_dataset_are_those_that_computed_it(tmp_path: Path) -> None:
    root = tmp_path / "lakehouse"
    assert retail_run(root) == 0
    store = DeltaStore(root / "tables")
    first = store.read("event_log").to_pylist()
    computed = next(e for e in first if e["dataset_name"] == "silver_orders" and e["expectations"])
    assert retail_run(root) == 0  # nothing new: silver_orders is up to date
    assert check_lakehouse(root) == []
    # a later update that miscounted silver_orders is what the check reads from then on
    now = datetime.now(UTC)
    miscounted = tuple(
        ExpectationResult(e["name"], e["dataset"], "drop", e["passed_records"] - 1,
                          e["failed_records"] + 1)
        for e in computed["expectations"]
    )  # fmt: skip
    update = UpdateResult("miscounted", "retail", now)
    update.datasets.append(DatasetResult(
        "silver_orders", "materialized_view", "silver", 0, 0, 0, miscounted, 0.1, now, now
    ))  # fmt: skip
    store.write("event_log", events_table(update), "append")
    assert retail_run(root) == 0  # silver_orders up to date again: the miscount stays latest
    problems = check_lakehouse(root)
    assert problems and all(p.startswith("silver_orders.") for p in problems)
