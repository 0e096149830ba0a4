"""Crash points: where the fault-injection tests kill a process, on purpose, mid-write.

Every step that writes the lakehouse calls :func:`crash_point` with its name. When the
environment variable ``RETAIL_CRASH_AT`` names that point, the process kills itself with
SIGKILL right there, as a power cut or ``kill -9`` would, so the tests can check that the
next command finds every table and the landing zone consistent. Unset, a point costs one
dictionary lookup.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "RETAIL_CRASH_AT"


def crash_point(name: str) -> None:
    """Kill this process now if ``RETAIL_CRASH_AT`` is ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
