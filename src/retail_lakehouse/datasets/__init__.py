"""The datasets that ship with the package, a folder each (``retail/``).

A dataset folder holds data files only: ``spec.yaml`` (what the generator writes),
``pipeline.yaml`` with its ``sql/`` (the pipeline over it; ``pipeline_python.yaml`` with
``python/`` is the same pipeline in Python) and the files the pipeline's
settings name: ``ground_truth.yaml`` (the generator defect each expectation catches) and
``charts.yaml`` (the report's charts of its tables). Nothing outside a dataset's folder
knows its tables; the generator, the pipeline and the report read what the folder declares.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from retail_lakehouse.generate.spec import DatasetSpec

BuiltinDataset = Literal["retail"]
PipelineLanguage = Literal["sql", "python"]  # the built-in pipeline is written in both
PIPELINE_LANGUAGES: tuple[PipelineLanguage, ...] = get_args(PipelineLanguage)
_SETTINGS_FILES: dict[PipelineLanguage, str] = {
    "sql": "pipeline.yaml",
    "python": "pipeline_python.yaml",
}
BUILTIN_DATASETS: tuple[str, ...] = get_args(BuiltinDataset)
DEFAULT_DATASET: BuiltinDataset = "retail"


def dataset_folder(name: BuiltinDataset = DEFAULT_DATASET) -> Path:
    return Path(str(files("retail_lakehouse.datasets").joinpath(name)))


def builtin_spec_text(name: BuiltinDataset = DEFAULT_DATASET) -> str:
    return (dataset_folder(name) / "spec.yaml").read_text(encoding="utf-8")


def builtin_spec(name: BuiltinDataset = DEFAULT_DATASET) -> DatasetSpec:
    from retail_lakehouse.generate.spec import parse_spec_text  # pydantic: only when used

    return parse_spec_text(builtin_spec_text(name), f"<built-in {name}>")


def builtin_settings_path(
    name: BuiltinDataset = DEFAULT_DATASET, language: PipelineLanguage = "sql"
) -> Path:
    """The settings of the pipeline that ships with a dataset, in SQL or in Python."""
    return dataset_folder(name) / _SETTINGS_FILES[language]


def settings_or_builtin(path: Path | None) -> Path:
    """The settings a user named, or the built-in pipeline's when they named none."""
    return path if path is not None else builtin_settings_path()
