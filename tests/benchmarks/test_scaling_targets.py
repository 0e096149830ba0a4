"""Judging the scaling run's targets (issue 18) on scale points built by hand, and its
exit code."""

from __future__ import annotations

import json
from pathlib import Path

import benchmarks.scaling
import pytest
from benchmarks.judging import exit_code
from benchmarks.measure import ProcessRun
from benchmarks.scaling_report import STEPS, ScalePoint, Step, StepKind
from benchmarks.scaling_targets import (
    GROWTH_LIMIT,
    LOW_LIMIT,
    PEAK_TARGETS,
    check_against_bare,
    check_growth,
    check_scaling,
)

MIB = 2**20
PEAKS_UNDER = {(t.scale, t.step): t.limit_bytes - MIB for t in PEAK_TARGETS}


def step(seconds: float, peak: int | None = 500 * MIB) -> Step:
    process = ProcessRun(("retail",), 0, seconds + 1.0, seconds, peak, "")
    return Step("ok", seconds=seconds, process=process)


def point(
    scale: float, update: float, bare: float, changed: dict[StepKind, Step] | None = None
) -> ScalePoint:
    """A scale where every step succeeded under its memory target, bare DuckDB with the same
    rows, unless ``changed`` says otherwise."""
    steps: dict[StepKind, Step] = {
        "generate": step(1.0),
        "update": step(update, PEAKS_UNDER.get((scale, "update"), 500 * MIB)),
        "limited": step(update, PEAKS_UNDER.get((scale, "limited"), 500 * MIB)),
        "bare": step(bare),
    }
    steps.update(changed or {})
    return ScalePoint(scale, 1000, {k: steps[k] for k in STEPS}, "", {"bare": True})


def passing() -> list[ScalePoint]:
    return [point(10.0, 10.0, 12.0), point(100.0, 10.0 * GROWTH_LIMIT, 10.0 * GROWTH_LIMIT)]


def test_every_target_passes_when_the_run_meets_it() -> None:
    checks = check_scaling(passing(), LOW_LIMIT)

    assert [c.verdict for c in checks] == ["pass"] * 5
    assert exit_code(checks) == 0


def test_targets_whose_scales_did_not_run_are_not_judged() -> None:
    checks = check_scaling([point(1.0, 1.0, 2.0), point(10.0, 10.0, 12.0)], LOW_LIMIT)

    verdicts = {c.target: c.verdict for c in checks}
    assert list(verdicts.values()) == ["pass", *["not judged"] * 4]
    assert all("scale 100 not in --scales" in c.measured for c in checks[1:])
    assert exit_code(checks) == 0


def test_a_peak_over_its_target_fails() -> None:
    over = PEAK_TARGETS[0].limit_bytes + MIB
    points = [point(10.0, 10.0, 12.0, {"update": step(10.0, over)}), passing()[1]]

    checks = check_scaling(points, LOW_LIMIT)

    assert [c.verdict for c in checks] == ["fail", "pass", "pass", "pass", "pass"]
    assert exit_code(checks) == 1


def test_a_killed_step_a_target_needs_fails() -> None:
    killed = Step("failed", "killed: over --max-rss (20 GiB)")
    points = [passing()[0], point(100.0, 100.0, 100.0, {"update": killed})]

    checks = check_scaling(points, LOW_LIMIT)

    needs_update = [c for c in checks if "scale 100" in c.target and "low limit" not in c.target]
    assert [c.verdict for c in needs_update] == ["fail", "fail", "fail"]
    assert all("killed" in c.measured for c in needs_update)


def test_a_step_not_run_after_an_earlier_failure_fails() -> None:
    not_run = Step.not_run("retail generate failed")
    points = [point(10.0, 10.0, 12.0, {"bare": not_run}), passing()[1]]

    assert check_against_bare(points).verdict == "pass"  # scale 100's bare job ran
    points = [passing()[0], point(100.0, 100.0, 100.0, {"bare": not_run})]
    assert check_against_bare(points).verdict == "fail"


def test_the_bare_comparison_needs_the_same_rows() -> None:
    slower = point(100.0, 200.0, 100.0)
    differ = ScalePoint(100.0, 1000, slower.steps, "rows differ", {"bare": False})

    assert check_against_bare([slower]).verdict == "fail"
    check = check_against_bare([differ])
    assert check.verdict == "not judged"
    assert "rows differ" in check.measured


def test_growth_beyond_its_limit_fails() -> None:
    over = [point(10.0, 10.0, 12.0), point(100.0, 10.0 * GROWTH_LIMIT * 1.1, 500.0)]

    assert check_growth(passing()).verdict == "pass"
    assert check_growth(over).verdict == "fail"


def test_the_low_limit_target_is_judged_at_its_own_limit_only() -> None:
    checks = check_scaling(passing(), "2GB")

    low = next(c for c in checks if "low limit" in c.target)
    assert low.verdict == "not judged"
    assert exit_code(checks) == 0


def test_the_scaling_run_exits_non_zero_when_a_target_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = [passing()[0], point(100.0, 10.0 * GROWTH_LIMIT * 2, 500.0)]
    outcomes = {"pass": passing(), "fail": slow}
    for expected, points in outcomes.items():
        monkeypatch.setattr(benchmarks.scaling, "measure_scales", lambda s, c, p=points: p)
        out = tmp_path / f"{expected}.json"
        argv = ["--out", str(out), "--chart", str(tmp_path / f"{expected}.svg")]

        code = benchmarks.scaling.main([*argv, "--workdir", str(tmp_path)])

        document = json.loads(out.read_text())
        assert code == (1 if expected == "fail" else 0)
        assert document["exit_code"] == code
        assert any(t["verdict"] == expected for t in document["targets"])
