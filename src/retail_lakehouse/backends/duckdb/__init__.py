"""The embedded backend: DuckDB in process, Delta tables through delta-rs."""
