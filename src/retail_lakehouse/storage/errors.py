"""The storage layer's one exception type and the one-line summaries of delta-rs errors.

delta-rs error messages can carry a multi-line Rust backtrace, ANSI colour codes and
``Debug`` dumps of internal structs; :func:`one_line` keeps only a short first line so
that every :class:`StorageError` reads as a single line naming the table.
"""

from __future__ import annotations

import re
from pathlib import Path

from retail_lakehouse.common.errors import InputError

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MAX_DETAIL = 160
_DISK_FULL = re.compile(r"no space left on device|os error 28\b|ENOSPC", re.IGNORECASE)


class StorageError(InputError):
    """A table cannot be read or written; the message is one line naming the table path."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"Delta table {path}: {problem}")
        self.path = path


def one_line(exc: BaseException) -> str:
    """First line of an exception's message, without colour codes, cut to a readable length;
    a full disk is said plainly, whatever layer of delta-rs reports it."""
    text = _ANSI_ESCAPE.sub("", str(exc)).strip()
    if _DISK_FULL.search(text):
        return "no space left on device"
    first = text.splitlines()[0].strip() if text else type(exc).__name__
    if len(first) > _MAX_DETAIL:
        first = first[: _MAX_DETAIL - 1] + "…"
    return first
