"""The ``retail`` command: the command table, and errors as one line and an exit code.

Every command is a :class:`~retail_lakehouse.cli.command.Command` of its own module. An
:class:`InputError` (bad input) or an ``OSError`` (a full or read-only disk) prints one
line and exits 2; an :class:`UpdateFailedError` (an update the data stopped) exits 1;
Ctrl-C exits 130 once every write is rolled back.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from retail_lakehouse import __version__
from retail_lakehouse.cli import generate, init, lineage, query, report, run, simulate, spec
from retail_lakehouse.cli.command import EXIT_USAGE, Command, OneLineParser
from retail_lakehouse.common.errors import InputError, UpdateFailedError

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
COMMANDS: tuple[Command, ...] = (
    generate.COMMAND, run.COMMAND, simulate.COMMAND, query.COMMAND, lineage.COMMAND,
    report.COMMAND, spec.COMMAND, init.COMMAND,
)  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
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
    except OSError as exc:  # the disk, not the input: full, read-only, not permitted
        print(f"retail: error: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # every write rolled back or discarded on the way out
        print("retail: interrupted: tables unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def describe_os_error(exc: OSError) -> str:
    """``path: no space left on device``: the file and the system's own words, one line."""
    problem = (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0].lower()
    return f"{exc.filename}: {problem}" if exc.filename else problem


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
