"""``retail generate``: write the landing zone, or append days to it, with a progress bar
and a summary table."""

from __future__ import annotations

import argparse

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import (
    CliError,
    add_appending,
    add_generation,
    append_options,
    dataset_spec,
    generate_options,
)


def generate(args: argparse.Namespace) -> None:
    from rich.console import Console

    from retail_lakehouse.backends import open_backend
    from retail_lakehouse.cli.console import RowProgress, generate_summary

    if args.append:
        append(args)
        return
    if args.days is not None:
        raise CliError("--days needs --append")
    options = generate_options(args)
    spec = dataset_spec(args)
    console = Console()
    backend = open_backend(args.engine, args.master)
    try:
        with RowProgress(console) as progress:
            report = backend.generator().generate(spec, options, progress)
    finally:
        backend.close()
    console.print(generate_summary(report))


def append(args: argparse.Namespace) -> None:
    """Days are drawn by the local generator whatever the engine: a day is small, and its
    rows depend on the whole landing zone, which Spark's tasks do not see."""
    from rich.console import Console

    from retail_lakehouse.cli.console import generate_summary
    from retail_lakehouse.generate.append import append_days

    options = append_options(args)
    report = append_days(dataset_spec(args), options)
    Console().print(generate_summary(report))


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_generation(parser)
    add_appending(parser)


COMMAND = Command(
    "generate", "generate the landing zone (raw source files), or append days to it",
    _add_arguments, generate,
)  # fmt: skip
