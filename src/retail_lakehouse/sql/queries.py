"""What a dataset's query reads, from its sqlglot tree: datasets, files, streams.

Queries are parsed once, in the Spark / Databricks dialect they are written in. This
module only looks at the tree (engine-neutral); engines rewrite it for execution.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from retail_lakehouse.common.errors import DefinitionError, SourceLocation

SOURCE_DIALECT = "databricks"
READ_FILES = "read_files"


@dataclass(frozen=True)
class FileSource:
    """A ``read_files(path, format => ..., option => ...)`` call of a query."""

    path: str
    format: str
    options: tuple[tuple[str, str], ...]
    streaming: bool  # under STREAM: read only files not seen before


@dataclass(frozen=True)
class DefinedQuery:
    """A dataset's query as written: its text, its dataset's name and where it was defined."""

    name: str
    text: str
    location: SourceLocation  # of the CREATE statement (or of the function defining it)


def parse_query(query: DefinedQuery) -> exp.Query:
    """The query as a tree; a syntax error names the file and line."""
    try:
        statements = sqlglot.parse(query.text, read=SOURCE_DIALECT)
    except ParseError as exc:
        raise DefinitionError(_error_location(query, exc), _syntax_message(query, exc)) from None
    if len(statements) != 1 or statements[0] is None:
        raise DefinitionError(query.location, f"the query of '{query.name}' is not one query")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise DefinitionError(query.location, f"the query of '{query.name}' is not a SELECT")
    return tree


def _error_location(query: DefinedQuery, exc: ParseError) -> SourceLocation:
    errors = exc.errors or [{}]
    line = errors[0].get("line") or 1
    query_start = query.location.line + _lines_before_query(query)
    return SourceLocation(query.location.path, query_start + int(line) - 1)


def _lines_before_query(query: DefinedQuery) -> int:
    """Lines between CREATE and the query's first line (best effort, for error messages)."""
    path = query.location.path
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines()[query.location.line - 1 :]
    first_query_line = query.text.strip().splitlines()[0].strip() if query.text.strip() else ""
    for offset, line in enumerate(lines):
        if first_query_line and first_query_line in line:
            return offset
    return 0


def _syntax_message(query: DefinedQuery, exc: ParseError) -> str:
    errors = exc.errors or [{}]
    description = str(errors[0].get("description") or exc).splitlines()[0]
    near = str(errors[0].get("highlight") or "").strip()
    where = f" near '{near}'" if near else ""
    return f"SQL syntax error in '{query.name}'{where}: {description}"


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


def windows_over_streams(tree: exp.Expr) -> list[exp.Window]:
    """Window functions (``... OVER (...)``) of a SELECT that reads a stream, directly or
    through a CTE: Spark's streaming engine runs none of them (only time-window
    aggregation), so Databricks rejects such a query (NON_TIME_WINDOW_NOT_SUPPORTED_IN_
    STREAMING) however well it runs on a batch engine."""
    streaming_ctes: set[str] = set()
    for cte in tree.find_all(exp.CTE):  # in order: a CTE reads only the ones before it
        if _reads_stream(cte.this, streaming_ctes):
            streaming_ctes.add(cte.alias_or_name)
    found = []
    for window in tree.find_all(exp.Window):
        select = window.find_ancestor(exp.Select)
        sources = select.iter_expressions() if select else iter(())
        reads = [s for s in sources if isinstance(s, (exp.From, exp.Join))]
        if any(_reads_stream(s, streaming_ctes) for s in reads):
            found.append(window)
    return found


def _reads_stream(node: exp.Expr, streaming_ctes: set[str]) -> bool:
    if node.find(exp.Stream) is not None:
        return True
    return any(t.name in streaming_ctes for t in node.find_all(exp.Table))


def file_sources(tree: exp.Expr, query: DefinedQuery) -> list[FileSource]:
    return [file_source(call, query) for call in read_files_calls(tree)]


def read_files_calls(tree: exp.Expr) -> list[exp.Anonymous]:
    return [node for node in tree.find_all(exp.Anonymous) if str(node.this).lower() == READ_FILES]


def file_source(call: exp.Anonymous, query: DefinedQuery) -> FileSource:
    """Path, format and options of one read_files call."""
    positional = [a for a in call.expressions if not isinstance(a, exp.Kwarg)]
    if len(positional) != 1 or not isinstance(positional[0], exp.Literal):
        raise DefinitionError(query.location, f"read_files in '{query.name}' needs one path string")
    options: dict[str, str] = {}
    for argument in call.expressions:
        if isinstance(argument, exp.Kwarg):
            options[argument.this.name.lower()] = argument.expression.name
    file_format = options.pop("format", "")
    if not file_format:
        raise DefinitionError(query.location, f"read_files in '{query.name}' needs format => '...'")
    streaming = isinstance(call.parent, exp.Table) and isinstance(call.parent.parent, exp.Stream)
    return FileSource(
        positional[0].name, file_format.lower(), tuple(sorted(options.items())), streaming
    )
