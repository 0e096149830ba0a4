"""Row numbers of a wide query, computed on their keys alone (the DuckDB engine's).

DuckDB's window operator sorts every column its rows carry and holds its partitions in
memory, so ``row_number() OVER (PARTITION BY key ORDER BY ts)`` over a wide query (the
silver tables' de-duplication) costs more than everything else in it and does not stay
within a memory limit (measured in ``benchmarks/README.md``). Only keys that occur more
than once need numbering: every other row is number 1. A grouped count of the keys finds
them (an aggregate spills to disk), the window numbers only their rows, and an UPDATE
writes those few numbers in place, by row id.

:func:`split_row_numbers` recognises a query whose select list has items
``[CAST(]row_number() OVER (PARTITION BY ... [ORDER BY ...])[ AS <integer>)] AS name``
and nothing that depends on which rows there are besides (no DISTINCT, GROUP BY,
aggregate, HAVING, QUALIFY, ORDER BY, LIMIT or named window): then every output row is one
row the window numbered, and the query is rewritten with each such item a typed 1 (a
NULL for a window without partitions, which numbers every row) and its keys as extra
columns at the end. :func:`numbering_statements` is the SQL that numbers the split
query's rows, stored as a table, and names the original query's columns as a view; ties
are broken by row id (the order the rows came), so the numbering is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from retail_lakehouse.backends.duckdb.quoting import quote

KEY_PREFIX = "__row_number_key_"
ROW_ID = "rowid"  # DuckDB's pseudo-column: a stored row's position
_POSITION = "__row_number_position"
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
        first = exp.Literal.number(1) if number.partition else exp.null()
        window.replace(exp.cast(first, exp.DataType.Type.BIGINT))
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


def numbering_statements(
    split: SplitQuery, rows: str, target: str, types: Mapping[str, str]
) -> list[str]:
    """DuckDB statements that number the rows of table ``rows`` (the split query's result)
    and make ``target`` the original query's result, a view of it; ``types`` are the
    numbered columns' types.

    >>> from sqlglot import parse_one
    >>> query = "SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts) AS n FROM t"
    >>> split = split_row_numbers(parse_one(query))
    >>> [s.split(" AS ")[0] for s in numbering_statements(split, "r", "out", {"n": "INT"})]
    ['CREATE TABLE "r__n"', 'UPDATE "r" SET "n" = CAST(numbered.__row_number', 'DROP TABLE "r__n"', 'CREATE VIEW "out"']
    """  # noqa: E501
    statements = []
    for number in split.numbers:
        numbers = quote(f"{rows}__{number.column}")
        statements += [
            f"CREATE TABLE {numbers} AS {_numbers_query(number, rows)}",
            f"UPDATE {quote(rows)} SET {quote(number.column)} = "
            f"CAST(numbered.{_NUMBERED} AS {types[number.column]}) FROM {numbers} AS numbered "
            f"WHERE {quote(rows)}.{ROW_ID} = numbered.{_POSITION}",
            f"DROP TABLE {numbers}",
        ]
    extra = ", ".join(quote(key) for key in split.extra)
    statements.append(
        f"CREATE VIEW {quote(target)} AS SELECT * EXCLUDE ({extra}) FROM {quote(rows)}"
    )
    return statements


def _numbers_query(number: RowNumber, rows: str) -> str:
    """Row id and number of each row of ``rows`` in a partition of more than one row."""
    row_id = f"{quote(rows)}.{ROW_ID}"
    order = [o.sql(dialect="duckdb") for o in number.order] + [row_id]
    partition = ", ".join(quote(key) for key in number.partition)
    window = f"ROW_NUMBER() OVER ({f'PARTITION BY {partition} ' if partition else ''}"
    window += f"ORDER BY {', '.join(order)})"
    select = f"SELECT {row_id} AS {_POSITION}, {window} AS {_NUMBERED} FROM {quote(rows)}"
    if not number.partition:
        return select
    same = " AND ".join(
        f"{quote(rows)}.{quote(key)} IS NOT DISTINCT FROM repeated.{quote(key)}"
        for key in number.partition
    )
    repeated = f"SELECT {partition} FROM {quote(rows)} GROUP BY ALL HAVING COUNT(*) > 1"
    return f"{select} SEMI JOIN ({repeated}) AS repeated ON {same}"
