"""The main job on one machine: the landing zone (generated when missing), then one update.

What ``retail run`` does between parsing and printing: generate the landing zone when
there is none (or when asked to) on the backend's generator, load the pipeline, and run
one update on the backend's engine into Delta tables. A fresh landing zone means a full
refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from retail_lakehouse.common.lock import writer_lock
from retail_lakehouse.generate.landing import recover_landing
from retail_lakehouse.generate.runner import GenerateOptions, GenerateReport, ProgressSink
from retail_lakehouse.generate.spec import DatasetSpec

if TYPE_CHECKING:
    from retail_lakehouse.backends import Backend
    from retail_lakehouse.pipeline.project import LoadedPipeline
    from retail_lakehouse.pipeline.results import UpdateResult
    from retail_lakehouse.pipeline.watch import UpdateWatcher


@dataclass(frozen=True)
class LandedUpdate:
    generated: GenerateReport | None  # None: the existing landing zone was used
    pipeline: LoadedPipeline
    update: UpdateResult


def land_and_update(
    spec: DatasetSpec,
    options: GenerateOptions,
    settings_path: Path,
    backend: Backend,
    regenerate: bool = False,
    full_refresh: bool = False,
    progress: ProgressSink | None = None,
    watcher: UpdateWatcher | None = None,
) -> LandedUpdate:
    """Generate the landing zone if needed, then run one update on ``backend``, holding the
    lakehouse's writer lock throughout, so no other writer comes in between."""
    from retail_lakehouse.pipeline.layout import pipeline_lakehouse
    from retail_lakehouse.pipeline.project import load_pipeline

    lakehouse = pipeline_lakehouse(settings_path, options.lakehouse)  # bad settings: no work
    with writer_lock(lakehouse):
        recover_landing(lakehouse)  # a generation killed mid-swap leaves no manifest yet
        generated = None
        if regenerate or not lakehouse.manifest.exists():
            generated = backend.generator().generate(spec, options, progress)
        from retail_lakehouse.pipeline.runner import run_update  # delta-rs: after the fork

        pipeline = load_pipeline(settings_path, options.lakehouse)
        update = run_update(
            pipeline, backend.engine(), full_refresh or generated is not None, watcher
        )
    return LandedUpdate(generated, pipeline, update)
