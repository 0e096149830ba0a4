"""Materialized views an update need not compute: their stored rows stay when neither their
definition nor any table they read changed since they were computed.

Each test runs the retail pipeline over a small landing zone, changes one thing (nothing,
a query, a landing file, a table's owner), runs again, and checks which datasets were
computed against the tables' versions and rows."""

from __future__ import annotations

import doctest
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline import up_to_date as up_to_date_module
from retail_lakehouse.pipeline.commit import table_metadata
from retail_lakehouse.pipeline.event_log import NO_OP
from retail_lakehouse.pipeline.project import LoadedPipeline, load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.pipeline.up_to_date import DIGEST_KEY
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import (
    ENGINE_FACTORIES,
    ENGINE_PARAMS,
    custom_pipeline,
    make_landing,
    run_update,
)

EVENT_LOG = "event_log"


def test_the_doctests_pass() -> None:
    assert doctest.testmod(up_to_date_module).failed == 0


def views(pipeline: LoadedPipeline) -> set[str]:
    """The materialized and temporary views defined in SQL."""
    return {
        p.dataset.name for p in pipeline.graph.order if p.tree is not None and not p.dataset.appends
    }


def change_targets(pipeline: LoadedPipeline) -> set[str]:
    """The AUTO CDC targets: up to date too when no new change arrived."""
    return {p.dataset.name for p in pipeline.graph.order if p.dataset.changes is not None}


def up_to_date(result: UpdateResult) -> set[str]:
    return {d.name for d in result.datasets if d.up_to_date}


def table_versions(root: Path) -> dict[str, int | None]:
    store = DeltaStore(root / "tables")
    return {n: store.version(n).version for n in store.list_tables() if n != EVENT_LOG}


def sorted_rows(root: Path, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = DeltaStore(root / "tables").read(name).to_pylist()
    return sorted(rows, key=lambda row: json.dumps(row, default=str, sort_keys=True))


def changed(before: dict[str, int | None], after: dict[str, int | None]) -> set[str]:
    return {name for name, version in after.items() if before.get(name) != version}


@dataclass(frozen=True)
class Edited:
    """The retail pipeline run once, then again with one text of one SQL file replaced."""

    root: Path
    pipeline: LoadedPipeline  # as edited
    first: UpdateResult
    before: dict[str, int | None]  # the tables' versions after the first update
    result: UpdateResult  # the update after the edit


STORED_BETWEEN = ("revenue_lines", "revenue_orders", "customers_current")


def with_temporary_views(settings: Path) -> Path:
    """The pipeline with the views between silver and gold temporary, as they can be."""
    gold = settings.parent / "sql" / "03_gold.sql"
    text = gold.read_text()
    for name in STORED_BETWEEN:
        stored = f"CREATE OR REFRESH MATERIALIZED VIEW {name}\n"
        assert stored in text, name
        text = text.replace(stored, f"CREATE TEMPORARY VIEW {name}\n")
    gold.write_text(text)
    return settings


def rerun_edited(tmp_path: Path, file: str, old: str, new: str, temporary: bool = False) -> Edited:
    """One update of the retail pipeline, then one after ``old`` became ``new`` in
    ``file``; with ``temporary``, the views between silver and gold are temporary views."""
    shape = with_temporary_views if temporary else (lambda settings: settings)
    root = make_landing(tmp_path)
    first = run_update(load_pipeline(shape(custom_pipeline(root)), root))
    before = table_versions(root)
    shutil.rmtree(root / "pipeline")
    edited = load_pipeline(shape(custom_pipeline(root, {file: (old, new)})), root)
    return Edited(root, edited, first, before, run_update(edited))


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
def test_a_rerun_with_nothing_new_computes_no_view(tmp_path: Path, engine_name: EngineName) -> None:
    root = make_landing(tmp_path)
    pipeline = load_pipeline(builtin_settings_path(), root)
    engine = ENGINE_FACTORIES[engine_name]()
    try:
        first = run_update(pipeline, engine=engine)
        before = table_versions(root)
        rows = {name: sorted_rows(root, name) for name in before}
        second = run_update(pipeline, engine=engine)
    finally:
        engine.close()
    assert not up_to_date(first)
    assert change_targets(pipeline)
    assert up_to_date(second) == views(pipeline) | change_targets(pipeline)
    assert table_versions(root) == before  # nothing committed but the event log
    assert {name: sorted_rows(root, name) for name in before} == rows
    kept = [d for d in second.datasets if d.up_to_date]
    assert all(d.written_rows == 0 and not d.expectations for d in kept)
    events = DeltaStore(root / "tables").read(EVENT_LOG).to_pylist()
    no_ops = {
        e["dataset_name"]
        for e in events
        if e["update_id"] == second.update_id
        and e["event_type"] == "flow_progress"
        and json.loads(e["details"])["flow_progress"].get("planning_information")
        == {"maintenance_type": NO_OP}
    }
    assert no_ops == views(pipeline) | change_targets(pipeline)


def test_a_changed_query_recomputes_its_view_and_what_reads_it(tmp_path: Path) -> None:
    old = "count(DISTINCT customer_id) AS unique_customers"
    edit = rerun_edited(tmp_path, "03_gold.sql", old, "count(*) AS unique_customers", True)
    assert changed(edit.before, table_versions(edit.root)) == {"gold_daily_sales_summary"}
    recomputed = {"gold_daily_sales_summary", "revenue_orders", "revenue_lines"}
    everything = views(edit.pipeline) | change_targets(edit.pipeline)
    assert up_to_date(edit.result) == everything - recomputed
    # the temporary view it reads is computed for it, after the one that view reads
    computed = [d.name for d in edit.result.datasets if not d.up_to_date]
    assert computed.index("revenue_lines") < computed.index("revenue_orders")


def test_new_rows_recompute_every_view_downstream_and_no_other(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    pipeline = load_pipeline(builtin_settings_path(), root)
    run_update(pipeline)
    before = table_versions(root)
    products = sorted((root / "landing" / "products").glob("*.parquet"))[0]
    shutil.copy(products, products.with_name("part-99999.parquet"))  # every product again
    result = run_update(pipeline)
    downstream = {
        "bronze_products", "silver_products", "silver_products_quarantine",
    }  # fmt: skip
    assert changed(before, table_versions(root)) == downstream
    # every product's key came back: silver_products replaces their rows by key; the copies
    # change no kept row, so silver_order_items, refreshed by key, gains none, and the views
    # that read it alone stay up to date; the gold views over products find no product
    # changed in the columns they read, so they gain no row either
    assert {d.name for d in result.datasets if d.by_keys} == {
        "silver_products",
        "silver_order_items",
        "gold_product_performance",
        "gold_category_performance",
    }
    kept = {"silver_customers", "silver_orders", "gold_customer_lifetime_value"}
    kept |= {"gold_daily_sales_summary", "revenue_lines", "revenue_orders", "customers_current"}
    assert up_to_date(result) == kept | change_targets(pipeline)
    full = run_update(pipeline, full_refresh=True)
    assert not up_to_date(full)
    # the full refresh recorded what its views were computed from
    assert up_to_date(run_update(pipeline)) == views(pipeline) | change_targets(pipeline)


def test_the_digest_counts_the_tables_read_and_their_writers(tmp_path: Path) -> None:
    """A view whose stored table another writer replaced, or one that calls the current
    time, is computed again."""
    root = make_landing(tmp_path)
    clock = "CREATE OR REFRESH MATERIALIZED VIEW stamped AS SELECT now() AS at, count(*) AS n"
    sample = "CREATE OR REFRESH MATERIALIZED VIEW sampled AS SELECT order_id FROM silver_orders"
    extra = f"{clock} FROM silver_orders;\n{sample} TABLESAMPLE (10 PERCENT);\n"
    pipeline = load_pipeline(custom_pipeline(root, extra=extra), root)
    run_update(pipeline)
    store = DeltaStore(root / "tables")
    names = ("silver_orders", "gold_daily_sales_summary", "stamped", "sampled")
    digests = {name: store.history(name, 1)[0].get(DIGEST_KEY) for name in names}
    assert None not in [digests[n] for n in ("silver_orders", "gold_daily_sales_summary")]
    assert digests["stamped"] is None and digests["sampled"] is None
    summary = store.read("gold_daily_sales_summary")
    store.write("gold_daily_sales_summary", summary.slice(0, 3), "overwrite")  # another writer
    result = run_update(pipeline)
    assert not {"stamped", "sampled", "gold_daily_sales_summary"} & up_to_date(result)
    assert "silver_orders" in up_to_date(result)
    assert store.read("gold_daily_sales_summary").num_rows == summary.num_rows


def test_a_new_comment_rewrites_the_table(tmp_path: Path) -> None:
    comment = "COMMENT 'Per category: revenue, units sold,"
    renamed = comment.replace("Per category", "By category")
    edit = rerun_edited(tmp_path, "03_gold.sql", comment, renamed)
    assert "gold_category_performance" not in up_to_date(edit.result)
    dataset = edit.pipeline.graph.get("gold_category_performance").dataset
    assert DeltaStore(edit.root / "tables").describes(dataset.name, table_metadata(dataset))


def test_a_temporary_view_nothing_reads_is_computed_when_its_input_changed(
    tmp_path: Path,
) -> None:
    root = make_landing(tmp_path)
    leaf = (
        "CREATE TEMPORARY VIEW cheap_products (CONSTRAINT cheap EXPECT (list_price < 20)) "
        "AS SELECT product_id, list_price FROM silver_products;\n"
    )
    pipeline = load_pipeline(custom_pipeline(root, extra=leaf), root)
    first = run_update(pipeline)
    products = sorted((root / "landing" / "products").glob("*.parquet"))[0]
    shutil.copy(products, products.with_name("part-99999.parquet"))
    second, third = run_update(pipeline), run_update(pipeline)
    counted = [
        next(d for d in update.datasets if d.name == "cheap_products") for update in (first, second)
    ]
    assert all(d.expectations and not d.up_to_date for d in counted)
    assert "cheap_products" in up_to_date(third)


def test_a_changed_temporary_view_recomputes_the_views_that_read_it(tmp_path: Path) -> None:
    value = "AS order_value"
    edit = rerun_edited(tmp_path, "03_gold.sql", value, f"{value}, count(*) AS lines", True)
    readers = {"gold_customer_lifetime_value", "gold_daily_sales_summary"}  # of revenue_orders
    assert changed(edit.before, table_versions(edit.root)) == readers
    assert {"gold_product_performance", "silver_orders"} <= up_to_date(edit.result)


def test_a_changed_expectation_recomputes_its_view(tmp_path: Path) -> None:
    edit = rerun_edited(tmp_path, "02_silver.sql", "EXPECT (quantity > 0)", "EXPECT (quantity > 1)")
    assert "silver_order_items" not in up_to_date(edit.result)
    assert "silver_orders" in up_to_date(edit.result)
    counts = [
        {e.name: e.failed_records for d in update.datasets for e in d.expectations}
        for update in (edit.first, edit.result)
    ]
    assert counts[1]["positive_quantity"] > counts[0]["positive_quantity"]


def test_a_temporary_view_stored_from_now_on_is_computed_whole(tmp_path: Path) -> None:
    """The views between silver and gold become tables between two updates, while new
    products arrive: the gold views that read them cannot be refreshed by key from tables
    that did not exist before, and are computed whole, as a full refresh computes them."""
    root = make_landing(tmp_path)
    run_update(load_pipeline(with_temporary_views(custom_pipeline(root)), root))
    products = sorted((root / "landing" / "products").glob("*.parquet"))[0]
    shutil.copy(products, products.with_name("part-99999.parquet"))
    pipeline = load_pipeline(builtin_settings_path(), root)
    result = run_update(pipeline)
    assert set(STORED_BETWEEN) <= {d.name for d in result.datasets if not d.up_to_date}
    assert "gold_product_performance" not in {d.name for d in result.datasets if d.by_keys}
    incremental = {name: sorted_rows(root, name) for name in views(pipeline)}
    run_update(pipeline, full_refresh=True)
    assert {name: sorted_rows(root, name) for name in incremental} == incremental
