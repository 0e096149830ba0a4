"""Arguments several commands share: the lakehouse, the pipeline, and what to generate.

Every option's help ends with its default. The landing zone's options (``--scale``,
``--seed``, ``--defect-scale``, ``--format``, ``--rows``) parse to ``None`` (``[]`` for
``--rows``) when not given, so a command can tell what the user passed from what it
assumes; :func:`generate_options` fills in the defaults. A type function checks a value
as it is parsed, so every command that takes the option rejects it alike, before any work.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from retail_lakehouse.backends import DEFAULT_ENGINE, EngineName
from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.lakehouse import DEFAULT_LAKEHOUSE
from retail_lakehouse.generate.defaults import DEFAULT_SEED, MAX_SCALE, MIN_SCALE, OutputFormat

DEFAULT_SCALE = 1.0
DEFAULT_DEFECT_SCALE = 1.0
DEFAULT_FORMAT: OutputFormat = "parquet"

if TYPE_CHECKING:
    from retail_lakehouse.generate.append import AppendOptions
    from retail_lakehouse.generate.runner import GenerateOptions
    from retail_lakehouse.generate.spec import DatasetSpec


class CliError(InputError):
    """A problem with the command's arguments: printed as one line, exit code 2."""


def add_lakehouse(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lakehouse", type=Path, default=DEFAULT_LAKEHOUSE,
        help="the lakehouse folder: landing zone, tables, report (default: %(default)s)",
    )  # fmt: skip


def add_pipeline(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pipeline", type=Path, help="pipeline settings YAML (default: the built-in pipeline)"
    )


def add_generation(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale", type=scale_factor,
        help=f"multiplies row counts, from {MIN_SCALE:g} to {MAX_SCALE:g} "
        f"(default: {DEFAULT_SCALE:g})",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, help=f"same seed, same bytes (default: {DEFAULT_SEED})")
    parser.add_argument(
        "--workers", type=positive_count, default=None, help="worker processes (default: all cores)"
    )
    add_lakehouse(parser)
    parser.add_argument(
        "--format", choices=get_args(OutputFormat),
        help=f"the landing zone's file format (default: {DEFAULT_FORMAT})",
    )  # fmt: skip
    parser.add_argument(
        "--spec", type=Path, help="a dataset spec YAML (default: the built-in retail spec)"
    )
    parser.add_argument(
        "--rows", type=_row_count, action="append", default=[], metavar="TABLE=COUNT",
        help="explicit row count of a table (repeatable); beats --scale "
        "(default: the spec's counts times --scale)",
    )  # fmt: skip
    parser.add_argument(
        "--defect-scale", type=finite_number,
        help="multiplies every defect rate of the spec: 0 gives clean data, 2 twice as "
        f"dirty (default: {DEFAULT_DEFECT_SCALE:g})",
    )  # fmt: skip
    parser.add_argument("--block-rows", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--engine", type=EngineName, choices=list(EngineName), default=DEFAULT_ENGINE,
        help="duckdb, embedded, or spark, which needs the spark extra and Java "
        "(default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--master", default=None, help="Spark master URL with --engine spark (default: local[*])"
    )


def add_appending(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--append", action="store_true",
        help="add the next days of data to the existing landing zone as new files (the "
        "spec's arrivals section says what a day adds); seed, scale, format and row counts "
        "are the landing zone's; always drawn by the local generator, whatever --engine",
    )  # fmt: skip
    parser.add_argument(
        "--days", type=positive_count, default=None, metavar="N",
        help="with --append: how many days to add (default: 1)",
    )  # fmt: skip


def append_options(args: argparse.Namespace) -> AppendOptions:
    from retail_lakehouse.generate.append import AppendOptions
    from retail_lakehouse.generate.runner import DEFAULT_BLOCK_ROWS

    days = 1 if args.days is None else args.days
    return AppendOptions(
        lakehouse=args.lakehouse, days=days, block_rows=args.block_rows or DEFAULT_BLOCK_ROWS
    )


def add_resources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-limit", type=memory_size, default=None, metavar="SIZE",
        help="memory the embedded engine may use, e.g. 2GB or 512MB; beyond it, it spills "
        "to the lakehouse's .scratch folder (default: a sixteenth of the machine's memory)",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=positive_count, default=None,
        help="the embedded engine's threads (default: all cores)",
    )  # fmt: skip


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}  # fmt: skip


def memory_size(text: str) -> int:
    """``2GB``, ``1.5GiB``, ``512MB`` or a number of bytes, in bytes."""
    number = text.strip().upper().rstrip("BIKMGT ")
    unit = text.strip().upper()[len(number) :].strip()
    try:
        size = float(number) * _UNITS[unit]
    except (KeyError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected a size such as 2GB or 512MB, got '{text}'"
        ) from None
    if size < 2**20:
        raise argparse.ArgumentTypeError(f"at least 1MiB, got '{text}'")
    return int(size)


def scale_factor(text: str) -> float:
    """A number from ``MIN_SCALE`` to ``MAX_SCALE`` (``--scale``)."""
    value = finite_number(text)
    if not MIN_SCALE <= value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(
            f"must be a number from {MIN_SCALE:g} to {MAX_SCALE:g}, got '{text}'"
        )
    return value


def finite_number(text: str) -> float:
    """A number, not NaN or infinite (``--defect-scale``; the plan checks its range)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got '{text}'")
    return value


def positive_count(text: str) -> int:
    """A whole number of at least 1 (threads, runs)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _row_count(text: str) -> tuple[str, int]:
    name, sep, count = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected TABLE=COUNT, got '{text}'")
    try:
        return name, int(count.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"row count of '{name}' is not an integer") from None


def generate_options(args: argparse.Namespace) -> GenerateOptions:
    from retail_lakehouse.generate.runner import DEFAULT_BLOCK_ROWS, GenerateOptions

    return GenerateOptions(
        scale=DEFAULT_SCALE if args.scale is None else args.scale,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        workers=args.workers,
        lakehouse=args.lakehouse,
        output_format=args.format or DEFAULT_FORMAT,
        rows=dict(args.rows),
        defect_scale=DEFAULT_DEFECT_SCALE if args.defect_scale is None else args.defect_scale,
        block_rows=args.block_rows or DEFAULT_BLOCK_ROWS,
    )


def dataset_spec(args: argparse.Namespace) -> DatasetSpec:
    """The spec named by ``--spec``, or the built-in retail spec."""
    from retail_lakehouse.datasets import builtin_spec
    from retail_lakehouse.generate.spec import load_spec

    return load_spec(args.spec) if args.spec is not None else builtin_spec()


def settings_path(args: argparse.Namespace) -> Path:
    """The pipeline settings a command was given (default: the built-in pipeline)."""
    from retail_lakehouse.datasets import settings_or_builtin

    return settings_or_builtin(args.pipeline)
