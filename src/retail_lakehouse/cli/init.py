"""``retail init DIR``: write a pipeline project to edit, ready for ``retail run --pipeline``."""

from __future__ import annotations

import argparse
from pathlib import Path

from retail_lakehouse.cli.command import Command
from retail_lakehouse.datasets import BUILTIN_DATASETS, BuiltinDataset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="a new or empty folder for the project")
    parser.add_argument(
        "--dataset", choices=BUILTIN_DATASETS, default="retail",
        help="the dataset it runs over (default: %(default)s)",
    )  # fmt: skip


def init(args: argparse.Namespace) -> None:
    from retail_lakehouse.datasets.project import write_project

    dataset: BuiltinDataset = args.dataset
    settings = write_project(args.folder, dataset)
    files = sorted(p for p in args.folder.rglob("*") if p.is_file())
    for path in files:
        print(f"  {path}")
    print(f"wrote {len(files)} files; run the project with:")
    print(f"  retail run --pipeline {settings}")


COMMAND = Command("init", "write a pipeline project (SQL and Python) to edit", add_arguments, init)
