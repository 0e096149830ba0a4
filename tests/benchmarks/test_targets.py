"""Judging ``benchmarks.run``'s targets: crashes and short cases fail, the worst repeat
decides, comparisons need the same rows, and a missed target makes the exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import benchmarks.run
import pytest
from benchmarks.judging import exit_code
from benchmarks.measure import ProcessRun
from benchmarks.model import CaseResult, PipelineCase, UpdateTiming
from benchmarks.pipeline import Measured, case_of
from benchmarks.pipeline_log import Flow, UpdateSummary
from benchmarks.report import BenchResults, target_table
from benchmarks.targets import (
    RUN_RSS_LIMIT_BYTES,
    SPARK_SPEEDUP,
    WALL_TARGETS,
    check_against_spark,
    check_against_tpchgen,
    check_completed,
    check_run_rss,
    check_targets,
    check_wall,
)
from rich.console import Console

from tests.benchmarks.constructed import ROWS, generated, piped, update

SCALE_1 = WALL_TARGETS[0]
LIMIT = SCALE_1.limit_seconds


def test_the_slowest_repeat_decides_a_wall_target() -> None:
    good = [generated("retail", "scale 1", [LIMIT * 0.4, LIMIT * 0.5, LIMIT * 0.9])]
    one_slow = [generated("retail", "scale 1", [LIMIT * 0.4, LIMIT * 0.5, LIMIT * 1.1])]

    assert check_wall(good, SCALE_1, 3).verdict == "pass"
    missed = check_wall(one_slow, SCALE_1, 3)
    assert missed.verdict == "fail"
    assert f"{LIMIT * 1.1:.2f} s" in missed.measured


def test_a_crashed_case_fails_its_target_instead_of_vanishing() -> None:
    crashed = CaseResult.unavailable("retail", "scale 1", "failed", "exit 1: MemoryError")

    check = check_wall([crashed], SCALE_1, 3)

    assert check.verdict == "fail"
    assert "MemoryError" in check.measured


def test_a_case_short_of_its_repeats_fails() -> None:
    short = [generated("retail", "scale 1", [LIMIT * 0.1, LIMIT * 0.1])]

    check = check_wall(short, SCALE_1, 3)

    assert (check.measured, check.verdict) == ("short: 2 of 3 repeats", "fail")
    assert check_wall(short, SCALE_1, 2).verdict == "pass"


def test_a_case_not_asked_for_or_not_installed_is_not_judged() -> None:
    missing = CaseResult.unavailable("tpchgen-cli", "SF1", "not installed", "not installed")
    ours = generated("retail", "scale 5", [1.0])

    for cases in ([], [ours], [ours, missing]):
        checks = check_against_tpchgen(cases, 1)
        assert [c.verdict for c in checks] == ["not judged", "not judged"]
    assert check_wall([], SCALE_1, 1).verdict == "not judged"


def test_tpchgen_is_judged_on_rows_and_bytes_per_second_each_shown() -> None:
    # ours: more rows per second, fewer bytes per second (our rows are narrower)
    ours = generated("retail", "scale 5", [2.0], rows=8_000_000, size_bytes=100 * 2**20)
    theirs = generated("tpchgen-cli", "SF1", [2.0], rows=4_000_000, size_bytes=300 * 2**20)

    rows, size = check_against_tpchgen([ours, theirs], 1)

    assert rows.target.startswith("rows/s") and rows.verdict == "pass"
    assert size.target.startswith("MiB/s") and size.verdict == "fail"
    assert "50.0 (slowest) vs 150.0 (fastest)" in size.measured
    assert exit_code([rows, size]) == 1


def test_tpchgen_is_set_against_our_slowest_repeat() -> None:
    ours = generated("retail", "scale 5", [1.0, 4.0], rows=4_000)
    theirs = generated("tpchgen-cli", "SF1", [2.0, 2.0], rows=4_000)

    rows, _ = check_against_tpchgen([ours, theirs], 2)

    assert rows.verdict == "fail"  # ours is faster on its best repeat, slower on its worst


def spark_pair(
    ours: list[float], pyspark: list[float], their_rows: dict[str, int]
) -> list[PipelineCase]:
    return [
        piped("retail run", "fresh", "scale 1", ours),
        piped("pyspark", "medallion", "scale 1", pyspark, [their_rows] * len(pyspark)),
    ]


def test_a_comparison_is_judged_only_when_both_sides_computed_the_same_rows() -> None:
    fast = [1.0]
    pyspark = [SPARK_SPEEDUP * 2]
    other_rows = {**ROWS, "silver_orders": ROWS["silver_orders"] - 1}

    same = check_against_spark(spark_pair(fast, pyspark, ROWS), 1)
    differ = check_against_spark(spark_pair(fast, pyspark, other_rows), 1)

    assert same.verdict == "pass"
    assert differ.verdict == "not judged"
    assert differ.measured.startswith("rows differ: silver_orders")
    assert exit_code([differ]) == 0


def test_rows_that_vary_between_repeats_leave_a_comparison_unjudged() -> None:
    varying = [ROWS, {**ROWS, "gold_revenue": 4}]
    cases = [
        piped("retail run", "fresh", "scale 1", [1.0, 1.0], varying),
        piped("pyspark", "medallion", "scale 1", [100.0, 100.0]),
    ]

    check = check_against_spark(cases, 2)

    assert check.verdict == "not judged"
    assert "differ between repeats" in check.measured


def test_the_spark_comparison_takes_our_slowest_update() -> None:
    pyspark = [SPARK_SPEEDUP * 1.0]
    passing = check_against_spark(spark_pair([0.5, 0.9], pyspark, ROWS), 1)
    failing = check_against_spark(spark_pair([0.5, 1.5], pyspark, ROWS), 1)

    assert passing.verdict == "pass"
    assert failing.verdict == "fail"


def test_retail_run_has_a_memory_target() -> None:
    under = piped("retail run", "fresh", "scale 1", [1.0], peak=RUN_RSS_LIMIT_BYTES - 1)
    over = piped("retail run", "again", "scale 1", [1.0], peak=RUN_RSS_LIMIT_BYTES + 1)
    unmeasured = piped("retail run", "full-refresh", "scale 1", [1.0], peak=None)
    cases = [under, over, unmeasured]

    verdicts = [check_run_rss(cases, run, 1).verdict for run in ("fresh", "again", "full-refresh")]

    assert verdicts == ["pass", "fail", "not judged"]
    assert (
        sum(
            "retail run" in c.target and "peak RSS" in c.target for c in check_targets([], cases, 1)
        )
        == 3
    )


def test_a_crash_of_a_case_without_a_target_still_fails_the_run() -> None:
    spark = CaseResult.unavailable("dbldatagen", "scale 1", "failed", "exit 1: Py4JError")
    skipped = CaseResult.unavailable("tpchgen-cli", "SF1", "skipped", "skipped: --skip")

    assert check_completed([skipped], []).verdict == "pass"
    crashed = check_completed([spark, skipped], [])
    assert crashed.verdict == "fail"
    assert "dbldatagen scale 1" in crashed.measured


def process(wall: float, returncode: int = 0) -> ProcessRun:
    return ProcessRun(("retail",), returncode, wall, 1.0, None, "Error: boom")


def test_a_pipeline_case_that_failed_on_a_later_repeat_fails() -> None:
    measured = Measured([process(1.0)], [update(0.5, ROWS)], failure="exit 1: Error: boom")

    case = case_of(1.0, "fresh", measured, "retail run", 3)

    assert case.status == "failed"
    assert case.timing is not None  # the good repeat is still shown
    assert "failed after 1 of 3 repeats" in case.note
    assert check_targets([], [case], 3)[-1].verdict == "fail"


def test_a_pipeline_case_short_of_its_repeats_fails() -> None:
    measured = Measured([process(1.0)], [update(0.5, ROWS)])

    assert case_of(1.0, "again", measured, "retail run", 2).status == "failed"
    assert case_of(1.0, "again", measured, "retail run", 1).status == "ok"


def test_the_layers_shown_are_those_of_one_update() -> None:
    # the best update has the slower bronze: each layer's own best would mix the two runs
    best = UpdateSummary(3.0, (Flow("bronze_a", 1.0, 1), Flow("silver_a", 0.5, 1)))
    other = UpdateSummary(4.0, (Flow("bronze_a", 0.2, 1), Flow("silver_a", 1.5, 1)))

    timing = UpdateTiming.of([other, best])

    assert timing.best_layers == best.layer_seconds()
    assert timing.best_layers["bronze"] > other.layer_seconds()["bronze"]
    assert (timing.update_best, timing.update_worst, timing.repeats) == (3.0, 4.0, 2)


def results(cases: list[CaseResult]) -> BenchResults:
    machine = {"cpu_count": 2, "python": "3", "platform": "linux", "rss_sample_seconds": 0.02}
    return BenchResults(machine, {"repeat": 1}, cases, [], check_targets(cases, [], 1))


@pytest.mark.parametrize(("wall_share", "code"), [(0.5, 0), (1.5, 1)])
def test_the_run_exits_non_zero_when_a_target_fails(
    wall_share: float, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [generated("retail", "scale 1", [LIMIT * wall_share])]
    monkeypatch.setattr(benchmarks.run, "run_benchmarks", lambda settings, console: results(cases))
    monkeypatch.setattr(benchmarks.run, "output_console", lambda: Console(quiet=True))
    out = tmp_path / "results.json"

    assert benchmarks.run.main(["--quick", "--out", str(out)]) == code
    assert json.loads(out.read_text())["exit_code"] == code


def test_the_targets_table_says_not_judged_and_the_exit_code() -> None:
    checks = check_targets([], [], 1)
    console = Console(record=True, width=200)

    console.print(target_table(checks))

    text = console.export_text()
    assert "not judged" in text and "NOT JUDGED" not in text
    assert "exit 0" in text
