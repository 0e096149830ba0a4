"""An update killed at any write step: the next command finds every table at its version
before the update, or all at the update's (and the event log says which); the update
after that leaves a lakehouse that holds every invariant.

The lakehouse has tables over a landing zone of seed 1 (state A) and a landing zone
regenerated with seed 2; the killed update would take every table to state B, which a
copy of the lakehouse updated without a crash shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks.invariants import check_lakehouse, table_signatures

from retail_lakehouse.pipeline.event_log import ROW_BASED, maintenance_type
from retail_lakehouse.storage.delta import DeltaStore
from tests.faults.harness import KILLED, copy_lakehouse, generate, retail, run

States = tuple[Path, dict[str, str], dict[str, str]]  # lakehouse, signatures of A and of B
LATE_COMMIT = 16  # past most of the update's table commits (about 20), before the event log
UPDATE_POINTS = [
    "update:journaled", "update:committing", "update:commit:1", "update:commit:5",
    f"update:commit:{LATE_COMMIT}", "update:logged", "update:committed",
]  # fmt: skip


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> States:
    """A lakehouse in state A with landing B, and the signatures of states A and B."""
    base = tmp_path_factory.mktemp("base") / "lakehouse"
    assert generate(base, seed=1).returncode == 0
    assert run(base).returncode == 0
    before = table_signatures(base)
    assert generate(base, seed=2).returncode == 0
    reference = copy_lakehouse(base, tmp_path_factory.mktemp("reference") / "lakehouse")
    assert run(reference).returncode == 0
    after = table_signatures(reference)
    assert before.keys() == after.keys() and all(before[t] != after[t] for t in before)
    return base, before, after


def update_events(root: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = DeltaStore(root / "tables").read("event_log").to_pylist()
    return sorted((e for e in events if e["event_type"] == "update_progress"),
                  key=lambda e: e["timestamp"])  # fmt: skip


@pytest.mark.parametrize("point", UPDATE_POINTS)
def test_a_killed_update_is_all_or_nothing_and_the_next_one_is_right(
    states: States, tmp_path: Path, point: str
) -> None:
    base, before, after = states
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    assert run(root, crash_at=point).returncode == KILLED

    recovered = retail("lineage", "--lakehouse", root)  # any command recovers first
    assert recovered.returncode == 0, recovered.stderr
    state = table_signatures(root)
    update = update_events(root)[-1]
    if point == "update:committed":
        assert state == after and update["status"] == "COMPLETED"
    else:
        assert state == before, point
        assert update["status"] == "FAILED" and "interrupted" in str(update["message"])
        assert "interrupted" in recovered.stderr and "\n" not in recovered.stderr.strip()

    assert run(root).returncode == 0
    assert check_lakehouse(root) == []
    assert table_signatures(root) == after


def test_a_recovery_killed_midway_runs_again(states: States, tmp_path: Path) -> None:
    base, before, _ = states
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    assert run(root, crash_at="update:commit:9").returncode == KILLED
    journal = json.loads((root / "tables" / "_update_journal.json").read_text())
    assert journal["phase"] == "committing"
    killed = retail("lineage", "--lakehouse", root, crash_at="rollback:bronze_customers")
    assert killed.returncode == KILLED
    assert retail("lineage", "--lakehouse", root).returncode == 0
    assert table_signatures(root) == before
    logged = [e["status"] for e in update_events(root) if e["update_id"] == journal["update_id"]]
    assert logged == ["FAILED"]  # once


@pytest.fixture(scope="module")
def appended_states(tmp_path_factory: pytest.TempPathFactory) -> States:
    """A lakehouse in state A with a day appended to its landing zone, and the signatures of
    state A and of state B, the update of that day, which refreshes views by key."""
    base = tmp_path_factory.mktemp("appended") / "lakehouse"
    assert generate(base, seed=1).returncode == 0
    assert run(base).returncode == 0
    before = table_signatures(base)
    assert retail("generate", "--append", "--lakehouse", base).returncode == 0
    reference = copy_lakehouse(base, tmp_path_factory.mktemp("reference") / "lakehouse")
    assert run(reference).returncode == 0
    assert {"silver_orders", "silver_order_items"} <= refreshed_by_key(reference)
    return base, before, table_signatures(reference)


def refreshed_by_key(root: Path) -> set[str]:
    """The datasets the latest update refreshed by key."""
    latest = update_events(root)[-1]["update_id"]
    events = DeltaStore(root / "tables").read("event_log").to_pylist()
    return {
        e["dataset_name"]
        for e in events
        if e["update_id"] == latest and e["event_type"] == "flow_progress"
        and maintenance_type(e) == ROW_BASED
    }  # fmt: skip


@pytest.mark.parametrize("point", ["update:committing", "update:commit:5", "update:logged"])
def test_a_killed_refresh_by_key_is_all_or_nothing_and_the_next_one_is_right(
    appended_states: States, tmp_path: Path, point: str
) -> None:
    base, before, after = appended_states
    root = copy_lakehouse(base, tmp_path / "lakehouse")
    assert run(root, crash_at=point).returncode == KILLED
    assert retail("lineage", "--lakehouse", root).returncode == 0
    assert table_signatures(root) == before
    assert run(root).returncode == 0
    assert {"silver_orders", "silver_order_items"} <= refreshed_by_key(root)
    assert check_lakehouse(root) == []
    assert table_signatures(root) == after
