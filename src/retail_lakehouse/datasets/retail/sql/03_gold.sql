-- Gold: business analytics. One definition of revenue for every gold table:
--   an order counts unless it is cancelled or returned (pending, processing, shipped and
--   delivered orders count); revenue is the sum of its items' line totals, quantity x
--   unit price, where the unit price already has the item's discount applied; shipping
--   costs are not revenue. So the four tables add up to the same totals.
-- Average order values are rounded half up to the cent in integer arithmetic,
--   (cents x 2 + orders) DIV (orders x 2), so every engine gives the same cent (DuckDB
--   divides decimals in floating point, Spark exactly).

-- revenue_lines, revenue_orders and customers_current are stored, though only gold reads
-- them: an appended day then refreshes them by key (a few thousand rows), and the gold
-- tables over them find which of their keys the day reached.

CREATE OR REFRESH MATERIALIZED VIEW revenue_lines
COMMENT 'Items of orders that count towards revenue, with their order.'
AS SELECT
  o.order_id,
  o.customer_id,
  o.order_ts,
  o.order_date,
  i.order_item_id,
  i.product_id,
  i.quantity,
  i.line_total
FROM silver_orders AS o
JOIN silver_order_items AS i ON i.order_id = o.order_id
WHERE o.status NOT IN ('cancelled', 'returned');

CREATE OR REFRESH MATERIALIZED VIEW revenue_orders
COMMENT 'Orders that count towards revenue, with their value.'
AS SELECT
  order_id, customer_id, order_ts, order_date,
  CAST(sum(line_total) AS DECIMAL(18, 2)) AS order_value  -- one type on every engine
FROM revenue_lines
GROUP BY order_id, customer_id, order_ts, order_date;

CREATE OR REFRESH MATERIALIZED VIEW customers_current
COMMENT 'Each customer as the change feed says it is now: the open version of its history.'
AS SELECT customer_id, country, city, loyalty_tier, __START_AT.sequence_ts AS current_since
FROM silver_customers_history
WHERE __END_AT IS NULL;

CREATE OR REFRESH MATERIALIZED VIEW gold_customer_lifetime_value
COMMENT 'Per customer: orders, lifetime value, average order value, first and last order, segment.'
TBLPROPERTIES ('quality' = 'gold')
AS SELECT
  c.customer_id,
  c.first_name,
  c.last_name,
  c.country,
  coalesce(d.loyalty_tier, c.loyalty_tier) AS loyalty_tier,
  coalesce(r.total_orders, 0) AS total_orders,
  CAST(coalesce(r.lifetime_value, 0) AS DECIMAL(18, 2)) AS lifetime_value,
  CAST(coalesce(
    (CAST(r.lifetime_value * 200 AS BIGINT) + r.total_orders) DIV (2 * r.total_orders) * 0.01,
    0
  ) AS DECIMAL(18, 2)) AS avg_order_value,
  r.first_order_ts,
  r.last_order_ts,
  CASE
    WHEN coalesce(r.lifetime_value, 0) >= 2000 THEN 'VIP'
    WHEN coalesce(r.lifetime_value, 0) >= 500 THEN 'High Value'
    WHEN coalesce(r.lifetime_value, 0) > 0 THEN 'Regular'
    ELSE 'Inactive'
  END AS customer_segment
FROM silver_customers AS c
LEFT JOIN (  -- aggregate by the key alone, then add the names: no text in the groups
  SELECT
    customer_id,
    count(order_id) AS total_orders,
    sum(order_value) AS lifetime_value,
    min(order_ts) AS first_order_ts,
    max(order_ts) AS last_order_ts
  FROM revenue_orders
  GROUP BY customer_id
) AS r ON r.customer_id = c.customer_id
LEFT JOIN customers_current AS d ON d.customer_id = c.customer_id;

-- current_list_price is the product's list price as the change feed says it is now (NULL
-- when the feed deleted the product); a product's revenue stays what its items were sold at.
CREATE OR REFRESH MATERIALIZED VIEW gold_product_performance
COMMENT 'Per product: units sold, revenue, number of orders and current list price.'
TBLPROPERTIES ('quality' = 'gold', 'pipelines.autoOptimize.zOrderCols' = 'category,product_id')
AS SELECT
  p.product_id,
  p.product_name,
  p.category,
  p.brand,
  CAST(coalesce(l.units, 0) AS BIGINT) AS total_units_sold,
  CAST(coalesce(l.revenue, 0) AS DECIMAL(18, 2)) AS total_revenue,
  coalesce(l.orders, 0) AS total_orders,
  CAST(c.list_price AS DECIMAL(12, 2)) AS current_list_price
FROM silver_products AS p
LEFT JOIN (  -- one pass by product: cheaper than grouping by product and order first
  SELECT
    product_id,
    sum(quantity) AS units,
    sum(line_total) AS revenue,
    count(DISTINCT order_id) AS orders
  FROM revenue_lines
  GROUP BY product_id
) AS l ON l.product_id = p.product_id
LEFT JOIN silver_products_current AS c ON c.product_id = p.product_id;

CREATE OR REFRESH MATERIALIZED VIEW gold_daily_sales_summary
COMMENT 'Per day: orders, revenue, average order value and distinct customers.'
TBLPROPERTIES ('quality' = 'gold')
CLUSTER BY (order_date)
AS SELECT
  order_date,
  count(order_id) AS total_orders,
  CAST(sum(order_value) AS DECIMAL(18, 2)) AS total_revenue,
  CAST(
    (CAST(sum(order_value) * 200 AS BIGINT) + count(order_id)) DIV (2 * count(order_id)) * 0.01
    AS DECIMAL(18, 2)
  ) AS avg_order_value,
  count(DISTINCT customer_id) AS unique_customers
FROM revenue_orders
GROUP BY order_date;

CREATE OR REFRESH MATERIALIZED VIEW gold_category_performance
COMMENT 'Per category: revenue, units sold, and the share of active products in stock.'
TBLPROPERTIES ('quality' = 'gold')
AS SELECT
  p.category,
  CAST(coalesce(sum(pp.total_revenue), 0) AS DECIMAL(18, 2)) AS total_revenue,
  CAST(coalesce(sum(pp.total_units_sold), 0) AS BIGINT) AS total_units_sold,
  CAST(
    100.0 * count_if(p.is_active AND p.stock_quantity > 0) / nullif(count_if(p.is_active), 0)
    AS DECIMAL(5, 2)
  ) AS stock_availability_pct
FROM silver_products AS p
JOIN gold_product_performance AS pp ON pp.product_id = p.product_id
GROUP BY p.category;
