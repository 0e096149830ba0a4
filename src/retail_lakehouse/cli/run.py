"""The ``run`` command of the CLI: parse, call, print.

``run`` ends by writing the HTML run report (also after an update a FAIL UPDATE expectation
stopped, which the event log records) and printing its path as the last line. This
module imports only what generating needs: the pipeline's libraries load while the
generator's workers run (see :mod:`retail_lakehouse.cli.land_and_update`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from retail_lakehouse.cli.console import RowProgress, generate_summary
from retail_lakehouse.cli.land_and_update import run_local
from retail_lakehouse.cli.report import load_report_pipeline, write_report
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.generate.runner import LANDING_DIR, GenerateOptions
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.pipeline.model import ExpectationFailedError
from retail_lakehouse.pipeline.settings import settings_or_builtin

OptionsFactory = Callable[[argparse.Namespace], GenerateOptions]
SpecLoader = Callable[[Path | None], DatasetSpec]


def settings_path(args: argparse.Namespace) -> Path:
    """The pipeline settings a command was given (default: the built-in pipeline)."""
    return settings_or_builtin(args.pipeline)


def run(args: argparse.Namespace, options: OptionsFactory, load_spec: SpecLoader) -> None:
    console = Console()
    if args.dry_run:
        _print_plan(console, args)
        return
    generate_options = options(args)
    try:
        with RowProgress(console) as progress:
            result = run_local(
                load_spec(args.spec), generate_options, settings_path(args), args.engine,
                args.master, regenerate=args.regenerate, full_refresh=args.full_refresh,
                progress=progress,
            )  # fmt: skip
    except ExpectationFailedError:  # the event log has the failed update: report it too
        print(write_report(args.lakehouse, load_report_pipeline(args.lakehouse, args.pipeline)))
        raise
    from retail_lakehouse.cli.pipeline_output import datasets_summary, expectations_summary

    if result.generated is not None:
        console.print(generate_summary(result.generated))
    else:
        _note_reused_landing(console, generate_options)
    console.print(datasets_summary(result.update))
    console.print(expectations_summary(result.update))
    print(write_report(args.lakehouse, result.pipeline))


def _print_plan(console: Console, args: argparse.Namespace) -> None:
    from retail_lakehouse.cli.pipeline_output import plan_tree
    from retail_lakehouse.pipeline.project import load_pipeline

    console.print(plan_tree(load_pipeline(settings_path(args), args.lakehouse).graph))


def _note_reused_landing(console: Console, options: GenerateOptions) -> None:
    """Say so when the existing landing zone was made with other options than asked for."""
    manifest = read_manifest(options.lakehouse / LANDING_DIR)
    asked = {"scale": options.scale, "seed": options.seed, "defect_scale": options.defect_scale}
    differs = [
        f"{key} {manifest.get(key)} (asked {value})"
        for key, value in asked.items()
        if manifest.get(key) != value
    ]
    if differs:
        console.print(
            f"[yellow]note:[/yellow] reused the existing landing zone ({', '.join(differs)}); "
            "pass --regenerate to generate it again"
        )
