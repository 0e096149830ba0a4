"""Python datasets on DuckDB: the PySpark DataFrame API through SQLFrame, ending in SQL.

A dataset function runs with its reads resolved to SQLFrame DataFrames over the engine's
own relations (schemas declared to SQLFrame from DuckDB's ``DESCRIBE``), and with
``pyspark.sql``'s functions, types and ``Window`` SQLFrame's. The DataFrame it returns is
never executed by SQLFrame: its SQL, in DuckDB's dialect, joins the engine's plan as a SQL
dataset's query does. A file load stands in for DuckDB's reader of this update's files,
with a ``_metadata`` struct (``file_path``, ``file_name``) that the dataset's own output
leaves out, as ``*`` does on Databricks.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import duckdb
import sqlglot
from sqlglot import exp

from retail_lakehouse.backends.duckdb.sources import metadata_columns, no_rows, reader_call
from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.engine import Sources
from retail_lakehouse.pipeline.model import Dataset
from retail_lakehouse.pipeline.python.context import call_dataset_function
from retail_lakehouse.sql.queries import FileSource

if TYPE_CHECKING:
    from sqlframe.duckdb import DuckDBSession

METADATA = "_metadata"
_MODULES = {
    "functions": "sqlframe.duckdb.functions",
    "types": "sqlframe.base.types",
    "window": "sqlframe.duckdb.window",
    "column": "sqlframe.base.column",
    "dataframe": "sqlframe.duckdb.dataframe",
}


def new_session(connection: duckdb.DuckDBPyConnection) -> DuckDBSession:
    """A SQLFrame session on the engine's connection. SQLFrame keeps one session per
    process; a new engine's must not inherit the previous one's connection and catalog."""
    from sqlframe.base.session import _BaseSession
    from sqlframe.duckdb import DuckDBSession

    _BaseSession._instance = None
    return DuckDBSession(conn=connection)


class SqlFrameReads:
    """The reads of one Python dataset on DuckDB."""

    def __init__(
        self,
        session: DuckDBSession,
        dataset: Dataset,
        sources: Sources,
        configuration: Mapping[str, str],
    ) -> None:
        self.session = session
        self.dataset = dataset
        self.sources = sources
        self.configuration = configuration
        self.loads: dict[str, exp.Expr] = {}  # stand-in table -> the reader it stands for

    def read(self, name: str) -> Any:
        return self._table(name)

    def read_stream(self, name: str) -> Any:
        relation = self.sources.streams.get(name)
        if relation is None:
            raise DefinitionError(
                self.dataset.location, f"'{self.dataset.name}' streams '{name}' only sometimes"
            )
        return self._table(relation)

    def load(self, source: FileSource) -> Any:
        """A stand-in table for DuckDB's reader of the files of this load in this update."""
        index = len(self.loads)
        if self.dataset.python is None or index >= len(self.sources.files):
            raise DefinitionError(
                self.dataset.location,
                f"'{self.dataset.name}' loads files it did not load when traced",
            )
        files, keeps_rows = self.sources.read_of(index)
        name = f"__load_{self.dataset.name}_{index}"
        table = exp.Table(this=reader_call(source.format, files))
        if not keeps_rows:
            table.set("sample", no_rows())
        reader = exp.select("*").from_(table)
        columns = metadata_columns(files)
        packed = exp.Struct(
            expressions=[
                exp.PropertyEQ(this=exp.to_identifier(k), expression=v) for k, v in columns.items()
            ]
        )
        self.loads[name] = exp.Subquery(
            this=reader.select(exp.alias_(packed, METADATA)),
            alias=exp.TableAlias(this=exp.to_identifier(name)),
        )
        self._declare(name, reader.sql(dialect="duckdb"), with_metadata=True)
        return self.session.table(name)

    def module(self, name: str) -> Any:
        if name == "session":
            return self.session
        return importlib.import_module(_MODULES[name])

    def _table(self, relation: str) -> Any:
        self._declare(relation, f'SELECT * FROM "{relation}"', with_metadata=False)
        return self.session.table(relation)

    def _declare(self, name: str, query: str, with_metadata: bool) -> None:
        """Tell SQLFrame the columns of ``name`` (DuckDB's own view of ``query``)."""
        described = self.session._conn.execute(f"DESCRIBE {query}").fetchall()
        columns = {str(row[0]): spark_type(str(row[1])) for row in described}
        if with_metadata:
            columns[METADATA] = "struct<file_path:string,file_name:string>"
        self.session.catalog.add_table(name, columns)


def spark_type(duckdb_type: str) -> str:
    """A DuckDB column type in Spark's DDL, as SQLFrame takes it."""
    if duckdb_type.startswith("ENUM("):
        return "string"
    return exp.DataType.build(duckdb_type, dialect="duckdb").sql("spark")


def python_query(
    session: DuckDBSession,
    dataset: Dataset,
    sources: Sources,
    configuration: Mapping[str, str],
) -> exp.Expr:
    """The DuckDB query of a Python dataset: its function's DataFrame, as SQL."""
    from sqlframe.base.dataframe import BaseDataFrame

    assert dataset.python is not None
    reads = SqlFrameReads(session, dataset, sources, configuration)
    frame = call_dataset_function(dataset.python.function, reads, dataset.location, dataset.name)
    if not isinstance(frame, BaseDataFrame):
        raise DefinitionError(
            dataset.location,
            f"'{dataset.name}' returns {type(frame).__name__}, not a DataFrame",
        )
    try:
        sql = frame.sql(dialect="duckdb", optimize=False)
    except Exception as exc:  # SQLFrame cannot express an operation
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DefinitionError(
            dataset.location, f"'{dataset.name}': the DataFrame cannot run on DuckDB: {problem}"
        ) from None
    tree = sqlglot.parse_one(sql, read="duckdb")
    for table in list(tree.find_all(exp.Table)):
        if table.name in reads.loads and not table.args.get("db"):
            table.replace(reads.loads[table.name].copy())
    _hide_metadata(tree)
    return tree


def _hide_metadata(tree: exp.Expr) -> None:
    """Leave the loads' ``_metadata`` struct out of the dataset's own columns, as ``*``
    does on Databricks; its fields stay readable on the way."""
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return
    kept = [e for e in select.expressions if e.alias_or_name != METADATA]
    if len(kept) != len(select.expressions):
        select.set("expressions", kept)
