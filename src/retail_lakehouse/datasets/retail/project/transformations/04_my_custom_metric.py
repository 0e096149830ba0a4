"""A gold metric of your own: the demo's "Add Custom Metrics" recipe, on pyspark.pipelines.

Each decorated function is a dataset; it returns a DataFrame and reads other datasets by
name, SQL or Python alike. The same file runs locally (`retail run`), on Spark
(`--engine spark`) and on Databricks. `import dlt` with `@dlt.table` and `dlt.read` works too.
"""

from pyspark import pipelines as dp
from pyspark.sql import functions as F


@dp.materialized_view(
    name="gold_my_custom_metric",
    comment="Orders (not cancelled or returned), customers and shipping per payment and channel.",
    table_properties={"quality": "gold"},
)
@dp.expect("has_orders", "orders > 0")
def gold_my_custom_metric():
    return (
        spark.read.table("silver_orders")
        .where(~F.col("status").isin("cancelled", "returned"))
        .groupBy("payment_method", "channel")
        .agg(
            F.count("order_id").alias("orders"),
            F.countDistinct("customer_id").alias("customers"),
            F.sum("shipping_cost").alias("shipping_cost"),
        )
    )
