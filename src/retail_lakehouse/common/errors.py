"""The one error hierarchy: what the ``retail`` command turns into one line and an exit code.

Every error this package raises on purpose is a :class:`RetailError`. An
:class:`InputError` is a problem with what the user gave (a spec, SQL, settings, options,
a corrupt table, a missing tool): one line naming the file, line or field, exit code 2,
and nothing written. An :class:`UpdateFailedError` is an update the data stopped (a
``FAIL UPDATE`` expectation): exit code 1, and no table changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class RetailError(Exception):
    """An error raised on purpose, with a message of one line."""


class InputError(RetailError):
    """The user's input cannot be used: one line, exit code 2, nothing written."""


class UpdateFailedError(RetailError):
    """The data stopped an update: exit code 1, no table changed."""


@dataclass(frozen=True)
class SourceLocation:
    """A line of a definition file, for errors that point there."""

    path: Path
    line: int  # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class DefinitionError(InputError, ValueError):
    """A pipeline definition that cannot be used: one line naming the file and line."""

    def __init__(self, location: SourceLocation | Path | str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.problem = message
