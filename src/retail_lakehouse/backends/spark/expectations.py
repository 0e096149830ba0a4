"""Which expectation conditions may give another answer each time Spark evaluates them.

The engine splits a result into kept and quarantined rows by filters that every reader
evaluates again; that is one split only while the conditions depend on the row alone.
Random values, fresh ids and the current time (fixed within one Spark query, not across
queries) do not.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from retail_lakehouse.sql.queries import SOURCE_DIALECT

VOLATILE_EXPRESSIONS: tuple[type[exp.Expr], ...] = (
    exp.Rand,
    exp.Randn,
    exp.Randstr,
    exp.Uniform,
    exp.Uuid,
    exp.Shuffle,
    exp.CurrentDate,
    exp.CurrentTime,
    exp.CurrentTimestamp,
    exp.Localtimestamp,
)
VOLATILE_NAMES = frozenset(
    {
        "input_file_block_length",
        "input_file_block_start",
        "input_file_name",
        "localtimestamp",  # without parentheses sqlglot reads a column of that name
        "monotonically_increasing_id",
        "spark_partition_id",
    }
)
"""Spark functions sqlglot parses as anonymous calls (or as a column)."""


def volatile_conditions(conditions: Iterable[str]) -> bool:
    """Whether any condition calls a function whose value changes between evaluations."""
    return any(_volatile(exp.maybe_parse(c, dialect=SOURCE_DIALECT)) for c in conditions)


def _volatile(tree: exp.Expr) -> bool:
    for node in tree.walk():
        if isinstance(node, VOLATILE_EXPRESSIONS):
            return True
        named = isinstance(node, exp.Anonymous) or (isinstance(node, exp.Column) and not node.table)
        if named and node.name.lower() in VOLATILE_NAMES:
            return True
    return False
