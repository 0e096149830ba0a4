"""Expectations on DuckDB, in SQL: every condition evaluated once, in one scan that stores
the rows failing any; counts, kept rows and quarantine read that small table.

A row fails an expectation when its condition is not true (``failed_flag_sql``: false
or NULL). One scan of the checked table stores each row failing at least one
expectation (usually a few in a thousand): its row id, one flag per expectation and its
columns. The counts are one aggregate of those flags; the kept rows are a view of the
table without the row ids of rows failing a DROP ROW expectation; the dropped rows come
from the failing rows alone, in the table's order, with the names of the DROP ROW
expectations they failed (in definition order) and the update's id. A condition costs
one evaluation per row however many readers the kept rows have (a regular expression
over millions of e-mails, say), and the table is scanned once for them all.

The checked table may hide columns (a numbered result is a view of its table without the
numbering's keys): ``Checked`` names the table and the columns its readers do not see.

>>> from retail_lakehouse.pipeline.model import Expectation
>>> rules = (Expectation("has_id", "id > 0", "drop"), Expectation("big", "v > 9"))
>>> print(kept_query(Checked("t"), "f", rules))  # doctest: +NORMALIZE_WHITESPACE
SELECT * FROM "t" WHERE rowid NOT IN
  (SELECT "__checked_row" FROM "f" WHERE "__failed_expectation_0")
>>> print(quarantine_query("f", rules, "u1"))  # doctest: +NORMALIZE_WHITESPACE
SELECT * EXCLUDE ("__checked_row", "__failed_expectation_0", "__failed_expectation_1"),
  list_filter([CASE WHEN "__failed_expectation_0" THEN 'has_id' END]::VARCHAR[],
  lambda name: name IS NOT NULL) AS _failed_expectations, 'u1' AS _update_id FROM "f"
  WHERE "__failed_expectation_0" ORDER BY "__checked_row"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retail_lakehouse.backends.duckdb.quoting import literal, quote
from retail_lakehouse.pipeline.model import Expectation
from retail_lakehouse.sql.rewrites import failed_flag_sql

DIALECT = "duckdb"
FAILED_NAMES = "_failed_expectations"
UPDATE_ID = "_update_id"
ROW = '"__checked_row"'  # names no query of a pipeline is likely to give its columns


@dataclass(frozen=True)
class Checked:
    """The table whose rows are checked, and the columns its readers do not see."""

    table: str
    hidden: tuple[str, ...] = ()

    def columns(self) -> str:
        if not self.hidden:
            return "*"
        return f"* EXCLUDE ({', '.join(quote(c) for c in self.hidden)})"


@dataclass(frozen=True)
class Counts:
    """What :func:`counts_query`'s one row says."""

    failed: tuple[int, ...]  # per expectation, in order
    dropped: int  # rows failing at least one DROP ROW expectation

    @staticmethod
    def of(row: Sequence[object]) -> Counts:
        values = [int(v) if isinstance(v, int) else 0 for v in row]
        return Counts(tuple(values[:-1]), values[-1])


def flags_query(checked: Checked, expectations: Sequence[Expectation]) -> str:
    """Row id, a flag per expectation and the columns of every row failing at least one."""
    flags = [f"{_failed(e)} AS {_flag(i)}" for i, e in enumerate(expectations)]
    failing = " OR ".join(_failed(e) for e in expectations)
    return (
        f"SELECT rowid AS {ROW}, {', '.join(flags)}, {checked.columns()} "
        f"FROM {quote(checked.table)} WHERE {failing}"
    )


def counts_query(flags: str, expectations: Sequence[Expectation]) -> str:
    """Rows failing each expectation, rows failing a DROP ROW one: one row."""
    failed = [f"count_if({_flag(i)})" for i in range(len(expectations))]
    return f"SELECT {', '.join(failed)}, count_if({_dropped(expectations)}) FROM {quote(flags)}"


def kept_query(checked: Checked, flags: str, expectations: Sequence[Expectation]) -> str:
    dropped = f"SELECT {ROW} FROM {quote(flags)} WHERE {_dropped(expectations)}"
    return f"SELECT {checked.columns()} FROM {quote(checked.table)} WHERE rowid NOT IN ({dropped})"


def quarantine_query(flags: str, expectations: Sequence[Expectation], update_id: str) -> str:
    """The dropped rows, in the table's order, each with the names of the DROP ROW
    expectations it failed: all in the failing rows' table, no scan of the checked one."""
    names = ", ".join(
        f"CASE WHEN {_flag(i)} THEN {literal(e.name)} END"
        for i, e in enumerate(expectations)
        if e.action == "drop"
    )
    failed_names = f"list_filter([{names}]::VARCHAR[], lambda name: name IS NOT NULL)"
    bookkeeping = ", ".join([ROW, *(_flag(i) for i in range(len(expectations)))])
    return (
        f"SELECT * EXCLUDE ({bookkeeping}), {failed_names} AS {FAILED_NAMES}, "
        f"{literal(update_id)} AS {UPDATE_ID} FROM {quote(flags)} "
        f"WHERE {_dropped(expectations)} ORDER BY {ROW}"
    )


def _flag(index: int) -> str:
    return f'"__failed_expectation_{index}"'


def _dropped(expectations: Sequence[Expectation]) -> str:
    failing = [_flag(i) for i, e in enumerate(expectations) if e.action == "drop"]
    return " OR ".join(failing) if failing else "false"


def _failed(expectation: Expectation) -> str:
    return failed_flag_sql(expectation.condition, DIALECT)
