"""The performance targets of the generator and the pipeline, and checking results against them.

The worst repeat decides: a wall-time target takes the slowest repeat, a memory target the
largest peak, and a comparison sets our slowest repeat against the other side's fastest.
A crashed or short case fails its targets (``judging.obstacle``), and a comparison of two
pipelines is judged only when both computed the same rows (``judging.rows_mismatch``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from benchmarks.judging import Unjudged, obstacle, rows_mismatch, verdict
from benchmarks.model import (
    CaseResult,
    PipelineCase,
    PipelineRun,
    PipelineTool,
    TargetCheck,
    Timing,
    Tool,
    UpdateTiming,
)
from benchmarks.ours import scale_label
from benchmarks.pipeline import OUR_RUNS
from benchmarks.tpchgen import SCALE_FACTOR, size_label

GIB = 1024**3
RSS_LIMIT_BYTES = int(1.5 * GIB)
# retail run's peak tree RSS at scale 1, every run of the sequence: about 0.65 GiB today
RUN_RSS_SCALE = 1.0
RUN_RSS_LIMIT_BYTES = 1 * GIB
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


Rate = Literal["rows/s", "MiB/s"]
RATES: tuple[Rate, ...] = get_args(Rate)


def judgeable_timing(case: CaseResult | PipelineCase | None, repeat: int) -> Timing | Unjudged:
    """The case's whole-process timing, or why its targets cannot use it."""
    blocked = obstacle(case, repeat)
    if blocked is not None:
        return blocked
    if case is None or case.timing is None:
        return Unjudged("not measured", "fail")
    return case.timing


def judgeable_updates(case: PipelineCase | None, repeat: int) -> UpdateTiming | Unjudged:
    """The case's pipeline updates, or why its targets cannot use them."""
    blocked = obstacle(case, repeat)
    if blocked is not None:
        return blocked
    if case is None or case.updates is None:
        return Unjudged("no update measured", "fail")
    return case.updates


def find(cases: Sequence[CaseResult], tool: Tool, size: str) -> CaseResult | None:
    return next((case for case in cases if (case.tool, case.size) == (tool, size)), None)


def find_run(
    cases: Sequence[PipelineCase], tool: PipelineTool, run: PipelineRun, size: str
) -> PipelineCase | None:
    return next((c for c in cases if (c.tool, c.run, c.size) == (tool, run, size)), None)


def check_wall(cases: Sequence[CaseResult], target: WallTarget, repeat: int) -> TargetCheck:
    label = f"retail {scale_label(target.scale)} whole process < {target.limit_seconds:g} s"
    timing = judgeable_timing(find(cases, "retail", scale_label(target.scale)), repeat)
    if isinstance(timing, Unjudged):
        return timing.check(label)
    wall = timing.wall_worst
    return TargetCheck(label, f"{wall:.2f} s (slowest)", verdict(wall < target.limit_seconds))


def check_peak(label: str, timing: Timing | Unjudged, limit_bytes: int) -> TargetCheck:
    """The largest peak tree RSS over the repeats against ``limit_bytes``."""
    if isinstance(timing, Unjudged):
        return timing.check(label)
    peak = timing.peak_tree_rss
    if peak is None:  # no /proc on this machine
        return TargetCheck(label, "not measured", "not judged")
    return TargetCheck(label, f"{peak / 2**20:,.0f} MiB (tree)", verdict(peak < limit_bytes))


def check_rss(case: CaseResult, repeat: int) -> TargetCheck:
    label = f"retail {case.size} peak RSS < {RSS_LIMIT_BYTES / GIB:g} GiB"
    return check_peak(label, judgeable_timing(case, repeat), RSS_LIMIT_BYTES)


def check_run_rss(cases: Sequence[PipelineCase], run: PipelineRun, repeat: int) -> TargetCheck:
    size = scale_label(RUN_RSS_SCALE)
    label = f"retail run {run} {size} peak RSS < {RUN_RSS_LIMIT_BYTES / GIB:g} GiB"
    timing = judgeable_timing(find_run(cases, "retail run", run, size), repeat)
    return check_peak(label, timing, RUN_RSS_LIMIT_BYTES)


def throughputs(
    case: CaseResult | None, repeat: int, wall: Callable[[Timing], float]
) -> dict[Rate, float] | Unjudged:
    """Rows/s and MiB/s over the repeat that ``wall`` picks, or why there are none."""
    timing = judgeable_timing(case, repeat)
    if isinstance(timing, Unjudged):
        return timing
    seconds = wall(timing)
    rows, size = (case.rows, case.bytes) if case else (0, 0)
    if seconds <= 0:
        return Unjudged("no time measured", "fail")
    return {"rows/s": rows / seconds, "MiB/s": size / 2**20 / seconds}


def check_against_tpchgen(cases: Sequence[CaseResult], repeat: int) -> list[TargetCheck]:
    """Rows/s and MiB/s, each judged: our rows are narrower than TPC-H's, so rows/s alone
    would flatter us. Our slowest repeat against tpchgen-cli's fastest."""
    ours_size, theirs_size = scale_label(TPCH_COMPARISON_SCALE), size_label(SCALE_FACTOR)
    labels = {r: f"{r}: retail {ours_size} > tpchgen-cli {theirs_size}" for r in RATES}
    ours = throughputs(find(cases, "retail", ours_size), repeat, lambda t: t.wall_worst)
    if isinstance(ours, Unjudged):
        return [ours.check(label) for label in labels.values()]
    theirs = throughputs(find(cases, "tpchgen-cli", theirs_size), repeat, lambda t: t.wall_best)
    if isinstance(theirs, Unjudged):
        return [theirs.check(label) for label in labels.values()]
    checks: list[TargetCheck] = []
    for rate, label in labels.items():
        slowest, fastest = ours[rate], theirs[rate]
        measured = (
            f"{slowest:,.1f} (slowest) vs {fastest:,.1f} (fastest) = {slowest / fastest:.2f}x"
        )
        checks.append(TargetCheck(label, measured, verdict(slowest > fastest)))
    return checks


def check_run_wall(cases: Sequence[PipelineCase], target: WallTarget, repeat: int) -> TargetCheck:
    label = f"retail run {scale_label(target.scale)} end to end < {target.limit_seconds:g} s"
    case = find_run(cases, "retail run", "fresh", scale_label(target.scale))
    timing = judgeable_timing(case, repeat)
    if isinstance(timing, Unjudged):
        return timing.check(label)
    wall = timing.wall_worst
    return TargetCheck(label, f"{wall:.2f} s (slowest)", verdict(wall < target.limit_seconds))


def compare_updates(
    cases: Sequence[PipelineCase],
    size: str,
    judged: tuple[PipelineTool, PipelineRun],
    against: tuple[PipelineTool, PipelineRun],
    repeat: int,
) -> tuple[UpdateTiming, UpdateTiming] | Unjudged:
    """The updates of two runs at ``size``, or why they cannot be compared: either side
    crashed, ran short or did not run, or the two computed different rows."""
    mine = judgeable_updates(find_run(cases, *judged, size), repeat)
    if isinstance(mine, Unjudged):
        return mine
    other = judgeable_updates(find_run(cases, *against, size), repeat)
    if isinstance(other, Unjudged):
        return other
    return rows_mismatch((judged[0], mine), (against[0], other)) or (mine, other)


def check_against_spark(cases: Sequence[PipelineCase], repeat: int) -> TargetCheck:
    """Our fresh run's slowest update (pipeline alone) against PySpark's fastest run."""
    size = scale_label(MEDALLION_SCALE)
    label = f"pipeline alone >= {SPARK_SPEEDUP:g}x faster than PySpark medallion ({size})"
    pair = compare_updates(cases, size, ("retail run", "fresh"), ("pyspark", "medallion"), repeat)
    if isinstance(pair, Unjudged):
        return pair.check(label)
    mine, other = pair[0].update_worst, pair[1].update_best
    ratio = other / mine if mine > 0 else float("inf")
    measured = f"PySpark {other:.2f} s (fastest) / ours {mine:.2f} s (slowest) = {ratio:.1f}x"
    return TargetCheck(label, measured, verdict(ratio >= SPARK_SPEEDUP))


def check_python_against_sql(cases: Sequence[PipelineCase], repeat: int) -> TargetCheck:
    """The Python pipeline's slowest full-refresh update against the SQL one's fastest."""
    size = scale_label(MEDALLION_SCALE)
    label = f"Python pipeline update <= {PYTHON_SLOWDOWN:g}x the SQL one ({size}, full refresh)"
    pair = compare_updates(
        cases, size, ("retail run (python)", "full-refresh"), ("retail run", "full-refresh"), repeat
    )
    if isinstance(pair, Unjudged):
        return pair.check(label)
    mine, theirs = pair[0].update_worst, pair[1].update_best
    ratio = mine / theirs if theirs > 0 else float("inf")
    measured = f"Python {mine:.2f} s (slowest) / SQL {theirs:.2f} s (fastest) = {ratio:.2f}x"
    return TargetCheck(label, measured, verdict(ratio <= PYTHON_SLOWDOWN))


def check_spark_engine_against_pyspark(cases: Sequence[PipelineCase], repeat: int) -> TargetCheck:
    """Our Spark engine's slowest fresh update (pipeline alone) against PySpark's fastest."""
    size = scale_label(SPARK_ENGINE_SCALE)
    label = f"Spark engine update <= {SPARK_ENGINE_SLOWDOWN:g}x PySpark medallion ({size})"
    pair = compare_updates(
        cases, size, ("retail run --engine spark", "fresh"), ("pyspark", "medallion"), repeat
    )
    if isinstance(pair, Unjudged):
        return pair.check(label)
    mine, other = pair[0].update_worst, pair[1].update_best
    ratio = mine / other if other > 0 else float("inf")
    measured = f"ours {mine:.2f} s (slowest) / PySpark {other:.2f} s (fastest) = {ratio:.2f}x"
    return TargetCheck(label, measured, verdict(ratio <= SPARK_ENGINE_SLOWDOWN))


def check_completed(cases: Sequence[CaseResult], pipeline: Sequence[PipelineCase]) -> TargetCheck:
    """Every case that was asked for ran to its end, those without a target of their own
    too (a crash is never a blank)."""
    label = "every case that ran completed each repeat"
    crashed = [f"{c.tool} {c.size}" for c in cases if c.status == "failed"]
    crashed += [f"{c.tool} {c.run} {c.size}" for c in pipeline if c.status == "failed"]
    statuses = [c.status for c in cases] + [c.status for c in pipeline]
    ran = sum(status in ("ok", "failed") for status in statuses)
    if crashed:
        return TargetCheck(label, "failed: " + ", ".join(crashed), "fail")
    return TargetCheck(label, f"all {ran}", "pass")


def check_targets(
    cases: Sequence[CaseResult], pipeline: Sequence[PipelineCase], repeat: int
) -> list[TargetCheck]:
    """Every target against the results; ``repeat`` is how many repeats each case needs."""
    checks = [check_wall(cases, target, repeat) for target in WALL_TARGETS]
    checks += [check_rss(c, repeat) for c in cases if c.tool == "retail"]
    checks += check_against_tpchgen(cases, repeat)
    checks += [check_run_wall(pipeline, target, repeat) for target in RUN_WALL_TARGETS]
    checks += [check_run_rss(pipeline, run, repeat) for run in OUR_RUNS]
    checks.append(check_against_spark(pipeline, repeat))
    checks.append(check_python_against_sql(pipeline, repeat))
    checks.append(check_spark_engine_against_pyspark(pipeline, repeat))
    checks.append(check_completed(cases, pipeline))
    return checks
