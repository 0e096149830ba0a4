"""The ``retail`` command: parses arguments and calls the library, nothing more."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from retail_lakehouse import __version__
from retail_lakehouse.backends.names import EngineName
from retail_lakehouse.cli import report as cli_report
from retail_lakehouse.datasets import (
    BUILTIN_DATASETS,
    BuiltinDataset,
    builtin_spec,
    builtin_spec_text,
)
from retail_lakehouse.generate.plan import DEFAULT_SEED, PlanError
from retail_lakehouse.generate.spec import DatasetSpec, SpecError, load_spec
from retail_lakehouse.generate.writers import OutputFormat

if TYPE_CHECKING:
    from retail_lakehouse.generate.runner import GenerateOptions

EXIT_USAGE = 2
EXIT_FAILED = 1


def _usage_errors() -> tuple[type[Exception], ...]:
    """Errors caused by the user's input: one line, exit code 2 (imported when needed)."""
    from retail_lakehouse.backends.duckdb.lakehouse_sql import QueryError
    from retail_lakehouse.backends.spark.session import SparkUnavailableError
    from retail_lakehouse.pipeline.engine import EngineError
    from retail_lakehouse.pipeline.model import DefinitionError
    from retail_lakehouse.report.runs import ReportError
    from retail_lakehouse.storage.delta import StorageError

    return (
        CliError, SpecError, PlanError, DefinitionError, StorageError, QueryError, EngineError,
        SparkUnavailableError, ReportError,
    )  # fmt: skip


def _update_failures() -> tuple[type[Exception], ...]:
    from retail_lakehouse.pipeline.model import ExpectationFailedError

    return (ExpectationFailedError,)


class CliError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


def _row_count(text: str) -> tuple[str, int]:
    name, sep, count = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected TABLE=COUNT, got '{text}'")
    try:
        return name, int(count.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"row count of '{name}' is not an integer") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retail", description="Synthetic retail data and a local-first lakehouse."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="generate the landing zone (raw source files)")
    _add_generation_options(gen)

    _add_run_parser(commands)
    _add_query_parsers(commands)
    cli_report.add_report_parser(commands)

    spec = commands.add_parser("spec", help="show or check dataset specs")
    spec_commands = spec.add_subparsers(dest="spec_command", required=True)
    show = spec_commands.add_parser("show", help="print a built-in spec as YAML")
    show.add_argument("dataset", nargs="?", choices=BUILTIN_DATASETS, default="retail")
    check = spec_commands.add_parser("validate", help="check a spec file")
    check.add_argument("path", type=Path)
    return parser


def _add_generation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies row counts (0.01-1000)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same bytes")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (all cores)")
    parser.add_argument("--lakehouse", type=Path, default=Path("lakehouse"), help="the folder")
    parser.add_argument("--format", choices=get_args(OutputFormat), default="parquet")
    parser.add_argument("--spec", type=Path, help="a dataset spec YAML (default: built-in retail)")
    parser.add_argument(
        "--rows", type=_row_count, action="append", default=[], metavar="TABLE=COUNT",
        help="explicit row count of a table (repeatable); beats --scale",
    )  # fmt: skip
    parser.add_argument(
        "--defect-scale", type=float, default=1.0,
        help="multiplies every defect rate of the spec (0: clean data, 2: twice as dirty)",
    )  # fmt: skip
    parser.add_argument("--block-rows", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--engine", type=EngineName, choices=list(EngineName), default=EngineName.DUCKDB,
        help="duckdb (embedded, default) or spark (needs the spark extra and Java)",
    )  # fmt: skip
    parser.add_argument(
        "--master", default=None, help="Spark master URL with --engine spark (default local[*])"
    )


def _add_run_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run", help="generate the landing zone if missing, then run the pipeline into Delta tables"
    )
    _add_generation_options(run)
    run.add_argument("--pipeline", type=Path, help="pipeline settings YAML (default: built-in)")
    run.add_argument("--regenerate", action="store_true", help="regenerate the landing zone")
    run.add_argument("--full-refresh", action="store_true", help="recompute every table")
    run.add_argument(
        "--dry-run", action="store_true", help="check and plan; read and write nothing"
    )


def _add_query_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    query = commands.add_parser("query", help="query the lakehouse tables (read-only)")
    query.add_argument("sql", nargs="?", help="a query; none: an interactive prompt")
    query.add_argument("--lakehouse", type=Path, default=Path("lakehouse"))
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
    query.add_argument("--dialect", choices=["spark", "duckdb"], default="spark")
    query.add_argument("--pipeline", type=Path, help="pipeline settings YAML (default: built-in)")
    lineage = commands.add_parser("lineage", help="print table lineage, or a column's sources")
    lineage.add_argument("column", nargs="?", help="DATASET.COLUMN to trace")
    lineage.add_argument("--lakehouse", type=Path, default=Path("lakehouse"))
    lineage.add_argument("--pipeline", type=Path, help="pipeline settings YAML (default: built-in)")


def _load(path: Path | None) -> DatasetSpec:
    return load_spec(path) if path is not None else builtin_spec()


def _generate_options(args: argparse.Namespace) -> GenerateOptions:
    from retail_lakehouse.generate.runner import DEFAULT_BLOCK_ROWS, GenerateOptions

    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers must be at least 1, got {args.workers}")
    return GenerateOptions(
        scale=args.scale,
        seed=args.seed,
        workers=args.workers,
        lakehouse=args.lakehouse,
        output_format=args.format,
        rows=dict(args.rows),
        defect_scale=args.defect_scale,
        block_rows=args.block_rows or DEFAULT_BLOCK_ROWS,
    )


def _generate(args: argparse.Namespace) -> None:
    from rich.console import Console

    from retail_lakehouse.backends.factory import create_generator
    from retail_lakehouse.cli.console import RowProgress, generate_summary

    options = _generate_options(args)
    spec = _load(args.spec)
    console = Console()
    generate = create_generator(args.engine, args.master)
    with RowProgress(console) as progress:
        report = generate(spec, options, progress, None)
    console.print(generate_summary(report))


def _spec(args: argparse.Namespace) -> None:
    if args.spec_command == "show":
        dataset: BuiltinDataset = args.dataset
        sys.stdout.write(builtin_spec_text(dataset))
        return
    spec = load_spec(args.path)
    tables = ", ".join(f"{t.name} ({t.rows:,} rows)" for t in spec.tables)
    print(f"{args.path}: valid spec '{spec.name}': {tables}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            _generate(args)
        elif args.command == "spec":
            _spec(args)
        elif args.command == "report":
            cli_report.report(args)
        elif args.command == "run":
            from retail_lakehouse.cli import run as cli_pipeline

            cli_pipeline.run(args, _generate_options, _load)
        else:
            from retail_lakehouse.cli import query as cli_query

            cli_query.COMMANDS[args.command](args)
    except _usage_errors() as exc:
        print(f"retail: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _update_failures() as exc:
        print(f"retail: update failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


GC_ALLOCATIONS = 10_000


def entry() -> None:
    """The ``retail`` console script: :func:`main` with fewer garbage collections.

    A command's Python objects are few and long-lived (modules, the pipeline's trees; the
    data is Arrow's): collecting every 700 allocations, Python's default, ran 170
    collections (0.13 s) in a scale-1 ``retail run``, every 10,000 about 11 (0.03 s). The
    exit skips the final collections, which took 0.2 s: everything is written and closed
    by then, and the OS frees the memory."""
    gc.set_threshold(GC_ALLOCATIONS)
    code = main()
    gc.freeze()  # the collector skips every object that exists now: the OS frees them
    sys.exit(code)


if __name__ == "__main__":
    entry()
