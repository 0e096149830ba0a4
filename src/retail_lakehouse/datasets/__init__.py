"""The datasets that ship with the package, by name (their specs are YAML data files)."""

from __future__ import annotations

from importlib.resources import files
from typing import Literal, get_args

from retail_lakehouse.generate.spec import DatasetSpec, parse_spec_text

BuiltinDataset = Literal["retail"]
BUILTIN_DATASETS: tuple[str, ...] = get_args(BuiltinDataset)


def builtin_spec_text(name: BuiltinDataset = "retail") -> str:
    return files("retail_lakehouse.datasets").joinpath(name, "spec.yaml").read_text("utf-8")


def builtin_spec(name: BuiltinDataset = "retail") -> DatasetSpec:
    return parse_spec_text(builtin_spec_text(name), f"<built-in {name}>")
