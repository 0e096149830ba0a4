"""Queries whose rows fall apart by a key of the table they read first, found in the tree.

A query is *partitioned* by a column ``k`` of its driving table (the one after FROM) when
the rows it gives for one value of ``k`` depend only on that table's rows with that value
and on what those rows look up:

* every window is partitioned by ``k``;
* nothing aggregates across rows, or the query groups by ``k`` (each group then holds
  rows of one key);
* each join is an inner or left equi-join of a driving column to a column of a table, or
  of a subquery that keeps that column's values apart (grouped by it, distinct on it, or
  a plain projection);
* the key reaches the result as it is or cast.

For such a query, the rows of a set of keys can be computed alone: :func:`restricted`
reads only those keys' driving rows, and the other keys' rows are what they were.

:func:`affected_keys` says which keys new rows of the inputs can reach: the driving table's
new rows by their key, a looked-up table's new rows through the driving rows that look
them up. The result's keys for those are :func:`output_keys`, and :func:`matching` finds
stored rows among them (NULL keys included: they form a partition of their own).

>>> import sqlglot
>>> q = sqlglot.parse_one(
...     "SELECT CAST(o.id AS BIGINT) AS id, c.id IS NOT NULL AS found, "
...     "row_number() OVER (PARTITION BY o.id ORDER BY o.t) AS rank "
...     "FROM orders AS o LEFT JOIN (SELECT DISTINCT id FROM customers) AS c "
...     "ON o.customer_id = c.id", read="databricks")
>>> plan = key_partition(q)
>>> plan.driving, plan.key, plan.output, plan.lookups
('orders', 'id', 'id', (Lookup(table='customers', column='id', via='customer_id', reads=('id',)),))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

KEY = "__key"  # the column of a keys relation
_ROW_SOURCES: tuple[type[exp.Expr], ...] = (exp.Lateral, exp.Unnest, exp.Pivot, exp.Explode)
_ACROSS_ROWS: tuple[type[exp.Expr], ...] = (exp.AggFunc, exp.Subquery, exp.Exists, exp.Select)


@dataclass(frozen=True)
class Lookup:
    """A table the query looks rows up in: its ``column`` equals the driving table's
    ``via`` column (the key itself when ``via`` is the key). ``reads``: the table's columns
    the query reads (None: it may read any)."""

    table: str
    column: str
    via: str
    reads: tuple[str, ...] | None = None


@dataclass(frozen=True)
class KeyPartition:
    """How a partitioned query's rows fall apart by key."""

    driving: str  # the table after FROM
    alias: str  # how the query names it
    key: str  # its column the rows fall apart by
    output: str  # the result's column that carries the key
    output_expression: exp.Expr  # that column's expression, over the driving key
    lookups: tuple[Lookup, ...]
    reads: tuple[str, ...] | None = None  # the driving table's columns read (None: any)


def key_partition(tree: exp.Expr) -> KeyPartition | None:
    """The query's partitioning by a key of its driving table, or None when it has none
    this can prove.

    >>> import sqlglot
    >>> def plan(sql):
    ...     found = key_partition(sqlglot.parse_one(sql, read="databricks"))
    ...     return found and (found.key, found.output, found.lookups)
    >>> plan("SELECT k, v FROM t")
    ('k', 'k', ())
    >>> plan("SELECT k AS id, row_number() OVER (PARTITION BY k ORDER BY t) AS r FROM t")
    ('k', 'id', ())
    >>> plan("SELECT k, row_number() OVER (ORDER BY t) AS r FROM t")  # across keys
    >>> plan("SELECT k, count(*) FROM t")  # an aggregate over every row
    >>> plan("SELECT d, k, count(*) AS n FROM t GROUP BY d, k")  # groups of one key each
    ('d', 'd', ())
    >>> plan("SELECT k, count(*) FROM t GROUP BY ROLLUP (k)")  # a total across keys
    >>> plan("SELECT t.k FROM t JOIN (SELECT k, count(*) AS n FROM u GROUP BY k) AS u "
    ...      "ON t.k = u.k")
    ('k', 'k', (Lookup(table='u', column='k', via='k', reads=('k',)),))
    >>> plan("SELECT t.k FROM t JOIN (SELECT sum(v) AS k FROM u) AS u ON t.k = u.k")
    >>> plan("SELECT t.k FROM t FULL JOIN u ON t.k = u.k")
    """
    if not isinstance(tree, exp.Select) or not _plain_select(tree):
        return None
    driving = _named_table(tree.args.get("from_"))
    if driving is None:
        return None
    alias = driving.alias_or_name
    lookups = []
    for join in tree.args.get("joins") or []:
        lookup = _lookup(tree, join, alias)
        if lookup is None:
            return None
        lookups.append(lookup)
    grouped = tree.args.get("group") is not None
    if _reads_across_rows(tree, grouped):
        return None
    single_table = not lookups
    key = (_group_key if grouped else _window_key)(tree, alias, single_table)
    if key is None:
        return None
    output = _output_of(tree, alias, key, single_table)
    if output is None:
        return None
    name, expression = output
    reads = _driving_columns_read(tree, alias, single_table)
    return KeyPartition(driving.name, alias, key, name, expression, tuple(lookups), reads)


def affected_keys(plan: KeyPartition, new_rows: Mapping[str, str]) -> exp.Select | None:
    """The driving keys whose rows new rows of the inputs can change (as ``__key``), from
    ``new_rows``: input table -> the relation of its new rows; None when no input has any.

    >>> import sqlglot
    >>> q = sqlglot.parse_one("SELECT o.k FROM o JOIN c ON o.c_id = c.id", read="databricks")
    >>> affected_keys(key_partition(q), {"o": "new_o", "c": "new_c"}).sql("databricks")
    'SELECT DISTINCT __key FROM (SELECT k AS __key FROM new_o UNION ALL SELECT o.k AS __key \
FROM o AS o WHERE EXISTS(SELECT 1 FROM new_c WHERE new_c.id = o.c_id)) AS changed'
    """
    parts: list[exp.Select] = []
    if plan.driving in new_rows:
        parts.append(
            exp.select(exp.alias_(exp.column(plan.key), KEY)).from_(new_rows[plan.driving])
        )
    for lookup in plan.lookups:
        if lookup.table not in new_rows:
            continue
        relation = new_rows[lookup.table]
        if lookup.via == plan.key:
            parts.append(exp.select(exp.alias_(exp.column(lookup.column), KEY)).from_(relation))
            continue
        looked_up = exp.EQ(
            this=exp.column(lookup.column, relation), expression=exp.column(lookup.via, plan.alias)
        )
        found = exp.Exists(this=exp.select("1").from_(relation).where(looked_up))
        driving = exp.to_table(plan.driving).as_(plan.alias)
        key = exp.alias_(exp.column(plan.key, plan.alias), KEY)
        parts.append(exp.select(key).from_(driving).where(found))
    if not parts:
        return None
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    return exp.select(KEY).distinct().from_(union.subquery("changed"))


def output_keys(plan: KeyPartition, keys: str) -> exp.Select:
    """The result's key values (as ``__key``) of the driving keys in relation ``keys``.

    >>> import sqlglot
    >>> q = sqlglot.parse_one("SELECT CAST(k AS BIGINT) AS id FROM t", read="databricks")
    >>> output_keys(key_partition(q), "keys").sql("databricks")
    'SELECT DISTINCT CAST(__key AS BIGINT) AS __key FROM keys'
    """
    expression = plan.output_expression.copy().transform(
        lambda node: exp.column(KEY) if _is_key(node, plan.alias, plan.key) else node
    )
    return exp.select(exp.alias_(expression, KEY)).distinct().from_(keys)


def matching(column: exp.Column, keys: str) -> exp.Exists:
    """Whether ``column``'s value is among the keys of relation ``keys``, NULL among them
    when ``keys`` holds NULL: never NULL itself.

    >>> matching(exp.column("id", "t"), "keys").sql("duckdb")
    'EXISTS(SELECT 1 FROM keys WHERE keys.__key IS NOT DISTINCT FROM t.id)'
    """
    return matching_row([(exp.column(KEY, keys), column)], keys)


def matching_row(pairs: Sequence[tuple[exp.Column, exp.Column]], keys: str) -> exp.Exists:
    """Whether a row of relation ``keys`` equals the values of several columns: each
    ``(column of keys, column)`` pair NULL-safe equal.

    >>> pairs = [(exp.column("a", "keys"), exp.column("x", "t"))]
    >>> matching_row(pairs, "keys").sql("duckdb")
    'EXISTS(SELECT 1 FROM keys WHERE keys.a IS NOT DISTINCT FROM t.x)'
    """
    same = [exp.NullSafeEQ(this=key, expression=column) for key, column in pairs]
    return exp.Exists(this=exp.select("1").from_(keys).where(exp.and_(*same)))


def restricted(tree: exp.Select, plan: KeyPartition, keys: str) -> exp.Select:
    """The query over the driving rows of the keys in relation ``keys`` only: the rows the
    whole query gives for those keys. A source joined on the key itself is read for those
    keys only too (its other rows match no driving row left).

    >>> import sqlglot
    >>> q = sqlglot.parse_one("SELECT t.k FROM t LEFT JOIN u ON t.k = u.k "
    ...                       "LEFT JOIN w ON t.v = w.v", read="databricks")
    >>> restricted(q, key_partition(q), "keys").sql("databricks")
    'SELECT t.k FROM (SELECT * FROM t AS t WHERE EXISTS(SELECT 1 FROM keys WHERE keys.__key IS \
NOT DISTINCT FROM t.k)) AS t LEFT JOIN (SELECT * FROM u AS u WHERE EXISTS(SELECT 1 FROM keys \
WHERE keys.__key IS NOT DISTINCT FROM u.k)) AS u ON t.k = u.k LEFT JOIN w ON t.v = w.v'
    """
    copy = tree.copy()
    source = copy.args.get("from_")
    assert source is not None
    source.this.replace(_rows_of_keys(source.this, plan.key, keys))
    for join, lookup in zip(copy.args.get("joins") or [], plan.lookups, strict=True):
        if lookup.via == plan.key:
            join.this.replace(_rows_of_keys(join.this, lookup.column, keys))
    return copy


def _rows_of_keys(source: exp.Expr, column: str, keys: str) -> exp.Expr:
    """A table or subquery of a FROM or JOIN, read only where ``column`` is a key of
    ``keys`` (in a subquery, its table's column: it keeps that column's values apart)."""
    alias = source.alias_or_name
    if isinstance(source, exp.Table):
        table = exp.to_table(source.name).as_(alias)
        rows = exp.select("*").from_(table).where(matching(exp.column(column, alias), keys))
        return rows.subquery(alias)
    assert isinstance(source.this, exp.Select)  # as key_partition found it
    select: exp.Select = source.this.copy()
    inner = select.args["from_"].this.alias_or_name
    return select.where(matching(exp.column(column, inner), keys)).subquery(alias)


# --- the proof -------------------------------------------------------------------------


def _plain_select(select: exp.Select) -> bool:
    """No clause that works across rows or adds rows from elsewhere; a GROUP BY of plain
    groups only (no rollup, cube, grouping sets or ALL), and no window beside it."""
    across = ("qualify", "limit", "offset", "order", "with_", "distinct")
    if any(select.args.get(arg) for arg in across) or select.find(*_ROW_SOURCES):
        return False
    group = select.args.get("group")
    if group is None:
        return select.args.get("having") is None
    totals = ("grouping_sets", "cube", "rollup", "totals", "all")
    return not any(group.args.get(arg) for arg in totals) and not select.find(exp.Window)


def _named_table(source: exp.Expr | None) -> exp.Table | None:
    """The table a FROM or JOIN names, when it names one by a plain name."""
    table = source.this if isinstance(source, (exp.From, exp.Join)) else source
    if isinstance(table, exp.Table) and isinstance(table.this, exp.Identifier):
        return table
    return None


def _lookup(select: exp.Select, join: exp.Join, alias: str) -> Lookup | None:
    """The join as a lookup of a driving column in a table, or None."""
    if join.side not in ("", "LEFT") or join.kind not in ("", "INNER", "OUTER"):
        return None
    condition = join.args.get("on")
    if join.args.get("using") or not isinstance(condition, exp.EQ):
        return None
    left, right = condition.this, condition.expression
    if not isinstance(left, exp.Column) or not isinstance(right, exp.Column):
        return None
    joined = join.this.alias_or_name
    if left.table == joined and right.table == alias:
        left, right = right, left
    if left.table != alias or right.table != joined or joined == alias:
        return None
    found = _looked_up_column(join.this, right.name)
    if found is None:
        return None
    table, column = found
    return Lookup(table, column, left.name, _columns_read(select, join.this))


def _looked_up_column(source: exp.Expr, column: str) -> tuple[str, str] | None:
    """The stored table and column a joined source's ``column`` comes from, when the
    source's rows with one value of it come from that table's rows with the same value."""
    table = _named_table(source)
    if table is not None:
        return table.name, column
    if not isinstance(source, exp.Subquery) or not isinstance(source.this, exp.Select):
        return None
    select = source.this
    inner = _named_table(select.args.get("from_"))
    if inner is None or select.args.get("joins") or select.find(exp.Window, *_ROW_SOURCES):
        return None
    if any(select.args.get(arg) for arg in ("having", "qualify", "limit", "offset", "with_")):
        return None
    projected = next((p for p in select.expressions if p.alias_or_name == column), None)
    source_column = projected.unalias() if projected is not None else None
    if not isinstance(source_column, exp.Column):
        return None
    group = select.args.get("group")
    if group is not None:
        grouped = {c.name for c in group.expressions if isinstance(c, exp.Column)}
        return (inner.name, source_column.name) if source_column.name in grouped else None
    if select.find(exp.AggFunc):
        return None  # an aggregate over all rows
    return inner.name, source_column.name


def _columns_read(select: exp.Select, source: exp.Expr) -> tuple[str, ...] | None:
    """The columns of a joined source's table the query reads, sorted; None when it may
    read any (a star, or a column not qualified by a table)."""
    if isinstance(source, exp.Subquery):
        columns = list(source.this.find_all(exp.Column))
        if any(isinstance(p.unalias(), exp.Star) for p in source.this.expressions):
            return None
    else:
        joined = source.alias_or_name
        own = [c for c in select.find_all(exp.Column) if c.find_ancestor(exp.Select) is select]
        columns = [c for c in own if c.table == joined]
        if any(not c.table for c in own) or any(isinstance(c.this, exp.Star) for c in columns):
            return None
    return tuple(sorted({c.name for c in columns}))


def _reads_across_rows(select: exp.Select, grouped: bool) -> bool:
    """Whether the query's own clauses (not its joined sources) read other queries, or
    aggregate outside windows when it does not group."""
    clauses = [*select.expressions]
    for arg in ("where", "having"):
        clause = select.args.get(arg)
        if clause is not None:
            clauses.append(clause)
    for clause in clauses:
        for node in clause.find_all(*_ACROSS_ROWS):
            if not isinstance(node, exp.AggFunc):
                return True
            if not grouped and node.find_ancestor(exp.Window) is None:
                return True
    return False


def _group_key(select: exp.Select, alias: str, single_table: bool) -> str | None:
    """The first driving column the query groups by as it is and outputs."""
    for grouped in select.args["group"].expressions:
        if not isinstance(grouped, exp.Column) or not _of_driving(grouped, alias, single_table):
            continue
        if _output_of(select, alias, grouped.name, single_table) is not None:
            return grouped.name
    return None


def _driving_columns_read(
    select: exp.Select, alias: str, single_table: bool
) -> tuple[str, ...] | None:
    """The driving table's columns the query reads, sorted; None when it may read any (a
    star)."""
    own = [c for c in select.find_all(exp.Column) if c.find_ancestor(exp.Select) is select]
    columns = [c for c in own if _of_driving(c, alias, single_table)]
    if any(not c.table for c in own) and not single_table:
        return None
    if any(isinstance(c.this, exp.Star) for c in columns):
        return None
    if any(isinstance(p, exp.Star) for p in select.expressions):
        return None
    return tuple(sorted({c.name for c in columns}))


def _window_key(select: exp.Select, alias: str, single_table: bool) -> str | None:
    """The driving column every window partitions by; with no window, the query's first
    output column when it is a driving column as it is or cast (None otherwise)."""
    windows = list(select.find_all(exp.Window))
    if not windows:
        first = next((_driving_column(p, alias, single_table) for p in select.expressions), None)
        return first.name if first is not None else None
    common: set[str] | None = None
    for window in windows:
        keys = {
            c.name
            for c in window.args.get("partition_by") or []
            if isinstance(c, exp.Column) and _of_driving(c, alias, single_table)
        }
        common = keys if common is None else common & keys
    return min(common) if common else None


def _output_of(
    select: exp.Select, alias: str, key: str, single_table: bool
) -> tuple[str, exp.Expr] | None:
    """The output column carrying the key, as it is or cast, and its expression."""
    for projection in select.expressions:
        column = _driving_column(projection, alias, single_table)
        if column is not None and column.name == key:
            return projection.alias_or_name, projection.unalias()
    return None


def _driving_column(projection: exp.Expr, alias: str, single_table: bool) -> exp.Column | None:
    """The driving column a projection outputs as it is or cast, or None."""
    expression = projection.unalias()
    while isinstance(expression, exp.Cast):
        expression = expression.this
    if isinstance(expression, exp.Column) and _of_driving(expression, alias, single_table):
        return expression
    return None


def _of_driving(column: exp.Column, alias: str, single_table: bool) -> bool:
    return column.table == alias or (not column.table and single_table)


def _is_key(node: exp.Expr, alias: str, key: str) -> bool:
    return isinstance(node, exp.Column) and node.name == key and node.table in ("", alias)
