"""Execution engines behind one protocol: DuckDB (default) and Spark."""
