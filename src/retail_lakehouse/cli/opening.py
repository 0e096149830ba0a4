"""Opening a lakehouse for a command that reads it: first recover what a killed writer left
(when no writer is running), then load the pipeline over it, or only its settings for a
command that reads tables alone (``retail query``: no SQL or Python to parse)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retail_lakehouse.common.lakehouse import Lakehouse
    from retail_lakehouse.pipeline.project import LoadedPipeline
    from retail_lakehouse.pipeline.settings import PipelineSettings


def open_pipeline(settings_path: Path, lakehouse_root: Path) -> LoadedPipeline:
    """The pipeline at ``settings_path`` over a recovered lakehouse; what was recovered is
    said in one line on stderr."""
    from retail_lakehouse.pipeline.project import load_pipeline

    open_settings(settings_path, lakehouse_root)
    return load_pipeline(settings_path, lakehouse_root)


def open_settings(settings_path: Path, lakehouse_root: Path) -> tuple[PipelineSettings, Lakehouse]:
    """The settings at ``settings_path`` and the recovered lakehouse they lay out; what was
    recovered is said in one line on stderr."""
    from retail_lakehouse.pipeline.layout import settings_lakehouse
    from retail_lakehouse.pipeline.recovery import recover_if_idle
    from retail_lakehouse.pipeline.settings import load_settings

    settings, _ = load_settings(settings_path)
    lakehouse = settings_lakehouse(settings_path, settings, lakehouse_root)
    note = recover_if_idle(lakehouse)
    if note is not None:
        print(f"retail: note: {note}", file=sys.stderr)
    return settings, lakehouse
