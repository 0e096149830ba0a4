"""The update journal: what an update is doing, so that a killed one can be recovered.

An update writes its journal beside its tables before it computes (``computing``),
rewrites it with the version every table it will commit has before the update, the event
log included, just before the first commit (``committing``), marks it ``committed`` once
every commit is done, and removes it. A journal still there when the next writer takes
the lakehouse's lock belongs to a killed update: ``pipeline.recovery`` rolls it back.
A full refresh moves unreadable tables aside before it rebuilds them; the journal names
them, so a rollback puts them back.
Every commit of an update carries its id in the commit info, and every rollback commit
the id it rolled back, so a recovery that is itself killed can simply run again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal, get_args

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.files import write_text_atomic

Phase = Literal["computing", "committing", "committed"]
UPDATE_KEY = "retail_lakehouse.update_id"  # commit info: the update that wrote the commit
ROLLED_BACK_KEY = "retail_lakehouse.rolled_back"  # commit info: the update a RESTORE undid


class JournalError(InputError):
    """A journal that cannot be read (one line naming the file)."""


@dataclass(frozen=True)
class JournaledTable:
    name: str
    version: int | None  # before the update; None: the table did not exist


@dataclass(frozen=True)
class UpdateJournal:
    update_id: str
    pipeline: str
    event_log: str
    engine: str
    storage: str
    started: str  # ISO 8601, UTC
    phase: Phase = "computing"
    tables: tuple[JournaledTable, ...] = ()
    set_aside: tuple[tuple[str, str], ...] = ()  # unreadable table -> folder it was moved to

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(asdict(self), indent=1))

    def committing(self, tables: tuple[JournaledTable, ...]) -> UpdateJournal:
        return replace(self, phase="committing", tables=tables)

    def committed(self) -> UpdateJournal:
        return replace(self, phase="committed")


def read_journal(path: Path) -> UpdateJournal:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        tables = tuple(JournaledTable(**table) for table in document.pop("tables"))
        aside = tuple((str(name), str(folder)) for name, folder in document.pop("set_aside"))
        journal = UpdateJournal(**document, tables=tables, set_aside=aside)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise JournalError(f"{path}: unreadable update journal ({exc})") from None
    if journal.phase not in get_args(Phase):
        raise JournalError(f"{path}: unreadable update journal (phase {journal.phase!r})")
    return journal
