"""The engines' names: the single source of the values ``--engine`` accepts (no imports)."""

from __future__ import annotations

from enum import StrEnum


class EngineName(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"
