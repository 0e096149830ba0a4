"""The performance targets of the generator and the pipeline, and checking results against them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.model import (
    CaseResult,
    PipelineCase,
    PipelineRun,
    PipelineTool,
    TargetCheck,
    Tool,
    UpdateTiming,
    Verdict,
)
from benchmarks.ours import scale_label
from benchmarks.tpchgen import SCALE_FACTOR, size_label

GIB = 1024**3
RSS_LIMIT_BYTES = int(1.5 * GIB)
TPCH_COMPARISON_SCALE = 5.0


@dataclass(frozen=True)
class WallTarget:
    scale: float
    limit_seconds: float


WALL_TARGETS = (WallTarget(1.0, 2.0), WallTarget(10.0, 15.0))
RUN_WALL_TARGETS = (WallTarget(1.0, 5.0), WallTarget(10.0, 30.0))  # retail run, end to end
MEDALLION_SCALE = 1.0
SPARK_SPEEDUP = 20.0  # our pipeline alone at least this many times faster than PySpark
PYTHON_SLOWDOWN = 1.2  # the Python pipeline's update at most this many times the SQL one's
SPARK_ENGINE_SCALE = 10.0
SPARK_ENGINE_SLOWDOWN = 1.2  # our Spark engine's update at most this many times PySpark's
# an appended day's update at least this many times faster than a full refresh of the same
# lakehouse, the median over the days (checked by benchmarks.day_by_day, not benchmarks.run)
DAY_BY_DAY_SPEEDUP = 5.0
HELP_SECONDS = 0.3  # `retail --help`, wall, the slowest round (benchmarks.startup)
QUERY_SECONDS = 0.8  # `retail query "SELECT 1"`, likewise


def verdict(met: bool) -> Verdict:
    return "pass" if met else "fail"


def find(cases: Sequence[CaseResult], tool: Tool, size: str) -> CaseResult | None:
    for case in cases:
        if case.tool == tool and case.size == size and case.timing is not None:
            return case
    return None


def check_wall(cases: Sequence[CaseResult], target: WallTarget) -> TargetCheck:
    label = f"retail {scale_label(target.scale)} whole process < {target.limit_seconds:g} s"
    case = find(cases, "retail", scale_label(target.scale))
    if case is None or case.timing is None:
        return TargetCheck(label, "not run", "n/a")
    wall = case.timing.wall_best
    return TargetCheck(label, f"{wall:.2f} s (best)", verdict(wall < target.limit_seconds))


def check_rss(case: CaseResult) -> TargetCheck:
    label = f"retail {case.size} peak RSS < {RSS_LIMIT_BYTES / GIB:g} GiB"
    peak = case.timing.peak_tree_rss if case.timing else None
    if peak is None:
        return TargetCheck(label, "not measured", "n/a")
    return TargetCheck(label, f"{peak / 2**20:,.0f} MiB (tree)", verdict(peak < RSS_LIMIT_BYTES))


def check_against_tpchgen(cases: Sequence[CaseResult]) -> TargetCheck:
    ours_size, theirs_size = scale_label(TPCH_COMPARISON_SCALE), size_label(SCALE_FACTOR)
    label = f"rows/s: retail {ours_size} > tpchgen-cli {theirs_size}"
    ours, theirs = find(cases, "retail", ours_size), find(cases, "tpchgen-cli", theirs_size)
    if ours is None or theirs is None:
        return TargetCheck(label, "not run", "n/a")
    mine, other = ours.rows_per_second or 0.0, theirs.rows_per_second or 0.0
    ratio = f" ({mine / other:.2f}x)" if other > 0 else ""
    return TargetCheck(label, f"{mine:,.0f} vs {other:,.0f}{ratio}", verdict(mine > other))


def find_run(
    cases: Sequence[PipelineCase], tool: PipelineTool, run: PipelineRun, size: str
) -> PipelineCase | None:
    for case in cases:
        if (case.tool, case.run, case.size) == (tool, run, size) and case.timing is not None:
            return case
    return None


def find_updates(
    cases: Sequence[PipelineCase],
    size: str,
    first: tuple[PipelineTool, PipelineRun],
    second: tuple[PipelineTool, PipelineRun],
) -> tuple[UpdateTiming, UpdateTiming] | None:
    """The updates of two runs at ``size`` to compare (None when either did not run)."""
    one, other = find_run(cases, *first, size), find_run(cases, *second, size)
    if one is None or other is None or one.updates is None or other.updates is None:
        return None
    return one.updates, other.updates


def check_run_wall(cases: Sequence[PipelineCase], target: WallTarget) -> TargetCheck:
    label = f"retail run {scale_label(target.scale)} end to end < {target.limit_seconds:g} s"
    case = find_run(cases, "retail run", "fresh", scale_label(target.scale))
    if case is None or case.timing is None:
        return TargetCheck(label, "not run", "n/a")
    wall = case.timing.wall_best
    return TargetCheck(label, f"{wall:.2f} s (best)", verdict(wall < target.limit_seconds))


def check_against_spark(cases: Sequence[PipelineCase]) -> TargetCheck:
    """Our fresh run's update (pipeline alone) against the PySpark job's best run."""
    size = scale_label(MEDALLION_SCALE)
    label = f"pipeline alone >= {SPARK_SPEEDUP:g}x faster than PySpark medallion ({size})"
    pair = find_updates(cases, size, ("retail run", "fresh"), ("pyspark", "medallion"))
    if pair is None:
        return TargetCheck(label, "not run", "n/a")
    mine, other = pair[0].update_best, pair[1].update_best
    ratio = other / mine if mine > 0 else float("inf")
    measured = f"PySpark {other:.2f} s / ours {mine:.2f} s = {ratio:.1f}x (best)"
    return TargetCheck(label, measured, verdict(ratio >= SPARK_SPEEDUP))


def check_targets(
    cases: Sequence[CaseResult], pipeline: Sequence[PipelineCase] = ()
) -> list[TargetCheck]:
    checks = [check_wall(cases, target) for target in WALL_TARGETS]
    checks += [check_rss(c) for c in cases if c.tool == "retail" and c.timing is not None]
    checks.append(check_against_tpchgen(cases))
    checks += [check_run_wall(pipeline, target) for target in RUN_WALL_TARGETS]
    checks.append(check_against_spark(pipeline))
    checks.append(check_python_against_sql(pipeline))
    checks.append(check_spark_engine_against_pyspark(pipeline))
    return checks


def check_python_against_sql(cases: Sequence[PipelineCase]) -> TargetCheck:
    """The Python pipeline's full-refresh update against the SQL one's, medians."""
    size = scale_label(MEDALLION_SCALE)
    label = f"Python pipeline update <= {PYTHON_SLOWDOWN:g}x the SQL one ({size}, full refresh)"
    pair = find_updates(
        cases, size, ("retail run (python)", "full-refresh"), ("retail run", "full-refresh")
    )
    if pair is None:
        return TargetCheck(label, "not run", "n/a")
    mine, theirs = pair[0].update_median, pair[1].update_median
    ratio = mine / theirs if theirs > 0 else float("inf")
    measured = f"Python {mine:.2f} s / SQL {theirs:.2f} s = {ratio:.2f}x (medians)"
    return TargetCheck(label, measured, verdict(ratio <= PYTHON_SLOWDOWN))


def check_spark_engine_against_pyspark(cases: Sequence[PipelineCase]) -> TargetCheck:
    """Our Spark engine's fresh update (pipeline alone) against the PySpark job's best run."""
    size = scale_label(SPARK_ENGINE_SCALE)
    label = f"Spark engine update <= {SPARK_ENGINE_SLOWDOWN:g}x PySpark medallion ({size})"
    pair = find_updates(
        cases, size, ("retail run --engine spark", "fresh"), ("pyspark", "medallion")
    )
    if pair is None:
        return TargetCheck(label, "not run", "n/a")
    mine, other = pair[0].update_best, pair[1].update_best
    ratio = mine / other if other > 0 else float("inf")
    measured = f"ours {mine:.2f} s / PySpark {other:.2f} s = {ratio:.2f}x (best)"
    return TargetCheck(label, measured, verdict(ratio <= SPARK_ENGINE_SLOWDOWN))
