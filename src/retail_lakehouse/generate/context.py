"""Evaluating a table's columns for a set of rows, and the parent indexes foreign keys use.

A :class:`TableContext` computes columns lazily, each after the columns it reads, for an
arbitrary array of row ids: contiguous blocks for output, scattered parent rows for
look-ups. Nothing in it depends on which other rows are evaluated with a row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.generate.columns import build_column
from retail_lakehouse.generate.defects import CLEAN, DefectDraw, draw_defects
from retail_lakehouse.generate.eligible import EligibleRows, eligible_rows
from retail_lakehouse.generate.hashing import I64, Stream
from retail_lakehouse.generate.parents import ParentView
from retail_lakehouse.generate.plan import DatasetPlan, PlanError
from retail_lakehouse.generate.spec.columns import ForeignKeyColumn, ParentFilter, SequenceColumn
from retail_lakehouse.generate.spec.dataset import DatasetSpec, TableSpec
from retail_lakehouse.generate.spec.defects import ViolateFilter
from retail_lakehouse.generate.values import Mask, Value

INDEX_CHUNK = 1 << 20


class TableContext:
    """Column values of ``table`` at ``rows`` (content rows), computed on demand."""

    def __init__(
        self,
        plan: DatasetPlan,
        table: TableSpec,
        rows: I64,
        draw: DefectDraw | None = None,
    ) -> None:
        self.plan = plan
        self.table = table
        self.rows = rows
        self.kinds = None if draw is None else draw.kinds  # for foreign-key defects
        self.cover_ranks = None if draw is None else draw.cover_ranks  # already drawn
        self.columns = table.column_map()
        self.values: dict[str, Value] = {}
        self.parent_rows: dict[str, I64] = {}

    def get(self, name: str) -> Value:
        if name not in self.values:
            column = self.columns[name]
            value = build_column(self, column)
            self.values[name] = value.with_nulls(self._null_draw(name, column.null_rate))
        return self.values[name]

    def stream(self, *names: str) -> Stream:
        return Stream(self.plan.seed, self.table.name, *names)

    def _null_draw(self, name: str, rate: float) -> Mask | None:
        if rate <= 0:
            return None
        nulls: Mask = self.stream(name, "__nulls__").uniform(self.rows) < rate
        return nulls

    def rows_with_defect(self, column: str, kind: type) -> Mask | None:
        """Output rows whose drawn defect is of ``kind`` on ``column``."""
        if self.kinds is None:
            return None
        hit = np.zeros(self.rows.size, dtype=bool)
        for index, defect in enumerate(self.table.defects):
            if isinstance(defect, kind) and getattr(defect, "column", None) == column:
                hit |= self.kinds == index
        return hit if hit.any() else None

    def parent_view(self, column: ForeignKeyColumn) -> ParentView:
        """What the foreign key ``column`` of this table picks from."""
        view = self.plan.parent_view(column)
        return view if view is not None else LocalParent(self.plan, column.references)


class LocalParent:
    """The parent table of the same plan: rows [0, rows), keys from its sequence, orphan
    keys just past its last row (one per child row, so no two collide)."""

    def __init__(self, plan: DatasetPlan, table: str) -> None:
        self.plan = plan
        self.table = plan.table(table)

    @property
    def size(self) -> int:
        return self.plan.rows[self.table.name]

    def eligible(self, where: ParentFilter | None, passing: bool) -> EligibleRows:
        return parent_index(self.plan, self.table.name, where, passing)

    def keys(self, rows: I64) -> I64:
        key = self._key()
        keys: I64 = key.start + rows * key.step
        return keys

    def orphan_keys(self, child_rows: I64, stream: Stream) -> I64:
        return self.keys(self.size + child_rows)

    def values(self, rows: I64, column: str) -> Value:
        return TableContext(self.plan, self.table, rows).get(column)

    def _key(self) -> SequenceColumn:
        key = self.table.column_map()[self.table.primary_key]
        assert isinstance(key, SequenceColumn)
        return key


def cover_parent_count(plan: DatasetPlan, table: TableSpec) -> int | None:
    cover = table.cover_key()
    if cover is None:
        return None
    return int(parent_index(plan, cover.references, cover.where, True).size)


def draw_table_defects(plan: DatasetPlan, table: TableSpec, start: int, stop: int) -> DefectDraw:
    return draw_defects(plan, table, start, stop, cover_parent_count(plan, table))


def clean_mask(plan: DatasetPlan, table: TableSpec, start: int, stop: int) -> Mask:
    mask: Mask = draw_table_defects(plan, table, start, stop).kinds == CLEAN
    return mask


def filter_mask(plan: DatasetPlan, table: TableSpec, rows: I64, where: ParentFilter) -> Mask:
    value = TableContext(plan, table, rows).get(where.column)
    if isinstance(value.data, pa.Array):
        equal = pc.equal(value.text(), pa.scalar(str(where.equals)))
        flags = np.asarray(pc.fill_null(equal, False).to_numpy(zero_copy_only=False), dtype=bool)
    else:
        flags = np.asarray(value.data == where.equals, dtype=bool)
    if value.nulls is not None:
        flags &= ~value.nulls
    return flags


def parent_index(
    plan: DatasetPlan, table: str, where: ParentFilter | None, passing: bool
) -> EligibleRows:
    """Clean rows of ``table`` that pass ``where`` (or, with passing=False, fail it)."""
    key = (table, where, passing)
    if key not in plan.indexes:
        plan.indexes[key] = _build_index(plan, plan.table(table), where, passing)
    return plan.indexes[key]


def _build_index(
    plan: DatasetPlan, table: TableSpec, where: ParentFilter | None, passing: bool
) -> EligibleRows:
    total = plan.rows[table.name]
    chunks = (
        _eligible_flags(plan, table, where, passing, start, min(start + INDEX_CHUNK, total))
        for start in range(0, total, INDEX_CHUNK)
    )
    index = eligible_rows(total, chunks)
    if index.size == 0:
        condition = ""
        if where is not None:
            verb = "==" if passing else "!="
            condition = f" where {where.column} {verb} {where.equals!r}"
        raise PlanError(f"table '{table.name}' has no clean rows{condition} to reference")
    return index


def _eligible_flags(
    plan: DatasetPlan,
    table: TableSpec,
    where: ParentFilter | None,
    passing: bool,
    start: int,
    stop: int,
) -> Mask:
    """Which rows in [start, stop) are clean and pass ``where`` (or fail it)."""
    keep = clean_mask(plan, table, start, stop)
    if where is not None:
        passes = filter_mask(plan, table, np.arange(start, stop, dtype=np.int64), where)
        keep &= passes if passing else ~passes
    return keep


def required_indexes(spec: DatasetSpec) -> list[tuple[str, ParentFilter | None, bool]]:
    """Every parent index some foreign key or defect of ``spec`` will ask for."""
    needed: list[tuple[str, ParentFilter | None, bool]] = []
    for table in spec.tables:
        for column in table.columns:
            if isinstance(column, ForeignKeyColumn):
                needed.append((column.references, column.where, True))
                if any(
                    isinstance(d, ViolateFilter) and d.column == column.name for d in table.defects
                ):
                    needed.append((column.references, column.where, False))
    return needed


def warm_up(plan: DatasetPlan) -> None:
    """Build every parent index now, e.g. before forking workers that will share it."""
    for table, where, passing in required_indexes(plan.spec):
        parent_index(plan, table, where, passing)
