"""Rewrites that make transpiled queries cheaper on DuckDB without changing their results.

Each rule rewrites a sqlglot tree in place (the engine's own copy, made when its
sources are resolved) and returns it; :func:`cheaper_on_duckdb` applies them all, and
none changes what a query returns, nor its types: a day count stays the INT Spark gives
(:func:`~retail_lakehouse.sql.rewrites.days_as_int`) where DuckDB's would be a BIGINT.
They may rely on the session settings
:class:`~retail_lakehouse.backends.duckdb.engine.DuckDBEngine` fixes: TimeZone = UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from retail_lakehouse.sql.rewrites import days_as_int

_DATE = exp.DataType.Type.DATE
_TIMESTAMPTZ = exp.DataType.Type.TIMESTAMPTZ


def cheaper_on_duckdb(tree: exp.Expr) -> exp.Expr:
    return utc_dates(days_as_int(tree))


def utc_dates(tree: exp.Expr) -> exp.Expr:
    """``CAST(CAST(x AS TIMESTAMP) AS DATE)``, the date of an instant (Spark's TIMESTAMP is
    DuckDB's TIMESTAMPTZ), taken from its epoch microseconds instead of through ICU's
    time-zone rules: in a UTC session both give the same date, and the epoch arithmetic
    costs a small part of ICU's time (measured in ``benchmarks/README.md``)."""

    def rewrite(node: exp.Expr) -> exp.Expr:
        if _is_instant_to_date(node):
            assert isinstance(node, exp.Cast)
            micros = exp.Anonymous(this="epoch_us", expressions=[node.this])
            wall_clock = exp.Anonymous(this="make_timestamp", expressions=[micros])
            return exp.Cast(this=wall_clock, to=exp.DataType.build(_DATE))
        return node

    return tree.transform(rewrite, copy=False)


def _is_instant_to_date(node: exp.Expr) -> bool:
    return (
        isinstance(node, exp.Cast)
        and node.to.is_type(_DATE)
        and isinstance(node.this, exp.Cast)
        and node.this.to.is_type(_TIMESTAMPTZ)
    )


def bind_current_time(query: exp.Expr, now: datetime) -> exp.Expr:
    """The query with the current time and date bound to ``now`` (a UTC instant), so that
    every statement that computes part of its result, or reads it again, sees the instant
    the query started (Spark evaluates the current time once per query)."""
    instant = exp.cast(exp.Literal.string(now.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMPTZ)
    today = exp.cast(exp.Literal.string(now.date().isoformat()), exp.DataType.Type.DATE)

    def bind(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.CurrentTimestamp):
            return instant.copy()
        if isinstance(node, exp.CurrentDate):
            return today.copy()
        return node

    return query.transform(bind, copy=False)
