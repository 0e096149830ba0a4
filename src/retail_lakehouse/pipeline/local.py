"""The main job on the embedded engine: landing data (generated if missing) -> pipeline.

``run_local`` is what ``retail run`` calls: it generates the landing zone when there is
none (or when asked to), loads the pipeline, and runs one update with DuckDB and Delta.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from retail_lakehouse.engines.duckdb_engine import DuckDBEngine
from retail_lakehouse.generate.manifest import MANIFEST_FILE
from retail_lakehouse.generate.runner import (
    LANDING_DIR,
    GenerateOptions,
    GenerateReport,
    ProgressSink,
    generate_dataset,
)
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.pipeline.project import LoadedPipeline, load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.pipeline.runner import UpdateRunner
from retail_lakehouse.storage.delta import DeltaStore


@dataclass(frozen=True)
class LocalRun:
    generated: GenerateReport | None
    update: UpdateResult


def landing_exists(lakehouse: Path) -> bool:
    return (lakehouse / LANDING_DIR / MANIFEST_FILE).exists()


def ensure_landing(
    spec: DatasetSpec, options: GenerateOptions, regenerate: bool, progress: ProgressSink | None
) -> GenerateReport | None:
    if landing_exists(options.lakehouse) and not regenerate:
        return None
    return generate_dataset(spec, options, progress)


def run_update(pipeline: LoadedPipeline, lakehouse: Path, full_refresh: bool) -> UpdateResult:
    store = DeltaStore(pipeline.tables_root(lakehouse))
    engine = DuckDBEngine()
    try:
        runner = UpdateRunner(
            pipeline.settings.name, pipeline.graph, engine, store,
            pipeline.settings.event_log, full_refresh,
        )  # fmt: skip
        return runner.run()
    finally:
        engine.close()


def run_local(
    spec: DatasetSpec,
    options: GenerateOptions,
    settings_path: Path,
    regenerate: bool = False,
    full_refresh: bool = False,
    progress: ProgressSink | None = None,
) -> LocalRun:
    generated = ensure_landing(spec, options, regenerate, progress)
    pipeline = load_pipeline(settings_path, options.lakehouse)
    update = run_update(pipeline, options.lakehouse, full_refresh or generated is not None)
    return LocalRun(generated, update)
