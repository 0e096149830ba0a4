"""The Spark side of the dbldatagen comparison, run as its own process by ``spark_compare``.

Builds a four-table retail schema close to ours (ids, foreign keys, weighted categories,
timestamps, prices, derived columns as Spark SQL expressions) with dbldatagen on a local
Spark session and writes each table as snappy Parquet. Standalone on purpose (stdlib,
PySpark and dbldatagen only), so it can be run by path. It writes its timings as JSON to
``--result``: ``startup_seconds`` (module start until the session is ready: PySpark import
and JVM start-up) and ``generate_seconds`` (building and writing every table).
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
SEED = 42
BEGIN = "2021-01-01 00:00:00"
END = "2025-12-31 23:59:59"
TableBuilder = Callable[[Any, Any, dict[str, int]], Any]


def start_spark() -> Any:
    sql = importlib.import_module("pyspark.sql")
    spark = (
        sql.SparkSession.builder.master("local[2]")
        .appName("dbldatagen-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def generator(dg: Any, spark: Any, name: str, rows: int) -> Any:
    return dg.DataGenerator(
        spark,
        name=name,
        rows=rows,
        partitions=2,
        randomSeed=SEED,
        randomSeedMethod="hash_fieldname",
    )


def customers(dg: Any, spark: Any, rows: dict[str, int]) -> Any:
    return (
        generator(dg, spark, "customers", rows["customers"])
        .withColumn("customer_id", "long", expr="id + 1", baseColumn="id")
        .withColumn(
            "first_name", "string", values=["Ada", "Ben", "Cleo", "Dev", "Eli"], random=True
        )
        .withColumn("last_name", "string", values=["Ng", "Okafor", "Smith", "Weber"], random=True)
        .withColumn(
            "email",
            "string",
            expr="lower(concat(first_name, '.', last_name, customer_id, '@example.com'))",
            baseColumn=["first_name", "last_name", "customer_id"],
        )
        .withColumn("gender", "string", values=["F", "M", "X"], weights=[48, 48, 4], random=True)
        .withColumn("age", "int", minValue=18, maxValue=90, random=True)
        .withColumn(
            "country",
            "string",
            values=["US", "GB", "DE", "FR", "ES"],
            weights=[40, 20, 15, 15, 10],
            random=True,
        )
        .withColumn(
            "city",
            "string",
            values=["Springfield", "Riverside", "Franklin", "Greenville"],
            random=True,
        )
        .withColumn(
            "signup_ts", "timestamp", begin=BEGIN, end=END, interval="1 second", random=True
        )
        .withColumn(
            "loyalty_tier",
            "string",
            values=["none", "silver", "gold"],
            weights=[70, 22, 8],
            random=True,
        )
        .withColumn("marketing_opt_in", "boolean", expr="rand(7) < 0.4")
    )


def products(dg: Any, spark: Any, rows: dict[str, int]) -> Any:
    return (
        generator(dg, spark, "products", rows["products"])
        .withColumn("product_id", "long", expr="id + 1", baseColumn="id")
        .withColumn("category", "string", values=["books", "toys", "garden", "tech"], random=True)
        .withColumn(
            "sku",
            "string",
            expr="concat('SKU-', lpad(cast(product_id as string), 8, '0'))",
            baseColumn="product_id",
        )
        .withColumn(
            "brand", "string", values=["Acme", "Globex", "Initech", "Umbrella"], random=True
        )
        .withColumn(
            "product_name",
            "string",
            expr="concat(brand, ' ', category, ' ', product_id)",
            baseColumn=["brand", "category", "product_id"],
        )
        .withColumn("list_price", "double", minValue=1.0, maxValue=500.0, step=0.01, random=True)
        .withColumn("cost", "double", expr="round(list_price * 0.6, 2)", baseColumn="list_price")
        .withColumn("stock_quantity", "int", minValue=0, maxValue=1000, random=True)
        .withColumn("is_active", "boolean", expr="rand(11) < 0.95")
        .withColumn(
            "created_ts", "timestamp", begin=BEGIN, end=END, interval="1 second", random=True
        )
    )


def orders(dg: Any, spark: Any, rows: dict[str, int]) -> Any:
    return (
        generator(dg, spark, "orders", rows["orders"])
        .withColumn("order_id", "long", expr="id + 1", baseColumn="id")
        .withColumn("customer_id", "long", minValue=1, maxValue=rows["customers"], random=True)
        .withColumn("order_ts", "timestamp", begin=BEGIN, end=END, interval="1 second", random=True)
        .withColumn(
            "status",
            "string",
            values=["placed", "shipped", "delivered", "cancelled"],
            weights=[10, 20, 65, 5],
            random=True,
        )
        .withColumn("ship_hours", "int", minValue=2, maxValue=96, random=True, omit=True)
        .withColumn(
            "shipped_ts",
            "timestamp",
            expr="order_ts + make_dt_interval(0, ship_hours, 0, 0)",
            baseColumn=["order_ts", "ship_hours"],
        )
        .withColumn(
            "payment_method",
            "string",
            values=["card", "paypal", "voucher"],
            weights=[70, 25, 5],
            random=True,
        )
        .withColumn("channel", "string", values=["web", "app", "store"], random=True)
        .withColumn("shipping_cost", "double", minValue=0.0, maxValue=25.0, step=0.01, random=True)
    )


def order_items(dg: Any, spark: Any, rows: dict[str, int]) -> Any:
    return (
        generator(dg, spark, "order_items", rows["order_items"])
        .withColumn("order_item_id", "long", expr="id + 1", baseColumn="id")
        .withColumn("order_id", "long", minValue=1, maxValue=rows["orders"], random=True)
        .withColumn("product_id", "long", minValue=1, maxValue=rows["products"], random=True)
        .withColumn("quantity", "int", minValue=1, maxValue=5, random=True)
        .withColumn(
            "discount", "double", values=[0.0, 0.05, 0.1, 0.2], weights=[70, 15, 10, 5], random=True
        )
        .withColumn("unit_price", "double", minValue=1.0, maxValue=500.0, step=0.01, random=True)
    )


TABLES: dict[str, TableBuilder] = {
    "customers": customers,
    "products": products,
    "orders": orders,
    "order_items": order_items,
}


def generate_all(spark: Any, rows: dict[str, int], out: Path) -> None:
    dg = importlib.import_module("dbldatagen")
    for name, build in TABLES.items():
        frame = build(dg, spark, rows).build()
        frame.write.mode("overwrite").option("compression", "snappy").parquet(str(out / name))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for the Parquet tables")
    parser.add_argument("--result", type=Path, required=True, help="JSON file for the timings")
    parser.add_argument("--rows", required=True, help="JSON object: table name to row count")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    rows: dict[str, int] = json.loads(args.rows)
    spark = start_spark()
    ready = time.perf_counter()
    generate_all(spark, rows, args.out)
    done = time.perf_counter()
    spark.stop()
    timings = {"startup_seconds": ready - STARTED, "generate_seconds": done - ready}
    args.result.write_text(json.dumps(timings))


if __name__ == "__main__":
    main()
