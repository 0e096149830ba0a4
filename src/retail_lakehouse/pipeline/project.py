"""A pipeline as a user runs it: settings + SQL folder + lakehouse -> a planned graph.

The configuration a pipeline's SQL sees is the settings' own, over defaults taken from
the lakehouse: ``landing_path`` (``<lakehouse>/landing``), ``landing_format`` and
``as_of_date`` (from the landing zone's manifest: its reference time's date, or the day
after its last appended day; without one: parquet and today). The
tables folder and a ``landing_path`` the settings set stay inside the lakehouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.pipeline.definitions import pipeline_definitions
from retail_lakehouse.pipeline.graph import PipelineGraph, build_graph
from retail_lakehouse.pipeline.layout import LANDING_PATH, settings_lakehouse
from retail_lakehouse.pipeline.settings import PipelineSettings, SettingsFiles, load_settings

READ_FILES_FORMATS = {"parquet": "parquet", "jsonl": "json", "csv": "csv"}


@dataclass(frozen=True)
class LoadedPipeline:
    settings_path: Path
    settings: PipelineSettings
    files: SettingsFiles
    configuration: dict[str, str]
    graph: PipelineGraph
    lakehouse: Lakehouse  # with the tables folder the settings name
    notes: tuple[str, ...] = ()  # what the definitions asked for and is ignored locally


def landing_defaults(lakehouse: Lakehouse) -> dict[str, str]:
    defaults = {
        LANDING_PATH: str(lakehouse.landing.resolve()),
        "landing_format": "parquet",
        "as_of_date": datetime.now(UTC).date().isoformat(),  # the manifest's, when there is one
    }
    if lakehouse.manifest.exists():
        document = read_manifest(lakehouse.manifest)
        defaults["landing_format"] = READ_FILES_FORMATS.get(str(document.get("format")), "parquet")
        defaults["as_of_date"] = as_of_date(document)
    return defaults


def as_of_date(manifest: Mapping[str, Any]) -> str:
    """The day the data is as of: the day after the last appended day, else the reference
    time's date (the base data ends the day before it)."""
    batches = (manifest.get("arrivals") or {}).get("batches") or []
    if batches:
        return (date.fromisoformat(str(batches[-1]["day"])) + timedelta(days=1)).isoformat()
    return str(manifest.get("reference_time", ""))[:10]


def load_pipeline(settings_path: Path, lakehouse_root: Path) -> LoadedPipeline:
    settings, files = load_settings(settings_path)
    lakehouse = settings_lakehouse(settings_path, settings, lakehouse_root)
    configuration = {**landing_defaults(lakehouse), **settings.configuration}
    definitions = pipeline_definitions(files.sql, configuration)
    graph = build_graph(list(definitions.datasets))
    return LoadedPipeline(
        settings_path, settings, files, configuration, graph, lakehouse, definitions.notes
    )
