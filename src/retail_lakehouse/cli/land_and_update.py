"""The main job on one machine: landing data (generated if missing) -> pipeline.

``run_local`` is what ``retail run`` calls: it generates the landing zone when there is
none (or when asked to), loads the pipeline, and runs one update on the named engine
(DuckDB by default, or Spark) into Delta tables. The engine is started while the
generator's workers run, so loading its libraries (DuckDB, sqlglot, delta-rs: a quarter
of a second) overlaps the generation; that is why they are imported in the functions
that need them and not at the top of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from retail_lakehouse.backends.factory import create_engine, create_generator
from retail_lakehouse.backends.names import EngineName
from retail_lakehouse.generate.manifest import MANIFEST_FILE
from retail_lakehouse.generate.runner import (
    LANDING_DIR,
    GenerateOptions,
    GenerateReport,
    ProgressSink,
)
from retail_lakehouse.generate.spec import DatasetSpec

if TYPE_CHECKING:
    from retail_lakehouse.pipeline.engine import Engine
    from retail_lakehouse.pipeline.project import LoadedPipeline
    from retail_lakehouse.pipeline.results import UpdateResult


@dataclass(frozen=True)
class LocalRun:
    generated: GenerateReport | None
    pipeline: LoadedPipeline
    update: UpdateResult


def landing_exists(lakehouse: Path) -> bool:
    return (lakehouse / LANDING_DIR / MANIFEST_FILE).exists()


class _EngineStarter:
    """Starts the engine once, when asked (during the generation) or when first needed."""

    def __init__(self, name: EngineName, master: str | None) -> None:
        self.name = name
        self.master = master
        self.engine: Engine | None = None

    def start(self) -> None:
        if self.engine is None:
            self.engine = create_engine(self.name, self.master)

    def started(self) -> Engine:
        self.start()
        assert self.engine is not None
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()


def run_update(
    pipeline: LoadedPipeline, lakehouse: Path, full_refresh: bool, engine: Engine | None = None
) -> UpdateResult:
    """One update of ``pipeline`` on ``engine`` (default: a new DuckDB engine, closed after).

    Pass an engine to attach to an existing session, e.g. ``SparkEngine(spark)``."""
    from retail_lakehouse.pipeline.runner import UpdateRunner
    from retail_lakehouse.storage.delta import DeltaStore

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
    engine: EngineName = EngineName.DUCKDB,
    master: str | None = None,
    regenerate: bool = False,
    full_refresh: bool = False,
    progress: ProgressSink | None = None,
) -> LocalRun:
    """Generate the landing zone if needed, then run one update on ``engine`` (a Spark
    master URL in ``master``); a fresh landing zone means a full refresh."""
    starter = _EngineStarter(engine, master)
    try:
        generated = None
        if regenerate or not landing_exists(options.lakehouse):
            # an engine whose tasks generate (Spark) generates on the engine of the run
            generate = create_generator(engine, master, starter.started)
            generated = generate(spec, options, progress, starter.start)
        from retail_lakehouse.pipeline.project import load_pipeline  # after generating

        pipeline = load_pipeline(settings_path, options.lakehouse)
        full = full_refresh or generated is not None
        update = run_update(pipeline, options.lakehouse, full, starter.started())
    finally:
        starter.close()
    return LocalRun(generated, pipeline, update)
