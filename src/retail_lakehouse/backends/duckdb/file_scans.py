"""Results that stay views over their files instead of tables: a query that only reads
files, row by row, costs a scan each time it is read, cheaper than storing its rows in
the engine (where they spill past the memory limit) and reading them back.

A file scan is a SELECT from one file reader with no join, grouping, window, ordering
or limit, whose functions are casts, the file name and the current time. The current
time is bound to the instant the query starts, as Spark evaluates it once per query:
every read of the view sees the same rows.

>>> import sqlglot
>>> from datetime import datetime, timezone
>>> scan = sqlglot.parse_one(
...     "SELECT *, current_timestamp() AS t FROM read_parquet(['a.parquet'])", read="duckdb"
... )
>>> now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
>>> print(as_file_scan(scan, now).sql("duckdb"))
SELECT *, CAST('2026-01-02 03:04:05+00:00' AS TIMESTAMPTZ) AS t FROM READ_PARQUET(['a.parquet'])
>>> print(as_file_scan(sqlglot.parse_one("SELECT random() FROM read_parquet('a')"), now))
None
"""

from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from retail_lakehouse.backends.duckdb.rules import bind_current_time
from retail_lakehouse.backends.duckdb.sources import READERS

_READERS = frozenset(READERS.values())  # the readers ``read_files`` becomes
_ROW_BY_ROW: tuple[type[exp.Expr], ...] = (exp.Cast, exp.CurrentTimestamp)
_NOT_ROW_BY_ROW: tuple[type[exp.Expr], ...] = (
    exp.Join,
    exp.Group,
    exp.Window,
    exp.Order,
    exp.Limit,
    exp.Distinct,
    exp.AggFunc,
    exp.Subquery,
    exp.SetOperation,
    exp.With,
    exp.Lateral,
)


def as_file_scan(query: exp.Expr, now: datetime) -> exp.Expr | None:
    """The query with its current time bound to ``now``, when it is a file scan."""
    if not isinstance(query, exp.Select) or not _reads_one_file_reader(query):
        return None
    for node in query.walk(prune=_is_reader):  # the reader's arguments are its own
        if isinstance(node, _NOT_ROW_BY_ROW) or (
            isinstance(node, exp.Func) and not _row_by_row(node)
        ):
            return None
    return bind_current_time(query.copy(), now)


def _reads_one_file_reader(query: exp.Select) -> bool:
    source = query.args.get("from_")
    table = source.this if isinstance(source, exp.From) else None
    return isinstance(table, exp.Table) and _is_reader(table.this)


def _is_reader(node: exp.Expr | None) -> bool:
    if isinstance(node, exp.ReadParquet):
        return True
    return isinstance(node, exp.Anonymous) and node.name.lower() in _READERS


def _row_by_row(node: exp.Func) -> bool:
    if isinstance(node, _ROW_BY_ROW) or _is_reader(node):
        return True
    return isinstance(node, exp.Anonymous) and node.name.lower() == "parse_filename"
