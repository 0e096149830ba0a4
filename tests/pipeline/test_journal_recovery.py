"""The update journal and the recovery of a killed update, in-process.

A spy in place of ``crash_point`` copies the update journal at the crash points, so the
tests check what a killed update would leave: ``committing`` with every table's version
before the update, then ``committed``. A ``committing`` journal written back after the
update stands for a killed one: ``recover`` / ``recover_if_idle`` roll every table back
(not while another writer holds the lock), log the interruption once, and a rollback run
again changes nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.pipeline import commit as committing
from retail_lakehouse.pipeline import runner
from retail_lakehouse.pipeline.commit import roll_back
from retail_lakehouse.pipeline.journal import (
    ROLLED_BACK_KEY,
    UPDATE_KEY,
    JournaledTable,
    JournalError,
    UpdateJournal,
    read_journal,
)
from retail_lakehouse.pipeline.project import LoadedPipeline, load_pipeline
from retail_lakehouse.pipeline.recovery import recover, recover_if_idle
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import make_landing, run_update, write_sql_pipeline

PIPELINE_SQL = """
CREATE OR REFRESH STREAMING TABLE raw_orders
AS SELECT * FROM STREAM read_files('${landing_path}/orders', format => '${landing_format}');

CREATE OR REFRESH STREAMING TABLE big_orders
AS SELECT order_id, channel, shipping_cost FROM STREAM(raw_orders)
WHERE shipping_cost > ${min_cost};

CREATE OR REFRESH MATERIALIZED VIEW orders_by_channel
PARTITIONED BY (channel)
AS SELECT channel, count(*) AS n FROM big_orders GROUP BY channel;
"""
SPIED = ("update:commit:1", "update:committed")


@dataclass
class JournalSpy:
    """Stands for ``crash_point``: records every point and copies the journal at SPIED."""

    journal: Path
    copies: Path
    points: list[str] = field(default_factory=list)

    def __call__(self, name: str) -> None:
        self.points.append(name)
        if name in SPIED:
            shutil.copy(self.journal, self.copy(name))

    def copy(self, name: str) -> Path:
        return self.copies / f"{name.replace(':', '_')}.json"


def load(root: Path, min_cost: str) -> LoadedPipeline:
    """The small pipeline above, keeping only orders shipped for more than ``min_cost``."""
    settings = f"name: journaled\nsql: sql\nconfiguration:\n  min_cost: '{min_cost}'\n"
    return load_pipeline(
        write_sql_pipeline(root / "journal_pipeline", PIPELINE_SQL, settings), root
    )


def versions(store: DeltaStore) -> dict[str, int | None]:
    return {name: store.version(name).version for name in store.list_tables()}


def contents(store: DeltaStore) -> dict[str, pa.Table]:
    """Every table's rows, sorted by every flat column (compared whatever the file order)."""
    tables = {}
    for name in store.list_tables():
        table = store.read(name)
        flat = [f.name for f in table.schema if not pa.types.is_nested(f.type)]
        tables[name] = table.sort_by([(c, "ascending") for c in flat])
    return tables


@dataclass(frozen=True)
class Updated:
    """A lakehouse after a second update, which the spy watched, and what was before it."""

    lakehouse: Lakehouse
    store: DeltaStore
    before: dict[str, int | None]
    rows_before: dict[str, pa.Table]
    result: UpdateResult
    spy: JournalSpy


@pytest.fixture
def updated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Updated:
    root = make_landing(tmp_path / "lake")
    run_update(load(root, "10"))
    pipeline = load(root, "5")  # the second update changes big_orders and orders_by_channel
    store = DeltaStore(pipeline.lakehouse.tables)
    before, rows_before = versions(store), contents(store)
    copies = tmp_path / "copies"
    copies.mkdir()
    spy = JournalSpy(pipeline.lakehouse.update_journal, copies)
    monkeypatch.setattr(committing, "crash_point", spy)
    monkeypatch.setattr(runner, "crash_point", spy)
    result = run_update(pipeline, full_refresh=True)
    return Updated(pipeline.lakehouse, store, before, rows_before, result, spy)


def leave_committing_journal(updated: Updated) -> UpdateJournal:
    """Put back the journal of the update's first commit, as a killed update leaves it."""
    shutil.copy(updated.spy.copy("update:commit:1"), updated.lakehouse.update_journal)
    return read_journal(updated.lakehouse.update_journal)


def test_the_journal_records_the_versions_before_then_committed(updated: Updated) -> None:
    assert all(point in updated.spy.points for point in SPIED)
    first = read_journal(updated.spy.copy("update:commit:1"))
    assert first.phase == "committing"
    assert first.update_id == updated.result.update_id and first.pipeline == "journaled"
    assert {t.name: t.version for t in first.tables} == updated.before
    assert "event_log" in updated.before
    last = read_journal(updated.spy.copy("update:committed"))
    assert last.phase == "committed"
    assert last.tables == first.tables and last.update_id == first.update_id
    assert not updated.lakehouse.update_journal.exists()  # removed once committed
    assert versions(updated.store) != updated.before
    commits = [p for p in updated.spy.points if p.startswith("update:commit:")]
    assert commits == [f"update:commit:{n}" for n in range(1, len(commits) + 1)]
    # the events carry the update's id, so a recovery knows the update logged itself
    assert updated.store.history("event_log", limit=1)[0][UPDATE_KEY] == updated.result.update_id


def test_recover_rolls_a_committing_update_back(updated: Updated) -> None:
    journal = leave_committing_journal(updated)
    assert contents(updated.store)["big_orders"] != updated.rows_before["big_orders"]

    note = recover(updated.lakehouse)

    assert note == (
        f"update {journal.update_id[:8]} was interrupted during its commits: "
        "every table rolled back"
    )
    assert not updated.lakehouse.update_journal.exists()
    after = contents(updated.store)
    for name in updated.before:
        if name != "event_log":
            assert after[name] == updated.rows_before[name], name
            latest = updated.store.history(name, limit=1)[0]
            assert latest.get(ROLLED_BACK_KEY) == journal.update_id, name
    failed = after["event_log"].filter(pc.equal(after["event_log"]["status"], "FAILED"))
    assert failed["update_id"].to_pylist() == [journal.update_id]
    assert updated.store.history("event_log", limit=1)[0][UPDATE_KEY] == journal.update_id


def test_recover_of_a_committed_update_removes_its_journal_and_what_it_set_aside(
    updated: Updated,
) -> None:
    """A table the update found unreadable and rebuilt: the old folder goes."""
    journal = read_journal(updated.spy.copy("update:committed"))
    aside = ".big_orders.unreadable-u"
    shutil.copytree(updated.store.table_path("big_orders"), updated.store.root / aside)
    replace(journal, set_aside=(("big_orders", aside),)).write(updated.lakehouse.update_journal)
    after, rows = versions(updated.store), contents(updated.store)

    assert recover(updated.lakehouse) is None

    assert not updated.lakehouse.update_journal.exists()
    assert not (updated.store.root / aside).exists()
    assert versions(updated.store) == after and contents(updated.store) == rows


def test_recover_puts_back_a_table_an_interrupted_update_set_aside(updated: Updated) -> None:
    journal = replace(read_journal(updated.spy.copy("update:committed")), phase="computing")
    aside = ".big_orders.unreadable-u"
    rows = contents(updated.store)["big_orders"]
    updated.store.set_aside("big_orders", aside)
    replace(journal, set_aside=(("big_orders", aside),)).write(updated.lakehouse.update_journal)

    note = recover(updated.lakehouse)

    assert note == (
        f"update {journal.update_id[:8]} was interrupted before its first commit: no table changed"
    )
    assert contents(updated.store)["big_orders"] == rows
    assert not (updated.store.root / aside).exists()


def test_recover_sweeps_the_scratch_folders_of_other_processes(tmp_path: Path) -> None:
    """Not its own (it may be spilling there); a stray file stops nothing."""
    lakehouse = Lakehouse(tmp_path)
    other, own = lakehouse.scratch / "spill-4194305", lakehouse.scratch / f"spill-{os.getpid()}"
    for folder in (other, own):
        folder.mkdir(parents=True)
        (folder / "block.tmp").write_bytes(b"spilled")
    (lakehouse.scratch / "notes.txt").write_text("not a folder")

    assert recover(lakehouse) is None

    assert not other.exists()
    assert (own / "block.tmp").read_bytes() == b"spilled"


def test_a_rollback_run_again_adds_no_commit(updated: Updated) -> None:
    journal = leave_committing_journal(updated)
    recover(updated.lakehouse)
    recovered = versions(updated.store)
    updated.spy.points.clear()

    for table in journal.tables:
        if table.name != "event_log":  # the recovery appended its outcome after the rollback
            roll_back(updated.store, table, journal.update_id)

    assert versions(updated.store) == recovered
    assert not [p for p in updated.spy.points if p.startswith("rollback:")]


def test_roll_back_of_a_table_that_never_existed_does_nothing(updated: Updated) -> None:
    updated.spy.points.clear()

    roll_back(updated.store, JournaledTable("never_there", None), updated.result.update_id)

    assert not updated.store.table_path("never_there").exists()
    assert updated.spy.points == []


@contextmanager
def held_by_another_writer(lakehouse: Lakehouse) -> Iterator[None]:
    """The writer lock held through a handle of its own, as another process holds it."""
    with lakehouse.lock.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def test_recover_if_idle_waits_for_no_writer_and_recovers_only_when_idle(
    updated: Updated,
) -> None:
    leave_committing_journal(updated)
    committed = versions(updated.store)

    with held_by_another_writer(updated.lakehouse):
        assert recover_if_idle(updated.lakehouse) is None
    assert updated.lakehouse.update_journal.exists()
    assert versions(updated.store) == committed

    assert recover_if_idle(updated.lakehouse) is not None
    assert not updated.lakehouse.update_journal.exists()
    after = contents(updated.store)
    assert all(after[n] == updated.rows_before[n] for n in updated.before if n != "event_log")


def a_journal() -> UpdateJournal:
    started = "2026-01-02T03:04:05+00:00"
    journal = UpdateJournal("u-1", "retail", "event_log", "duckdb", "delta-rs", started)
    tables = (JournaledTable("orders", 4), JournaledTable("gold", None))
    return replace(journal.committing(tables), set_aside=(("broken", ".broken.unreadable-u-1"),))


def test_read_journal_gives_back_what_was_written(tmp_path: Path) -> None:
    journal = a_journal()
    path = tmp_path / "new_lakehouse" / "tables" / "_update_journal.json"
    journal.write(path)  # its folders made as needed
    assert read_journal(path) == journal
    journal.committed().write(path)
    assert read_journal(path) == replace(journal, phase="committed")


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda d: "{not json", "unreadable update journal ("),
        (lambda d: json.dumps({**d, "phase": "finishing"}), "(phase 'finishing')"),
        (lambda d: json.dumps({k: v for k, v in d.items() if k != "tables"}), "unreadable"),
        (lambda d: json.dumps({k: v for k, v in d.items() if k != "set_aside"}), "unreadable"),
        (lambda d: json.dumps({**d, "tables": [{"name": "x"}]}), "unreadable"),
        (lambda d: json.dumps({**d, "surprise": 1}), "unreadable"),
    ],
    ids=["not-json", "unknown-phase", "no-tables", "no-set-aside", "bad-table", "unknown-key"],
)
def test_an_unreadable_journal_is_one_error_naming_the_file(
    tmp_path: Path, damage: Callable[[dict[str, Any]], str], problem: str
) -> None:
    path = tmp_path / "_update_journal.json"
    a_journal().write(path)
    path.write_text(damage(json.loads(path.read_text())))
    with pytest.raises(JournalError) as caught:
        read_journal(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: unreadable update journal") and problem in message
    assert "\n" not in message


def test_a_missing_journal_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "_update_journal.json"
    with pytest.raises(JournalError, match="unreadable update journal"):
        read_journal(path)
