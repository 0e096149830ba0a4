"""The lakehouse layout: where the landing zone, the tables, the writer lock, the journals
of interrupted writes, the scratch space and the run report of one lakehouse folder live.

Every path of a lakehouse is named here and nowhere else. The tables folder is relative to
the lakehouse and set by a pipeline's settings (``tables: tables`` by default); an
update's journal belongs to the tables it writes. Hidden names (a leading dot) are work
in progress: staging folders that a writer publishes or a recovery removes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_LAKEHOUSE = Path("lakehouse")
DEFAULT_TABLES = Path("tables")


@dataclass(frozen=True)
class Lakehouse:
    root: Path
    tables_dir: Path = DEFAULT_TABLES  # relative to ``root``

    def with_tables(self, tables_dir: Path) -> Lakehouse:
        return replace(self, tables_dir=tables_dir)

    @property
    def landing(self) -> Path:
        """The raw source files, a folder per table."""
        return self.root / "landing"

    def landing_table(self, name: str) -> Path:
        return self.landing / name

    @property
    def manifest(self) -> Path:
        """What the generator wrote and every defect it injected (``_manifest.json``)."""
        return self.landing / "_manifest.json"

    @property
    def landing_spec(self) -> Path:
        """The spec the landing zone was generated from."""
        return self.landing / "_spec.yaml"

    @property
    def tables(self) -> Path:
        """The Delta tables, a folder each."""
        return self.root / self.tables_dir

    @property
    def update_journal(self) -> Path:
        """What the running update committed so far: an interrupted one is recovered."""
        return self.tables / "_update_journal.json"

    @property
    def lock(self) -> Path:
        """Held by the one process writing the lakehouse (generating or updating)."""
        return self.root / "_writer.lock"

    @property
    def landing_journal(self) -> Path:
        """Written while a new landing zone replaces the old: an interrupted swap is finished."""
        return self.root / "_landing_journal.json"

    def landing_staging(self, token: str) -> Path:
        """Where a new landing zone is written before it replaces the old one."""
        return self.root / f".landing.staging-{token}"

    def landing_retired(self, token: str) -> Path:
        """Where the old landing zone goes while the new one takes its place."""
        return self.root / f".landing.retired-{token}"

    @property
    def scratch(self) -> Path:
        """The running writer's work space (the engine's spill files): removed when it
        ends, and by the next writer after a crash."""
        return self.root / ".scratch"

    @property
    def report(self) -> Path:
        """The HTML run report."""
        return self.root / "report.html"
