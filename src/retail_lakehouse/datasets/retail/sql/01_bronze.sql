-- Bronze: the landing files as they are, plus when and from which file each row came.
-- Streaming tables: an update ingests only the files it has not seen before.

CREATE OR REFRESH STREAMING TABLE bronze_customers
COMMENT 'Raw customers from the landing zone.'
TBLPROPERTIES ('quality' = 'bronze')
AS SELECT *, current_timestamp() AS _ingested_at, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/customers', format => '${landing_format}');

CREATE OR REFRESH STREAMING TABLE bronze_products
COMMENT 'Raw products from the landing zone.'
TBLPROPERTIES ('quality' = 'bronze')
AS SELECT *, current_timestamp() AS _ingested_at, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/products', format => '${landing_format}');

CREATE OR REFRESH STREAMING TABLE bronze_orders
COMMENT 'Raw orders from the landing zone.'
TBLPROPERTIES ('quality' = 'bronze')
AS SELECT *, current_timestamp() AS _ingested_at, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/orders', format => '${landing_format}');

CREATE OR REFRESH STREAMING TABLE bronze_order_items
COMMENT 'Raw order items from the landing zone.'
TBLPROPERTIES ('quality' = 'bronze')
AS SELECT *, current_timestamp() AS _ingested_at, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/order_items', format => '${landing_format}');

CREATE OR REFRESH STREAMING TABLE bronze_customers_cdc
COMMENT 'Raw customers_cdc from the landing zone.'
TBLPROPERTIES ('quality' = 'bronze')
AS SELECT *, current_timestamp() AS _ingested_at, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/customers_cdc', format => '${landing_format}');

CREATE OR REFRESH STREAMING TABLE bronze_products_cdc
COMMENT 'Raw products_cdc from the landing zone.'
TBLPROPERTIES ('quality' = 'bronze')
AS SELECT *, current_timestamp() AS _ingested_at, _metadata.file_path AS _source_file
FROM STREAM read_files('${landing_path}/products_cdc', format => '${landing_format}');
