"""What a command of the ``retail`` CLI is: a name, a help line, its arguments, its action.

Command modules import only what parsing needs at the top; the libraries that do the
work load inside their actions, so ``retail --help`` starts fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

Parser = argparse.ArgumentParser


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[Parser], None]
    run: Callable[[argparse.Namespace], None]
