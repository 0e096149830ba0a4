"""Which rows carry a defect, which row's content they show, and applying defects to values.

A row draws at most one defect from the table's rates (a pure function of its id). The
first child of a cover parent never carries one, so every clean parent keeps a clean
child; the other rows' rates are raised to match, keeping the table's overall rate. A
duplicate shows the previous row's content whole, and only when that row is clean, so a
duplicate never doubles another defect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.generate.foreign_keys import CoverAssignment, cover_assignment
from retail_lakehouse.generate.hashing import I64, Stream
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec.dataset import TableSpec
from retail_lakehouse.generate.spec.defects import (
    BeforeReference,
    Defect,
    DuplicateRow,
    NonPositive,
    NullValue,
    ReplaceText,
)
from retail_lakehouse.generate.values import Mask, Value

CLEAN = -1
MICROS_PER_MINUTE = 60_000_000
BEFORE_RANGE_MINUTES = (1, 48 * 60)


@dataclass(frozen=True)
class DefectDraw:
    kinds: I64  # index into the table's defects, CLEAN for none
    content: I64  # the row whose clean values this row shows
    cover_ranks: I64 | None  # the cover parent rank of each content row, if the table has one


def defect_stream(plan: DatasetPlan, table: TableSpec) -> Stream:
    return Stream(plan.seed, table.name, "__defects__")


def _rates(plan: DatasetPlan, table: TableSpec, n_cover_parents: int | None) -> np.ndarray:
    rates = np.array([d.rate for d in table.defects], dtype=np.float64) * plan.defect_scale
    if n_cover_parents is not None:
        unprotected = 1.0 - n_cover_parents / plan.rows[table.name]
        rates = rates / max(unprotected, 1e-12)
        total = rates.sum()
        if total > 1.0:
            rates = rates / total
    return rates


def _cover(
    plan: DatasetPlan, table: TableSpec, rows: I64, n_cover_parents: int | None
) -> CoverAssignment | None:
    cover = table.cover_key()
    if cover is None or n_cover_parents is None:
        return None
    stream = Stream(plan.seed, table.name, cover.name)
    return cover_assignment(stream, rows, plan.rows[table.name], n_cover_parents)


def _raw_kinds(
    plan: DatasetPlan,
    table: TableSpec,
    rows: I64,
    n_cover_parents: int | None,
    first_child: Mask | None,
) -> I64:
    rates = _rates(plan, table, n_cover_parents)
    if rates.size == 0 or rows.size == 0 or not rates.any():
        return np.full(rows.size, CLEAN, dtype=np.int64)
    bounds = np.cumsum(rates)
    kinds = np.searchsorted(bounds, defect_stream(plan, table).uniform(rows), side="right")
    kinds = np.where(kinds >= rates.size, CLEAN, kinds).astype(np.int64)
    if first_child is not None:
        kinds[first_child] = CLEAN
    return kinds


def draw_defects(
    plan: DatasetPlan, table: TableSpec, start: int, stop: int, n_cover_parents: int | None
) -> DefectDraw:
    """Defect of each row in [start, stop) and the row whose content it shows."""
    first = max(start - 1, 0)
    span = np.arange(first, stop, dtype=np.int64)
    cover = _cover(plan, table, span, n_cover_parents)
    first_child = None if cover is None else cover.first_child
    raw = _raw_kinds(plan, table, span, n_cover_parents, first_child)
    kinds = raw[start - first :].copy()
    content = np.arange(start, stop, dtype=np.int64)
    dup = [i for i, d in enumerate(table.defects) if isinstance(d, DuplicateRow)]
    if dup:
        previous = np.concatenate(([dup[0]], raw[:-1])) if start == 0 else raw[:-1]
        kinds[(kinds == dup[0]) & (previous != CLEAN)] = CLEAN
        content = np.where(kinds == dup[0], content - 1, content)
    ranks = None if cover is None else cover.parent_ranks[content - first]
    return DefectDraw(kinds, content, ranks)


def apply_value_defects(
    plan: DatasetPlan, table: TableSpec, draw: DefectDraw, values: dict[str, Value], rows: I64
) -> dict[str, Value]:
    """Apply the defects that change a column's value after it was generated cleanly."""
    result = dict(values)
    for index, defect in enumerate(table.defects):
        hit = draw.kinds == index
        if hit.any():
            _apply_one(plan, table, defect, hit, result, rows)
    return result


def _apply_one(
    plan: DatasetPlan,
    table: TableSpec,
    defect: Defect,
    hit: Mask,
    values: dict[str, Value],
    rows: I64,
) -> None:
    stream = Stream(plan.seed, table.name, "__defects__", defect.name)
    match defect:
        case NullValue():
            values[defect.column] = values[defect.column].with_nulls(hit)
        case ReplaceText():
            old = values[defect.column]
            replaced = pc.replace_substring(old.text(), defect.old, defect.new)
            data = pc.if_else(pa.array(hit), replaced, old.text())
            values[defect.column] = Value(data, old.nulls, old.type)
        case NonPositive():
            old = values[defect.column]
            zero = stream.uniform(rows) < 0.5
            bad = np.where(zero, 0, -np.abs(old.data)).astype(old.data.dtype)
            values[defect.column] = Value(np.where(hit, bad, old.data), old.nulls, old.type)
        case BeforeReference():
            reference = values[defect.reference]
            low, high = BEFORE_RANGE_MINUTES
            minutes = np.floor(low + (high - low) * stream.uniform(rows)).astype(np.int64)
            earlier = reference.data - minutes * MICROS_PER_MINUTE
            old = values[defect.column]
            data = np.where(hit, earlier, old.data)
            nulls = None if old.nulls is None else (old.nulls & ~hit)
            if reference.nulls is not None:
                nulls = reference.nulls & hit if nulls is None else nulls | (reference.nulls & hit)
            values[defect.column] = Value(data, nulls, old.type)
        case _:
            pass  # duplicates and foreign-key defects are drawn, not applied to values
