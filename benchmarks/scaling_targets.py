"""The scaling run's targets (issue 18) and judging its scale points against them.

Memory: ``retail run``'s peak tree RSS at scale 10 under 2 GiB (2 * 1024**3 bytes); at
scale 100 under 4 GB (4 * 10**9 bytes) at the default memory limit and under 2.5 GB
(2.5 * 10**9 bytes) in the low-limit step at ``--memory-limit 1GB``. Time: at scale 100
``retail run``'s update no slower than the bare DuckDB job in the same run, and scale 100's
update at most 12x scale 10's in the same run.

A target is judged only when the scales it needs ran; a needed step that failed, was killed
or was not run because of an earlier failure is FAIL; a comparison with the bare job is
judged only when both computed the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.judging import Unjudged, verdict
from benchmarks.model import TargetCheck
from benchmarks.ours import scale_label
from benchmarks.scaling_report import STEP_NAMES, ScalePoint, Step, StepKind

GIB = 1024**3
GB = 10**9
LOW_LIMIT = "1GB"  # the low-limit step's --memory-limit the 2.5 GB target is set for


@dataclass(frozen=True)
class PeakTarget:
    scale: float
    step: StepKind
    limit_bytes: int
    limit_text: str


PEAK_TARGETS = (
    PeakTarget(10.0, "update", 2 * GIB, "2 GiB"),
    PeakTarget(100.0, "update", 4 * GB, "4 GB"),
    PeakTarget(100.0, "limited", int(2.5 * GB), "2.5 GB"),
)
BARE_SCALE = 100.0  # retail run's update at most the bare DuckDB job's seconds here
GROWTH_FROM, GROWTH_TO, GROWTH_LIMIT = 10.0, 100.0, 12.0  # update seconds, same run


def point_at(points: Sequence[ScalePoint], scale: float) -> ScalePoint | Unjudged:
    found = next((point for point in points if point.scale == scale), None)
    if found is None:
        return Unjudged(f"{scale_label(scale)} not in --scales", "not judged")
    return found


def finished(point: ScalePoint | Unjudged, kind: StepKind) -> Step | Unjudged:
    """The step when it succeeded; FAIL when it failed, was killed or did not run."""
    if isinstance(point, Unjudged):
        return point
    step = point.steps[kind]
    if step.status != "ok" or step.seconds is None:
        return Unjudged(f"{STEP_NAMES[kind]} {step.status}: {step.reason}", "fail")
    return step


def check_peak(points: Sequence[ScalePoint], target: PeakTarget, low_limit: str) -> TargetCheck:
    name = STEP_NAMES[target.step]
    label = f"{name} {scale_label(target.scale)} peak RSS < {target.limit_text}"
    if target.step == "limited" and low_limit != LOW_LIMIT:
        return TargetCheck(label, f"low limit {low_limit}, target at {LOW_LIMIT}", "not judged")
    step = finished(point_at(points, target.scale), target.step)
    if isinstance(step, Unjudged):
        return step.check(label)
    peak = step.peak_tree_rss
    if peak is None:  # no /proc on this machine
        return TargetCheck(label, "not measured", "not judged")
    measured = f"{peak / 2**20:,.0f} MiB (tree)"
    return TargetCheck(label, measured, verdict(peak < target.limit_bytes))


def check_against_bare(points: Sequence[ScalePoint]) -> TargetCheck:
    label = f"retail run update <= bare DuckDB ({scale_label(BARE_SCALE)}, same run)"
    point = point_at(points, BARE_SCALE)
    if isinstance(point, Unjudged):
        return point.check(label)
    ours = finished(point, "update")
    if isinstance(ours, Unjudged):
        return ours.check(label)
    bare = finished(point, "bare")
    if isinstance(bare, Unjudged):
        return bare.check(label)
    if not point.rows_match.get("bare", False):
        return TargetCheck(label, "rows differ from bare DuckDB's", "not judged")
    mine, theirs = ours.seconds or 0.0, bare.seconds or 0.0
    ratio = mine / theirs if theirs > 0 else float("inf")
    measured = f"{mine:.2f} s / {theirs:.2f} s = {ratio:.2f}x"
    return TargetCheck(label, measured, verdict(mine <= theirs))


def check_growth(points: Sequence[ScalePoint]) -> TargetCheck:
    label = (
        f"retail run update {scale_label(GROWTH_TO)} <= {GROWTH_LIMIT:g}x"
        f" {scale_label(GROWTH_FROM)}'s (same run)"
    )
    small = finished(point_at(points, GROWTH_FROM), "update")
    if isinstance(small, Unjudged):
        return small.check(label)
    large = finished(point_at(points, GROWTH_TO), "update")
    if isinstance(large, Unjudged):
        return large.check(label)
    before, after = small.seconds or 0.0, large.seconds or 0.0
    ratio = after / before if before > 0 else float("inf")
    measured = f"{after:.2f} s / {before:.2f} s = {ratio:.1f}x"
    return TargetCheck(label, measured, verdict(ratio <= GROWTH_LIMIT))


def check_scaling(points: Sequence[ScalePoint], low_limit: str) -> list[TargetCheck]:
    """Every scaling target against the points; ``low_limit`` is the low-limit step's
    ``--memory-limit`` (its memory target holds for 1GB only)."""
    checks = [check_peak(points, target, low_limit) for target in PEAK_TARGETS]
    return [*checks, check_against_bare(points), check_growth(points)]
