"""The fault-injection harness: real ``retail`` processes, killed at a named crash point.

:func:`retail` runs the command as its own process, with ``RETAIL_CRASH_AT`` naming the
point where it kills itself (SIGKILL: no clean-up of any kind runs, as after ``kill -9``
or a power cut to the process). The tests then run the next command and check what it
finds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from retail_lakehouse.common.faults import CRASH_ENV

SCALE = "0.01"
KILLED = -signal.SIGKILL


def retail(*args: str | Path, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash_at is not None:
        environment[CRASH_ENV] = crash_at
    command = [sys.executable, "-m", "retail_lakehouse.cli.main", *map(str, args)]
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False, timeout=300
    )


def run(root: Path, *extra: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    return retail("run", "--lakehouse", root, "--scale", SCALE, "--workers", "1", *extra,
                  crash_at=crash_at)  # fmt: skip


def generate(
    root: Path, seed: int, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    return retail("generate", "--lakehouse", root, "--scale", SCALE, "--workers", "1",
                  "--seed", str(seed), crash_at=crash_at)  # fmt: skip


def copy_lakehouse(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip
