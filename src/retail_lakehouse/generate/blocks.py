"""A block of rows of one table: clean values at content rows, defects, Arrow output.

``generate_block(plan, table, start, stop)`` is the unit of work of every runner (local
processes, Spark tasks): it depends only on the plan and the row range, so blocks can be
drawn in any order on any worker and concatenate to the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from retail_lakehouse.generate.context import TableContext, draw_table_defects
from retail_lakehouse.generate.defects import DefectDraw, apply_value_defects
from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec.columns import SequenceColumn
from retail_lakehouse.generate.spec.dataset import TableSpec


@dataclass(frozen=True)
class Block:
    table: str
    start: int
    data: pa.Table
    defect_ids: dict[str, I64]  # defect name -> primary-key values of the rows carrying it
    # the clean values drawn (at content rows) and each row's defect: what the entity's
    # change feed takes its base INSERTs from without drawing the rows again
    context: TableContext | None = field(default=None, repr=False)
    kinds: I64 | None = field(default=None, repr=False)


def generate_block(plan: DatasetPlan, table_name: str, start: int, stop: int) -> Block:
    table = plan.table(table_name)
    rows = np.arange(start, stop, dtype=np.int64)
    draw = draw_table_defects(plan, table, start, stop)
    ctx = TableContext(plan, table, draw.content, draw)
    values = {c.name: ctx.get(c.name) for c in table.columns if not c.hidden}
    for defect in table.defects:  # a defect may touch a hidden column's inputs: compute them
        for name in (getattr(defect, "column", None), getattr(defect, "reference", None)):
            if name is not None and name not in values:
                values[name] = ctx.get(name)
    values = apply_value_defects(plan, table, draw, values, rows)
    arrays = [values[c.name].to_arrow() for c in table.columns if not c.hidden]
    names = [c.name for c in table.columns if not c.hidden]
    data = pa.table(arrays, names=names)
    return Block(table.name, start, data, _defect_ids(table, draw), ctx, draw.kinds)


def defect_ids_of_block(
    plan: DatasetPlan, table_name: str, start: int, stop: int
) -> dict[str, I64]:
    """Only the defect ids of a block (no values drawn): what the manifest needs."""
    table = plan.table(table_name)
    return _defect_ids(table, draw_table_defects(plan, table, start, stop))


def _defect_ids(table: TableSpec, draw: DefectDraw) -> dict[str, I64]:
    key = table.column_map()[table.primary_key]
    assert isinstance(key, SequenceColumn)
    ids: dict[str, I64] = {}
    for index, defect in enumerate(table.defects):
        hit = draw.kinds == index
        ids[defect.name] = key.start + draw.content[hit] * key.step
    return ids


def generate_table(plan: DatasetPlan, table_name: str, block_rows: int = 1 << 18) -> Block:
    """A whole table in memory (for tests and small scales), drawn block by block."""
    blocks = [
        generate_block(plan, table_name, start, min(start + block_rows, plan.rows[table_name]))
        for start in range(0, plan.rows[table_name], block_rows)
    ]
    data = pa.concat_tables([b.data for b in blocks]).combine_chunks()
    names = blocks[0].defect_ids
    ids = {name: np.concatenate([b.defect_ids[name] for b in blocks]) for name in names}
    return Block(table_name, 0, data, ids)
