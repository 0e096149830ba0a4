"""The benchmark's ``--spark-scales`` option and the Spark engine's target against PySpark."""

from __future__ import annotations

from pathlib import Path

from benchmarks.model import PipelineCase
from benchmarks.run import parse_settings, reference_rows, run_spark_engine, run_spark_medallion
from benchmarks.spark_medallion import Reference, rows_note
from benchmarks.targets import check_spark_engine_against_pyspark, check_targets
from rich.console import Console

from tests.benchmarks.constructed import piped

SKIP_SPARK = ("--skip", "spark-engine", "--skip", "spark-medallion")
TARGET = "Spark engine update <= 1.2x PySpark medallion (scale 10)"


def test_the_spark_cases_run_at_scale_1_by_default() -> None:
    settings = parse_settings([])

    assert settings.spark_scales == (1.0,)
    assert settings.as_dict()["spark_scales"] == [1.0]


def test_the_spark_scales_are_the_listed_ones_in_order() -> None:
    settings = parse_settings(["--spark-scales", "10", "1", "10", "--scales", "1"])

    assert settings.spark_scales == (1.0, 10.0)
    assert settings.scales == (1.0,)
    assert settings.as_dict()["spark_scales"] == [1.0, 10.0]
    assert {"spark-engine", "spark-medallion"} <= settings.parts


def test_quick_runs_no_spark_case_and_reports_them_at_scale_1() -> None:
    settings = parse_settings(["--quick", "--spark-scales", "10"])

    assert settings.spark_scales == (1.0,)
    assert not {"spark-engine", "spark-medallion"} & settings.parts
    assert settings.skip_reason("spark-engine") == "skipped: --quick"


def test_skipped_spark_cases_show_one_row_per_spark_scale(tmp_path: Path) -> None:
    settings = parse_settings(["--spark-scales", "1", "10", *SKIP_SPARK])
    console = Console(quiet=True)

    engine = run_spark_engine(settings, tmp_path, console)
    medallion = [run_spark_medallion(settings, s, tmp_path, console, engine) for s in (1, 10)]

    assert [(c.tool, c.size, c.note) for c in engine] == [
        ("retail run --engine spark", "scale 1", "skipped: --skip"),
        ("retail run --engine spark", "scale 10", "skipped: --skip"),
    ]
    assert [(c.size, c.status) for c in medallion] == [
        ("scale 1", "skipped"),
        ("scale 10", "skipped"),
    ]


def scale_10(engine: float, pyspark: float) -> list[PipelineCase]:
    return [
        piped("retail run --engine spark", "fresh", "scale 10", [engine]),
        piped("retail run --engine spark", "again", "scale 10", [engine / 2]),
        piped("pyspark", "medallion", "scale 10", [pyspark]),
    ]


def test_the_target_is_met_within_1_2x() -> None:
    check = check_spark_engine_against_pyspark(scale_10(engine=36.0, pyspark=30.0), 1)

    assert check.target == TARGET
    assert check.measured == "ours 36.00 s (slowest) / PySpark 30.00 s (fastest) = 1.20x"
    assert check.verdict == "pass"


def test_the_target_is_missed_beyond_1_2x() -> None:
    check = check_spark_engine_against_pyspark(scale_10(engine=40.0, pyspark=30.0), 1)

    assert check.measured == "ours 40.00 s (slowest) / PySpark 30.00 s (fastest) = 1.33x"
    assert check.verdict == "fail"


def test_the_target_is_not_judged_without_both_scale_10_cases() -> None:
    at_scale_1 = [
        piped("retail run --engine spark", "fresh", "scale 1", [10.0]),
        piped("pyspark", "medallion", "scale 1", [10.0]),
    ]
    skipped = PipelineCase.unavailable("pyspark", "medallion", "scale 10", "skipped", "--skip")
    engine_only = [*scale_10(engine=10.0, pyspark=10.0)[:2], skipped]

    for cases in (at_scale_1, engine_only, []):
        check = check_spark_engine_against_pyspark(cases, 1)
        assert check.target == TARGET
        assert check.verdict == "not judged"
        assert check.measured in ("not run", "--skip")


def test_the_target_is_among_the_checks() -> None:
    checks = check_targets([], scale_10(engine=1.0, pyspark=1.0), 1)

    assert [check.target for check in checks].count(TARGET) == 1
    assert next(c for c in checks if c.target == TARGET).verdict == "pass"


def test_the_medallion_compares_rows_with_our_first_fresh_run_and_names_it() -> None:
    spark_only = scale_10(engine=36.0, pyspark=30.0)
    assert spark_only[0].updates is not None
    spark_only[0].updates.rows_by_dataset.clear()
    spark_only[0].updates.rows_by_dataset.update({"silver_orders": 7})

    reference = reference_rows(spark_only, "scale 10")

    assert reference == Reference("retail run --engine spark", {"silver_orders": 7})
    assert reference_rows(spark_only, "scale 1") is None
    same = rows_note(reference.rows, {"silver_orders": 7}, reference.tool)
    assert same == "rows of all 1 datasets = retail run --engine spark's"
    assert rows_note(reference.rows, {"silver_orders": 6}, reference.tool) == (
        "rows differ: silver_orders 6 vs 7"
    )
