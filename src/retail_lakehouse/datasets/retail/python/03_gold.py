"""Gold: business analytics, on one definition of revenue for every gold table.

An order counts unless it is cancelled or returned; revenue is the sum of its items' line
totals (quantity x unit price, the unit price already discounted); shipping is not
revenue. Average order values are rounded half up to the cent in integer arithmetic,
(cents x 2 + orders) DIV (orders x 2), so every engine gives the same cent."""

from pyspark import pipelines as dp
from pyspark.sql import functions as F

NOT_COUNTED = ("cancelled", "returned")


def average_order_value(total: str, orders: str):
    """The average, rounded half up to the cent without floating point."""
    return F.expr(f"(CAST({total} * 200 AS BIGINT) + {orders}) DIV (2 * {orders}) * 0.01")


@dp.materialized_view(comment="Items of orders that count towards revenue, with their order.")
def revenue_lines():
    orders = spark.read.table("silver_orders").where(~F.col("status").isin(*NOT_COUNTED))
    items = spark.read.table("silver_order_items").select(
        F.col("order_id").alias("item_order_id"),
        "order_item_id",
        "product_id",
        "quantity",
        "line_total",
    )
    return orders.join(items, items.item_order_id == orders.order_id).select(
        "order_id",
        "customer_id",
        "order_ts",
        "order_date",
        "order_item_id",
        "product_id",
        "quantity",
        "line_total",
    )


@dp.materialized_view(comment="Orders that count towards revenue, with their value.")
def revenue_orders():
    return (
        spark.read.table("revenue_lines")
        .groupBy("order_id", "customer_id", "order_ts", "order_date")
        .agg(F.sum("line_total").cast("decimal(18,2)").alias("order_value"))
    )


@dp.materialized_view(
    comment="Each customer as the change feed says it is now: the open version of its history."
)
def customers_current():
    return (
        spark.read.table("silver_customers_history")
        .where(F.col("__END_AT").isNull())
        .select(
            "customer_id",
            "country",
            "city",
            "loyalty_tier",
            F.col("__START_AT.sequence_ts").alias("current_since"),
        )
    )


@dp.materialized_view(
    comment="Per customer: orders, lifetime value, average order value, first and last order, "
    "segment.",
    table_properties={"quality": "gold"},
)
def gold_customer_lifetime_value():
    per_customer = (  # by the key alone, then the names: no text in the groups
        spark.read.table("revenue_orders")
        .groupBy(F.col("customer_id").alias("order_customer_id"))
        .agg(
            F.count("order_id").alias("total_orders"),
            F.sum("order_value").alias("lifetime_value"),
            F.min("order_ts").alias("first_order_ts"),
            F.max("order_ts").alias("last_order_ts"),
        )
    )
    customers = spark.read.table("silver_customers")
    current = spark.read.table("customers_current").select(
        F.col("customer_id").alias("current_customer_id"),
        F.col("loyalty_tier").alias("current_tier"),
    )
    value = F.coalesce(F.col("lifetime_value"), F.lit(0))
    segment = (
        F.when(value >= 2000, "VIP")
        .when(value >= 500, "High Value")
        .when(value > 0, "Regular")
        .otherwise("Inactive")
    )
    return (
        customers.join(
            per_customer, per_customer.order_customer_id == customers.customer_id, "left"
        )
        .join(current, current.current_customer_id == customers.customer_id, "left")
        .select(
            "customer_id",
            "first_name",
            "last_name",
            "country",
            F.coalesce(F.col("current_tier"), F.col("loyalty_tier")).alias("loyalty_tier"),
            F.coalesce(F.col("total_orders"), F.lit(0)).alias("total_orders"),
            value.cast("decimal(18,2)").alias("lifetime_value"),
            F.coalesce(average_order_value("lifetime_value", "total_orders"), F.lit(0))
            .cast("decimal(18,2)")
            .alias("avg_order_value"),
            "first_order_ts",
            "last_order_ts",
            segment.alias("customer_segment"),
        )
    )


@dp.materialized_view(
    comment="Per product: units sold, revenue, number of orders and current list price.",
    table_properties={
        "quality": "gold",
        "pipelines.autoOptimize.zOrderCols": "category,product_id",
    },
)
def gold_product_performance():
    per_product = (  # one pass by product
        spark.read.table("revenue_lines")
        .groupBy(F.col("product_id").alias("line_product_id"))
        .agg(
            F.sum("quantity").alias("units"),
            F.sum("line_total").alias("line_revenue"),
            F.countDistinct("order_id").alias("line_orders"),
        )
    )
    # the list price as the change feed says it is now; NULL when the feed deleted the product
    current = spark.read.table("silver_products_current").select(
        F.col("product_id").alias("current_product_id"),
        F.col("list_price").alias("current_price"),
    )
    products = spark.read.table("silver_products")
    return (
        products.join(per_product, per_product.line_product_id == products.product_id, "left")
        .join(current, current.current_product_id == products.product_id, "left")
        .select(
            "product_id",
            "product_name",
            "category",
            "brand",
            F.coalesce(F.col("units"), F.lit(0)).cast("bigint").alias("total_units_sold"),
            F.coalesce(F.col("line_revenue"), F.lit(0))
            .cast("decimal(18,2)")
            .alias("total_revenue"),
            F.coalesce(F.col("line_orders"), F.lit(0)).alias("total_orders"),
            F.col("current_price").cast("decimal(12,2)").alias("current_list_price"),
        )
    )


@dp.materialized_view(
    comment="Per day: orders, revenue, average order value and distinct customers.",
    table_properties={"quality": "gold"},
    cluster_by=["order_date"],
)
def gold_daily_sales_summary():
    return (
        spark.read.table("revenue_orders")
        .groupBy("order_date")
        .agg(
            F.count("order_id").alias("total_orders"),
            F.sum("order_value").cast("decimal(18,2)").alias("total_revenue"),
            average_order_value("sum(order_value)", "count(order_id)")
            .cast("decimal(18,2)")
            .alias("avg_order_value"),
            F.countDistinct("customer_id").alias("unique_customers"),
        )
    )


@dp.materialized_view(
    comment="Per category: revenue, units sold, and the share of active products in stock.",
    table_properties={"quality": "gold"},
)
def gold_category_performance():
    products = spark.read.table("silver_products")
    performance = spark.read.table("gold_product_performance").select(
        F.col("product_id").alias("performance_product_id"),
        F.col("total_revenue").alias("product_revenue"),
        F.col("total_units_sold").alias("product_units_sold"),
    )
    in_stock = F.expr(
        "100.0 * count_if(is_active AND stock_quantity > 0) / nullif(count_if(is_active), 0)"
    )
    return (
        products.join(performance, performance.performance_product_id == products.product_id)
        .groupBy("category")
        .agg(
            F.coalesce(F.sum("product_revenue"), F.lit(0))
            .cast("decimal(18,2)")
            .alias("total_revenue"),
            F.coalesce(F.sum("product_units_sold"), F.lit(0))
            .cast("bigint")
            .alias("total_units_sold"),
            in_stock.cast("decimal(5,2)").alias("stock_availability_pct"),
        )
    )
