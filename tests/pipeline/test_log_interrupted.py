"""The interrupted update's outcome in the event log: written once, whatever ran before.

``log_interrupted`` runs in every recovery of a killed update. It appends one FAILED
``update_progress`` row naming the pipeline, the engine, the storage and what happened,
unless the event log's latest commit is already that update's own write (the update
logged itself, or an earlier recovery did).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from retail_lakehouse.pipeline.event_log import events_table
from retail_lakehouse.pipeline.journal import UPDATE_KEY, JournaledTable, UpdateJournal
from retail_lakehouse.pipeline.recovery import INTERRUPTED, log_interrupted
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.storage.delta import DeltaStore, TableVersion

STARTED = "2026-01-02T03:04:05+00:00"


def journal(phase: str, update_id: str = "u-killed") -> UpdateJournal:
    started = UpdateJournal(update_id, "shop", "event_log", "duckdb", "Delta (delta-rs)", STARTED)
    if phase == "committing":
        return started.committing((JournaledTable("orders", 3),))
    return started


def log_rows(store: DeltaStore) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = store.read("event_log").to_pylist()
    return rows


def append_events(store: DeltaStore, update_id: str) -> None:
    """An update's own events, committed with its id, as a finished update writes them."""
    result = UpdateResult(update_id, "shop", datetime(2026, 1, 1, tzinfo=UTC))
    store.write("event_log", events_table(result), "append", metadata={UPDATE_KEY: update_id})


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time twelve hours behind UTC: a local time would show."""
    monkeypatch.setenv("TZ", "FAR+12")  # POSIX form: needs no time zone database
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("phase", ["computing", "committing"])
@pytest.mark.usefixtures("far_from_utc")
def test_a_killed_update_is_logged_as_failed_with_what_happened(tmp_path: Path, phase: str) -> None:
    store = DeltaStore(tmp_path / "tables")
    before = datetime.now(UTC).replace(microsecond=0)

    log_interrupted(store, journal(phase))

    [row] = log_rows(store)
    assert row["update_id"] == "u-killed" and row["pipeline_name"] == "shop"
    assert row["event_type"] == "update_progress" and row["status"] == "FAILED"
    assert row["level"] == "ERROR"
    details = json.loads(str(row["details"]))
    assert details["engine"] == "duckdb" and details["storage"] == "Delta (delta-rs)"
    error = details["update_progress"]["error"]
    assert details["update_progress"]["state"] == "FAILED"
    found = re.fullmatch(r"(.*) \(recovered (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC\)", error)
    assert found is not None, error
    assert found[1] == INTERRUPTED[phase]
    recovered = datetime.strptime(found[2], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert before <= recovered <= datetime.now(UTC)
    assert str(row["message"]) == f"Update u-killed is FAILED on duckdb. {error}"
    assert store.history("event_log", limit=1)[0][UPDATE_KEY] == "u-killed"


def test_a_second_recovery_logs_nothing_more(tmp_path: Path) -> None:
    store = DeltaStore(tmp_path / "tables")
    log_interrupted(store, journal("committing"))
    version = store.version("event_log").version

    log_interrupted(store, journal("committing"))

    assert store.version("event_log").version == version
    assert len(log_rows(store)) == 1


def test_an_update_that_logged_itself_is_not_logged_again(tmp_path: Path) -> None:
    store = DeltaStore(tmp_path / "tables")
    append_events(store, "u-killed")  # killed after its events were committed

    log_interrupted(store, journal("committing"))

    assert [r["status"] for r in log_rows(store)] == ["COMPLETED"]


def test_another_updates_latest_write_does_not_stop_the_log(tmp_path: Path) -> None:
    store = DeltaStore(tmp_path / "tables")
    append_events(store, "u-earlier")

    log_interrupted(store, journal("committing"))

    rows = sorted(log_rows(store), key=lambda r: str(r["status"]))
    assert [(r["update_id"], r["status"]) for r in rows] == [
        ("u-earlier", "COMPLETED"),
        ("u-killed", "FAILED"),
    ]


def test_a_restore_carrying_the_updates_id_does_not_stop_the_log(tmp_path: Path) -> None:
    """The update's events were committed, then rolled back by a RESTORE that carries its
    id: the latest commit is not a WRITE, so the interruption is still logged."""
    store = DeltaStore(tmp_path / "tables")
    append_events(store, "u-earlier")
    append_events(store, "u-killed")
    path = store.table_path("event_log")
    store.restore(TableVersion(path, 0), {UPDATE_KEY: "u-killed"})
    assert store.history("event_log", limit=1)[0]["operation"] == "RESTORE"

    log_interrupted(store, journal("committing"))

    statuses = [(r["update_id"], r["status"]) for r in log_rows(store)]
    assert sorted(statuses) == [("u-earlier", "COMPLETED"), ("u-killed", "FAILED")]


def test_the_event_log_schema_is_kept(tmp_path: Path) -> None:
    store = DeltaStore(tmp_path / "tables")
    append_events(store, "u-earlier")
    schema = store.read("event_log").schema

    log_interrupted(store, journal("computing"))

    assert store.read("event_log").schema == schema
