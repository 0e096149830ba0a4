"""Large joins stored range by range of their key, so each range's hash tables fit in memory.

A query that joins a large relation to others on one of its integer columns (the silver
tables' joins on ``order_id``) builds hash tables as large as the data: past the memory
limit DuckDB partitions them to disk and reads them back, and the query takes about twice
as long as with the memory it wants (measured in ``benchmarks/README.md``). Its rows split
by ranges of that key instead: each range of the key reads the rows of its range, joins
them to the rows of the other sides in the same range, and appends its rows to the table.

:func:`keyed_query` recognises a query whose rows are its FROM relation's rows each
joined to others (a SELECT with joins and a WHERE, nothing that groups, numbers, orders
or limits rows, no RIGHT or FULL join): keeping only the rows whose key is in a range
commutes with such a query. A join whose condition is ``source.key = other.column`` only
matches rows of ``other`` in the same range, so they are filtered too (a view over files
or a stored table skips the row groups outside the range). The key is the column of the
join with the largest other side. A join's other side that is a subquery not on the key
(the silver orders' distinct customers) is the same for every range: it is stored once
and read from there, instead of computed again for each range. Ranges come from a
histogram of the key, ``KEY_RANGE_ROWS`` rows each, the first with the NULL keys: the
ranges depend on the data alone, so the same inputs give the same table whatever the
memory limit or the thread count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlglot import exp

from retail_lakehouse.backends.duckdb.quoting import quote

KEY_RANGE_ROWS = 1 << 22  # rows of the source per range (measured in benchmarks/README.md)
BUCKETS = 1024  # of the key's histogram, which the ranges are cut from
_SELECT_PARTS = frozenset({"expressions", "from_", "joins", "where"})
_NOT_ROW_BY_ROW: tuple[type[exp.Expr], ...] = (exp.AggFunc, exp.Window)
_INTEGERS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
)


@dataclass(frozen=True)
class Partner:
    """A join on the key: its index in the query's joins and its other side's column."""

    join: int
    column: str


@dataclass(frozen=True)
class KeyedQuery:
    query: exp.Select
    source: str  # the FROM relation
    key: str  # its column the ranges split
    partners: tuple[Partner, ...]

    def key_columns(self) -> str:
        """A query of the key and its partners' columns, for their types."""
        select = exp.select(self._source_key(), *(self._partner_column(p) for p in self.partners))
        select.set("from_", self.query.args["from_"].copy())
        select.set("joins", [j.copy() for j in self.query.args["joins"]])
        return select.limit(0).sql(dialect="duckdb")

    def bounds_query(self) -> str:
        return f"SELECT min({quote(self.key)}), max({quote(self.key)}) FROM {quote(self.source)}"

    def histogram_query(self, low: int, width: int) -> str:
        """Rows per bucket of ``width`` keys from ``low``, in key order. The buckets are
        computed in floating point, much cheaper than 128-bit integers: a key rounded into
        the next bucket only moves its row's count, and the ranges cover every key anyway."""
        key = quote(self.key)
        bucket = f"CAST(floor((CAST({key} AS DOUBLE) - {low}) / {width}) AS BIGINT)"
        return (
            f"SELECT {bucket} AS bucket, count(*) FROM {quote(self.source)} "
            f"WHERE {key} IS NOT NULL GROUP BY bucket ORDER BY bucket"
        )

    def in_range(self, low: int, high: int, with_nulls: bool) -> exp.Select:
        """The query over the rows whose key is in ``[low, high]`` (and NULL keys)."""
        query = self.query.copy()
        key = self._source_key()
        condition: exp.Expr = exp.Between(this=key, low=_number(low), high=_number(high))
        if with_nulls:
            condition = exp.or_(condition, exp.Is(this=key.copy(), expression=exp.null()))
        query.where(exp.paren(condition, copy=False), copy=False)
        for partner in self.partners:
            join = query.args["joins"][partner.join]
            column = self._partner_column(partner)
            in_range = exp.Between(this=column, low=_number(low), high=_number(high))
            join.set("on", exp.and_(join.args["on"], in_range))
        return query

    def shared_sides(self) -> list[int]:
        """The joins whose other side is a subquery not on the key: the same rows for
        every range."""
        partners = {partner.join for partner in self.partners}
        joins: list[exp.Join] = self.query.args["joins"]
        return [
            index
            for index, join in enumerate(joins)
            if index not in partners and isinstance(join.this, exp.Subquery)
        ]

    def side(self, join: int) -> exp.Expr:
        """A join's other side's query."""
        subquery: exp.Subquery = self.query.args["joins"][join].this
        query: exp.Expr = subquery.this
        return query

    def with_side(self, join: int, table: str) -> KeyedQuery:
        """This query with a join's other side read from ``table``, under the same alias."""
        query = self.query.copy()
        side = query.args["joins"][join].this
        alias = side.args.get("alias")  # with its column names, if it gives any
        stored = exp.Table(this=exp.to_identifier(table, quoted=True), alias=alias)
        side.replace(stored)
        return replace(self, query=query)

    def _source_key(self) -> exp.Column:
        return exp.column(self.key, table=_alias(self.query.args["from_"].this))

    def _partner_column(self, partner: Partner) -> exp.Column:
        return exp.column(partner.column, table=_alias(self.query.args["joins"][partner.join].this))


def keyed_query(tree: exp.Expr, rows: Callable[[str], int]) -> KeyedQuery | None:
    """``tree`` as a query that ranges of a key split, or None; ``rows`` counts a
    relation's rows (to pick the join whose other side is largest)."""
    if not isinstance(tree, exp.Select) or not _row_by_row(tree):
        return None
    source = tree.args["from_"].this
    if not isinstance(source, exp.Table) or not _plain_table(source):
        return None
    joins: list[exp.Join] = tree.args["joins"]
    if any(join.side.upper() in {"RIGHT", "FULL"} for join in joins):
        return None
    keyed = [(i, _join_key(join, _alias(source))) for i, join in enumerate(joins)]
    candidates = [(i, pair) for i, pair in keyed if pair is not None]
    if not candidates:
        return None
    _, (key, _) = max(candidates, key=lambda c: largest_read(joins[c[0]].this, rows))
    partners = tuple(Partner(i, other) for i, (k, other) in candidates if k == key)
    return KeyedQuery(tree, source.name, key, partners)


def _row_by_row(select: exp.Select) -> bool:
    """Whether every output row is one FROM row joined to others: no grouping, ordering,
    numbering, DISTINCT, LIMIT or common table expression, and at least one join."""
    parts = {key for key, value in select.args.items() if value}
    if not parts <= _SELECT_PARTS or "joins" not in parts:
        return False
    return not any(e.find(*_NOT_ROW_BY_ROW) for e in select.expressions)


def _plain_table(table: exp.Table) -> bool:
    return isinstance(table.this, exp.Identifier) and not table.args.get("db")


def _alias(source: exp.Expr) -> str:
    return source.alias_or_name


def _join_key(join: exp.Join, source: str) -> tuple[str, str] | None:
    """``(source column, other column)`` of a join on ``source.a = other.b``."""
    condition, other = join.args.get("on"), _alias(join.this)
    if not isinstance(condition, exp.EQ) or join.args.get("using") or not other:
        return None
    sides = [condition.this, condition.expression]
    if not all(isinstance(side, exp.Column) and side.table for side in sides):
        return None
    by_table = {side.table: side.name for side in sides}
    if set(by_table) != {source, other}:
        return None
    return by_table[source], by_table[other]


def largest_read(side: exp.Expr, rows: Callable[[str], int]) -> int:
    """The rows of the largest relation a query (or a join's other side) reads."""
    tables = [side] if isinstance(side, exp.Table) else list(side.find_all(exp.Table))
    return max((rows(t.name) for t in tables if _plain_table(t)), default=0)


def integer_types(types: Sequence[str]) -> bool:
    return all(kind.upper() in _INTEGERS for kind in types)


def large(rows: int) -> bool:
    """Whether a relation of ``rows`` rows may outgrow the memory limit: its joins split
    into ranges, and the tables its queries fill are stored compressed (DuckDB engine)."""
    return rows > KEY_RANGE_ROWS


def pieces(rows: int) -> int:
    """How many ranges a source of ``rows`` rows splits into."""
    return math.ceil(rows / KEY_RANGE_ROWS)


def bucket_width(low: int, high: int) -> int:
    return max(1, math.ceil((high - low + 1) / BUCKETS))


def cut(
    histogram: Sequence[tuple[int, int]], low: int, high: int, width: int, count: int
) -> list[tuple[int, int]]:
    """``count`` ranges of about equal rows, from ``(bucket, rows)`` in bucket order.

    >>> cut([(0, 5), (1, 1), (2, 4), (9, 6)], low=10, high=109, width=10, count=2)
    [(10, 39), (40, 109)]
    """
    target = math.ceil(sum(r for _, r in histogram) / count)
    ranges, start, held = [], low, 0
    for bucket, rows in histogram:
        held += rows
        end = min(high, low + (bucket + 1) * width - 1)
        if held >= target and end < high:
            ranges.append((start, end))
            start, held = end + 1, 0
    ranges.append((start, high))
    return ranges


def _number(value: int) -> exp.Expr:
    return exp.Literal.number(value)
