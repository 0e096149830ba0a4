"""The embedded engine: DuckDB, in process, with queries transpiled by sqlglot.

Relations are DuckDB temporary tables and views. ``read_files`` becomes DuckDB's file
readers over an explicit list of files (with the file name, for ``_metadata.file_path``),
``STREAM(x)`` the relation of x's new rows, and the rest is sqlglot's Spark-to-DuckDB
translation. Sessions run in UTC so dates and timestamps mean what they mean on Spark.
Two kinds of rewrite make queries cheaper without changing their results:
``duckdb_rules`` on the SQL, and ``duckdb_row_numbers``, which numbers a query's rows on
their window keys alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from retail_lakehouse.backends import EngineName
from retail_lakehouse.backends.duckdb.row_numbers import number_rows, split_row_numbers
from retail_lakehouse.backends.duckdb.rules import cheaper_on_duckdb
from retail_lakehouse.backends.duckdb.sources import rewrite_sources
from retail_lakehouse.generate.runner import load_lazy_imports
from retail_lakehouse.pipeline.engine import (
    CheckedRelation,
    EngineError,
    ExpectationCounts,
    Sources,
    TableWrite,
)
from retail_lakehouse.pipeline.model import Dataset, Expectation
from retail_lakehouse.sql.rewrites import failed_flag_sql
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import StagedFiles, stage_arrow

TARGET_DIALECT = "duckdb"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def to_duckdb(tree: exp.Expr, copy: bool = True) -> str:
    """DuckDB's SQL for ``tree``; ``copy=False`` lets sqlglot's generator rewrite a tree
    nobody else holds instead of copying it first, on the path every dataset waits on."""
    return tree.sql(dialect=TARGET_DIALECT, copy=copy)


class DuckDBEngine:
    """Relations are Arrow tables registered in DuckDB (materializing to Arrow is faster
    here than DuckDB temporary tables), or DuckDB views over them."""

    name = EngineName.DUCKDB
    storage = "Delta (delta-rs)"

    def __init__(self, threads: int | None = None) -> None:
        self.connection = duckdb.connect(":memory:")
        self.connection.execute("SET TimeZone = 'UTC'")
        # check() pairs each row with its expectation flags by position: keep scan order
        self.connection.execute("SET preserve_insertion_order = true")
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        self.tables: dict[str, pa.Table] = {}
        self._session: Any = None  # SQLFrame's, made when a Python dataset first runs
        self._load_lazy_imports()

    @staticmethod
    def _load_lazy_imports() -> None:
        """What the first dataset would load otherwise, inside the update's time: sqlglot's
        DuckDB dialect and pyarrow's lazy imports (pandas when installed, unless a
        generation ran before). Starting an engine includes them."""
        to_duckdb(exp.select("1"))
        load_lazy_imports()

    def _sql(self, statement: str) -> duckdb.DuckDBPyConnection:
        try:
            return self.connection.execute(statement)
        except duckdb.Error as exc:
            raise EngineError(str(exc).splitlines()[0]) from None

    def _arrow(self, query: str) -> pa.Table:
        try:
            table: pa.Table = self.connection.sql(query).to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(str(exc).splitlines()[0]) from None
        return table

    def _keep(self, relation: str, table: pa.Table) -> None:
        self.tables[relation] = table
        self.connection.register(relation, table)

    def run_query(self, relation: str, tree: exp.Expr, sources: Sources) -> int:
        executable = cheaper_on_duckdb(rewrite_sources(tree, sources))
        self._keep(relation, self._result(executable))
        return self.rows(relation)

    def run_python(
        self, relation: str, dataset: Dataset, sources: Sources, configuration: Mapping[str, str]
    ) -> int:
        """The function's DataFrame, built with SQLFrame on this connection, run as SQL."""
        from retail_lakehouse.backends.duckdb.python import new_session, python_query

        if self._session is None:
            self._session = new_session(self.connection)
        tree = python_query(self._session, dataset, sources, configuration)
        self._keep(relation, self._result(cheaper_on_duckdb(tree)))
        return self.rows(relation)

    def _result(self, query: exp.Expr) -> pa.Table:
        """The query's rows, its row numbers computed on their keys alone when it has any
        (``duckdb_row_numbers``)."""
        split = split_row_numbers(query)
        if split is not None:
            rows = self._arrow(to_duckdb(split.query, copy=False))
            numbered = number_rows(rows, split, self._run_with)
            if numbered is not None:
                return numbered
        return self._arrow(to_duckdb(query, copy=False))

    def _run_with(self, name: str, table: pa.Table, query: exp.Expr) -> pa.Table:
        """``query`` with ``table`` registered as ``name`` while it runs."""
        self.connection.register(name, table)
        try:
            return self._arrow(to_duckdb(query, copy=False))
        finally:
            self.connection.unregister(name)

    def empty_like(self, relation: str, like: str) -> None:
        self._keep(relation, self._arrow(f"SELECT * FROM {quote(like)} LIMIT 0"))

    def attach(self, relation: str, store: DeltaStore, table: str) -> None:
        self.connection.register(relation, store.dataset(table))

    def union(self, relation: str, parts: Sequence[str]) -> None:
        body = " UNION ALL BY NAME ".join(f"SELECT * FROM {quote(p)}" for p in parts)
        self._keep(relation, self._arrow(body))  # read stored tables once, not per reader

    def alias(self, name: str, relation: str) -> None:
        if relation in self.tables:
            self._keep(name, self.tables[relation])
        else:
            self.tables.pop(name, None)
            self._sql(
                f"CREATE OR REPLACE TEMP VIEW {quote(name)} AS SELECT * FROM {quote(relation)}"
            )

    def rows(self, relation: str) -> int:
        if relation in self.tables:
            return int(self.tables[relation].num_rows)
        rows = self._sql(f"SELECT count(*) FROM {quote(relation)}").fetchall()
        return int(rows[0][0]) if rows else 0

    def described(self, relation: str) -> tuple[tuple[str, str], ...]:
        from retail_lakehouse.backends.duckdb.python import spark_type

        rows = self._sql(f"DESCRIBE SELECT * FROM {quote(relation)}").fetchall()
        return tuple((str(row[0]), spark_type(str(row[1]))) for row in rows)

    def export(self, relation: str) -> pa.Table:
        if relation in self.tables:  # checked relations always are: no query off-thread
            return self.tables[relation]
        return self._arrow(f"SELECT * FROM {quote(relation)}")

    def stage(self, write: TableWrite, store: DeltaStore) -> StagedFiles:
        data = self.export(write.relation)
        path = store.table_path(write.name)
        return stage_arrow(path, data, write.mode, write.schema_mode, write.partition_by)

    def check(
        self, relation: str, expectations: Sequence[Expectation], update_id: str
    ) -> CheckedRelation:
        result = self.tables[relation]
        kept, quarantine = f"{relation}__kept", f"{relation}__quarantine"
        if not expectations:
            self._keep(kept, result)
            self._keep(quarantine, result.slice(0, 0))
            return CheckedRelation(kept, quarantine, result.num_rows, 0, ())
        flags = self._flags(relation, expectations)
        counts = tuple(
            ExpectationCounts(e.name, failed, result.num_rows - failed)
            for e, failed in zip(expectations, _true_counts(flags), strict=True)
        )
        dropping = [i for i, e in enumerate(expectations) if e.action == "drop"]
        dropped = _any_true([flags.column(i) for i in dropping], result.num_rows)
        self._keep(kept, result.filter(pc.invert(dropped)))
        bad = result.filter(dropped)
        names = _failed_names(
            flags.filter(dropped), [expectations[i].name for i in dropping], dropping
        )
        bad = bad.append_column("_failed_expectations", names)
        bad = bad.append_column("_update_id", pa.array([update_id] * bad.num_rows, pa.string()))
        self._keep(quarantine, bad)
        self._drop(relation)  # split into kept and quarantine: free the unsplit copy
        return CheckedRelation(kept, quarantine, self.rows(kept), bad.num_rows, counts)

    def _drop(self, relation: str) -> None:
        self.tables.pop(relation, None)
        self.connection.unregister(relation)

    def _flags(self, relation: str, expectations: Sequence[Expectation]) -> pa.Table:
        """One boolean column per expectation (true: the row fails it), aligned with rows."""
        columns = ", ".join(
            f"{failed_flag_sql(e.condition, TARGET_DIALECT)} AS __failed_{i}"
            for i, e in enumerate(expectations)
        )
        return self._arrow(f"SELECT {columns} FROM {quote(relation)}")

    def close(self) -> None:
        self.connection.close()
        self.tables.clear()


def _true_counts(flags: pa.Table) -> list[int]:
    return [int(pc.sum(column).as_py() or 0) for column in flags.columns]


def _any_true(columns: list[pa.ChunkedArray], rows: int) -> pa.ChunkedArray:
    if not columns:
        return pa.chunked_array([pa.array(np.zeros(rows, dtype=bool))])
    combined = columns[0]
    for column in columns[1:]:
        combined = pc.or_(combined, column)
    return combined


def _failed_names(flags: pa.Table, names: list[str], positions: list[int]) -> pa.Array:
    """For each (dropped) row, the names of the DROP ROW expectations it failed."""
    failed = np.zeros((flags.num_rows, len(positions)), dtype=bool)
    for j, i in enumerate(positions):
        failed[:, j] = flags.column(i).to_numpy()
    _, which = np.nonzero(failed)  # row by row, expectations in definition order
    offsets = np.zeros(flags.num_rows + 1, dtype=np.int32)
    np.cumsum(failed.sum(axis=1), out=offsets[1:])
    values = pa.array(names, pa.string()).take(pa.array(which))
    return pa.ListArray.from_arrays(pa.array(offsets), values)
