"""A dataset spec resolved for one run: seed, row counts per table, parent indexes.

The plan is the only state the generator shares between blocks, and all of it is derived
from (spec, seed, row counts): which parent rows are clean and pass a foreign key's
filter. Those indexes are built once per process, in chunks, before blocks are drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.generate.defaults import MAX_SCALE, MIN_SCALE
from retail_lakehouse.generate.eligible import EligibleRows
from retail_lakehouse.generate.spec.columns import ForeignKeyColumn, ParentFilter
from retail_lakehouse.generate.spec.dataset import DatasetSpec, TableSpec

if TYPE_CHECKING:
    from retail_lakehouse.generate.parents import ParentView

MAX_DEFECT_SHARE = 0.5


class PlanError(InputError, ValueError):
    """Row counts or options that cannot produce the dataset."""


def resolve_rows(
    spec: DatasetSpec, scale: float, overrides: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Row counts at ``scale`` (each at least 1); explicit ``overrides`` win."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise PlanError(f"scale must be between {MIN_SCALE} and {MAX_SCALE:g}, got {scale:g}")
    rows = {t.name: max(1, round(t.rows * scale)) for t in spec.tables}
    for name, count in (overrides or {}).items():
        if name not in rows:
            raise PlanError(f"unknown table '{name}' in row counts; tables: {', '.join(rows)}")
        if count < 1:
            raise PlanError(f"row count of table '{name}' must be at least 1, got {count}")
        rows[name] = count
    return rows


@dataclass
class DatasetPlan:
    spec: DatasetSpec
    seed: int
    rows: dict[str, int]
    defect_scale: float = 1.0  # multiplies every defect rate of the spec; 0 gives clean data
    indexes: dict[tuple[str, ParentFilter | None, bool], EligibleRows] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        if self.defect_scale < 0:
            raise PlanError(f"defect scale must not be negative, got {self.defect_scale:g}")
        for table in self.spec.tables:
            total = sum(d.rate for d in table.defects) * self.defect_scale
            if total > MAX_DEFECT_SHARE:
                raise PlanError(
                    f"table '{table.name}': defect rates times {self.defect_scale:g} add up to "
                    f"{total:.3g}, more than {MAX_DEFECT_SHARE}"
                )
            cover = table.cover_key()
            if cover and self.rows[table.name] < self.rows[cover.references]:
                raise PlanError(
                    f"table '{table.name}' has {self.rows[table.name]} rows but its cover "
                    f"foreign key '{cover.name}' needs at least one per row of "
                    f"'{cover.references}' ({self.rows[cover.references]})"
                )

    def table(self, name: str) -> TableSpec:
        return self.spec.table(name)

    def parent_view(self, column: ForeignKeyColumn) -> ParentView | None:
        """The parent ``column`` picks from when it is not this plan's own table (None)."""
        return None
