"""The embedded engine: DuckDB, in process, with queries transpiled by sqlglot.

Every relation of an update (new rows, query results, kept and dropped rows) is a table
or a view of in-memory DuckDB databases that spill to a folder of the lakehouse's
scratch space under a memory limit: the data stays in the engine, and only record
batches on their way into a table's files pass through Python. A table filled from a
large relation is stored in a second in-memory database, attached with ``COMPRESS``:
DuckDB compresses its tables at a checkpoint, and it checkpoints after every commit that
changed a database, so each statement's rows (a key range's, for a table filled range by
range) are compressed as they are stored, before they spill, rather than all at once at
the first large change.
A result that only reads files, row by row (a bronze table), stays a view over its files
(``file_scans``): each read scans them again, cheaper than storing and spilling the
rows; so does a stored table (``attach``) and a streaming table's stored rows with its
new ones. ``read_files`` becomes DuckDB's file readers over an explicit list of files
(with the file name, for ``_metadata.file_path``), ``STREAM(x)`` the relation of x's new
rows, and the rest is sqlglot's Spark-to-DuckDB translation. Sessions run in UTC so
dates and timestamps mean what they mean on Spark. Three kinds of rewrite make queries
cheaper without changing their results: ``rules`` on the SQL; ``row_numbers``, which
numbers only the rows whose keys repeat; and ``key_ranges``, which stores a join of a
large relation range by range of its key, so its hash tables fit in memory.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Mapping, Sequence
from datetime import UTC as UTC_ZONE
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
from sqlglot import exp

from retail_lakehouse.backends import EngineName
from retail_lakehouse.backends.duckdb.checks import (
    Checked,
    Counts,
    counts_query,
    flags_query,
    kept_query,
    quarantine_query,
)
from retail_lakehouse.backends.duckdb.file_scans import as_file_scan
from retail_lakehouse.backends.duckdb.files import copy_statement, delta_select, stored_select
from retail_lakehouse.backends.duckdb.key_ranges import (
    KeyedQuery,
    bucket_width,
    cut,
    integer_types,
    keyed_query,
    large,
    largest_read,
    pieces,
)
from retail_lakehouse.backends.duckdb.quoting import literal, quote
from retail_lakehouse.backends.duckdb.row_numbers import numbering_statements, split_row_numbers
from retail_lakehouse.backends.duckdb.rules import bind_current_time, cheaper_on_duckdb
from retail_lakehouse.backends.duckdb.sources import rewrite_sources
from retail_lakehouse.generate.runner import load_lazy_imports
from retail_lakehouse.pipeline.engine import (
    CheckedRelation,
    EngineError,
    ExpectationCounts,
    Sources,
    TableWrite,
    derived_from,
)
from retail_lakehouse.pipeline.model import Dataset, Expectation
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import (
    StagedFiles,
    check_cluster_columns,
    discard_files,
    new_files_folder,
)

TARGET_DIALECT = "duckdb"
RelationKind = Literal["table", "view"]
UTC = "SET TimeZone = 'UTC'"
COMPRESSED = "compressed"  # an in-memory database whose tables DuckDB stores compressed
SEARCH_PATH = f"SET search_path = 'memory.main,{COMPRESSED}.main'"
# a checkpoint after every commit that changed a database, whatever its size: a checkpoint
# does not wait for the staging threads' reads, and compresses only the new rows
CHECKPOINT_EVERY_COMMIT = "SET checkpoint_threshold = '0B'"


def to_duckdb(tree: exp.Expr, copy: bool = True) -> str:
    """DuckDB's SQL for ``tree``; ``copy=False`` lets sqlglot's generator rewrite a tree
    nobody else holds instead of copying it first, on the path every dataset waits on."""
    return tree.sql(dialect=TARGET_DIALECT, copy=copy)


def engine_error(exc: duckdb.Error) -> EngineError:
    """DuckDB's error as one line; running out of memory says which setting gives more,
    since it is the machine's limit, not the definition, that stopped the dataset."""
    first = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, duckdb.OutOfMemoryException):
        return EngineError(
            f"out of memory within the engine's memory limit: give it more with "
            f"--memory-limit (DuckDB: {first})"
        )
    return EngineError(first)


class DuckDBEngine:
    """Relations are DuckDB tables and views; ``spill`` is the folder DuckDB spills to
    when an update outgrows ``memory_limit`` (bytes; DuckDB's default when None). Without
    a spill folder nothing spills: a larger update fails with DuckDB's out-of-memory error."""

    name = EngineName.DUCKDB
    storage = "Delta (delta-rs)"

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: int | None = None,
        spill: Path | None = None,
    ) -> None:
        self.connection = duckdb.connect(":memory:")
        self.spill = spill
        self._configure(threads, memory_limit, spill)
        self.resources = self._describe_resources()
        self.kinds: dict[str, RelationKind] = {}  # every relation this engine made
        self.counts: dict[str, int] = {}
        self.checked: dict[str, Checked] = {}  # a view's table, where expectations look
        self._session: Any = None  # SQLFrame's, made when a Python dataset first runs
        self._load_lazy_imports()

    def _configure(self, threads: int | None, memory_limit: int | None, spill: Path | None) -> None:
        self.connection.execute(UTC)
        self.connection.execute(f"ATTACH ':memory:' AS {COMPRESSED} (COMPRESS)")
        self.connection.execute(SEARCH_PATH)
        self.connection.execute(CHECKPOINT_EVERY_COMMIT)
        # a table's rows keep their query's order: its files and its row ids do not vary
        self.connection.execute("SET preserve_insertion_order = true")
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.connection.execute(f"SET memory_limit = '{int(memory_limit)}B'")
        if spill is not None:
            spill.mkdir(parents=True, exist_ok=True)  # DuckDB makes the last folder only
        folder = str(spill) if spill is not None else ""  # '' turns spilling off
        self.connection.execute(f"SET temp_directory = {literal(folder)}")

    def _describe_resources(self) -> str:
        """``memory limit 2.4 GiB, 2 threads``, as DuckDB took the settings."""
        (limit, threads), *_ = self._sql(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        )
        spills = "" if self.spill is not None else ", no spilling"
        return f"memory limit {limit}, {threads} threads{spills}"

    @staticmethod
    def _load_lazy_imports() -> None:
        """What the first dataset would load otherwise, inside the update's time: sqlglot's
        DuckDB dialect and pyarrow's lazy imports (pandas when installed, unless a
        generation ran before). Starting an engine includes them."""
        to_duckdb(exp.select("1"))
        load_lazy_imports()

    def _sql(self, statement: str) -> list[tuple[Any, ...]]:
        """The statement's rows, all read, so no result stays open on the connection."""
        try:
            return self.connection.execute(statement).fetchall()
        except duckdb.Error as exc:
            raise engine_error(exc) from None

    def _create(
        self, kind: RelationKind, relation: str, query: str, compressed: bool = False
    ) -> None:
        """A table or view of the query; a ``compressed`` table is stored in the compressed
        database (found by the same name through the search path)."""
        self._forget(relation)
        name = f"{COMPRESSED}.main.{quote(relation)}" if compressed else quote(relation)
        self._sql(f"CREATE {kind.upper()} {name} AS {query}")
        self.kinds[relation] = kind

    def _forget(self, relation: str) -> None:
        """Drop a relation of an earlier statement under this name, if any."""
        kind = self.kinds.pop(relation, None)
        self.counts.pop(relation, None)
        self.checked.pop(relation, None)
        if kind is not None:
            self._sql(f"DROP {kind.upper()} {quote(relation)}")

    def run_query(self, relation: str, tree: exp.Expr, sources: Sources) -> int:
        executable = cheaper_on_duckdb(rewrite_sources(tree, sources))
        self._materialize(relation, executable)
        return self.rows(relation)

    def run_python(
        self, relation: str, dataset: Dataset, sources: Sources, configuration: Mapping[str, str]
    ) -> int:
        """The function's DataFrame, built with SQLFrame on this connection, run as SQL."""
        from retail_lakehouse.backends.duckdb.python import new_session, python_query

        if self._session is None:
            self._session = new_session(self.connection)
        tree = python_query(self._session, dataset, sources, configuration)
        self._materialize(relation, cheaper_on_duckdb(tree))
        return self.rows(relation)

    def _materialize(self, relation: str, query: exp.Expr) -> None:
        """The query's rows as a table; its row numbers computed on their keys alone when
        it has any (``row_numbers``: a table of the rows and a view of it)."""
        scan = as_file_scan(query, datetime.now(UTC_ZONE))
        if scan is not None:
            self._create("view", relation, to_duckdb(scan, copy=False))
            return
        split = split_row_numbers(query)
        if split is None or not self._names_are_unique(split.query):
            self._store(relation, query)
            return
        rows = f"{relation}__unnumbered"
        self._store(rows, split.query)
        types = dict(self._columns(rows))
        self._forget(relation)
        for statement in numbering_statements(split, rows, relation, types):
            self._sql(statement)
        self.kinds[relation] = "view"
        self.checked[relation] = Checked(rows, tuple(split.extra))

    def _store(self, relation: str, query: exp.Expr) -> None:
        """The query's rows as a table: range by range of a join key when its source has
        more than one range's rows (``key_ranges``), else in one statement; in the
        compressed database when it reads a ``large`` relation: past the memory limit the
        tables spill, and once compressed they spill less; a smaller one costs more to
        compress than it saves. Each statement's commit compresses its rows; no checkpoint
        is forced: it would wait for the tables being staged (``benchmarks/README.md``)."""
        compressed = large(largest_read(query, self._rows_or_none))
        ranges = self._key_ranges(query)
        if ranges is None:
            self._create("table", relation, to_duckdb(query, copy=False), compressed)
            return
        keyed, bounds = ranges
        shared = {join: f"{relation}__side_{join}" for join in keyed.shared_sides()}
        for join, side in shared.items():
            self._create("table", side, to_duckdb(keyed.side(join)))
            keyed = keyed.with_side(join, side)
        for index, (low, high) in enumerate(bounds):
            part = to_duckdb(keyed.in_range(low, high, with_nulls=index == 0), copy=False)
            if index == 0:
                self._create("table", relation, part, compressed)
            else:
                self._sql(f"INSERT INTO {quote(relation)} {part}")
        for side in shared.values():
            self._forget(side)

    def _key_ranges(self, query: exp.Expr) -> tuple[KeyedQuery, list[tuple[int, int]]] | None:
        """The query split by its join key, and the key's ranges, when worth splitting."""
        keyed = keyed_query(query, self._rows_or_none)
        if keyed is None or not large(self.rows(keyed.source)):
            return None
        types = [kind for _, kind in self._columns(f"({keyed.key_columns()})")]
        ((low, high),) = self._sql(keyed.bounds_query())
        if not integer_types(types) or low is None or low == high:
            return None
        width = bucket_width(low, high)
        histogram = [(int(b), int(n)) for b, n in self._sql(keyed.histogram_query(low, width))]
        count = pieces(sum(n for _, n in histogram))
        bind_current_time(keyed.query, datetime.now(UTC_ZONE))
        return keyed, cut(histogram, low, high, width, count)

    def _rows_or_none(self, relation: str) -> int:
        """A relation's rows, 0 when the name is not one (a common table expression)."""
        try:
            return self.rows(relation)
        except EngineError:
            return 0

    def _names_are_unique(self, query: exp.Expr) -> bool:
        """Whether the query's columns have distinct names (the numbering selects by name)."""
        names = [name for name, _ in self._columns(f"({to_duckdb(query)})")]
        return len(names) == len(set(names))

    def _columns(self, relation: str) -> list[tuple[str, str]]:
        source = relation if relation.startswith("(") else quote(relation)
        rows = self._sql(f"DESCRIBE SELECT * FROM {source}")
        return [(str(row[0]), str(row[1])) for row in rows]

    def empty_like(self, relation: str, like: str) -> None:
        self._create("table", relation, f"SELECT * FROM {quote(like)} LIMIT 0")

    def attach(self, relation: str, store: DeltaStore, table: str) -> None:
        """A stored table as a view over its Parquet files, in the types of its schema
        (DuckDB's reader stays within the memory limit), or through pyarrow's dataset
        when its files alone do not hold its rows (partitioned, column mapping)."""
        self._forget(relation)
        stored = store.files(table)
        if stored.files is None:
            self.connection.register(relation, stored.dataset())
            return
        empty = f"{relation}__schema"
        self.connection.register(empty, stored.schema.empty_table())
        try:
            self._create("view", relation, stored_select(stored.files, self._columns(empty)))
        finally:
            self.connection.unregister(empty)

    def union(self, relation: str, parts: Sequence[str]) -> None:
        """A view when every part is the engine's own (a file scan reads again cheaply);
        a table when one is read through Arrow, which is read once, not per reader."""
        body = " UNION ALL BY NAME ".join(f"SELECT * FROM {quote(p)}" for p in parts)
        self._create("view" if all(p in self.kinds for p in parts) else "table", relation, body)

    def alias(self, name: str, relation: str) -> None:
        self._create("view", name, f"SELECT * FROM {quote(relation)}")
        if relation in self.counts:
            self.counts[name] = self.counts[relation]

    def rows(self, relation: str) -> int:
        if relation not in self.counts:
            rows = self._sql(f"SELECT count(*) FROM {quote(relation)}")
            self.counts[relation] = int(rows[0][0]) if rows else 0
        return self.counts[relation]

    def described(self, relation: str) -> tuple[tuple[str, str], ...]:
        from retail_lakehouse.backends.duckdb.python import spark_type

        return tuple((name, spark_type(kind)) for name, kind in self._columns(relation))

    def export(self, relation: str) -> pa.Table:
        """A relation's rows in Arrow, whole: for small relations and tests."""
        try:
            relation_rows = self.connection.sql(f"SELECT * FROM {quote(relation)}")
            table: pa.Table = relation_rows.to_arrow_table()
        except duckdb.Error as exc:
            raise engine_error(exc) from None
        return table

    def stage(self, write: TableWrite, store: DeltaStore) -> StagedFiles:
        """The relation's rows written by DuckDB as the table's next files (sorted on the
        clustering columns); on a connection of its own, as a committer thread calls it
        while others compute."""
        path = store.table_path(write.name)
        folder = new_files_folder(path)
        cursor = self.connection.cursor()
        try:
            cursor.execute(UTC)  # session settings: each connection has its own
            cursor.execute(SEARCH_PATH)
            described = cursor.execute(f"DESCRIBE SELECT * FROM {quote(write.relation)}")
            columns = [(str(row[0]), str(row[1])) for row in described.fetchall()]
            check_cluster_columns(path, [name for name, _ in columns], write.cluster_by)
            select = delta_select(write.relation, columns, write.cluster_by)
            schema = cursor.sql(select).limit(0).to_arrow_table().schema
            folder.mkdir(parents=True)
            cursor.execute(copy_statement(select, folder, write.partition_by))
        except duckdb.Error as exc:
            discard_files(folder)
            raise engine_error(exc) from None
        except BaseException:
            discard_files(folder)
            raise
        finally:
            cursor.close()
        return StagedFiles(path, folder, schema, write.mode, write.schema_mode, write.partition_by)

    def check(
        self, relation: str, expectations: Sequence[Expectation], update_id: str
    ) -> CheckedRelation:
        kept, quarantine = f"{relation}__kept", f"{relation}__quarantine"
        if not expectations:
            self.alias(kept, relation)
            self._create("table", quarantine, f"SELECT * FROM {quote(relation)} LIMIT 0")
            return CheckedRelation(kept, quarantine, self.rows(relation), 0, ())
        checked = self._checked(relation)
        flags, total = f"{kept}__flags", self.rows(relation)
        self._create("table", flags, flags_query(checked, expectations))
        (row,) = self._sql(counts_query(flags, expectations))
        counts = Counts.of(row)
        self._create("view", kept, kept_query(checked, flags, expectations))
        self.counts[kept] = total - counts.dropped
        statement = quarantine_query(flags, expectations, update_id)
        self._create("table", quarantine, statement)
        self.counts[quarantine] = counts.dropped
        return CheckedRelation(
            kept,
            quarantine,
            total - counts.dropped,
            counts.dropped,
            tuple(
                ExpectationCounts(e.name, failed, total - failed)
                for e, failed in zip(expectations, counts.failed, strict=True)
            ),
        )

    def _checked(self, relation: str) -> Checked:
        """Where the relation's rows have row ids: its own table, or one stored from its
        view (a file scan's rows are stored only when they are checked)."""
        if relation in self.checked:
            return self.checked[relation]
        if self.kinds.get(relation) == "view":
            rows = f"{relation}__rows"
            compressed = large(self.rows(relation))
            self._create("table", rows, f"SELECT * FROM {quote(relation)}", compressed)
            return Checked(rows)
        return Checked(relation)

    def release(self, relation: str) -> None:
        for name in [n for n in self.kinds if derived_from(n, relation)]:
            self._forget(name)

    def close(self) -> None:
        self.connection.close()
        self.kinds.clear()
        self.counts.clear()
        if self.spill is not None:
            shutil.rmtree(self.spill, ignore_errors=True)
            with contextlib.suppress(OSError):  # the scratch space, unless others use it
                self.spill.parent.rmdir()
