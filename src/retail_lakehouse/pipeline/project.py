"""A pipeline as a user runs it: settings + SQL folder + lakehouse -> a planned graph.

The configuration a pipeline's SQL sees is the settings' own, over defaults taken from
the lakehouse: ``landing_path`` (``<lakehouse>/landing``), ``landing_format`` and
``as_of_date`` (from the landing zone's manifest; without one: parquet and today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.pipeline.definitions import sql_datasets
from retail_lakehouse.pipeline.graph import PipelineGraph, build_graph
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


def landing_defaults(lakehouse: Lakehouse) -> dict[str, str]:
    defaults = {
        "landing_path": str(lakehouse.landing.resolve()),
        "landing_format": "parquet",
        "as_of_date": datetime.now(UTC).date().isoformat(),  # the manifest's, when there is one
    }
    if lakehouse.manifest.exists():
        document = read_manifest(lakehouse.manifest)
        defaults["landing_format"] = READ_FILES_FORMATS.get(str(document.get("format")), "parquet")
        defaults["as_of_date"] = str(document.get("reference_time", ""))[:10]
    return defaults


def load_pipeline(settings_path: Path, lakehouse_root: Path) -> LoadedPipeline:
    settings, files = load_settings(settings_path)
    lakehouse = Lakehouse(lakehouse_root, settings.tables)
    configuration = {**landing_defaults(lakehouse), **settings.configuration}
    graph = build_graph(sql_datasets(files.sql, configuration))
    return LoadedPipeline(settings_path, settings, files, configuration, graph, lakehouse)
