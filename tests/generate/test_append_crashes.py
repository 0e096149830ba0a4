"""An append killed at any step (SIGKILL, in a real ``retail`` process): the next append
finishes the same batch, equal to an append that was never killed, and leaves every file
the killed one had moved into place untouched (a rewritten file could be ingested twice)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.faults.harness import KILLED, copy_lakehouse, files_of, retail

POINTS = ("append:staged", "append:moving", "append:moved", "append:recorded")


def _append(root: Path, crash_at: str | None = None) -> int:
    done = retail("generate", "--append", "--lakehouse", root, crash_at=crash_at)
    return done.returncode


@pytest.fixture(scope="module")
def zones(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A lakehouse with one appended day, and its files after a second day."""
    base = tmp_path_factory.mktemp("base") / "lakehouse"
    assert retail("generate", "--lakehouse", base, "--scale", "0.01", "--workers", "1",
                  "--block-rows", "400").returncode == 0  # fmt: skip
    assert _append(base) == 0
    done = copy_lakehouse(base, tmp_path_factory.mktemp("done") / "lakehouse")
    assert _append(done) == 0
    return base, files_of(done / "landing")


def _stamps(landing: Path) -> dict[str, tuple[int, int]]:
    """Inode and modification time of each data file: equal when it was not rewritten."""
    return {
        p.relative_to(landing).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in landing.rglob("part-*")
    }


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_append_is_finished_by_the_next(
    zones: tuple[Path, dict[str, bytes]], tmp_path: Path, point: str
) -> None:
    base, expected = zones
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    assert _append(root, crash_at=point) == KILLED
    in_place = _stamps(root / "landing")
    assert retail("lineage", "--lakehouse", root).returncode == 0  # other commands recover
    if point != "append:recorded":
        assert _append(root) == 0
    assert files_of(root / "landing") == expected
    after = _stamps(root / "landing")
    assert {name: after[name] for name in in_place} == in_place
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []


def test_moving_stops_after_the_first_file(
    zones: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """The kill mid-move leaves a batch half in place: the case the test above finishes."""
    base, expected = zones
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    before = set(files_of(root / "landing"))
    assert _append(root, crash_at="append:moving") == KILLED
    moved = set(files_of(root / "landing")) - before
    assert len(moved) == 1 and moved < set(expected)


def test_an_append_finishes_a_generation_killed_mid_swap(
    zones: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """Between the swap's two renames there is no landing folder; the append recovers the
    swap first, then appends to the new landing zone."""
    base, _ = zones
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    killed = retail("generate", "--lakehouse", root, "--scale", "0.01", "--workers", "1",
                    "--seed", "9", crash_at="generate:retired")  # fmt: skip
    assert killed.returncode == KILLED and not (root / "landing").exists()
    assert _append(root) == 0
    manifest = json.loads((root / "landing" / "_manifest.json").read_text())
    assert (manifest["seed"], len(manifest["arrivals"]["batches"])) == (9, 1)
