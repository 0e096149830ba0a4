"""A relation's rows as a Delta table's next data files, written by DuckDB itself, and a
stored table's files read back.

DuckDB's Parquet writer takes the rows straight from its own storage (no Arrow on the
way, faster than delta-rs' writer from Arrow: ``benchmarks/README.md``); the commit adds
the files to the table's log. The columns are cast to what Delta stores: a HUGEINT (the
sum of BIGINTs) as DECIMAL(38, 0), an ENUM as its text. Each write has one file (DuckDB
fills its row groups on every thread) named ``part-<uuid>``, or one per partition; a
clustered table's rows are sorted on its clustering columns, so its file is clustered
(the session preserves insertion order: the COPY writes them in that order).

>>> print(delta_select("t", [("id", "BIGINT"), ("n", "HUGEINT"), ("f", "ENUM('a', 'b')")]))
SELECT "id", CAST("n" AS DECIMAL(38, 0)) AS "n", CAST("f" AS VARCHAR) AS "f" FROM "t"
>>> print(delta_select("t", [("day", "DATE"), ("id", "BIGINT")], ["day"]))
SELECT "day", "id" FROM "t" ORDER BY "day" NULLS FIRST
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from retail_lakehouse.backends.duckdb.quoting import literal, quote

_AS_DELTA = {"HUGEINT": "DECIMAL(38, 0)", "UHUGEINT": "DECIMAL(38, 0)"}


def delta_select(
    relation: str, columns: Sequence[tuple[str, str]], cluster_by: Sequence[str] = ()
) -> str:
    """The relation's columns, each in a type Delta stores; its rows sorted on the
    ``cluster_by`` columns, nulls first as Spark sorts them."""
    items = []
    for name, kind in columns:
        target = "VARCHAR" if kind.startswith("ENUM(") else _AS_DELTA.get(kind)
        column = quote(name)
        items.append(f"CAST({column} AS {target}) AS {column}" if target else column)
    select = f"SELECT {', '.join(items)} FROM {quote(relation)}"
    if not cluster_by:
        return select
    return f"{select} ORDER BY {', '.join(f'{quote(c)} NULLS FIRST' for c in cluster_by)}"


def stored_select(files: Sequence[Path], columns: Sequence[tuple[str, str]]) -> str:
    """A stored table's rows from its Parquet files (:func:`files_view`); none, in its
    columns' types, when it has no file.

    >>> print(stored_select([], [("id", "BIGINT")]))
    SELECT CAST(NULL AS BIGINT) AS "id" WHERE false
    """
    if files:
        return files_view(files, columns)
    items = ", ".join(f"CAST(NULL AS {kind}) AS {quote(name)}" for name, kind in columns)
    return f"SELECT {items} WHERE false"


def files_view(files: Sequence[Path], columns: Sequence[tuple[str, str]]) -> str:
    """The rows of a table's Parquet files, each column cast to its type in the table's
    schema (files written by different writers may store a column differently)."""
    paths = ", ".join(literal(str(f)) for f in files)
    items = ", ".join(f"CAST({quote(name)} AS {kind}) AS {quote(name)}" for name, kind in columns)
    return f"SELECT {items} FROM read_parquet([{paths}], union_by_name = true)"


def copy_statement(select: str, folder: Path, partition_by: Sequence[str]) -> str:
    """COPY of ``select`` into ``folder``: one snappy Parquet file, or one per partition."""
    if partition_by:
        columns = ", ".join(quote(c) for c in partition_by)
        target = folder
        options = f"PARTITION_BY ({columns}), FILENAME_PATTERN 'part-{{uuid}}', "
    else:
        target = folder / f"part-{_unique()}.parquet"
        options = ""
    return (
        f"COPY ({select}) TO {literal(str(target))} ({options}FORMAT parquet, COMPRESSION snappy)"
    )


def _unique() -> str:
    return uuid.uuid4().hex
