"""Replacing the landing zone as a whole, so that readers see the old one or the new one.

A generation writes every table, the manifest and the spec into a staging folder beside
the landing zone (``.landing.staging-<token>``). Publishing it writes a journal naming
the token, then swaps the folders with two renames (the old landing zone to
``.landing.retired-<token>``, the staging folder to ``landing``), then removes the
journal and the retired folder. A process killed anywhere in between leaves the journal:
:func:`recover_landing`, run by the next writer under the writer lock, finishes the swap
(the staged landing zone is complete before the journal exists) and removes what a
killed generation left behind. Nothing is fsynced: this guards against killed processes,
not against power loss.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.faults import crash_point
from retail_lakehouse.common.files import write_text_atomic
from retail_lakehouse.common.lakehouse import Lakehouse

# the last: a killed append's staged batch (the next append draws it again)
_LEFTOVERS = (".landing.staging-*", ".landing.retired-*", ".landing.append-*")
_LEFTOVER_TABLES = (".*.staging-*", ".*.trash-*")  # per-table folders of older versions


@dataclass(frozen=True)
class StagedLanding:
    """A new landing zone being written, not yet published."""

    token: str
    folder: Path

    def table(self, name: str) -> Path:
        return self.folder / name


def stage_landing(lakehouse: Lakehouse) -> StagedLanding:
    token = uuid.uuid4().hex
    folder = lakehouse.landing_staging(token)
    folder.mkdir(parents=True)
    return StagedLanding(token, folder)


def in_staging(staged: StagedLanding, lakehouse: Lakehouse, path: Path) -> Path:
    """Where ``path``, a file of the landing zone, is in the staged one."""
    return staged.folder / path.relative_to(lakehouse.landing)


def publish_landing(lakehouse: Lakehouse, staged: StagedLanding) -> None:
    """Make the staged landing zone the landing zone (call with the writer lock held)."""
    write_text_atomic(lakehouse.landing_journal, json.dumps({"token": staged.token}))
    crash_point("generate:journaled")
    _swap(lakehouse, staged.token)
    crash_point("generate:swapped")
    _finish(lakehouse, staged.token)


def discard_landing(staged: StagedLanding) -> None:
    shutil.rmtree(staged.folder, ignore_errors=True)


def recover_landing(lakehouse: Lakehouse) -> None:
    """Finish a swap a killed generation began, and remove what killed ones left (call
    with the writer lock held)."""
    journal = lakehouse.landing_journal
    if journal.exists():
        token = _journaled_token(journal)
        _swap(lakehouse, token)
        _finish(lakehouse, token)
    for pattern in _LEFTOVERS:
        for folder in lakehouse.root.glob(pattern):
            shutil.rmtree(folder, ignore_errors=True)
    if lakehouse.landing.is_dir():
        for pattern in _LEFTOVER_TABLES:
            for folder in lakehouse.landing.glob(pattern):
                shutil.rmtree(folder, ignore_errors=True)
        remove_unnamed_ids(lakehouse)


def remove_unnamed_ids(lakehouse: Lakehouse) -> None:
    """Defect id files the manifest does not name: an appended day's predecessor, left by
    an append killed right after it recorded the day."""
    try:
        named = json.loads(lakehouse.manifest.read_text(encoding="utf-8")).get("defect_ids")
    except (OSError, ValueError, AttributeError):
        return  # no readable manifest: nothing to tell leftovers by
    if not isinstance(named, str):
        return
    for path in lakehouse.landing.glob("_manifest_ids*.parquet"):
        if path.name != named:
            path.unlink(missing_ok=True)
    for path in lakehouse.landing.glob("._manifest_ids*.tmp"):  # one killed while written
        path.unlink(missing_ok=True)


def _swap(lakehouse: Lakehouse, token: str) -> None:
    """The two renames; each step is skipped when done already, so a retry completes it."""
    staging, retired = lakehouse.landing_staging(token), lakehouse.landing_retired(token)
    if not staging.exists():
        return  # swapped already
    if lakehouse.landing.exists():
        lakehouse.landing.rename(retired)
    crash_point("generate:retired")
    staging.rename(lakehouse.landing)


def _finish(lakehouse: Lakehouse, token: str) -> None:
    lakehouse.landing_journal.unlink(missing_ok=True)
    shutil.rmtree(lakehouse.landing_retired(token), ignore_errors=True)


def _journaled_token(journal: Path) -> str:
    try:
        token = json.loads(journal.read_text(encoding="utf-8"))["token"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{journal}: unreadable landing journal ({exc})") from None
    if not isinstance(token, str) or not token.isalnum():
        raise InputError(f"{journal}: unreadable landing journal (token {token!r})")
    return token
