"""The change feeds of appended days, read back from their files: operations, sequence
numbers, full row images, and the out-of-order and duplicate records the manifest lists,
recounted."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.generate.appended import (
    BASE_ROWS,
    CHANGED,
    ENTITIES,
    FEED_COLUMNS,
    Landing,
    Row,
    day_bounds,
    manifest_of,
)


@pytest.fixture(scope="module")
def landing(busy_landing: Landing) -> Landing:
    """The session's busy landing zone with days (``tests.generate.conftest``): read only."""
    return busy_landing


def _unique_records(landing: Landing, table: str) -> list[Row]:
    """Every record once (a duplicate dropped), in sequence order."""
    seen: dict[tuple[Any, ...], Row] = {}
    for record in landing.all_rows(f"{table}_cdc"):
        seen.setdefault(tuple(record.values()), record)
    return sorted(seen.values(), key=lambda r: r["sequence_no"])


@pytest.mark.parametrize("table", list(ENTITIES))
def test_records_have_the_feed_columns_and_full_images(landing: Landing, table: str) -> None:
    key = ENTITIES[table]
    columns = [key, *FEED_COLUMNS[table], "operation", "sequence_ts", "sequence_no"]
    operations: Counter[str] = Counter()
    for record in landing.all_rows(f"{table}_cdc"):
        assert list(record) == columns
        operations[record["operation"]] += 1
        images = [record[c] for c in FEED_COLUMNS[table]]
        if record["operation"] == "DELETE":
            assert images == [None] * len(images)
        else:
            assert None not in images, record
    assert set(operations) == {"INSERT", "UPDATE", "DELETE"}


@pytest.mark.parametrize("table", list(ENTITIES))
def test_sequence_numbers_are_unique_but_for_exact_duplicates(landing: Landing, table: str) -> None:
    records = _unique_records(landing, table)
    numbers = [r["sequence_no"] for r in records]
    assert len(numbers) == len(set(numbers))
    days = [r["sequence_no"] for b in landing.days for r in landing.rows[f"{table}_cdc"][b]]
    assert min(days) == BASE_ROWS[table]  # the base's INSERTs take the numbers below
    for batch in landing.days:
        in_file = [r["sequence_no"] for r in landing.rows[f"{table}_cdc"][batch]]
        assert in_file == sorted(in_file)


@pytest.mark.parametrize("table", list(ENTITIES))
def test_inserts_are_the_new_rows_of_the_day(landing: Landing, table: str) -> None:
    key = ENTITIES[table]
    for batch in landing.days:
        new = landing.rows[table].get(batch, [])
        feed = landing.rows[f"{table}_cdc"][batch]
        inserted = sorted(r[key] for r in feed if r["operation"] == "INSERT")
        assert sorted(set(inserted)) == sorted({r[key] for r in new})


@pytest.mark.parametrize("table", list(ENTITIES))
def test_changes_are_of_existing_keys_in_the_day(landing: Landing, table: str) -> None:
    """Updates and deletes name keys that existed before and were not deleted; an update
    changes one of the feed's changing columns; nothing follows a delete."""
    key = ENTITIES[table]
    current = {r[key]: {c: r[c] for c in FEED_COLUMNS[table]} for r in landing.rows[table][0]}
    deleted: set[int] = set()
    manifest = manifest_of(landing.root)
    late = {
        (k, n)
        for b in manifest["arrivals"]["batches"]
        for k, n in _pairs(b["feeds"][f"{table}_cdc"]["defects"]["out_of_order_change"])
    }
    for record in _unique_records(landing, table):
        assert record[key] not in deleted, record
        image = {c: record[c] for c in FEED_COLUMNS[table]}
        if record["operation"] == "INSERT":
            current[record[key]] = image
        elif record["operation"] == "DELETE":
            assert record[key] in current
            deleted.add(record[key])
        elif (record[key], record["sequence_no"]) not in late:
            before = current[record[key]]
            changed = {c for c in image if image[c] != before[c]}
            assert changed <= CHANGED[table], (record, before)
            current[record[key]] = image


def _pairs(defect: dict[str, Any]) -> list[tuple[int, int]]:
    return list(zip(defect["keys"], defect["sequence_nos"], strict=True))


@pytest.mark.parametrize("table", list(ENTITIES))
def test_out_of_order_and_duplicate_records_recount(landing: Landing, table: str) -> None:
    key = ENTITIES[table]
    manifest = manifest_of(landing.root)
    delivered: dict[int, int] = {}  # key -> newest sequence_no delivered in earlier files
    for batch, day in sorted(landing.days.items()):
        start, end = day_bounds(day)
        records = landing.rows[f"{table}_cdc"][batch]
        late = [
            (r[key], r["sequence_no"])
            for r in records
            if r["sequence_ts"] < start and delivered.get(r[key], -1) > r["sequence_no"]
        ]
        counts = Counter(tuple(r.values()) for r in records)
        twice = [(r[key], r["sequence_no"]) for r in records if counts[tuple(r.values())] > 1]
        defects = manifest["arrivals"]["batches"][batch - 1]["feeds"][f"{table}_cdc"]["defects"]
        assert _pairs(defects["out_of_order_change"]) == late
        assert _pairs(defects["duplicate_change"]) == twice[::2]
        for record in records:
            in_day = start <= record["sequence_ts"] < end
            late_record = start - timedelta(days=1) <= record["sequence_ts"] < start
            assert in_day or (late_record and (record[key], record["sequence_no"]) in late)
            delivered[record[key]] = max(delivered.get(record[key], -1), record["sequence_no"])
    assert any(_pairs(b["feeds"][f"{table}_cdc"]["defects"]["out_of_order_change"])
               for b in manifest["arrivals"]["batches"])  # fmt: skip


@pytest.mark.parametrize("table", list(ENTITIES))
def test_manifest_counts_each_files_records_per_operation(landing: Landing, table: str) -> None:
    manifest = manifest_of(landing.root)
    for batch in landing.days:
        entry = manifest["arrivals"]["batches"][batch - 1]["feeds"][f"{table}_cdc"]
        records = landing.rows[f"{table}_cdc"][batch]
        counted = Counter(r["operation"] for r in records)
        assert entry["operations"] == {op: counted[op] for op in ("INSERT", "UPDATE", "DELETE")}
        assert entry["rows"] == len(records)
