"""The lakehouse as a pipeline's settings lay it out: its tables folder and its landing
path, both inside the lakehouse, known from the settings alone (without parsing the
pipeline's SQL or Python), so a command that only reads tables starts fast."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.pipeline.settings import (
    PipelineSettings,
    SettingsError,
    inside,
    load_settings,
)
from retail_lakehouse.storage.folders import check_delta_folder

LANDING_PATH = "landing_path"


def pipeline_lakehouse(settings_path: Path, lakehouse_root: Path) -> Lakehouse:
    """The lakehouse as the settings at ``settings_path`` lay it out, checked, without
    parsing the pipeline (what must be known before touching the lakehouse)."""
    settings, _ = load_settings(settings_path)
    return settings_lakehouse(settings_path, settings, lakehouse_root)


def settings_lakehouse(
    settings_path: Path, settings: PipelineSettings, lakehouse_root: Path
) -> Lakehouse:
    check_tables_folder(settings_path, settings.tables, lakehouse_root)
    check_landing_path(settings_path, settings.configuration, lakehouse_root)
    lakehouse = Lakehouse(lakehouse_root, settings.tables)
    check_delta_folder(lakehouse.tables)
    return lakehouse


def check_tables_folder(settings_path: Path, tables: Path, lakehouse_root: Path) -> None:
    """The settings' ``tables`` is a folder of the lakehouse: an update writes only there."""
    if tables.is_absolute():
        raise SettingsError(
            f"{settings_path}: tables: {tables} is absolute; name a folder of the lakehouse"
        )
    if not inside(lakehouse_root / tables, lakehouse_root):
        raise SettingsError(
            f"{settings_path}: tables: {tables} is outside the lakehouse {lakehouse_root}"
        )


def check_landing_path(
    settings_path: Path, configuration: Mapping[str, str], lakehouse_root: Path
) -> None:
    """A ``landing_path`` the settings set is in the lakehouse, as the default one is."""
    landing = configuration.get(LANDING_PATH)  # a relative one is read from the working folder
    if landing is not None and not inside(Path(landing), lakehouse_root):
        raise SettingsError(
            f"{settings_path}: configuration.{LANDING_PATH}: {landing} is outside "
            f"the lakehouse {lakehouse_root}"
        )
