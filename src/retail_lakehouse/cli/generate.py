"""``retail generate``: write the landing zone, with a progress bar and a summary table."""

from __future__ import annotations

import argparse

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import add_generation, dataset_spec, generate_options


def generate(args: argparse.Namespace) -> None:
    from rich.console import Console

    from retail_lakehouse.backends import open_backend
    from retail_lakehouse.cli.console import RowProgress, generate_summary

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


COMMAND = Command(
    "generate", "generate the landing zone (raw source files)", add_generation, generate
)
