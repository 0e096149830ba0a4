"""Rewriting a query's sources for open-source Spark SQL.

``read_files`` exists only on Databricks: each call becomes a temporary view over a
DataFrame reading exactly the files of this update, with the file path as an extra column
(``__file_path``). A ``SELECT *`` over such a view lists the data columns instead, so the
extra column never leaks into a table, and ``_metadata.file_path`` (and ``file_name``)
reads it. ``STREAM(x)`` reads the relation of x's new rows. Spark SQL has no ``UNION ALL
BY NAME`` (the form a table's several append flows take): such a query runs as its parts,
unioned by the DataFrame API. Everything else is the query as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from retail_lakehouse.pipeline.engine import EngineError, Sources
from retail_lakehouse.sql.queries import read_files_calls
from retail_lakehouse.sql.rewrites import days_as_int, replace_metadata_columns, replace_streams

TARGET_DIALECT = "spark"
FILE_PATH_COLUMN = "__file_path"
METADATA_COLUMNS: dict[str, exp.Expr] = {  # the file name is the path's last part
    "file_path": exp.column(FILE_PATH_COLUMN),
    "file_name": sqlglot.parse_one(f"regexp_extract({FILE_PATH_COLUMN}, '[^/]*$', 0)", "spark"),
}
FORMATS = {"parquet": "parquet", "json": "json", "csv": "csv"}
FORMAT_DEFAULTS = {"csv": {"header": "true", "inferSchema": "true"}}


@dataclass(frozen=True)
class FileRead:
    """One read_files call resolved: which files, in which format, with which options."""

    view: str
    files: Sequence[Path]
    file_format: str
    options: dict[str, str]
    keeps_rows: bool = True  # False: the files give the view its columns, no rows


ViewRegistrar = Callable[[FileRead], list[str]]
"""Registers the view of a FileRead; returns its data columns (without the file path)."""


def rewrite_for_spark(
    tree: exp.Expr, sources: Sources, relation: str, register: ViewRegistrar
) -> str:
    """The query as Spark SQL over temporary views; ``relation`` names the views."""
    tree = tree.copy()
    for index, (call, _) in enumerate(zip(read_files_calls(tree), sources.files, strict=True)):
        files, keeps_rows = sources.read_of(index)
        read = file_read(call, files, f"{relation}__files_{index}", keeps_rows)
        columns = register(read)
        table = call.parent
        assert isinstance(table, exp.Table)
        reference = exp.table_(exp.to_identifier(read.view, quoted=True))
        reference.set("alias", table.args.get("alias"))
        table.replace(reference)
        _expand_star(reference, columns)
    replace_streams(tree, sources.streams)
    replace_metadata_columns(tree, METADATA_COLUMNS)
    return days_as_int(tree).sql(dialect=TARGET_DIALECT)


def union_by_name_parts(tree: exp.Expr, sources: Sources) -> list[tuple[exp.Expr, Sources]]:
    """The queries of a top-level ``UNION ALL BY NAME``, each with the files of its own
    read_files calls (which come in tree order); any other query alone."""
    parts, files, columns_from = [], list(sources.files), list(sources.columns_from)
    for part in _by_name_queries(tree):
        count = len(read_files_calls(part))
        own = Sources(tuple(files[:count]), sources.streams, tuple(columns_from[:count]))
        parts.append((part, own))
        files, columns_from = files[count:], columns_from[count:]
    return parts


def _by_name_queries(tree: exp.Expr) -> list[exp.Expr]:
    if not isinstance(tree, exp.Union) or not tree.args.get("by_name") or tree.args.get("distinct"):
        return [tree]
    return _by_name_queries(_unwrapped(tree.this)) + _by_name_queries(_unwrapped(tree.expression))


def _unwrapped(query: exp.Expr) -> exp.Expr:
    return query.this if isinstance(query, exp.Subquery) and not query.alias else query


def file_read(call: exp.Anonymous, files: Sequence[Path], view: str, keeps_rows: bool) -> FileRead:
    options = {a.this.name: a.expression.name for a in call.expressions if isinstance(a, exp.Kwarg)}
    named = {key.lower(): key for key in options}
    file_format = options.pop(named.get("format", "format"), "").lower()
    if file_format not in FORMATS:
        raise EngineError(f"read_files format '{file_format}' is not supported on Spark")
    options = FORMAT_DEFAULTS.get(file_format, {}) | options
    return FileRead(view, files, FORMATS[file_format], options, keeps_rows)


def _expand_star(reference: exp.Table, columns: list[str]) -> None:
    """``SELECT *`` (or ``alias.*``) over the view -> its data columns, by name."""
    select = reference.find_ancestor(exp.Select)
    if select is None:
        return
    alias = reference.alias_or_name
    expanded: list[exp.Expr] = []
    for projection in select.expressions:
        if isinstance(projection, exp.Star):
            if len(_from_tables(select)) > 1:
                raise EngineError("SELECT * over read_files joined to other sources: use alias.*")
            expanded += [exp.column(c, quoted=True) for c in columns]
        elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
            if projection.table == alias:
                expanded += [exp.column(c, table=alias, quoted=True) for c in columns]
            else:
                expanded.append(projection)
        else:
            expanded.append(projection)
    select.set("expressions", expanded)


def _from_tables(select: exp.Select) -> list[exp.Expr]:
    sources: list[exp.Expr] = []
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is not None:
        sources.append(from_.this)
    sources += [join.this for join in select.args.get("joins") or []]
    return sources
