"""retail-lakehouse: deterministic synthetic retail data and a local-first medallion lakehouse."""
