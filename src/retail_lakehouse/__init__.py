"""retail-lakehouse: deterministic synthetic retail data and a local-first medallion lakehouse."""

__version__ = "0.1.0"  # the single source of the version: pyproject.toml reads it from here
