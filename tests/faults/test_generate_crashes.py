"""A generation killed at any step: the next command finds the landing zone entirely as it
was or entirely new (never a mix, never a manifest that does not match its files), and
nothing a killed generation staged is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchmarks.invariants import check_lakehouse

from tests.faults.harness import KILLED, copy_lakehouse, files_of, generate, retail, run
from tests.helpers import writer_elsewhere

Zones = tuple[Path, dict[str, bytes], dict[str, bytes]]  # lakehouse, old files, new files
# point -> whether the new landing zone is in place once the next command recovered
GENERATE_POINTS = {
    "generate:staged": False,  # the journal is not written: the staged zone is discarded
    "generate:journaled": True,  # the journal names a complete staged zone: swapped in
    "generate:retired": True,  # between the two renames: the swap is finished
    "generate:swapped": True,
}


@pytest.fixture(scope="module")
def zones(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A lakehouse over a seed-1 landing zone, and the files of the seed-1 and seed-2 zones."""
    base = tmp_path_factory.mktemp("base") / "lakehouse"
    assert generate(base, seed=1).returncode == 0
    assert run(base).returncode == 0
    other = tmp_path_factory.mktemp("other") / "lakehouse"
    assert generate(other, seed=2).returncode == 0
    return base, files_of(base / "landing"), files_of(other / "landing")


@pytest.mark.parametrize("point", GENERATE_POINTS)
def test_a_killed_generation_leaves_one_whole_landing_zone(
    zones: Zones, tmp_path: Path, point: str
) -> None:
    base, old, new = zones
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    assert generate(root, seed=2, crash_at=point).returncode == KILLED

    assert retail("lineage", "--lakehouse", root).returncode == 0  # recovers first
    assert files_of(root / "landing") == (new if GENERATE_POINTS[point] else old)
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []

    assert run(root).returncode == 0
    assert check_lakehouse(root) == []


def test_a_generation_while_another_process_writes_fails_and_changes_nothing(
    zones: Zones, tmp_path: Path
) -> None:
    base, old, _ = zones
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    with writer_elsewhere(root) as pid:
        for done in (generate(root, seed=2), run(root, "--regenerate", "--seed", "2")):
            assert done.returncode == 2
            assert done.stderr.strip() == (
                f"retail: error: {root}: another process is writing to this lakehouse (pid {pid})"
            )
    assert files_of(root / "landing") == old
    assert check_lakehouse(root) == []


def test_the_workers_of_a_killed_generation_do_not_keep_the_lock(
    zones: Zones, tmp_path: Path
) -> None:
    """Forked workers outlive a SIGKILLed parent for a moment; the lock ends with it."""
    base, old, _ = zones
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    command = [sys.executable, "-m", "retail_lakehouse.cli.main", "generate", "--lakehouse",
               str(root), "--scale", "0.2", "--workers", "2", "--seed", "5"]  # fmt: skip
    generation = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(root.glob(".landing.staging-*/orders/part-*")):
            assert time.monotonic() < deadline and generation.poll() is None
            time.sleep(0.01)
        workers = children(generation.pid)
    finally:
        os.kill(generation.pid, signal.SIGKILL)
        generation.wait()
    after = retail("lineage", "--lakehouse", root)
    assert after.returncode == 0, after.stderr
    assert files_of(root / "landing") == old
    assert len(workers) == 2
    deadline = time.monotonic() + 10  # the workers end with their parent, not later
    while any(running(pid) for pid in workers):
        assert time.monotonic() < deadline, f"workers {workers} outlived their parent"
        time.sleep(0.05)


def running(pid: int) -> bool:
    """Whether the process is alive: neither gone nor a zombie left for its reaper."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found
