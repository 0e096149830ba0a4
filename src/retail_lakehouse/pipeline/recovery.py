"""Recovering what a killed writer left: the landing zone's swap and the tables' update.

Run by every command that opens a lakehouse, before it reads or writes anything, and only
while it holds the writer lock (so the journals it finds belong to killed processes). A
landing zone left mid-swap is finished (``generate.landing``). An update killed before
its first commit changed no table; one killed during its commits is rolled back: every
table it lists goes back to its version before the update (a RESTORE commit, or the
folder removed if the table did not exist), so every table is at its version before the
update, as the event log then says. An update whose commits all finished is complete.
What a killed writer left in the scratch space (an engine's spill files) is removed.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.common.lock import try_writer_lock
from retail_lakehouse.generate.landing import recover_landing
from retail_lakehouse.pipeline.commit import roll_back
from retail_lakehouse.pipeline.event_log import events_table
from retail_lakehouse.pipeline.journal import UPDATE_KEY, UpdateJournal, read_journal
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.staging import remove_leftover_staging

INTERRUPTED = {
    "computing": "interrupted before its first commit: no table changed",
    "committing": "interrupted during its commits: every table rolled back",
}


def recover(lakehouse: Lakehouse) -> str | None:
    """Recover the landing zone and the tables (call holding the writer lock); the line
    saying what was recovered, if anything was."""
    recover_landing(lakehouse)
    remove_leftover_staging(lakehouse.tables)
    _sweep_scratch(lakehouse)
    if not lakehouse.update_journal.exists():
        return None
    journal = read_journal(lakehouse.update_journal)
    note = None
    if journal.phase != "committed":
        store = DeltaStore(lakehouse.tables)
        if journal.phase == "committing":
            for table in reversed(journal.tables):
                roll_back(store, table, journal.update_id)
        for name, folder in journal.set_aside:
            store.put_back(name, folder)
        log_interrupted(store, journal)
        note = f"update {journal.update_id[:8]} was {INTERRUPTED[journal.phase]}"
    for _, folder in journal.set_aside:  # rebuilt, or put back just above
        DeltaStore(lakehouse.tables).discard_aside(folder)
    lakehouse.update_journal.unlink()
    return note


def _sweep_scratch(lakehouse: Lakehouse) -> None:
    """Remove the scratch folders of other processes (killed writers: the lock is held);
    this process's own (named ``*-<pid>``) may be in use."""
    if not lakehouse.scratch.is_dir():
        return
    own = f"-{os.getpid()}"
    for entry in lakehouse.scratch.iterdir():
        if not entry.name.endswith(own):
            shutil.rmtree(entry, ignore_errors=True)


def recover_if_idle(lakehouse: Lakehouse) -> str | None:
    """:func:`recover`, for readers: only when no writer is running."""
    with try_writer_lock(lakehouse) as idle:
        return recover(lakehouse) if idle else None


def log_interrupted(store: DeltaStore, journal: UpdateJournal) -> None:
    """The interrupted update's outcome in the event log, once."""
    if store.exists(journal.event_log):
        latest = store.history(journal.event_log, limit=1)[0]
        if latest.get(UPDATE_KEY) == journal.update_id and latest["operation"] == "WRITE":
            return  # logged by the update itself or an earlier recovery
    result = UpdateResult(
        journal.update_id, journal.pipeline, datetime.fromisoformat(journal.started)
    )
    result.status, result.engine, result.storage = "FAILED", journal.engine, journal.storage
    result.error = (
        f"{INTERRUPTED[journal.phase]} (recovered {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)"
    )
    store.write(
        journal.event_log, events_table(result), "append", metadata={UPDATE_KEY: journal.update_id}
    )
