"""How any benchmark target is judged: when a case can be judged at all, and the exit code.

A case that crashed, or completed fewer repeats than asked, fails every target that needs
it; a case that was not asked for or cannot run here (not installed, no Java) leaves its
targets not judged, which is not a failure. A comparison of two pipelines is judged only
when both computed the same rows in every dataset: otherwise the two did different work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.model import CaseResult, PipelineCase, TargetCheck, UpdateTiming, Verdict
from benchmarks.spark_medallion import rows_note

NOT_RUN = "not run"


@dataclass(frozen=True)
class Unjudged:
    """Why a target's case cannot be measured against it, and what that makes the target."""

    measured: str
    verdict: Verdict

    def check(self, target: str) -> TargetCheck:
        return TargetCheck(target, self.measured, self.verdict)


def verdict(met: bool) -> Verdict:
    return "pass" if met else "fail"


def obstacle(case: CaseResult | PipelineCase | None, repeat: int) -> Unjudged | None:
    """FAIL when ``case`` crashed or completed fewer than ``repeat`` repeats; not judged
    when it did not run by choice or for want of a tool; None when it can be judged."""
    if case is None:
        return Unjudged(NOT_RUN, "not judged")
    if case.status == "failed":
        return Unjudged(f"failed: {case.note}", "fail")
    if case.status != "ok":
        return Unjudged(case.note or case.status, "not judged")
    if case.completed_repeats < repeat:
        return Unjudged(f"short: {case.completed_repeats} of {repeat} repeats", "fail")
    return None


def rows_mismatch(
    judged: tuple[str, UpdateTiming], against: tuple[str, UpdateTiming]
) -> Unjudged | None:
    """Not judged when the two sides' datasets have different rows, or when one side's
    repeats computed different rows from each other; None when they agree."""
    for name, updates in (judged, against):
        if updates.rows_vary:
            return Unjudged(f"{name}'s rows differ between repeats", "not judged")
    ours, theirs = judged[1].rows_by_dataset, against[1].rows_by_dataset
    if ours != theirs:
        return Unjudged(rows_note(theirs, ours, against[0]), "not judged")
    return None


def failed(checks: Sequence[TargetCheck]) -> list[TargetCheck]:
    return [check for check in checks if check.verdict == "fail"]


def exit_code(checks: Sequence[TargetCheck]) -> int:
    """1 when any judged target failed, else 0 (a target not judged does not fail)."""
    return 1 if failed(checks) else 0
