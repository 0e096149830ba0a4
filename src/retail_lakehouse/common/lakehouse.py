"""The lakehouse layout: where the landing zone, the tables, the checkpoints, the update
lock and the run report of one lakehouse folder live.

Every path of a lakehouse is named here and nowhere else. The tables folder is relative to
the lakehouse and set by a pipeline's settings (``tables: tables`` by default); the
checkpoints and the update lock belong to the tables they guard.
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
    def checkpoints(self) -> Path:
        """Which source files each streaming table has ingested."""
        return self.tables / "_checkpoints"

    @property
    def update_lock(self) -> Path:
        """Held by the one update running on the tables."""
        return self.tables / "_update.lock"

    @property
    def report(self) -> Path:
        """The HTML run report."""
        return self.root / "report.html"
