"""A Python dataset's declared schema (``schema=`` of its decorator) against what it computed.

The declaration is Spark DDL (``"order_id BIGINT, total DECIMAL(18,2)"``, or a StructType's
``simpleString``); the engine describes the computed relation in the same terms. The
columns must be the same, in the same order, of the same types (``long`` and ``bigint``
are one type); otherwise the update stops with one line naming the first difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.model import Dataset

DIALECT = "spark"


def declared_columns(dataset: Dataset, ddl: str) -> list[tuple[str, exp.DataType]]:
    try:
        create = sqlglot.parse_one(f"CREATE TABLE t ({ddl})", read=DIALECT)
    except SqlglotError as exc:
        # the position sqlglot gives is in the wrapping CREATE TABLE, not in the user's text
        problem = str(exc).splitlines()[0].split(". Line ")[0]
        raise DefinitionError(dataset.location, f"'{dataset.name}': schema: {problem}") from None
    columns = [
        (d.name, d.args["kind"]) for d in create.find_all(exp.ColumnDef) if d.args.get("kind")
    ]
    if not columns:
        raise DefinitionError(dataset.location, f"'{dataset.name}': schema declares no column")
    return columns


def check_declared_schema(dataset: Dataset, described: Sequence[tuple[str, str]]) -> None:
    """Raise one line if ``described`` (name, Spark type) is not the declared schema."""
    if dataset.python is None or dataset.python.schema is None:
        return
    declared = declared_columns(dataset, dataset.python.schema)
    names = [name.lower() for name, _ in declared]
    actual = [name.lower() for name, _ in described]
    if names != actual:
        problem = f"declares columns {', '.join(names)}; the query returns {', '.join(actual)}"
        raise DefinitionError(dataset.location, f"'{dataset.name}': schema {problem}")
    for (name, wanted), (_, got) in zip(declared, described, strict=True):
        computed = exp.DataType.build(got, dialect=DIALECT)
        if computed != wanted:
            raise DefinitionError(
                dataset.location,
                f"'{dataset.name}': schema declares {name} {wanted.sql(DIALECT)}; "
                f"the query returns {computed.sql(DIALECT)}",
            )
