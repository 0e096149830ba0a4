"""Rewrites of a query for an engine, on the engine's own copy of the tree.

Expectations become flags that are true where a row fails them; ``STREAM(x)`` becomes the
relation of x's new rows; ``_metadata.<field>`` becomes the engine's expression for it;
``datediff(end, start)`` keeps the type Spark gives it. What ``read_files`` becomes is
each engine's own business.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from retail_lakehouse.sql.queries import SOURCE_DIALECT


def failed_flag_sql(condition: str, dialect: str) -> str:
    """SQL in ``dialect`` that is true where a row fails an expectation's ``condition``
    (a NULL result fails, as on Databricks)."""
    tree: exp.Expr = exp.maybe_parse(condition, dialect=SOURCE_DIALECT)
    return f"NOT coalesce(({tree.sql(dialect=dialect)}), false)"


def replace_streams(tree: exp.Expr, streams: Mapping[str, str]) -> None:
    """``STREAM(x) [AS a]`` / ``STREAM x`` -> a plain reference to the relation of x's new
    rows (``streams`` maps dataset names to relations; other names are kept)."""
    for stream in list(tree.find_all(exp.Stream)):
        inner = stream.find(exp.Table)
        if inner is None:
            continue
        wrapper = stream.this  # STREAM(x) AS a parses as a subquery holding the alias
        alias = inner.args.get("alias") or (wrapper.args.get("alias") if wrapper else None)
        if isinstance(inner.this, exp.Identifier):
            relation = streams.get(inner.name, inner.name)
            inner = exp.table_(exp.to_identifier(relation, quoted=True))
        inner.set("alias", alias)
        stream.replace(inner)


def replace_metadata_columns(tree: exp.Expr, columns: Mapping[str, exp.Expr]) -> None:
    """``_metadata.<field>`` -> the engine's expression for that field (e.g. the file path)."""
    for column in list(tree.find_all(exp.Column)):
        if column.table == "_metadata" and column.name in columns:
            column.replace(columns[column.name].copy())


def days_as_int(tree: exp.Expr) -> exp.Expr:
    """Every day count (``datediff(end, start)``) cast to INT, the type Spark gives it.

    sqlglot reads it as ``datediff(DAY, start, end)``, which it writes back for Spark and
    as ``date_diff('DAY', ...)`` for DuckDB, both BIGINT; after parsing, the two forms are
    one tree, so the three-argument form (BIGINT on Spark) becomes an INT too: the same
    values, as no day count between dates overflows an INT."""
    for node in list(tree.find_all(exp.DateDiff)):
        if node.text("unit").upper() == "DAY" and not _is_int_cast(node.parent):
            node.replace(exp.cast(node.copy(), exp.DataType.Type.INT))
    return tree


def _is_int_cast(node: exp.Expr | None) -> bool:
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.INT)
