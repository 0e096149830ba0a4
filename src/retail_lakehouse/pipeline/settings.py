"""Pipeline settings: a YAML file naming the pipeline, its SQL folder and configuration.

Paths in the file are relative to the file, and the files it names (``sql``,
``ground_truth``, ``charts``) stay inside its folder. Configuration values fill ``${name}``
in the SQL; the runner adds ``landing_path``, ``landing_format`` and ``as_of_date`` from the
lakehouse when the file does not set them. A pipeline over generated data may name the
files that tie it to its dataset: which generator defect each expectation must catch
(``ground_truth``) and the report's charts of its tables (``charts``). ``catalog`` and
``schema`` name where the tables are on Databricks (the bundle's defaults, ``main`` and
``retail_lakehouse``), so ``retail query`` answers a query written for the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.lakehouse import DEFAULT_TABLES
from retail_lakehouse.common.validation import read_yaml_model

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# the defaults of the bundle's catalog and schema variables (databricks.yml)
DEFAULT_CATALOG = "main"
DEFAULT_SCHEMA = "retail_lakehouse"


class PipelineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    sql: Path = Field(
        validation_alias=AliasChoices("sql", "sources"),
        description="Folder of .sql and .py files, relative to the settings file "
        "(also spelled sources).",
    )
    configuration: dict[str, str] = Field(default_factory=dict)
    tables: Path = Field(
        default=DEFAULT_TABLES, description="Where tables live, relative to the lakehouse."
    )
    event_log: Name = "event_log"
    ground_truth: Path | None = Field(
        default=None,
        description="YAML: the generator defect each expectation catches, relative to this file.",
    )
    charts: Path | None = Field(
        default=None, description="YAML: the report's charts of the tables, relative to this file."
    )
    catalog: Name = Field(
        default=DEFAULT_CATALOG,
        description="The Unity Catalog catalog of the tables on Databricks.",
    )
    # named target_schema in Python: a field called schema would shadow BaseModel.schema()
    target_schema: Name = Field(
        default=DEFAULT_SCHEMA,
        validation_alias="schema",
        description="The schema (in the catalog) of the tables on Databricks.",
    )


@dataclass(frozen=True)
class SettingsFiles:
    """The files the settings name, resolved against the settings file."""

    sql: Path
    ground_truth: Path | None
    charts: Path | None


class SettingsError(InputError, ValueError):
    """Settings that cannot be used (one line, naming the file and field)."""


def load_settings(path: Path) -> tuple[PipelineSettings, SettingsFiles]:
    """The settings and the files they name (resolved against the file)."""
    settings = read_yaml_model(path, PipelineSettings, "pipeline settings", SettingsError)
    files = SettingsFiles(
        sql=beside_settings(path, "sql", settings.sql),
        ground_truth=named_file(path, "ground_truth", settings.ground_truth),
        charts=named_file(path, "charts", settings.charts),
    )
    return settings, files


def beside_settings(path: Path, field: str, named: Path) -> Path:
    """``named`` resolved against the folder of the settings file at ``path``, which it
    must not leave: a pipeline's files travel with its settings."""
    folder = path.parent.resolve()
    if not inside(folder / named, folder):
        raise SettingsError(f"{path}: {field}: {named} is outside the settings' folder {folder}")
    return (folder / named).resolve()


def named_file(path: Path, field: str, named: Path | None) -> Path | None:
    """The optional file ``field`` names beside the settings, which must be there."""
    if named is None:
        return None
    resolved = beside_settings(path, field, named)
    if not resolved.is_file():
        raise SettingsError(f"{path}: {field}: no file {path.parent / named}")
    return resolved


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or in it once both are resolved (symbolic links too)."""
    return path.resolve().is_relative_to(folder.resolve())
