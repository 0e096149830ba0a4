"""The SQL of Python datasets for column lineage, built with SQLFrame and no data.

Column lineage reads SQL, and a Python dataset's SQL is what SQLFrame makes of its
DataFrame. To build it without reading or computing anything, each stored dataset stands
in an in-memory DuckDB as an empty table of its stored schema and each other one as a view
of its query: SQLFrame then learns every input's columns from DuckDB, as in an update.
A dataset whose inputs are not all there (a lakehouse that has not run yet) has no SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from sqlglot import exp

from retail_lakehouse.backends.duckdb.engine import to_duckdb
from retail_lakehouse.backends.duckdb.python import new_session, python_query
from retail_lakehouse.backends.duckdb.quoting import quote
from retail_lakehouse.backends.duckdb.sources import rewrite_sources
from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.engine import Sources
from retail_lakehouse.pipeline.graph import PipelineGraph, PlannedDataset

if TYPE_CHECKING:
    from sqlframe.duckdb import DuckDBSession


def python_dataset_queries(
    graph: PipelineGraph, stored: Mapping[str, pa.Schema], configuration: Mapping[str, str]
) -> dict[str, exp.Expr]:
    """Each Python dataset's query (DuckDB's dialect) that can be built over ``stored``,
    the schemas of the stored tables; file-reading datasets are left out (lineage's leaves)."""
    connection = duckdb.connect(":memory:")
    session = new_session(connection)
    queries: dict[str, exp.Expr] = {}
    try:
        for planned in graph.order:
            name = planned.dataset.name
            if planned.file_sources and name not in stored:
                continue  # its files are not read here: what reads it cannot be built
            try:
                query = _query(session, planned, configuration)
                if query is not None and planned.dataset.python is not None:
                    queries[name] = query
                if name in stored:
                    connection.register(name, stored[name].empty_table())
                elif query is not None:
                    connection.execute(f"CREATE VIEW {quote(name)} AS {to_duckdb(query)}")
            except (duckdb.Error, DefinitionError):
                continue  # an input is missing: this dataset and what reads it stay untraced
    finally:
        connection.close()
    return queries


def _query(
    session: DuckDBSession, planned: PlannedDataset, configuration: Mapping[str, str]
) -> exp.Expr | None:
    """The dataset's query in DuckDB's dialect, its streams read in full; None for one that
    reads files (a leaf)."""
    if planned.file_sources or planned.dataset.changes is not None:
        return None  # an AUTO CDC target is traced to its source by ``column_lineage``
    sources = Sources(streams={name: name for name in planned.streamed})
    if planned.tree is not None:
        return rewrite_sources(planned.tree, sources)
    return python_query(session, planned.dataset, sources, configuration)
