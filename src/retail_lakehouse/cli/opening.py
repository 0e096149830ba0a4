"""Opening a lakehouse for a command that reads it: first recover what a killed writer left
(when no writer is running), then load the pipeline over it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retail_lakehouse.pipeline.project import LoadedPipeline


def open_pipeline(settings_path: Path, lakehouse_root: Path) -> LoadedPipeline:
    """The pipeline at ``settings_path`` over a recovered lakehouse; what was recovered is
    said in one line on stderr."""
    from retail_lakehouse.pipeline.project import load_pipeline, pipeline_lakehouse
    from retail_lakehouse.pipeline.recovery import recover_if_idle

    note = recover_if_idle(pipeline_lakehouse(settings_path, lakehouse_root))
    if note is not None:
        print(f"retail: note: {note}", file=sys.stderr)
    return load_pipeline(settings_path, lakehouse_root)
