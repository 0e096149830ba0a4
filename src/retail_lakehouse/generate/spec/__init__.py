"""The typed, declarative dataset spec: models, cross-checks, YAML loading."""

from __future__ import annotations

from retail_lakehouse.generate.spec.dataset import DatasetSpec, TableSpec
from retail_lakehouse.generate.spec.loading import (
    SpecError,
    dump_base_spec,
    dump_spec,
    load_spec,
    parse_spec,
    parse_spec_text,
)

__all__ = [
    "DatasetSpec",
    "SpecError",
    "TableSpec",
    "dump_base_spec",
    "dump_spec",
    "load_spec",
    "parse_spec",
    "parse_spec_text",
]
