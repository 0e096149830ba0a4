"""Expectations on DuckDB, in SQL: every condition evaluated once, into a small table of
the rows that fail any; counts, kept rows and quarantine read that table.

A row fails an expectation when its condition is not true (``failed_flag_sql``: false
or NULL). One scan of the checked table stores, for each row failing at least one
expectation, its row id and one flag per expectation: usually a few rows in a thousand.
The counts are one aggregate of those flags; the kept rows are a view of the table
without the row ids of rows failing a DROP ROW expectation; the dropped rows are stored,
in the table's order, with the names of the DROP ROW expectations they failed (in
definition order) and the update's id. A condition costs one evaluation per row however
many readers the kept rows have (a regular expression over millions of e-mails, say).

The checked table may hide columns (a numbered result is a view of its table without the
numbering's keys): ``Checked`` names the table and the columns its readers do not see.

>>> from retail_lakehouse.backends.duckdb.quoting import literal, quote
from retail_lakehouse.pipeline.model import Expectation
>>> rules = (Expectation("has_id", "id > 0", "drop"), Expectation("big", "v > 9"))
>>> print(kept_query(Checked("t"), "f", rules))
SELECT * FROM "t" WHERE rowid NOT IN (SELECT "__row" FROM "f" WHERE "__f0")
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
ROW = '"__row"'


@dataclass(frozen=True)
class Checked:
    """The table whose rows are checked, and the columns its readers do not see."""

    table: str
    hidden: tuple[str, ...] = ()

    def columns(self, alias: str = "") -> str:
        star = f"{alias}.*" if alias else "*"
        if not self.hidden:
            return star
        return f"{star} EXCLUDE ({', '.join(quote(c) for c in self.hidden)})"


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
    """Row id and a flag per expectation of every row failing at least one."""
    flags = [f"{_failed(e)} AS {_flag(i)}" for i, e in enumerate(expectations)]
    failing = " OR ".join(_failed(e) for e in expectations)
    return f"SELECT rowid AS {ROW}, {', '.join(flags)} FROM {quote(checked.table)} WHERE {failing}"


def counts_query(flags: str, expectations: Sequence[Expectation]) -> str:
    """Rows failing each expectation, rows failing a DROP ROW one: one row."""
    failed = [f"count_if({_flag(i)})" for i in range(len(expectations))]
    return f"SELECT {', '.join(failed)}, count_if({_dropped(expectations)}) FROM {quote(flags)}"


def kept_query(checked: Checked, flags: str, expectations: Sequence[Expectation]) -> str:
    dropped = f"SELECT {ROW} FROM {quote(flags)} WHERE {_dropped(expectations)}"
    return f"SELECT {checked.columns()} FROM {quote(checked.table)} WHERE rowid NOT IN ({dropped})"


def quarantine_query(
    checked: Checked, flags: str, expectations: Sequence[Expectation], update_id: str
) -> str:
    """The dropped rows, in the table's order, each with the names of the DROP ROW
    expectations it failed."""
    names = ", ".join(
        f"CASE WHEN f.{_flag(i)} THEN {literal(e.name)} END"
        for i, e in enumerate(expectations)
        if e.action == "drop"
    )
    failed_names = f"list_filter([{names}]::VARCHAR[], lambda name: name IS NOT NULL)"
    dropped = _dropped(expectations, "f.")
    return (
        f"SELECT {checked.columns('t')}, {failed_names} AS {FAILED_NAMES}, "
        f"{literal(update_id)} AS {UPDATE_ID} FROM {quote(checked.table)} AS t "
        f"JOIN {quote(flags)} AS f ON t.rowid = f.{ROW} WHERE {dropped} ORDER BY t.rowid"
    )


def _flag(index: int) -> str:
    return f'"__f{index}"'


def _dropped(expectations: Sequence[Expectation], prefix: str = "") -> str:
    failing = [f"{prefix}{_flag(i)}" for i, e in enumerate(expectations) if e.action == "drop"]
    return " OR ".join(failing) if failing else "false"


def _failed(expectation: Expectation) -> str:
    return failed_flag_sql(expectation.condition, DIALECT)
