"""Pipeline settings: a YAML file naming the pipeline, its SQL folder and configuration.

Paths in the file are relative to the file. Configuration values fill ``${name}`` in the
SQL; the runner adds ``landing_path``, ``landing_format`` and ``as_of_date`` from the
lakehouse when the file does not set them.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retail_lakehouse.generate.spec.loading import SpecError, describe_validation_error

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


def builtin_settings_path() -> Path:
    """The settings of the retail pipeline that ships with the package."""
    return Path(str(files("retail_lakehouse.datasets").joinpath("retail", "pipeline.yaml")))


def settings_or_builtin(path: Path | None) -> Path:
    """The settings a user named, or the built-in pipeline's when they named none."""
    return path if path is not None else builtin_settings_path()


class PipelineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    sql: Path = Field(description="Folder of .sql files, relative to the settings file.")
    configuration: dict[str, str] = Field(default_factory=dict)
    tables: Path = Field(
        default=Path("tables"), description="Where tables live, relative to the lakehouse."
    )
    event_log: Name = "event_log"


class SettingsError(SpecError):
    """Settings that cannot be used (one line, naming the file and field)."""


def load_settings(path: Path) -> tuple[PipelineSettings, Path]:
    """The settings and the SQL folder they point at (resolved against the file)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read pipeline settings: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: invalid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: pipeline settings must be a mapping")
    try:
        settings = PipelineSettings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"{path}: {describe_validation_error(exc, data)}") from None
    return settings, (path.parent / settings.sql).resolve()
