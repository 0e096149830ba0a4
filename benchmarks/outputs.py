"""Counting what a generator wrote: rows and bytes from our manifest or from Parquet footers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


def manifest_totals(path: Path) -> tuple[int, int]:
    """Rows and bytes over every table of a ``_manifest.json`` (zeros if it is missing)."""
    if not path.exists():
        return 0, 0
    tables: dict[str, dict[str, Any]] = json.loads(path.read_text())["tables"]
    rows = sum(int(entry["rows"]) for entry in tables.values())
    size = sum(int(entry["bytes"]) for entry in tables.values())
    return rows, size


def landing_rows(path: Path) -> int:
    """Rows over every table and change feed of a ``_manifest.json`` (0 if it is missing):
    what a pipeline update reads from the landing zone."""
    if not path.exists():
        return 0
    manifest: dict[str, Any] = json.loads(path.read_text())
    entries = [*manifest["tables"].values(), *manifest.get("feeds", {}).values()]
    return sum(int(entry["rows"]) for entry in entries)


def parquet_totals(folder: Path) -> tuple[int, int]:
    """Rows (from the footers) and bytes of every Parquet file under ``folder``."""
    files = sorted(folder.rglob("*.parquet"))
    rows = sum(int(pq.ParquetFile(f).metadata.num_rows) for f in files)
    return rows, sum(f.stat().st_size for f in files)
