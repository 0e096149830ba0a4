"""Row numbers of a wide query, computed on their keys alone (the DuckDB engine's).

DuckDB's window operator sorts every column its rows carry, so ``row_number() OVER
(PARTITION BY key ORDER BY ts)`` over a wide query (the silver tables' de-duplication)
costs more than everything else in it (measured in ``benchmarks/README.md``). Numbering
a narrow table of the keys and each row's position, then putting the numbers back by
position, gives the same numbers for a fraction.

:func:`split_row_numbers` recognises a query whose select list has items
``[CAST(]row_number() OVER (PARTITION BY ... [ORDER BY ...])[ AS <integer>)] AS name``
and nothing that depends on which rows there are besides (no DISTINCT, GROUP BY,
aggregate, HAVING, QUALIFY, ORDER BY, LIMIT or named window): then every output row is one
row the window numbered, and the query is rewritten with each such item a typed NULL and
its keys as extra columns at the end. :func:`number_rows` numbers the result's rows on
their keys (ties broken by position, so the numbering is deterministic) and returns the
table the original query would have returned. The numbering is a stable sort in numpy
(``sorted_row_numbers``) when the keys are of types numpy orders as SQL does and arrive
nearly sorted, as the silver tables' keys do (numpy sorts those faster than DuckDB);
otherwise DuckDB numbers a narrow table of the keys and each row's position.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from sqlglot import exp

from retail_lakehouse.backends.duckdb.sorted_row_numbers import SortKey, sort_keys

KEY_PREFIX = "__row_number_key_"
POSITION = "__row_number_position"
_NUMBERED = "__row_number"
# select arguments that keep one output row per numbered row
_ROW_PRESERVING = frozenset({"expressions", "from_", "joins", "where", "with_"})
_INTEGERS = exp.DataType.INTEGER_TYPES


@dataclass(frozen=True)
class RowNumber:
    """One numbered column: where the numbers go and the extra columns they come from."""

    column: str
    partition: tuple[str, ...]
    order: tuple[exp.Ordered, ...]  # over the extra columns, with the original directions

    @property
    def keys(self) -> tuple[str, ...]:
        return self.partition + tuple(o.this.name for o in self.order)

    @property
    def order_keys(self) -> list[SortKey]:
        return [
            SortKey(o.this.name, bool(o.args.get("desc")), bool(o.args.get("nulls_first")))
            for o in self.order
        ]


@dataclass(frozen=True)
class SplitQuery:
    query: exp.Select
    numbers: tuple[RowNumber, ...]

    @property
    def extra(self) -> list[str]:
        return [key for number in self.numbers for key in number.keys]


def split_row_numbers(tree: exp.Expr) -> SplitQuery | None:
    """``tree`` with its row numbers split off, or None when it has none or is not a
    query whose rows are exactly the numbered ones (it is not modified)."""
    if not isinstance(tree, exp.Select) or not _keeps_every_row(tree):
        return None
    items = [_numbered_item(item) for item in tree.expressions]
    if not any(items) or _has_other_windows(tree, sum(1 for i in items if i)):
        return None
    query = tree.copy()
    numbers, extra = [], []
    for index, item in enumerate(query.expressions):
        window = _numbered_item(item)
        if window is None:
            continue
        number, keys = _key_columns(item.alias, window, f"{KEY_PREFIX}{index}_")
        numbers.append(number)
        extra += keys
        window.replace(exp.cast(exp.null(), exp.DataType.Type.BIGINT))
    query.set("expressions", [*query.expressions, *extra])
    return SplitQuery(query, tuple(numbers))


def _keeps_every_row(select: exp.Select) -> bool:
    if any(value for key, value in select.args.items() if key not in _ROW_PRESERVING):
        return False
    star = any(isinstance(e, exp.Star) or e.is_star for e in select.expressions)
    aggregate = any(e.find(exp.AggFunc) for e in select.expressions)  # or a window of one
    return not star and not aggregate


def _numbered_item(item: exp.Expr) -> exp.Window | None:
    """The window of an item ``[CAST(]row_number() OVER (...)[ AS int)] AS name``."""
    if not isinstance(item, exp.Alias):
        return None
    inner = item.this
    if isinstance(inner, exp.Cast) and inner.to.is_type(*_INTEGERS):
        inner = inner.this
    if not isinstance(inner, exp.Window) or not isinstance(inner.this, exp.RowNumber):
        return None
    plain = not inner.args.get("spec") and not inner.args.get("alias")
    order = inner.args.get("order")
    return inner if plain and (inner.args.get("partition_by") or order) else None


def _has_other_windows(select: exp.Select, numbered: int) -> bool:
    windows = [w for e in select.expressions for w in e.find_all(exp.Window)]
    return len(windows) != numbered


def _key_columns(column: str, window: exp.Window, prefix: str) -> tuple[RowNumber, list[exp.Expr]]:
    """The numbered column, and its window's keys as extra select items named ``prefix*``."""
    extra: list[exp.Expr] = []
    partition = []
    for i, value in enumerate(window.args.get("partition_by") or []):
        partition.append(f"{prefix}p{i}")
        extra.append(exp.alias_(value.copy(), partition[-1]))
    order = []
    order_by = window.args.get("order")
    for i, ordered in enumerate(order_by.expressions if order_by else []):
        name = f"{prefix}o{i}"
        extra.append(exp.alias_(ordered.this.copy(), name))
        moved = ordered.copy()
        moved.set("this", exp.column(name))
        order.append(moved)
    return RowNumber(column, tuple(partition), tuple(order)), extra


def number_rows(
    table: pa.Table, split: SplitQuery, run: Callable[[str, pa.Table, exp.Expr], pa.Table]
) -> pa.Table | None:
    """The original query's result from the split query's ``table``; ``run(name, narrow,
    query)`` runs ``query`` with ``narrow`` registered as ``name``. None when a key came
    out dictionary-encoded (an ENUM sorts by its members' order, not by its text)."""
    names = table.schema.names
    if any(names.count(name) != 1 for name in [n.column for n in split.numbers] + split.extra):
        return None  # a select list naming two columns alike: leave it to DuckDB
    for number in split.numbers:
        keys = pa.table({key: table[key] for key in number.keys})
        if any(pa.types.is_dictionary(field.type) for field in keys.schema):
            return None
        index = table.schema.get_field_index(number.column)
        numbers = pa.array(_row_numbers(keys, number, run))
        column = numbers.cast(table.schema.field(index).type)
        table = table.set_column(index, table.schema.field(index), column)
    return table.drop_columns(split.extra)


def _row_numbers(
    keys: pa.Table, number: RowNumber, run: Callable[[str, pa.Table, exp.Expr], pa.Table]
) -> np.ndarray:
    """Sorted in numpy when the keys allow it and arrive nearly sorted
    (``sorted_row_numbers``), else numbered by DuckDB on the narrow table."""
    in_numpy = sort_keys(keys, number.partition, number.order_keys)
    if in_numpy is not None and in_numpy.nearly_sorted():
        return in_numpy.row_numbers()
    name = f"__narrow_{uuid.uuid4().hex}"
    positions = pa.array(np.arange(keys.num_rows, dtype=np.int64))
    numbered = run(name, keys.append_column(POSITION, positions), _numbering_query(name, number))
    numbers = np.empty(keys.num_rows, dtype=np.int64)
    numbers[numbered[POSITION].to_numpy()] = numbered[_NUMBERED].to_numpy()
    return numbers


def _numbering_query(name: str, number: RowNumber) -> exp.Select:
    order = [o.copy() for o in number.order] + [exp.Ordered(this=exp.column(POSITION))]
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=[exp.column(key) for key in number.partition],
        order=exp.Order(expressions=order),
        over="OVER",
    )
    return exp.select(exp.column(POSITION), exp.alias_(window, _NUMBERED)).from_(name)
