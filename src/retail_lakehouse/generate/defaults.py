"""The generator's defaults and bounds that the command line shows before any work: the
seed, the scale range and the output formats. Nothing heavy is imported here, so
``retail --help`` does not load numpy, pyarrow or pydantic."""

from __future__ import annotations

from typing import Literal

DEFAULT_SEED = 20251128
MIN_SCALE = 0.01
MAX_SCALE = 1000.0
OutputFormat = Literal["parquet", "jsonl", "csv"]
