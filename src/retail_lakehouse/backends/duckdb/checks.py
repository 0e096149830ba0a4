"""Expectations on DuckDB, in SQL: one aggregate row of counts, the kept rows a view, the
dropped rows a table.

A row fails an expectation when its condition is not true (``failed_flag_sql``: false
or NULL). One scan counts every expectation's failures and the rows that fail a DROP ROW
one; the kept rows are a view that filters those out, so the result is never copied; the
dropped rows, few, are stored with the names of the DROP ROW expectations they failed (in
definition order) and the update's id.

>>> from retail_lakehouse.pipeline.model import Expectation
>>> rules = (Expectation("has_id", "id > 0", "drop"), Expectation("big", "v > 9"))
>>> print(kept_query("t", rules))
SELECT * FROM "t" WHERE NOT (NOT coalesce((id > 0), false))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retail_lakehouse.pipeline.model import Expectation
from retail_lakehouse.sql.rewrites import failed_flag_sql

DIALECT = "duckdb"
FAILED_NAMES = "_failed_expectations"
UPDATE_ID = "_update_id"


@dataclass(frozen=True)
class Counts:
    """What :func:`counts_query`'s one row says."""

    total: int
    failed: tuple[int, ...]  # per expectation, in order
    dropped: int  # rows failing at least one DROP ROW expectation

    @staticmethod
    def of(row: Sequence[object]) -> Counts:
        values = [int(v) if isinstance(v, int) else 0 for v in row]
        return Counts(values[0], tuple(values[1:-1]), values[-1])


def counts_query(relation: str, expectations: Sequence[Expectation]) -> str:
    """Rows, rows failing each expectation, rows failing a DROP ROW one: one row."""
    failed = [f"count_if({_failed(e)})" for e in expectations]
    return f"SELECT count(*), {', '.join(failed)}, count_if({_dropped(expectations)}) " + (
        f"FROM {quote(relation)}"
    )


def kept_query(relation: str, expectations: Sequence[Expectation]) -> str:
    return f"SELECT * FROM {quote(relation)} WHERE NOT ({_dropped(expectations)})"


def quarantine_query(relation: str, expectations: Sequence[Expectation], update_id: str) -> str:
    """The dropped rows, each with the names of the DROP ROW expectations it failed."""
    names = ", ".join(
        f"CASE WHEN {_failed(e)} THEN {_literal(e.name)} END" for e in _dropping(expectations)
    )
    failed_names = f"list_filter([{names}]::VARCHAR[], lambda name: name IS NOT NULL)"
    return (
        f"SELECT *, {failed_names} AS {FAILED_NAMES}, {_literal(update_id)} AS {UPDATE_ID} "
        f"FROM {quote(relation)} WHERE {_dropped(expectations)}"
    )


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dropping(expectations: Sequence[Expectation]) -> list[Expectation]:
    return [e for e in expectations if e.action == "drop"]


def _dropped(expectations: Sequence[Expectation]) -> str:
    failing = [_failed(e) for e in _dropping(expectations)]
    return " OR ".join(failing) if failing else "false"


def _failed(expectation: Expectation) -> str:
    return failed_flag_sql(expectation.condition, DIALECT)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
