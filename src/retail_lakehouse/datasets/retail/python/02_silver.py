"""Silver: typed, cleaned, de-duplicated. Every defect kind the generator injects is caught
by exactly one named expectation, and dropped rows go to <table>_quarantine.
Duplicates: _key_rank numbers the copies of a key; the first ingested copy is kept."""

from pyspark import pipelines as dp
from pyspark.sql import Window
from pyspark.sql import functions as F


def key_rank(*keys):
    """Which copy of its key a row is, by ingestion time (1: the first)."""
    return F.row_number().over(Window.partitionBy(*keys).orderBy("_ingested_at")).cast("int")


def typed(column, type_name):
    return F.col(column).cast(type_name).alias(column)


@dp.materialized_view(
    comment="Customers with a valid email, one row per customer_id.",
    table_properties={"quality": "silver"},
)
@dp.expect_all_or_drop(
    {
        "customer_id_present": "customer_id IS NOT NULL",
        "email_present": "email IS NOT NULL",
        "valid_email": "email IS NULL OR email RLIKE '^[^@ ]+@[^@ ]+[.][^@ ]+$'",
        "unique_customer_id": "_key_rank = 1",
    }
)
def silver_customers():
    signed_up = F.col("signup_ts").cast("timestamp")
    as_of = F.lit(spark.conf.get("as_of_date")).cast("date")
    return spark.read.table("bronze_customers").select(
        typed("customer_id", "bigint"),
        "first_name",
        "last_name",
        F.lower("email").alias("email"),
        "gender",
        typed("age", "int"),
        "country",
        "city",
        typed("signup_ts", "timestamp"),
        "loyalty_tier",
        typed("marketing_opt_in", "boolean"),
        F.datediff(as_of, signed_up.cast("date")).alias("account_age_days"),
        key_rank("customer_id").alias("_key_rank"),
    )


@dp.materialized_view(
    comment="Products with a name and a positive price, one row per product_id.",
    table_properties={"quality": "silver"},
)
@dp.expect_all_or_drop(
    {
        "product_id_present": "product_id IS NOT NULL",
        "product_name_present": "product_name IS NOT NULL",
        "positive_price": "list_price > 0",
        "unique_product_id": "_key_rank = 1",
    }
)
def silver_products():
    return spark.read.table("bronze_products").select(
        typed("product_id", "bigint"),
        "sku",
        "product_name",
        "category",
        "brand",
        typed("list_price", "decimal(12,2)"),
        typed("cost", "decimal(12,2)"),
        typed("stock_quantity", "int"),
        typed("is_active", "boolean"),
        typed("created_ts", "timestamp"),
        key_rank("product_id").alias("_key_rank"),
    )


@dp.materialized_view(
    comment="Orders of known customers, shipped after they were placed, one row per order_id.",
    table_properties={"quality": "silver"},
)
@dp.expect_all_or_drop(
    {
        "order_id_present": "order_id IS NOT NULL",
        "customer_id_present": "customer_id IS NOT NULL",
        "valid_customer": "customer_id IS NULL OR _customer_found",
        "shipped_after_ordered": "shipped_ts IS NULL OR shipped_ts > order_ts",
        "unique_order_id": "_key_rank = 1",
    }
)
def silver_orders():
    orders = spark.read.table("bronze_orders")
    customers = (
        spark.read.table("silver_customers")
        .select(F.col("customer_id").alias("known_customer_id"))
        .distinct()
    )
    items = (
        spark.read.table("bronze_order_items")
        .groupBy("order_id")
        .agg(F.count("*").alias("item_count"))
        .withColumnRenamed("order_id", "items_order_id")
    )
    item_count = F.col("item_count")
    size = (
        F.when(F.coalesce(item_count, F.lit(0)) <= 1, "single")
        .when(item_count <= 3, "small")
        .when(item_count <= 6, "medium")
        .otherwise("large")
    )
    return (
        orders.join(customers, orders.customer_id == customers.known_customer_id, "left")
        .join(items, orders.order_id == items.items_order_id, "left")
        .select(
            typed("order_id", "bigint"),
            typed("customer_id", "bigint"),
            typed("order_ts", "timestamp"),
            F.col("order_ts").cast("timestamp").cast("date").alias("order_date"),
            typed("shipped_ts", "timestamp"),
            "status",
            "payment_method",
            "channel",
            typed("shipping_cost", "decimal(12,2)"),
            size.alias("order_size_bucket"),
            F.col("known_customer_id").isNotNull().alias("_customer_found"),
            key_rank("order_id").alias("_key_rank"),
        )
    )


@dp.materialized_view(
    comment="Items of known orders and active products, with positive quantities and prices.",
    table_properties={"quality": "silver"},
)
@dp.expect_all_or_drop(
    {
        "order_item_id_present": "order_item_id IS NOT NULL",
        "product_id_present": "product_id IS NOT NULL",
        "valid_order": "order_id IS NULL OR _order_found",
        "valid_product": "product_id IS NULL OR _product_found",
        "active_product": "NOT _product_found OR _product_active",
        "positive_quantity": "quantity > 0",
        "positive_unit_price": "unit_price > 0",
        "unique_order_item_id": "_key_rank = 1",
    }
)
def silver_order_items():
    items = spark.read.table("bronze_order_items")
    orders = spark.read.table("silver_orders").select(F.col("order_id").alias("known_order_id"))
    products = spark.read.table("silver_products").select(
        F.col("product_id").alias("known_product_id"),
        F.col("is_active").alias("known_product_active"),
    )
    quantity = F.col("quantity").cast("int")
    unit_price = F.col("unit_price").cast("decimal(12,2)")
    return (
        items.join(orders, items.order_id == orders.known_order_id, "left")
        .join(products, items.product_id == products.known_product_id, "left")
        .select(
            typed("order_item_id", "bigint"),
            typed("order_id", "bigint"),
            typed("product_id", "bigint"),
            quantity.alias("quantity"),
            unit_price.alias("unit_price"),
            typed("discount", "decimal(4,2)"),
            (quantity * unit_price).cast("decimal(14,2)").alias("line_total"),
            F.col("known_order_id").isNotNull().alias("_order_found"),
            F.col("known_product_id").isNotNull().alias("_product_found"),
            F.coalesce(F.col("known_product_active"), F.lit(False)).alias("_product_active"),
            key_rank("order_item_id").alias("_key_rank"),
        )
    )


# A change feed's records: ordered by their sequence, deletes marked by their operation, and
# the feed's own bookkeeping columns not kept.
FEED_SEQUENCE = "struct(sequence_ts, sequence_no)"
FEED_DELETE = "operation = 'DELETE'"
FEED_BOOKKEEPING = ["operation", "sequence_ts", "sequence_no", "_ingested_at", "_source_file"]

dp.create_streaming_table(
    "silver_customers_history",
    comment="Every version of each customer, by loyalty tier and city (SCD type 2).",
    table_properties={"quality": "silver"},
)
dp.create_auto_cdc_flow(
    name="customers_history",
    target="silver_customers_history",
    source="bronze_customers_cdc",
    keys=["customer_id"],
    sequence_by=FEED_SEQUENCE,
    apply_as_deletes=FEED_DELETE,
    except_column_list=FEED_BOOKKEEPING,
    stored_as_scd_type=2,
    track_history_column_list=["loyalty_tier", "city"],
)


# Current products: each product as the change feed says it is now (repriced, retired), the
# latest change by sequence whatever order the changes arrived in; a product the feed
# deleted has no row (SCD type 1).
dp.create_streaming_table(
    "silver_products_current",
    comment="Each product as the change feed says it is now, repriced or retired (SCD type 1).",
    table_properties={"quality": "silver"},
)
dp.create_auto_cdc_flow(
    name="products_current",
    target="silver_products_current",
    source="bronze_products_cdc",
    keys=["product_id"],
    sequence_by=FEED_SEQUENCE,
    apply_as_deletes=FEED_DELETE,
    except_column_list=FEED_BOOKKEEPING,
    stored_as_scd_type=1,
)
