"""Entry points that scheduled jobs call: parse the job's parameters, call the library.

``retail-generate-landing`` (a wheel entry point, run by the bundle's
``python_wheel_task``) generates the built-in retail dataset's landing zone as Parquet
with the active Spark session: on Databricks the job's own, into a Unity Catalog volume.
Nothing here knows more of Databricks than the shape of a task's parameters.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from retail_lakehouse.cli.command import OneLineParser
from retail_lakehouse.cli.options import DEFAULT_SCALE, scale_factor
from retail_lakehouse.datasets import builtin_spec
from retail_lakehouse.generate.defaults import DEFAULT_SEED
from retail_lakehouse.generate.runner import GenerateOptions, GenerateReport

GENERATE_LANDING = "retail-generate-landing"


def landing_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=GENERATE_LANDING,
        description="Generate the retail landing zone (Parquet) with the active Spark session.",
    )
    parser.add_argument(
        "--lakehouse",
        "--landing-volume",
        type=Path,
        required=True,
        help="folder the landing zone goes under, as <lakehouse>/landing (e.g. /Volumes/c/s/v)",
    )
    parser.add_argument(
        "--scale", type=scale_factor, default=DEFAULT_SCALE,
        help="multiplies row counts (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="same seed, same bytes (default: %(default)s)",
    )
    return parser


def landing_options(argv: Sequence[str]) -> GenerateOptions:
    """The generator's options from a job's parameters."""
    arguments = landing_parser().parse_args(list(argv))
    return GenerateOptions(
        scale=arguments.scale,
        seed=arguments.seed,
        lakehouse=arguments.lakehouse,
        output_format="parquet",
    )


def generate_landing(argv: Sequence[str] | None = None) -> None:
    """Generate the landing zone with the active Spark session (``sys.argv`` by default)."""
    options = landing_options(sys.argv[1:] if argv is None else argv)
    from pyspark.sql import SparkSession

    from retail_lakehouse.backends.spark.generate import SparkGenerator
    from retail_lakehouse.backends.spark.session import prepare_session

    spark = prepare_session(SparkSession.builder.getOrCreate())
    print_report(SparkGenerator(spark).generate(builtin_spec(), options))


def print_report(report: GenerateReport) -> None:
    for table in report.tables:
        print(f"{table.name}: {table.rows:,} rows in {table.files} files")
    print(f"landing zone {report.landing} written in {report.seconds:.1f} s")
