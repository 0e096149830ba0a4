"""The ``retail`` command: the command table, and errors as one line and an exit code.

Every command is a :class:`~retail_lakehouse.cli.command.Command` of its own module. An
:class:`InputError` (bad input) prints one line and exits 2; an
:class:`UpdateFailedError` (an update the data stopped) exits 1.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from retail_lakehouse import __version__
from retail_lakehouse.cli import generate, lineage, query, report, run, spec
from retail_lakehouse.cli.command import Command
from retail_lakehouse.common.errors import InputError, UpdateFailedError

EXIT_FAILED = 1
EXIT_USAGE = 2
COMMANDS: tuple[Command, ...] = (
    generate.COMMAND, run.COMMAND, query.COMMAND, lineage.COMMAND, report.COMMAND, spec.COMMAND,
)  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retail", description="Synthetic retail data and a local-first lakehouse."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        arguments = commands.add_parser(command.name, help=command.help)
        command.add_arguments(arguments)
        arguments.set_defaults(action=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.action(args)
    except InputError as exc:
        print(f"retail: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UpdateFailedError as exc:
        print(f"retail: update failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


GC_ALLOCATIONS = 10_000


def entry() -> None:
    """The ``retail`` console script: :func:`main` with fewer garbage collections.

    A command's Python objects are few and long-lived (modules, the pipeline's trees; the
    data is Arrow's), so the collector runs every 10,000 allocations instead of Python's
    700, and the exit skips the final collections: everything is written and closed by
    then, and the OS frees the memory (measured in ``benchmarks/README.md``)."""
    gc.set_threshold(GC_ALLOCATIONS)
    code = main()
    gc.freeze()  # the collector skips every object that exists now: the OS frees them
    sys.exit(code)


if __name__ == "__main__":
    entry()
