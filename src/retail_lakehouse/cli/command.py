"""What a command of the ``retail`` CLI is: a name, a help line, its arguments, its action.

Command modules import only what parsing needs at the top; the libraries that do the
work load inside their actions, so ``retail --help`` starts fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

Parser = argparse.ArgumentParser
EXIT_USAGE = 2


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[Parser], None]
    run: Callable[[argparse.Namespace], None]


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments are one line and exit 2, like every other input error (argparse
    prints the whole usage first); its subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
