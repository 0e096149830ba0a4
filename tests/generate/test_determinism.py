"""Every value is a pure function of (seed, table, column, row id).

Blocks of any size, drawn in any order, concatenate to the same table; one worker writes
the same bytes as two; seeds come from names, so reordering tables or columns, or adding
one, changes nothing else.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.generate.blocks import generate_block, generate_table
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.runner import GenerateOptions, Parallelism, generate_dataset
from retail_lakehouse.generate.spec import DatasetSpec, parse_spec
from tests.helpers import small_plan

TINY = {"customers": 400, "products": 80, "orders": 900, "order_items": 2000}
TABLES = list(TINY)


@settings(max_examples=25, deadline=None)
@given(
    table=st.sampled_from(TABLES),
    cuts=st.lists(st.integers(min_value=1, max_value=1999), max_size=6),
    order_seed=st.randoms(use_true_random=False),
)
def test_any_blocks_in_any_order_equal_the_whole(
    retail_spec: DatasetSpec, table: str, cuts: list[int], order_seed: object
) -> None:
    plan = small_plan(retail_spec, rows=TINY)
    total = plan.rows[table]
    bounds = sorted({0, total, *(c % total for c in cuts)})
    ranges = list(itertools.pairwise(bounds))
    shuffled = list(ranges)
    order_seed.shuffle(shuffled)  # type: ignore[attr-defined]
    fresh = small_plan(retail_spec, rows=TINY)  # no caches shared with `plan`
    blocks = {start: generate_block(fresh, table, start, stop) for start, stop in shuffled}
    pieces = pa.concat_tables([blocks[start].data for start, _ in ranges]).combine_chunks()
    whole = generate_block(plan, table, 0, total).data
    assert pieces.equals(whole)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63 - 1))
def test_same_seed_same_data_other_seed_other_data(retail_spec: DatasetSpec, seed: int) -> None:
    first = generate_table(small_plan(retail_spec, seed, TINY), "orders", 333).data
    again = generate_table(small_plan(retail_spec, seed, TINY), "orders", 1000).data
    other = generate_table(small_plan(retail_spec, seed + 1, TINY), "orders", 1000).data
    assert first.equals(again)
    assert not first.equals(other)


def _reordered(spec: DatasetSpec) -> DatasetSpec:
    data = spec.model_dump(mode="json")
    data["tables"] = list(reversed(data["tables"]))
    for table in data["tables"]:
        table["columns"] = list(reversed(table["columns"]))
    data["tables"][0]["columns"].append(
        {
            "name": "extra",
            "kind": "number",
            "distribution": {"type": "uniform", "low": 0, "high": 1},
        }
    )
    return parse_spec(data, "reordered")


def test_seeds_come_from_names_not_positions(retail_spec: DatasetSpec) -> None:
    plan = small_plan(retail_spec, rows=TINY)
    moved = small_plan(_reordered(retail_spec), rows=TINY)
    for table in TABLES:
        original = generate_table(plan, table).data
        shuffled = generate_table(moved, table).data.select(original.column_names)
        assert shuffled.equals(original), table


def _landing_bytes(root: Path) -> dict[str, bytes]:
    landing = root / "landing"
    return {str(p.relative_to(landing)): p.read_bytes() for p in sorted(landing.rglob("part-*"))}


def _parquet_rows(root: Path) -> dict[str, pa.Table]:
    landing = root / "landing"
    return {table: pq.read_table(landing / table) for table in TABLES}


@settings(max_examples=6, deadline=None)
@given(
    workers=st.integers(min_value=1, max_value=3),
    block_rows=st.sampled_from([97, 500, 4096]),
    parallelism=st.sampled_from(["processes", "threads"]),
)
def test_n_workers_write_what_one_worker_writes(
    retail_spec: DatasetSpec, workers: int, block_rows: int, parallelism: Parallelism
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        baseline = GenerateOptions(
            lakehouse=root / "one", rows=TINY, workers=1, block_rows=block_rows,
            parallelism="threads",
        )  # fmt: skip
        generate_dataset(retail_spec, baseline)
        many = GenerateOptions(
            lakehouse=root / "many", rows=TINY, workers=workers, block_rows=block_rows,
            parallelism=parallelism,
        )  # fmt: skip
        generate_dataset(retail_spec, many)
        assert _landing_bytes(root / "one") == _landing_bytes(root / "many")
        single_block = _parquet_rows(root / "one")
        assert all(t.num_rows == TINY[name] for name, t in single_block.items())


def test_block_size_does_not_change_the_data(retail_spec: DatasetSpec, tmp_path: Path) -> None:
    for label, block_rows in (("small", 97), ("large", 10_000)):
        options = GenerateOptions(lakehouse=tmp_path / label, rows=TINY, block_rows=block_rows)
        generate_dataset(retail_spec, options)
    small, large = _parquet_rows(tmp_path / "small"), _parquet_rows(tmp_path / "large")
    for table in TABLES:
        assert small[table].equals(large[table]), table


def test_hash_seed_of_the_interpreter_does_not_matter(tmp_path: Path) -> None:
    """Unlike seeding from Python's hash(), our seeds survive PYTHONHASHSEED changes."""
    script = (
        "from retail_lakehouse.datasets import builtin_spec\n"
        "from retail_lakehouse.generate.plan import DatasetPlan, resolve_rows\n"
        "from retail_lakehouse.generate.blocks import generate_block\n"
        "s = builtin_spec()\n"
        "p = DatasetPlan(s, 1, resolve_rows(s, 0.01))\n"
        "print(generate_block(p, 'customers', 0, 50).data.to_pylist())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2", "random")
    }
    assert len(outputs) == 1


def test_plan_rows_follow_scale_and_overrides(retail_spec: DatasetSpec) -> None:
    from retail_lakehouse.generate.plan import resolve_rows

    rows = resolve_rows(retail_spec, 0.5, {"products": 7})
    assert rows == {"customers": 50_000, "products": 7, "orders": 250_000, "order_items": 500_000}
    assert DatasetPlan(retail_spec, 1, rows).rows["products"] == 7


def test_a_block_of_no_rows_has_every_column(retail_spec: DatasetSpec) -> None:
    plan = small_plan(retail_spec, rows=TINY)
    for table in TABLES:
        empty = generate_block(plan, table, 5, 5).data
        assert empty.num_rows == 0
        assert empty.schema.equals(generate_block(plan, table, 0, 1).data.schema)


def test_a_defects_values_follow_the_seed(retail_spec: DatasetSpec) -> None:
    """Which rows of a non-positive quantity get 0 and which a negative number is drawn
    from the seed's own stream, as every generated value is: two seeds hitting the same
    rows do not zero the same ones."""
    zeroed: dict[int, dict[int, bool]] = {}
    for seed in (7, 8):
        small = small_plan(retail_spec, seed)
        plan = DatasetPlan(small.spec, seed, small.rows, defect_scale=20.0)
        block = generate_table(plan, "order_items")
        quantity = block.data.column("quantity").to_numpy(zero_copy_only=False)
        hit = block.defect_ids["non_positive_quantity"].tolist()  # order_item_id, from 1
        assert all(quantity[item - 1] <= 0 for item in hit)
        zeroed[seed] = {item: bool(quantity[item - 1] == 0) for item in hit}
    common = zeroed[7].keys() & zeroed[8].keys()
    assert len(common) >= 20
    assert any(zeroed[7][item] != zeroed[8][item] for item in common)


def _with_clean_nulls(spec: DatasetSpec, columns: dict[str, str]) -> DatasetSpec:
    """The spec with a third of each ``table: column`` null before any defect."""
    data = spec.model_dump(mode="json")
    for table in data["tables"]:
        for column in table["columns"]:
            if columns.get(table["name"]) == column["name"]:
                column["null_rate"] = 0.3
    return parse_spec(data, "with clean nulls")


def test_a_value_defect_keeps_the_columns_own_nulls(retail_spec: DatasetSpec) -> None:
    """A replaced text or a non-positive number leaves the rows the column's null rate
    made null as they are: every row no defect labels (by key, so both copies of a
    duplicate are left out) is null with defects exactly when it is null without."""
    columns = {"customers": ("customer_id", "email"), "order_items": ("order_item_id", "quantity")}
    spec = _with_clean_nulls(retail_spec, {table: column for table, (_, column) in columns.items()})
    small = small_plan(spec)
    clean = DatasetPlan(spec, small.seed, small.rows, defect_scale=0.0)
    defective = DatasetPlan(spec, small.seed, small.rows, defect_scale=5.0)
    for table, (key, column) in columns.items():
        without = generate_table(clean, table).data
        clean_nulls = dict(
            zip(without[key].to_pylist(), without[column].is_null().to_pylist(), strict=True)
        )
        block = generate_table(defective, table)
        labelled = {int(i) for ids in block.defect_ids.values() for i in ids}
        pairs = zip(
            block.data[key].to_pylist(), block.data[column].is_null().to_pylist(), strict=True
        )
        kept = [(k, null) for k, null in pairs if k not in labelled]
        assert sum(null for _, null in kept) > 100, table  # clean nulls to keep
        assert [null for _, null in kept] == [clean_nulls[k] for k, _ in kept], table


def _orders_variant(spec: DatasetSpec, order_ts_nulls: bool, own_nulls: bool) -> DatasetSpec:
    """The spec with ``order_ts`` null on a third of the orders, or not, and ``shipped_ts``
    as it is (null unless shipped), or a plain timestamp that is never null."""
    data = spec.model_dump(mode="json")
    (orders,) = [table for table in data["tables"] if table["name"] == "orders"]
    for index, column in enumerate(orders["columns"]):
        if column["name"] == "order_ts" and order_ts_nulls:
            column["null_rate"] = 0.3
        if column["name"] == "shipped_ts" and not own_nulls:
            orders["columns"][index] = {
                "name": "shipped_ts", "kind": "timestamp",
                "start": "2026-01-01T00:00:00Z", "end": "2026-06-30T00:00:00Z",
            }  # fmt: skip
    return parse_spec(data, "orders variant")


@pytest.mark.parametrize(
    ("order_ts_nulls", "own_nulls"),
    [(True, True), (True, False), (False, False)],
    ids=["both-null-sometimes", "reference-null-sometimes", "never-null"],
)
def test_a_shipment_before_its_order_is_null_only_where_the_order_time_is(
    retail_spec: DatasetSpec, order_ts_nulls: bool, own_nulls: bool
) -> None:
    """A labelled row is 1 minute to 48 hours before its order time, or null where that
    is null; every unlabelled row keeps the null the column gave it."""
    spec = _orders_variant(retail_spec, order_ts_nulls, own_nulls)
    small = small_plan(spec)
    clean = generate_table(DatasetPlan(spec, small.seed, small.rows, defect_scale=0.0), "orders")
    block = generate_table(DatasetPlan(spec, small.seed, small.rows, defect_scale=20.0), "orders")
    rows = {
        r["order_id"]: r
        for r in block.data.select(["order_id", "order_ts", "shipped_ts"]).to_pylist()
    }
    labelled = set(block.defect_ids["shipped_before_order"].tolist())
    assert len(labelled) > 100
    reference_nulls = 0
    for key in labelled:
        order_ts, shipped_ts = rows[key]["order_ts"], rows[key]["shipped_ts"]
        if order_ts is None:
            reference_nulls += 1
            assert shipped_ts is None, key
        else:
            assert timedelta(minutes=1) <= order_ts - shipped_ts <= timedelta(hours=48), key
    assert (reference_nulls > 0) == order_ts_nulls
    every = {int(i) for ids in block.defect_ids.values() for i in ids}
    clean_nulls = dict(
        zip(
            clean.data["order_id"].to_pylist(),
            clean.data["shipped_ts"].is_null().to_pylist(),
            strict=True,
        )
    )
    kept = [(k, r["shipped_ts"] is None) for k, r in rows.items() if k not in every]
    assert [null for _, null in kept] == [clean_nulls[k] for k, _ in kept]
    assert any(null for _, null in kept) == own_nulls


def test_a_table_with_one_defect_kind_gets_it_in_blocks_of_one_row(
    retail_spec: DatasetSpec,
) -> None:
    """Customers with only their malformed emails: the defect is drawn, and blocks of a
    single row draw it on exactly the rows the whole table does."""
    data = retail_spec.model_dump(mode="json")
    (customers,) = [table for table in data["tables"] if table["name"] == "customers"]
    customers["defects"] = [d for d in customers["defects"] if d["name"] == "malformed_email"]
    spec = parse_spec(data, "one defect kind")
    small = small_plan(spec, rows={**TINY, "customers": 300})
    whole = generate_table(
        DatasetPlan(spec, small.seed, small.rows, defect_scale=10.0), "customers"
    )
    fresh = DatasetPlan(spec, small.seed, small.rows, defect_scale=10.0)
    single = generate_table(fresh, "customers", 1)
    hit = whole.defect_ids["malformed_email"].tolist()
    assert len(hit) > 5
    assert single.defect_ids["malformed_email"].tolist() == hit
    assert single.data.equals(whole.data)


def test_blocks_keep_a_duplicate_only_after_a_clean_row_as_the_whole_table_does(
    retail_spec: DatasetSpec,
) -> None:
    """At a high defect scale many duplicates draw right after a defective row (and are
    then clean): blocks that start mid-table decide that from the row before each one,
    exactly as one block from row 0 does."""
    small = small_plan(retail_spec, rows=TINY)
    plan = DatasetPlan(retail_spec, small.seed, small.rows, defect_scale=20.0)
    whole = generate_table(plan, "order_items", TINY["order_items"])
    fresh = DatasetPlan(retail_spec, small.seed, small.rows, defect_scale=20.0)
    blocks = generate_table(fresh, "order_items", 97)
    assert len(whole.defect_ids["duplicate_item"]) > 20
    assert blocks.data.equals(whole.data)
    assert {k: v.tolist() for k, v in blocks.defect_ids.items()} == {
        k: v.tolist() for k, v in whole.defect_ids.items()
    }
