"""``retail report``, and the report step of ``retail run``.

Both build the HTML run report from the event log and the tables and print where it
is. The report's libraries are imported only when a report is built.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import add_lakehouse, add_pipeline, positive_count
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.report import DEFAULT_RUNS

if TYPE_CHECKING:
    from retail_lakehouse.pipeline.project import LoadedPipeline
    from retail_lakehouse.report.build import BuiltReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_lakehouse(parser)
    add_pipeline(parser)
    parser.add_argument(
        "--runs", type=positive_count, default=DEFAULT_RUNS, metavar="N",
        help="how many recent runs to compare (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--output", type=Path, metavar="FILE",
        help=f"where to write it (default: {Lakehouse(Path('LAKEHOUSE')).report})",
    )  # fmt: skip


def report(args: argparse.Namespace) -> None:
    """``retail report``."""
    pipeline = load_report_pipeline(args.lakehouse, args.pipeline)
    print(write_report(pipeline, args.runs, args.output))


def load_report_pipeline(lakehouse: Path, settings: Path | None) -> LoadedPipeline:
    """The pipeline at ``settings`` (default: the built-in one) as it applies to ``lakehouse``."""
    from retail_lakehouse.cli.opening import open_pipeline
    from retail_lakehouse.datasets import settings_or_builtin

    return open_pipeline(settings_or_builtin(settings), lakehouse)


def write_report(
    pipeline: LoadedPipeline, runs: int = DEFAULT_RUNS, output: Path | None = None
) -> str:
    """Build the report; the line that says where it is."""
    from retail_lakehouse.report.build import build_report

    return report_line(build_report(pipeline, runs, output))


def report_line(built: BuiltReport) -> str:
    return f"Report: {built.path.resolve()} ({built.size / 1024:,.0f} KB in {built.seconds:.2f} s)"


COMMAND = Command(
    "report", "rebuild the HTML run report from the event log and the tables", add_arguments,
    report,
)  # fmt: skip
