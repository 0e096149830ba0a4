"""The table names a query session answers: the lakehouse's tables under the names they
have on Databricks, ``catalog.schema.table`` and ``schema.table`` of the pipeline's target.

Each table is registered under its own name, and a schema named after the target's holds
a view of each, so DuckDB itself resolves ``<schema>.<table>``. DuckDB reserves ``main``
(the bundle's catalog) as a database name, so no database can be attached under the
catalog: the target's catalog stands for the session's own, and a query's
``<catalog>.<schema>.<name>`` in it loses the catalog on the query's sqlglot tree, keeping
the schema so that a CTE named like the table does not capture the reference. A table
named in any other catalog or schema, one DuckDB does not have either, is a foreign table:
the session names it and the target instead of running the query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from retail_lakehouse.pipeline.settings import DEFAULT_CATALOG, DEFAULT_SCHEMA

# the session remembers its target in DuckDB variables, which no listing of tables shows
CATALOG_VARIABLE = "lakehouse_catalog"
SCHEMA_VARIABLE = "lakehouse_schema"
# the schema the registered tables are in: temp.main, first in DuckDB's search path
REGISTERED_SCHEMA = "main"


@dataclass(frozen=True)
class TableTarget:
    """Where the pipeline's tables are on Databricks: ``catalog.schema``."""

    catalog: str = DEFAULT_CATALOG
    schema: str = DEFAULT_SCHEMA

    def __str__(self) -> str:
        return f"{self.catalog}.{self.schema}"

    def is_catalog(self, name: str) -> bool:
        return name.lower() == self.catalog.lower()


@dataclass(frozen=True)
class SessionNames:
    """A session's target and the schemas DuckDB has (``information_schema``, ...)."""

    target: TableTarget
    schemas: frozenset[tuple[str, str]]  # (catalog, schema), lower case

    def knows(self, catalog: str, schema: str) -> bool:
        """Whether a table's ``catalog.schema`` (catalog empty when not given) is the
        target's or one DuckDB has; the target's catalog is the session's, so it holds
        DuckDB's schemas too (``main.information_schema``, as on Databricks)."""
        if catalog and not self.target.is_catalog(catalog):
            return (catalog.lower(), schema.lower()) in self.schemas
        # DuckDB reads a lone qualifier as a schema, else as a catalog
        return any(schema.lower() in pair for pair in self.schemas)


def create_target_schema(
    connection: duckdb.DuckDBPyConnection, target: TableTarget, tables: Iterable[str]
) -> None:
    """The target's schema, a view of each registered table in it, and the target
    remembered by the session."""
    connection.execute(f"SET VARIABLE {CATALOG_VARIABLE} = ?", [target.catalog])
    connection.execute(f"SET VARIABLE {SCHEMA_VARIABLE} = ?", [target.schema])
    if target.schema.lower() == REGISTERED_SCHEMA:  # main.<table> finds the tables already
        return
    schema = _quoted(target.schema)
    connection.execute(f"CREATE SCHEMA {schema}")
    for table in tables:
        name = _quoted(table)
        connection.execute(f"CREATE VIEW {schema}.{name} AS SELECT * FROM temp.main.{name}")


def session_names(connection: duckdb.DuckDBPyConnection) -> SessionNames:
    """The target ``create_target_schema`` gave the session, and DuckDB's schemas."""
    found = connection.execute(
        f"SELECT getvariable('{CATALOG_VARIABLE}'), getvariable('{SCHEMA_VARIABLE}')"
    ).fetchone()
    target = TableTarget() if found is None or None in found else TableTarget(*found)
    pairs = connection.execute(
        "SELECT lower(database_name), lower(schema_name) FROM duckdb_schemas()"
    ).fetchall()
    return SessionNames(target, frozenset((str(c), str(s)) for c, s in pairs))


def drop_target_catalog(tree: exp.Expr, target: TableTarget) -> bool:
    """Rewrite each ``<catalog>.<schema>.<name>`` of the target's catalog in ``tree``
    (tables, and columns qualified by them) to ``<schema>.<name>``; whether anything
    changed."""
    changed = False
    for node in _tables_and_columns(tree):
        if node.catalog and target.is_catalog(node.catalog):
            node.set("catalog", None)
            changed = True
    return changed


def foreign_tables(tree: exp.Expr, names: SessionNames) -> Iterator[exp.Table]:
    """The tables ``tree`` names in a catalog or schema the session does not have."""
    for table in tree.find_all(exp.Table):
        named = isinstance(table.this, exp.Identifier)  # not a table function
        if named and table.db and not names.knows(table.catalog, table.db):
            yield table


def foreign_table_problem(table: exp.Table, target: TableTarget) -> str:
    """One line: the foreign table, and the names the lakehouse's tables have."""
    qualifier = ".".join(part for part in (table.catalog, table.db) if part)
    return (
        f"{qualifier}.{table.name}: the lakehouse has no schema {qualifier}; its tables are "
        f"{target}.<table>, {target.schema}.<table> or <table> (the pipeline's catalog and "
        "schema settings)"
    )


def _tables_and_columns(tree: exp.Expr) -> Iterator[exp.Table | exp.Column]:
    yield from tree.find_all(exp.Table)
    yield from tree.find_all(exp.Column)


def _quoted(name: str) -> str:
    return exp.to_identifier(name).sql(dialect="duckdb", identify=True)
