"""The start-up benchmark's verdicts: the slowest round decides, a failed command fails."""

from __future__ import annotations

import sys

from benchmarks.startup import Case, Timing, measure


def test_the_slowest_round_decides() -> None:
    case = Case("c", ("true",), 0.5)
    assert Timing(case, (0.1, 0.2), None).verdict == "pass"
    assert Timing(case, (0.1, 0.6), None).verdict == "fail"
    assert Timing(Case("floor", ("true",), None), (9.0,), None).verdict is None


def test_a_command_that_fails_fails_whatever_its_speed() -> None:
    failing = Case("exit 3", (sys.executable, "-c", "import sys; sys.exit(3)"), 100.0)
    floor = Case("pass", (sys.executable, "-c", "pass"), None)
    timings = measure([floor, failing], repeat=2)
    assert [len(t.seconds) for t in timings] == [2, 2]
    assert timings[0].verdict is None
    assert timings[1].verdict == "fail"
    assert timings[1].failure is not None
