"""run_measured's watchdog: a process tree over max_tree_rss is killed and says so."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from benchmarks.measure import PROC, run_measured

pytestmark = pytest.mark.skipif(not (PROC / "self" / "task").is_dir(), reason="needs /proc")

HOLD_MEMORY = "import time; block = bytearray(400 * 2**20); time.sleep(30)"


def test_a_tree_over_the_limit_is_killed(tmp_path: Path) -> None:
    run = run_measured(
        [sys.executable, "-c", HOLD_MEMORY], tmp_path / "log", max_tree_rss=200 * 2**20
    )

    assert not run.ok
    assert run.killed_over_rss == 200 * 2**20
    assert run.wall_seconds < 20
    assert run.failure_note.startswith("killed: tree RSS over")


def test_without_a_limit_nothing_is_killed(tmp_path: Path) -> None:
    run = run_measured([sys.executable, "-c", "pass"], tmp_path / "log")

    assert run.ok
    assert run.killed_over_rss is None
