"""Pipeline SQL: the Lakeflow DDL of .sql files, and what queries read, as sqlglot trees."""
