"""Benchmark results built by hand for the judging tests: cases that ran, crashed or ran short."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.model import (
    CaseResult,
    PipelineCase,
    PipelineRun,
    PipelineTool,
    Timing,
    Tool,
    UpdateTiming,
)
from benchmarks.pipeline_log import Flow, UpdateSummary

ROWS = {"bronze_orders": 10, "silver_orders": 9, "gold_revenue": 3}


def timing(walls: Sequence[float], peak: int | None = None) -> Timing:
    """Whole-process figures of one repeat per wall time."""
    return Timing(
        repeats=len(walls),
        wall_best=min(walls),
        wall_median=sorted(walls)[len(walls) // 2],
        wall_worst=max(walls),
        cpu_median=1.0,
        peak_tree_rss=peak,
    )


def generated(
    tool: Tool, size: str, walls: Sequence[float], rows: int = 1000, size_bytes: int = 2**20
) -> CaseResult:
    return CaseResult(tool, size, "ok", "", rows, size_bytes, timing(walls))


def update(seconds: float, rows: dict[str, int]) -> UpdateSummary:
    """One update whose flows wrote ``rows``, its seconds spread over them."""
    share = seconds / (2 * len(rows))
    return UpdateSummary(seconds, tuple(Flow(name, share, n) for name, n in rows.items()))


def piped(
    tool: PipelineTool,
    run: PipelineRun,
    size: str,
    updates: Sequence[float],
    rows: Sequence[dict[str, int]] = (),
    peak: int | None = None,
) -> PipelineCase:
    """A pipeline case whose repeats' updates took ``updates`` seconds and wrote ``rows``
    (``ROWS`` in each repeat unless given)."""
    written = list(rows) or [ROWS] * len(updates)
    summaries = [update(s, r) for s, r in zip(updates, written, strict=True)]
    walls = [s + 1.0 for s in updates]
    return PipelineCase(tool, run, size, "ok", "", timing(walls, peak), UpdateTiming.of(summaries))
