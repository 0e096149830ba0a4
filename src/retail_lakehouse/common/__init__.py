"""The base every layer stands on: the error hierarchy, the lakehouse layout, and small
helpers more than one layer uses (atomic writes, typed YAML, dependency order)."""
