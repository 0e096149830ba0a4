"""``retail run``: the landing zone if missing, one pipeline update, the summary and the report.

``run`` ends by writing the HTML run report (also after an update a FAIL UPDATE expectation
stopped, which the event log records) and printing its path as the last line. This
module imports only what parsing needs; the pipeline's libraries load after generating.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.options import (
    add_generation,
    add_pipeline,
    add_resources,
    dataset_spec,
    generate_options,
    settings_path,
)
from retail_lakehouse.common.lakehouse import Lakehouse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_generation(parser)
    add_pipeline(parser)
    add_resources(parser)
    parser.add_argument("--regenerate", action="store_true", help="regenerate the landing zone")
    parser.add_argument("--full-refresh", action="store_true", help="recompute every table")
    parser.add_argument(
        "--dry-run", action="store_true", help="check and plan; read and write nothing"
    )


def run(args: argparse.Namespace) -> None:
    from retail_lakehouse.backends import Resources, open_backend
    from retail_lakehouse.cli.console import RunDisplay, generate_summary, output_console
    from retail_lakehouse.cli.land_and_update import land_and_update
    from retail_lakehouse.cli.report import load_report_pipeline, write_report
    from retail_lakehouse.pipeline.model import ExpectationFailedError

    console = output_console()
    if args.dry_run:
        _print_plan(console, args)
        return
    options = generate_options(args)
    resources = Resources(args.memory_limit, args.threads, Lakehouse(args.lakehouse).scratch)
    backend = open_backend(args.engine, args.master, resources)
    try:
        with RunDisplay(console) as display:
            result = land_and_update(
                dataset_spec(args), options, settings_path(args), backend,
                regenerate=args.regenerate, full_refresh=args.full_refresh,
                progress=display.rows, watcher=display.datasets,
            )  # fmt: skip
    except ExpectationFailedError:  # the event log has the failed update: report it too
        print(write_report(load_report_pipeline(args.lakehouse, args.pipeline)))
        raise
    finally:
        backend.close()
    from retail_lakehouse.cli.pipeline_output import datasets_summary, expectations_summary

    if result.generated is not None:
        console.print(generate_summary(result.generated))
    else:
        _note_reused_landing(console, args)
    for note in result.update.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}", soft_wrap=True)
    console.print(datasets_summary(result.update))
    console.print(expectations_summary(result.update))
    print(write_report(result.pipeline))


def _print_plan(console: Console, args: argparse.Namespace) -> None:
    from retail_lakehouse.cli.pipeline_output import plan_tree
    from retail_lakehouse.pipeline.project import load_pipeline

    console.print(plan_tree(load_pipeline(settings_path(args), args.lakehouse).graph))


def _note_reused_landing(console: Console, args: argparse.Namespace) -> None:
    """Say so when the existing landing zone differs from options the user passed; the
    defaults of options not passed ask for nothing."""
    from retail_lakehouse.generate.manifest import read_manifest

    differs = landing_differences(args, read_manifest(Lakehouse(args.lakehouse).manifest))
    if differs:
        console.print(
            f"[yellow]note:[/yellow] reused the existing landing zone, made with "
            f"{', '.join(differs)}; pass --regenerate to generate it with the options given",
            soft_wrap=True,
        )


def landing_differences(args: argparse.Namespace, manifest: Mapping[str, Any]) -> list[str]:
    """``--scale 0.1 (not 1.0)``: each landing option passed on the command line that the
    landing zone was made otherwise, with the landing zone's value."""
    passed = (
        ("--scale", args.scale, manifest.get("scale")),
        ("--seed", args.seed, manifest.get("seed")),
        ("--defect-scale", args.defect_scale, manifest.get("defect_scale")),
        ("--format", args.format, manifest.get("format")),
    )
    differs = [
        f"{flag} {made} (not {value})"
        for flag, value, made in passed
        if value is not None and value != made
    ]
    tables = manifest.get("tables") or {}
    for table, count in args.rows:
        made = (tables.get(table) or {}).get("rows")
        if made != count:
            differs.append(f"--rows {table}={made} (not {count})")
    return differs


COMMAND = Command(
    "run",
    "generate the landing zone if missing, then run the pipeline into Delta tables",
    add_arguments,
    run,
)
