"""``retail init``: a pipeline project for a user to edit, written from a built-in dataset.

A project is the dataset's pipeline as files of its own: the settings (from the dataset's
``project/settings.yaml``), the pipeline's SQL files and the files of ``project/`` beside
them (a Python dataset to start from), the ground truth and the charts. It is written into a
new or empty folder, whole or not at all: the files are staged in a hidden sibling that is
renamed into place.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from string import Template

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.datasets import DEFAULT_DATASET, BuiltinDataset, dataset_folder
from retail_lakehouse.pipeline.settings import load_settings

SETTINGS = "settings.yaml"
DEFAULT_NAME = "my_pipeline"


def write_project(target: Path, dataset: BuiltinDataset = DEFAULT_DATASET) -> Path:
    """Write the project into ``target`` and return its settings file."""
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.init-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _write_files(staging, dataset, pipeline_name(target), target / SETTINGS)
        staging.replace(target)  # onto a missing or empty folder: atomic on POSIX
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target / SETTINGS


def pipeline_name(target: Path) -> str:
    """The folder's name as a pipeline name: letters, digits and underscores."""
    name = re.sub(r"\W+", "_", target.resolve().name).strip("_")
    if not name:
        return DEFAULT_NAME
    return f"_{name}" if name[0].isdigit() else name


def _check_target(target: Path) -> None:
    if target.is_dir() and any(target.iterdir()):
        raise InputError(f"{target}: not empty; init writes a project into a new or empty folder")
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: exists and is not a folder")


def _write_files(staging: Path, dataset: BuiltinDataset, name: str, settings: Path) -> None:
    source = dataset_folder(dataset)
    template = source / "project"
    shutil.copytree(template, staging, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    text = Template((template / SETTINGS).read_text(encoding="utf-8"))
    (staging / SETTINGS).write_text(
        text.safe_substitute(name=name, settings=settings), encoding="utf-8"
    )
    _, builtin = load_settings(source / "pipeline.yaml")
    for named in (builtin.ground_truth, builtin.charts):
        if named is not None:
            shutil.copy(named, staging / named.name)
    _, project = load_settings(staging / SETTINGS)
    for sql in sorted(builtin.sql.glob("*.sql")):
        shutil.copy(sql, project.sql / sql.name)
