-- Silver: typed, cleaned, de-duplicated. Every defect kind the generator injects is caught
-- by exactly one named expectation, and dropped rows go to <table>_quarantine.
-- Duplicates: _key_rank numbers the copies of a key; the first ingested copy is kept.

CREATE OR REFRESH MATERIALIZED VIEW silver_customers (
  CONSTRAINT customer_id_present EXPECT (customer_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT email_present EXPECT (email IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT valid_email EXPECT (email IS NULL OR email RLIKE '^[^@ ]+@[^@ ]+[.][^@ ]+$') ON VIOLATION DROP ROW,
  CONSTRAINT unique_customer_id EXPECT (_key_rank = 1) ON VIOLATION DROP ROW
)
COMMENT 'Customers with a valid email, one row per customer_id.'
TBLPROPERTIES ('quality' = 'silver')
AS SELECT
  CAST(customer_id AS BIGINT) AS customer_id,
  first_name,
  last_name,
  lower(email) AS email,
  gender,
  CAST(age AS INT) AS age,
  country,
  city,
  CAST(signup_ts AS TIMESTAMP) AS signup_ts,
  loyalty_tier,
  CAST(marketing_opt_in AS BOOLEAN) AS marketing_opt_in,
  datediff(DATE '${as_of_date}', CAST(CAST(signup_ts AS TIMESTAMP) AS DATE)) AS account_age_days,
  CAST(row_number() OVER (PARTITION BY customer_id ORDER BY _ingested_at) AS INT) AS _key_rank
FROM bronze_customers;

CREATE OR REFRESH MATERIALIZED VIEW silver_products (
  CONSTRAINT product_id_present EXPECT (product_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT product_name_present EXPECT (product_name IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT positive_price EXPECT (list_price > 0) ON VIOLATION DROP ROW,
  CONSTRAINT unique_product_id EXPECT (_key_rank = 1) ON VIOLATION DROP ROW
)
COMMENT 'Products with a name and a positive price, one row per product_id.'
TBLPROPERTIES ('quality' = 'silver')
AS SELECT
  CAST(product_id AS BIGINT) AS product_id,
  sku,
  product_name,
  category,
  brand,
  CAST(list_price AS DECIMAL(12, 2)) AS list_price,
  CAST(cost AS DECIMAL(12, 2)) AS cost,
  CAST(stock_quantity AS INT) AS stock_quantity,
  CAST(is_active AS BOOLEAN) AS is_active,
  CAST(created_ts AS TIMESTAMP) AS created_ts,
  CAST(row_number() OVER (PARTITION BY product_id ORDER BY _ingested_at) AS INT) AS _key_rank
FROM bronze_products;

CREATE OR REFRESH MATERIALIZED VIEW silver_orders (
  CONSTRAINT order_id_present EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT customer_id_present EXPECT (customer_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT valid_customer EXPECT (customer_id IS NULL OR _customer_found) ON VIOLATION DROP ROW,
  CONSTRAINT shipped_after_ordered EXPECT (shipped_ts IS NULL OR shipped_ts > order_ts) ON VIOLATION DROP ROW,
  CONSTRAINT unique_order_id EXPECT (_key_rank = 1) ON VIOLATION DROP ROW
)
COMMENT 'Orders of known customers, shipped after they were placed, one row per order_id.'
TBLPROPERTIES ('quality' = 'silver')
AS SELECT
  CAST(o.order_id AS BIGINT) AS order_id,
  CAST(o.customer_id AS BIGINT) AS customer_id,
  CAST(o.order_ts AS TIMESTAMP) AS order_ts,
  CAST(CAST(o.order_ts AS TIMESTAMP) AS DATE) AS order_date,
  CAST(o.shipped_ts AS TIMESTAMP) AS shipped_ts,
  o.status,
  o.payment_method,
  o.channel,
  CAST(o.shipping_cost AS DECIMAL(12, 2)) AS shipping_cost,
  CASE
    WHEN coalesce(i.item_count, 0) <= 1 THEN 'single'
    WHEN i.item_count <= 3 THEN 'small'
    WHEN i.item_count <= 6 THEN 'medium'
    ELSE 'large'
  END AS order_size_bucket,
  c.customer_id IS NOT NULL AS _customer_found,
  CAST(row_number() OVER (PARTITION BY o.order_id ORDER BY o._ingested_at) AS INT) AS _key_rank
FROM bronze_orders AS o
LEFT JOIN (SELECT DISTINCT customer_id FROM silver_customers) AS c ON o.customer_id = c.customer_id
LEFT JOIN (
  SELECT order_id, count(*) AS item_count FROM bronze_order_items GROUP BY order_id
) AS i ON o.order_id = i.order_id;

CREATE OR REFRESH MATERIALIZED VIEW silver_order_items (
  CONSTRAINT order_item_id_present EXPECT (order_item_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT product_id_present EXPECT (product_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT valid_order EXPECT (order_id IS NULL OR _order_found) ON VIOLATION DROP ROW,
  CONSTRAINT valid_product EXPECT (product_id IS NULL OR _product_found) ON VIOLATION DROP ROW,
  CONSTRAINT active_product EXPECT (NOT _product_found OR _product_active) ON VIOLATION DROP ROW,
  CONSTRAINT positive_quantity EXPECT (quantity > 0) ON VIOLATION DROP ROW,
  CONSTRAINT positive_unit_price EXPECT (unit_price > 0) ON VIOLATION DROP ROW,
  CONSTRAINT unique_order_item_id EXPECT (_key_rank = 1) ON VIOLATION DROP ROW
)
COMMENT 'Items of known orders and active products, with positive quantities and prices.'
TBLPROPERTIES ('quality' = 'silver')
AS SELECT
  CAST(i.order_item_id AS BIGINT) AS order_item_id,
  CAST(i.order_id AS BIGINT) AS order_id,
  CAST(i.product_id AS BIGINT) AS product_id,
  CAST(i.quantity AS INT) AS quantity,
  CAST(i.unit_price AS DECIMAL(12, 2)) AS unit_price,
  CAST(i.discount AS DECIMAL(4, 2)) AS discount,
  CAST(CAST(i.quantity AS INT) * CAST(i.unit_price AS DECIMAL(12, 2)) AS DECIMAL(14, 2)) AS line_total,
  o.order_id IS NOT NULL AS _order_found,
  p.product_id IS NOT NULL AS _product_found,
  coalesce(p.is_active, false) AS _product_active,
  CAST(row_number() OVER (PARTITION BY i.order_item_id ORDER BY i._ingested_at) AS INT) AS _key_rank
FROM bronze_order_items AS i
LEFT JOIN silver_orders AS o ON i.order_id = o.order_id
LEFT JOIN silver_products AS p ON i.product_id = p.product_id;

-- Customer history: every version of each customer's loyalty tier and city, from the
-- change feed, in sequence order whatever order the changes arrived in (SCD type 2).
CREATE OR REFRESH STREAMING TABLE silver_customers_history
COMMENT 'Every version of each customer, by loyalty tier and city (SCD type 2).'
TBLPROPERTIES ('quality' = 'silver');

CREATE FLOW customers_history AS AUTO CDC INTO silver_customers_history
FROM STREAM(bronze_customers_cdc)
KEYS (customer_id)
APPLY AS DELETE WHEN operation = 'DELETE'
SEQUENCE BY struct(sequence_ts, sequence_no)
COLUMNS * EXCEPT (operation, sequence_ts, sequence_no, _ingested_at, _source_file)
STORED AS SCD TYPE 2
TRACK HISTORY ON (loyalty_tier, city);

-- Current products: each product as the change feed says it is now (repriced, retired),
-- the latest change by sequence whatever order the changes arrived in; a product the feed
-- deleted has no row (SCD type 1).
CREATE OR REFRESH STREAMING TABLE silver_products_current
COMMENT 'Each product as the change feed says it is now, repriced or retired (SCD type 1).'
TBLPROPERTIES ('quality' = 'silver');

CREATE FLOW products_current AS AUTO CDC INTO silver_products_current
FROM STREAM(bronze_products_cdc)
KEYS (product_id)
APPLY AS DELETE WHEN operation = 'DELETE'
SEQUENCE BY struct(sequence_ts, sequence_no)
COLUMNS * EXCEPT (operation, sequence_ts, sequence_no, _ingested_at, _source_file)
STORED AS SCD TYPE 1;
