"""The main job on the embedded engine: landing data (generated if missing) -> pipeline.

``run_local`` is what ``retail run`` calls: it generates the landing zone when there is
none (or when asked to), loads the pipeline, and runs one update on the given engine
(DuckDB by default, or Spark) into Delta tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from retail_lakehouse.engines.base import Engine
from retail_lakehouse.engines.factory import create_engine
from retail_lakehouse.generate.manifest import MANIFEST_FILE
from retail_lakehouse.generate.runner import (
    LANDING_DIR,
    GenerateOptions,
    GenerateReport,
    ProgressSink,
)
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.pipeline.project import LoadedPipeline, load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.pipeline.runner import UpdateRunner
from retail_lakehouse.storage.delta import DeltaStore


@dataclass(frozen=True)
class LocalRun:
    generated: GenerateReport | None
    pipeline: LoadedPipeline
    update: UpdateResult


def landing_exists(lakehouse: Path) -> bool:
    return (lakehouse / LANDING_DIR / MANIFEST_FILE).exists()


def ensure_landing(
    engine: Engine,
    spec: DatasetSpec,
    options: GenerateOptions,
    regenerate: bool,
    progress: ProgressSink | None,
) -> GenerateReport | None:
    if landing_exists(options.lakehouse) and not regenerate:
        return None
    return engine.generate_landing(spec, options, progress)


def run_update(
    pipeline: LoadedPipeline, lakehouse: Path, full_refresh: bool, engine: Engine | None = None
) -> UpdateResult:
    """One update of ``pipeline`` on ``engine`` (default: a new DuckDB engine, closed after).

    Pass an engine to attach to an existing session, e.g. ``SparkEngine(spark)``."""
    own = engine is None
    engine = engine if engine is not None else create_engine()
    store = DeltaStore(pipeline.tables_root(lakehouse))
    try:
        runner = UpdateRunner(
            pipeline.settings.name, pipeline.graph, engine, store,
            pipeline.settings.event_log, full_refresh,
        )  # fmt: skip
        return runner.run()
    finally:
        if own:
            engine.close()


def run_local(
    spec: DatasetSpec,
    options: GenerateOptions,
    settings_path: Path,
    engine: Engine,
    regenerate: bool = False,
    full_refresh: bool = False,
    progress: ProgressSink | None = None,
) -> LocalRun:
    generated = ensure_landing(engine, spec, options, regenerate, progress)
    pipeline = load_pipeline(settings_path, options.lakehouse)
    full = full_refresh or generated is not None
    update = run_update(pipeline, options.lakehouse, full, engine)
    return LocalRun(generated, pipeline, update)
