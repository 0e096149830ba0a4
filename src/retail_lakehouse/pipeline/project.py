"""A pipeline as a user runs it: settings + SQL folder + lakehouse -> a planned graph.

The configuration a pipeline's SQL sees is the settings' own, over defaults taken from
the lakehouse: ``landing_path`` (``<lakehouse>/landing``), ``landing_format`` and
``as_of_date`` (from the landing zone's manifest; without one: parquet and today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from retail_lakehouse.generate.manifest import MANIFEST_FILE, read_manifest
from retail_lakehouse.generate.runner import LANDING_DIR
from retail_lakehouse.pipeline.graph import PipelineGraph, build_graph
from retail_lakehouse.pipeline.settings import PipelineSettings, load_settings
from retail_lakehouse.pipeline.settings import builtin_settings_path as builtin_settings_path
from retail_lakehouse.sql.ddl import parse_sql_folder

READ_FILES_FORMATS = {"parquet": "parquet", "jsonl": "json", "csv": "csv"}


@dataclass(frozen=True)
class LoadedPipeline:
    settings_path: Path
    settings: PipelineSettings
    sql_folder: Path
    configuration: dict[str, str]
    graph: PipelineGraph

    def tables_root(self, lakehouse: Path) -> Path:
        return lakehouse / self.settings.tables

    def is_builtin(self) -> bool:
        """The retail pipeline that ships with the package (the generator's ground truth
        applies to it)."""
        return self.settings_path.resolve() == builtin_settings_path().resolve()


def landing_defaults(lakehouse: Path) -> dict[str, str]:
    landing = lakehouse / LANDING_DIR
    defaults = {
        "landing_path": str(landing.resolve()),
        "landing_format": "parquet",
        "as_of_date": datetime.now(UTC).date().isoformat(),  # the manifest's, when there is one
    }
    if (landing / MANIFEST_FILE).exists():
        document = read_manifest(landing)
        defaults["landing_format"] = READ_FILES_FORMATS.get(str(document.get("format")), "parquet")
        defaults["as_of_date"] = str(document.get("reference_time", ""))[:10]
    return defaults


def load_pipeline(settings_path: Path, lakehouse: Path) -> LoadedPipeline:
    settings, sql_folder = load_settings(settings_path)
    configuration = {**landing_defaults(lakehouse), **settings.configuration}
    datasets = parse_sql_folder(sql_folder, configuration)
    return LoadedPipeline(settings_path, settings, sql_folder, configuration, build_graph(datasets))
