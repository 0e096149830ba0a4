"""The change feeds begin with the base data: an INSERT per distinct key of the base
tables, with the clean row, dated by its insert time and numbered in time order, before
every appended day's record. Read back from the files and recounted."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pytest

from retail_lakehouse.generate.append import AppendError
from retail_lakehouse.generate.feed_base import _time_then_row
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.generate.spec.defects import ReplaceText
from tests.generate.appended import (
    BASE_ROWS,
    CHANGED,
    ENTITIES,
    FEED_COLUMNS,
    Landing,
    Row,
    append,
    files_of,
    manifest_of,
)

INSERT_TIME = {"customers": "signup_ts", "products": "created_ts"}
# the value defects of the base tables: the column a defect spoils, by defect name
SPOILED = {"malformed_email": "email", "null_email": "email",
           "non_positive_price": "list_price", "null_product_name": "product_name"}  # fmt: skip


@pytest.fixture(scope="module")
def landing(busy_landing: Landing) -> Landing:
    """The session's busy landing zone with days (``tests.generate.conftest``): read only."""
    return busy_landing


def _base_ids(landing: Landing, table: str) -> dict[str, set[int]]:
    """The base table's value defects, by name: the keys the generation's manifest lists."""
    manifest = manifest_of(landing.root)
    defects = manifest["tables"][table]["defects"]
    days = [b["tables"][table]["defects"] for b in manifest["arrivals"]["batches"]]
    return {
        name: set(entry["ids"]) - {i for day in days for i in day[name]["ids"]}
        for name, entry in defects.items()
        if name in SPOILED
    }


@pytest.mark.parametrize("table", list(ENTITIES))
def test_the_base_feed_is_one_insert_per_distinct_key(landing: Landing, table: str) -> None:
    key = ENTITIES[table]
    base = landing.rows[table][0]
    feed = landing.rows[f"{table}_cdc"][0]
    assert {r["operation"] for r in feed} == {"INSERT"}
    assert sorted(r[key] for r in feed) == sorted({r[key] for r in base})
    if table == "customers":  # 60 products happen to draw no duplicate
        assert len(feed) < len(base)


@pytest.mark.parametrize("table", list(ENTITIES))
def test_base_inserts_carry_the_clean_row_and_its_insert_time(
    busy_spec: DatasetSpec, landing: Landing, table: str
) -> None:
    key = ENTITIES[table]
    rows = {r[key]: r for r in reversed(landing.rows[table][0])}  # the first of a duplicate
    spoiled = _base_ids(landing, table)
    assert any(spoiled.values()), spoiled  # spoiled values there to be cleaned
    replaced = {d.name: d for d in busy_spec.table(table).defects if isinstance(d, ReplaceText)}
    for record in landing.rows[f"{table}_cdc"][0]:
        row = rows[record[key]]
        assert record["sequence_ts"] == row[INSERT_TIME[table]]
        defect = next((name for name, ids in spoiled.items() if record[key] in ids), None)
        clean = [c for c in FEED_COLUMNS[table] if defect is None or c != SPOILED[defect]]
        assert {c: record[c] for c in clean} == {c: row[c] for c in clean}
        if defect is None:
            continue
        column, image, written = SPOILED[defect], record[SPOILED[defect]], row[SPOILED[defect]]
        assert image is not None and (not isinstance(image, float) or image > 0)
        if defect in replaced:
            rule = replaced[defect]
            assert written == image.replace(rule.old, rule.new) != image, column
        else:
            assert written is None or written <= 0, column


@pytest.mark.parametrize("table", list(ENTITIES))
def test_sequence_numbers_follow_time_from_the_base_through_the_days(
    landing: Landing, table: str
) -> None:
    key = ENTITIES[table]
    base = landing.rows[f"{table}_cdc"][0]
    numbers = [r["sequence_no"] for r in base]
    assert len(set(numbers)) == len(numbers)
    assert min(numbers) >= 0 and max(numbers) < BASE_ROWS[table]
    by_time = sorted(base, key=lambda r: (r["sequence_ts"], r[key]))
    assert [r["sequence_no"] for r in by_time] == sorted(numbers)
    records = _once(landing.all_rows(f"{table}_cdc"))
    assert len({r["sequence_no"] for r in records}) == len(records)
    days = [r for b in landing.days for r in landing.rows[f"{table}_cdc"][b]]
    assert max(numbers) < min(r["sequence_no"] for r in days)
    assert max(r["sequence_ts"] for r in base) < min(r["sequence_ts"] for r in days)
    ordered = sorted(records, key=lambda r: r["sequence_no"])
    assert ordered == sorted(records, key=lambda r: (r["sequence_ts"], r["sequence_no"]))


def _once(records: list[Row]) -> list[Row]:
    """Every record once: an exact duplicate dropped."""
    return list({tuple(r.values()): r for r in records}.values())


@pytest.mark.parametrize("table", list(ENTITIES))
def test_the_feed_applied_in_sequence_is_every_keys_final_state(
    landing: Landing, table: str
) -> None:
    """AUTO CDC's reading (order by sequence_ts, sequence_no; a DELETE removes the key)
    gives, for every key of the tables, its row with the latest change delivered in time
    (late records labelled out of order change nothing), or nothing once deleted."""
    key = ENTITIES[table]
    records = _once(landing.all_rows(f"{table}_cdc"))  # a duplicate changes nothing
    applied: dict[int, Row] = {}
    history: dict[int, list[str]] = {}
    for record in sorted(records, key=lambda r: (r["sequence_ts"], r["sequence_no"])):
        history.setdefault(record[key], []).append(record["operation"])
        if record["operation"] == "DELETE":
            del applied[record[key]]  # a DELETE is of a key that exists
        else:
            applied[record[key]] = {c: record[c] for c in FEED_COLUMNS[table]}
    for operations in history.values():  # inserted once, first; nothing after a DELETE
        assert operations[0] == "INSERT" and operations.count("INSERT") == 1
        assert "DELETE" not in operations[:-1]
    assert applied == _expected_state(landing, table)


def _expected_state(landing: Landing, table: str) -> dict[int, Row]:
    """Each key's row as the tables' files show it (cleaned where the manifest labels a
    spoiled value), then the changes in delivery order but for the late ones."""
    key = ENTITIES[table]
    manifest = manifest_of(landing.root)
    late = {
        (k, n)
        for b in manifest["arrivals"]["batches"]
        for k, n in zip(*_defect(b["feeds"][f"{table}_cdc"], "out_of_order_change"), strict=True)
    }
    inserts = {r[key]: r for r in landing.all_rows(f"{table}_cdc") if r["operation"] == "INSERT"}
    spoiled = {i for ids in _base_ids(landing, table).values() for i in ids}
    for batch in manifest["arrivals"]["batches"]:
        defects = batch["tables"][table]["defects"]
        spoiled |= {i for name, d in defects.items() if name in SPOILED for i in d["ids"]}
    state: dict[int, Row] = {}
    for row in landing.all_rows(table):
        source = inserts[row[key]] if row[key] in spoiled else row  # cleaned: checked above
        state.setdefault(row[key], {c: source[c] for c in FEED_COLUMNS[table]})
    for batch in sorted(landing.days):
        for record in landing.rows[f"{table}_cdc"][batch]:
            if (record[key], record["sequence_no"]) in late:
                continue
            if record["operation"] == "DELETE":
                state.pop(record[key], None)
            elif record["operation"] == "UPDATE":
                state[record[key]].update({c: record[c] for c in CHANGED[table]})
    return state


def _defect(entry: dict[str, Any], name: str) -> tuple[list[int], list[int]]:
    defect = entry["defects"][name]
    return defect["keys"], defect["sequence_nos"]


def test_the_manifest_records_the_base_feed_and_totals_over_the_days(landing: Landing) -> None:
    manifest = manifest_of(landing.root)
    for table in ENTITIES:
        folder = f"{table}_cdc"
        base = manifest["arrivals"]["base_feeds"][folder]
        files = sorted(p.name for p in (landing.root / "landing" / folder).iterdir())
        base_files = [n for n in files if not n.startswith("part-batch-")]
        assert base["files"] == base_files
        assert base["rows"] == len(landing.rows[folder][0])
        assert base["operations"] == {"INSERT": base["rows"], "UPDATE": 0, "DELETE": 0}
        sizes = {p.name: p.stat().st_size for p in (landing.root / "landing" / folder).iterdir()}
        assert base["bytes"] == sum(sizes[n] for n in base_files)
        totals = manifest["feeds"][folder]
        counted = Counter(r["operation"] for r in landing.all_rows(folder))
        assert totals["operations"] == {op: counted[op] for op in ("INSERT", "UPDATE", "DELETE")}
        assert (totals["files"], totals["bytes"]) == (files, sum(sizes.values()))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_landing_zones_begin_their_feeds_in_their_format(
    landing: Landing, text_landing: Callable[[str], Path], fmt: str
) -> None:
    root = text_landing(fmt)
    for table, key in ENTITIES.items():
        expected = landing.rows[f"{table}_cdc"][0]
        path = root / "landing" / f"{table}_cdc" / f"part-00000.{fmt}"
        read = pcsv.read_csv(path) if fmt == "csv" else pjson.read_json(path)
        assert read.column_names == list(expected[0])
        for column in (key, "sequence_no", "operation", *FEED_COLUMNS[table]):
            assert read.column(column).to_pylist() == [r[column] for r in expected], column


def test_base_feeds_are_the_same_bytes_whatever_the_workers(
    busy_spec: DatasetSpec, tmp_path: Path
) -> None:
    found = []
    for workers, parallelism in ((1, "threads"), (2, "processes"), (3, "threads")):
        root = tmp_path / f"{workers}-{parallelism}"
        options = GenerateOptions(
            lakehouse=root, rows=BASE_ROWS, seed=3, defect_scale=5.0, workers=workers,
            parallelism=parallelism, block_rows=64,  # type: ignore[arg-type]
        )  # fmt: skip
        generate_dataset(busy_spec, options)
        found.append({f: files_of(root / "landing" / f) for f in ("customers_cdc", "products_cdc")})
    assert len(found[0]["customers_cdc"]) == 5  # a part per block of 64 customers
    assert found[1] == found[0] and found[2] == found[0]


def test_an_append_refuses_a_landing_zone_without_base_inserts(
    busy_spec: DatasetSpec, busy_base_copy: Path
) -> None:
    """What an older generator left: no feeds in the manifest."""
    path = busy_base_copy / "landing" / "_manifest.json"
    document = json.loads(path.read_text())
    del document["feeds"]
    path.write_text(json.dumps(document))
    with pytest.raises(AppendError, match="feed 'customers_cdc' has no INSERTs of the base data"):
        append(busy_spec, busy_base_copy, 1)


def test_rows_order_by_time_then_row_as_a_stable_sort_would() -> None:
    rng = np.random.default_rng(7)
    times = rng.integers(0, 500, 20_000) * 1_000_000  # many equal times
    rows = np.arange(times.size, dtype=np.int64)
    assert _time_then_row(times, rows).tolist() == np.argsort(times, kind="stable").tolist()
