"""One switch for how strict the suite is about optional tools: the ``CI`` variable.

Under CI (``CI`` set to anything but empty, ``0``, ``false`` or ``no``, in any case: GitHub
sets ``true``, other services ``1``) a tool the tests need and do not find (the bundle
schema, Chromium) fails the test with the reason; elsewhere the test skips with it, so a
laptop without them still runs the rest. Spark is stricter (``tests/spark_support.py``):
installed but unable to start is a failure everywhere.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

_NOT_CI = frozenset({"", "0", "false", "no"})


def strict() -> bool:
    """Whether the suite runs under CI, where a missing tool is a failure."""
    return os.environ.get("CI", "").strip().lower() not in _NOT_CI


def missing(reason: str) -> NoReturn:
    """A tool the test needs is missing: fail under CI, skip elsewhere, with ``reason``."""
    if strict():
        pytest.fail(f"{reason} (CI=true: {os.environ.get('CI')!r})")
    pytest.skip(reason)
