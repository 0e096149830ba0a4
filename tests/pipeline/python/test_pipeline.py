"""Python datasets on the embedded engine, mixed with SQL ones: every read style, every
expectation action, the configuration, files through Auto Loader's shape, and one-line
errors at the line of the user's file."""

from __future__ import annotations

import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from retail_lakehouse.cli.main import main
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore
from tests.helpers import modules_loaded
from tests.pipeline.conftest import ENGINE_FACTORIES, ENGINE_PARAMS, make_landing, run_update

BUILTIN_SQL = builtin_settings_path().parent / "sql"

GOLD = """
import dlt
from pyspark import pipelines as dp
from pyspark.sql import functions as F


def counted(orders):
    return orders.where(~F.col("status").isin("cancelled", "returned"))


@dp.materialized_view(table_properties={"quality": "gold"})
@dp.expect_or_drop("has_revenue", "revenue > 0")
@dp.expect("repeat_buyer", "orders > 1")
def py_customer_revenue():
    items = spark.read.table("silver_order_items")
    return (
        items.join(counted(spark.table("silver_orders")), "order_id")
        .groupBy("customer_id")
        .agg(F.sum("line_total").alias("revenue"), F.countDistinct("order_id").alias("orders"))
    )


@dlt.table(comment="the same, the legacy way")
def py_customer_revenue_legacy():
    items = dlt.read("silver_order_items")
    orders = counted(dp.read("silver_orders"))
    return (
        items.join(orders, "order_id").groupBy("customer_id")
        .agg(F.sum("line_total").alias("revenue"), F.countDistinct("order_id").alias("orders"))
    )


@dp.table
def py_bronze_orders():
    return (
        spark.readStream.format("cloudFiles")
        .option("cloudFiles.format", spark.conf.get("landing_format"))
        .load(spark.conf.get("landing_path") + "/orders")
        .select("*", F.current_timestamp().alias("_ingested_at"),
                F.col("_metadata.file_path").alias("_source_file"))
    )


@dlt.table
def py_new_orders():
    return dlt.read_stream("py_bronze_orders").select("order_id", "customer_id")
"""

SQL_OVER_PYTHON = """
CREATE OR REFRESH MATERIALIZED VIEW sql_top_customers
AS SELECT customer_id, revenue FROM py_customer_revenue WHERE revenue > 1000;
"""


def mixed_pipeline(root: Path, python: str = GOLD, extra_sql: str | None = None) -> Path:
    folder = root / "mixed"
    (folder / "src").mkdir(parents=True)
    for name in ("01_bronze.sql", "02_silver.sql"):
        shutil.copy(BUILTIN_SQL / name, folder / "src" / name)
    (folder / "src" / "03_gold.py").write_text(python)
    if extra_sql is not None:
        (folder / "src" / "04_more.sql").write_text(extra_sql)
    settings = folder / "settings.yaml"
    settings.write_text("name: mixed\nsources: src\n")
    return settings


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def updated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed pipeline's first update, on each engine of the matrix."""
    root = make_landing(tmp_path_factory.mktemp("python"))
    settings = mixed_pipeline(root, extra_sql=SQL_OVER_PYTHON)
    engine = ENGINE_FACTORIES[request.param]()
    try:
        run_update(load_pipeline(settings, root), engine=engine)
    finally:
        engine.close()
    return root


def table(root: Path, name: str) -> pa.Table:
    return DeltaStore(root / "tables").read(name)


def expected_revenue(root: Path) -> dict[int, tuple[Decimal, int]]:
    """Revenue and orders per customer, computed from silver in plain Python, exactly."""
    orders = table(root, "silver_orders").to_pylist()
    counted = {o["order_id"]: o["customer_id"] for o in orders
               if o["status"] not in ("cancelled", "returned")}  # fmt: skip
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    ordered: dict[int, set[int]] = defaultdict(set)
    for item in table(root, "silver_order_items").to_pylist():
        customer = counted.get(item["order_id"])
        if customer is not None:
            revenue[customer] += item["line_total"]
            ordered[customer].add(item["order_id"])
    return {c: (revenue[c], len(ordered[c])) for c in revenue}


def test_python_gold_equals_an_independent_computation(updated: Path) -> None:
    expected = expected_revenue(updated)
    for name in ("py_customer_revenue", "py_customer_revenue_legacy"):
        rows = table(updated, name).to_pylist()
        assert {r["customer_id"]: (r["revenue"], r["orders"]) for r in rows} == {
            c: v for c, v in expected.items() if v[0] > 0
        }, name


def test_expectations_count_and_drop_as_in_sql(updated: Path) -> None:
    events = table(updated, "event_log").to_pylist()
    flow = next(e for e in events if e["dataset_name"] == "py_customer_revenue")
    counts = {e["name"]: e["failed_records"] for e in flow["expectations"]}
    expected = expected_revenue(updated)
    assert counts == {
        "has_revenue": sum(1 for v in expected.values() if v[0] <= 0),
        "repeat_buyer": sum(1 for v in expected.values() if v[0] > 0 and v[1] <= 1),
    }
    assert table(updated, "py_customer_revenue_quarantine").num_rows == counts["has_revenue"]


def test_python_bronze_over_cloud_files_equals_the_sql_one(updated: Path) -> None:
    python, sql = table(updated, "py_bronze_orders"), table(updated, "bronze_orders")
    assert python.schema.names == sql.schema.names
    volatile = ["_ingested_at"]
    assert (
        python.drop_columns(volatile)
        .sort_by("order_id")
        .equals(sql.drop_columns(volatile).sort_by("order_id"))
    )
    assert table(updated, "py_new_orders").num_rows == python.num_rows


def test_a_sql_dataset_reads_a_python_one(updated: Path) -> None:
    top = {r["customer_id"] for r in table(updated, "sql_top_customers").to_pylist()}
    assert top == {c for c, v in expected_revenue(updated).items() if v[0] > 1000}


def test_a_second_update_streams_nothing_new(updated: Path) -> None:
    settings = updated / "mixed" / "settings.yaml"
    update = run_update(load_pipeline(settings, updated))
    taken = {d.name: d.input_rows for d in update.datasets}
    assert taken["py_bronze_orders"] == 0 and taken["py_new_orders"] == 0
    assert taken["py_customer_revenue"] > 0


def test_a_fail_update_expectation_stops_the_update_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_landing(tmp_path)
    failing = GOLD.replace('@dp.expect("repeat_buyer"', '@dp.expect_or_fail("repeat_buyer"')
    settings = mixed_pipeline(root, failing)
    assert main(["run", "--lakehouse", str(root), "--pipeline", str(settings)]) == 1
    err = capsys.readouterr().err
    assert "expectation 'repeat_buyer' of 'py_customer_revenue' failed" in err
    assert f"{settings.parent / 'src' / '03_gold.py'}:" in err and err.count("\n") == 1
    assert DeltaStore(root / "tables").list_tables() == ["event_log"]


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        (
            "@dp.materialized_view\ndef t():\n    return spark.read.table('nope')\n",
            1,  # the definition's line
            "'t' reads unknown table 'nope'",
        ),
        (
            "@dp.materialized_view\ndef t():\n"
            "    return spark.read.table('silver_orders').sample(0.5)\n",
            3,  # the line that calls it
            "(in: return spark.read.table('silver_orders').sample(0.5))",  # what failed
        ),
        (
            "@dp.materialized_view\ndef t():\n    x = spark.read.table('silver_orders')\n"
            "    return x.select(F.col('order_id') / helper())\n\ndef helper():\n"
            "    raise ValueError('bad input')\n",
            7,  # where it was raised
            "'t': cannot tell what it reads: ValueError: bad input",
        ),
        (
            "@dp.materialized_view\ndef t():\n    spark.read.table('silver_orders')\n"
            "    return 42\n",
            1,
            "'t' returns int, not a DataFrame",
        ),
    ],
    ids=["unknown-table", "unsupported-operation", "raises", "not-a-dataframe"],
)
def test_errors_are_one_line_at_the_line_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, line: int, problem: str
) -> None:
    root = make_landing(tmp_path)
    python = "from pyspark import pipelines as dp\nfrom pyspark.sql import functions as F\n"
    settings = mixed_pipeline(root, python + body)
    assert main(["run", "--lakehouse", str(root), "--pipeline", str(settings)]) == 2
    err = capsys.readouterr().err
    path = settings.parent / "src" / "03_gold.py"
    assert err.startswith(f"retail: error: {path}:{line + 2}: ") and err.count("\n") == 1, err
    assert problem in err


def test_a_sql_only_pipeline_does_not_load_sqlframe(tmp_path: Path) -> None:
    root = make_landing(tmp_path)
    statements = (
        "from pathlib import Path\n"
        "from retail_lakehouse.backends.duckdb.engine import DuckDBEngine\n"
        "from retail_lakehouse.datasets import builtin_settings_path\n"
        "from retail_lakehouse.pipeline.project import load_pipeline\n"
        "from retail_lakehouse.pipeline.runner import run_update\n"
        f"run_update(load_pipeline(builtin_settings_path(), Path({str(root)!r})), DuckDBEngine())"
    )
    assert modules_loaded(statements, ("sqlframe",)) == []
    python = statements.replace("builtin_settings_path()", f"Path({str(mixed_pipeline(root))!r})")
    assert modules_loaded(python, ("sqlframe",)) != []  # the probe sees it when it is used
