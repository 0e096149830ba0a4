"""Mutation testing of the core modules: mutmut for the Python, a sqlglot mutator for the gold
SQL, both run in a scratch copy of the checkout (QUALITY.md)."""
