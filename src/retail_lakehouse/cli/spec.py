"""``retail spec show | validate``: print a built-in dataset spec, or check a spec file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retail_lakehouse.cli.command import Command
from retail_lakehouse.datasets import BUILTIN_DATASETS, BuiltinDataset, builtin_spec_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    spec_commands = parser.add_subparsers(dest="spec_command", required=True)
    show = spec_commands.add_parser("show", help="print a built-in spec as YAML")
    show.add_argument(
        "dataset", nargs="?", choices=BUILTIN_DATASETS, default="retail",
        help="the built-in dataset whose spec to print (default: %(default)s)",
    )  # fmt: skip
    check = spec_commands.add_parser("validate", help="check a spec file")
    check.add_argument("path", type=Path, help="the spec YAML to check")


def spec(args: argparse.Namespace) -> None:
    from retail_lakehouse.generate.spec import load_spec

    if args.spec_command == "show":
        dataset: BuiltinDataset = args.dataset
        sys.stdout.write(builtin_spec_text(dataset))
        return
    loaded = load_spec(args.path)
    tables = ", ".join(f"{t.name} ({t.rows:,} rows)" for t in loaded.tables)
    print(f"{args.path}: valid spec '{loaded.name}': {tables}")


COMMAND = Command("spec", "show or check dataset specs", add_arguments, spec)
