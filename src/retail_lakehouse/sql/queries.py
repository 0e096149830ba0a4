"""What a dataset's query reads, from its sqlglot tree: datasets, files, streams.

Queries are parsed once, in the Spark / Databricks dialect they are written in. This
module only looks at the tree (engine-neutral); engines rewrite it for execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from retail_lakehouse.pipeline.model import Dataset, DefinitionError, SourceLocation

SOURCE_DIALECT = "databricks"
READ_FILES = "read_files"


@dataclass(frozen=True)
class FileSource:
    """A ``read_files(path, format => ..., option => ...)`` call of a query."""

    path: str
    format: str
    options: tuple[tuple[str, str], ...]
    streaming: bool  # under STREAM: read only files not seen before


def parse_query(dataset: Dataset) -> exp.Query:
    """The dataset's query as a tree; a syntax error names the file and line."""
    try:
        statements = sqlglot.parse(dataset.query, read=SOURCE_DIALECT)
    except ParseError as exc:
        raise DefinitionError(
            _error_location(dataset, exc), _syntax_message(dataset, exc)
        ) from None
    if len(statements) != 1 or statements[0] is None:
        raise DefinitionError(dataset.location, f"the query of '{dataset.name}' is not one query")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise DefinitionError(dataset.location, f"the query of '{dataset.name}' is not a SELECT")
    return tree


def _error_location(dataset: Dataset, exc: ParseError) -> SourceLocation:
    errors = exc.errors or [{}]
    line = errors[0].get("line") or 1
    query_start = dataset.location.line + _lines_before_query(dataset)
    return SourceLocation(dataset.location.path, query_start + int(line) - 1)


def _lines_before_query(dataset: Dataset) -> int:
    """Lines between CREATE and the query's first line (best effort, for error messages)."""
    text = (
        dataset.location.path.read_text(encoding="utf-8") if dataset.location.path.exists() else ""
    )
    lines = text.splitlines()[dataset.location.line - 1 :]
    first_query_line = (
        dataset.query.strip().splitlines()[0].strip() if dataset.query.strip() else ""
    )
    for offset, line in enumerate(lines):
        if first_query_line and first_query_line in line:
            return offset
    return 0


def _syntax_message(dataset: Dataset, exc: ParseError) -> str:
    errors = exc.errors or [{}]
    description = str(errors[0].get("description") or exc).splitlines()[0]
    near = str(errors[0].get("highlight") or "").strip()
    where = f" near '{near}'" if near else ""
    return f"SQL syntax error in '{dataset.name}'{where}: {description}"


def referenced_tables(tree: exp.Expr) -> set[str]:
    """Names of tables and views a query reads (last name part; CTE names excluded)."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = set()
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and table.name not in ctes:
            names.add(table.name)
    return names


def streamed_tables(tree: exp.Expr) -> set[str]:
    """Datasets read with STREAM(name) / STREAM name."""
    names = set()
    for stream in tree.find_all(exp.Stream):
        for table in stream.find_all(exp.Table):
            if isinstance(table.this, exp.Identifier):
                names.add(table.name)
    return names


def file_sources(tree: exp.Expr, dataset: Dataset) -> list[FileSource]:
    return [file_source(call, dataset) for call in read_files_calls(tree)]


def read_files_calls(tree: exp.Expr) -> list[exp.Anonymous]:
    return [node for node in tree.find_all(exp.Anonymous) if str(node.this).lower() == READ_FILES]


def file_source(call: exp.Anonymous, dataset: Dataset) -> FileSource:
    """Path, format and options of one read_files call."""
    positional = [a for a in call.expressions if not isinstance(a, exp.Kwarg)]
    if len(positional) != 1 or not isinstance(positional[0], exp.Literal):
        raise DefinitionError(
            dataset.location, f"read_files in '{dataset.name}' needs one path string"
        )
    options: dict[str, str] = {}
    for argument in call.expressions:
        if isinstance(argument, exp.Kwarg):
            options[argument.this.name.lower()] = argument.expression.name
    file_format = options.pop("format", "")
    if not file_format:
        raise DefinitionError(
            dataset.location, f"read_files in '{dataset.name}' needs format => '...'"
        )
    streaming = isinstance(call.parent, exp.Table) and isinstance(call.parent.parent, exp.Stream)
    return FileSource(
        positional[0].name, file_format.lower(), tuple(sorted(options.items())), streaming
    )


# --- rewriting for an engine (engines call these on a copy of the tree) ---------------------


def failed_flag_sql(condition: str, dialect: str) -> str:
    """SQL in ``dialect`` that is true where a row fails an expectation's ``condition``
    (a NULL result fails, as on Databricks)."""
    tree: exp.Expr = exp.maybe_parse(condition, dialect=SOURCE_DIALECT)
    return f"NOT coalesce(({tree.sql(dialect=dialect)}), false)"


def replace_streams(tree: exp.Expr, streams: Mapping[str, str]) -> None:
    """``STREAM(x) [AS a]`` / ``STREAM x`` -> a plain reference to the relation of x's new
    rows (``streams`` maps dataset names to relations; other names are kept)."""
    for stream in list(tree.find_all(exp.Stream)):
        inner = stream.find(exp.Table)
        if inner is None:
            continue
        wrapper = stream.this  # STREAM(x) AS a parses as a subquery holding the alias
        alias = inner.args.get("alias") or (wrapper.args.get("alias") if wrapper else None)
        if isinstance(inner.this, exp.Identifier):
            relation = streams.get(inner.name, inner.name)
            inner = exp.table_(exp.to_identifier(relation, quoted=True))
        inner.set("alias", alias)
        stream.replace(inner)


def replace_metadata_columns(tree: exp.Expr, columns: Mapping[str, exp.Expr]) -> None:
    """``_metadata.<field>`` -> the engine's expression for that field (e.g. the file path)."""
    for column in list(tree.find_all(exp.Column)):
        if column.table == "_metadata" and column.name in columns:
            column.replace(columns[column.name].copy())
