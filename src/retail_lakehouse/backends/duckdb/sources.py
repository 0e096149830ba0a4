"""DuckDB's readers for a query's sources: ``read_files`` over the update's files, the
relation of a ``STREAM(x)``, and ``_metadata`` from DuckDB's ``filename`` column."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlglot import exp

from retail_lakehouse.pipeline.engine import EngineError, Sources
from retail_lakehouse.sql.queries import read_files_calls
from retail_lakehouse.sql.rewrites import replace_metadata_columns, replace_streams

READERS = {"parquet": "read_parquet", "json": "read_json_auto", "csv": "read_csv_auto"}


def rewrite_sources(tree: exp.Expr, sources: Sources) -> exp.Expr:
    """Replace read_files, STREAM(...) and _metadata columns by DuckDB equivalents."""
    tree = tree.copy()
    for index, (call, _) in enumerate(zip(read_files_calls(tree), sources.files, strict=True)):
        files, keeps_rows = sources.read_of(index)
        table = call.parent
        call.replace(_reader_call(call, files))
        if not keeps_rows:  # its file's rows must not be read: they were taken before
            assert isinstance(table, exp.Table)  # a read_files call is a table reference
            table.set("sample", no_rows())
    replace_streams(tree, sources.streams)
    replace_metadata_columns(tree, metadata_columns([f for fs in sources.files for f in fs]))
    return tree


def no_rows() -> exp.TableSample:
    """A sample of no rows: the reader's columns (and its ``filename``) without reading
    its rows.

    >>> table = exp.Table(this=exp.to_identifier("t"), sample=no_rows())
    >>> print(exp.select("*").from_(table).sql("duckdb"))
    SELECT * FROM t TABLESAMPLE RESERVOIR (0 ROWS)
    """
    return exp.TableSample(method=exp.var("RESERVOIR"), size=exp.Literal.number(0))


def metadata_columns(files: Sequence[Path]) -> dict[str, exp.Expr]:
    """``_metadata.file_path`` and ``_metadata.file_name`` (the path's last part, as on
    Databricks) from DuckDB's ``filename`` column."""
    path = exp.column("filename")
    name = exp.Anonymous(this="parse_filename", expressions=[path.copy()])
    if not files:
        return {"file_path": path, "file_name": name}
    return {
        "file_path": _as_enum(path, [str(f) for f in files]),
        "file_name": _as_enum(name, [f.name for f in files]),
    }


def _as_enum(value: exp.Expr, texts: Sequence[str]) -> exp.Expr:
    """``value`` as an ENUM of its possible ``texts``: it reaches Arrow as a dictionary,
    not one string per row: a table read from a few files repeats the same few paths on
    every row (measured in ``benchmarks/README.md``)."""
    members = [exp.Literal.string(text) for text in dict.fromkeys(texts)]
    return exp.Cast(this=value, to=exp.DataType(this=exp.DataType.Type.ENUM, expressions=members))


def _reader_call(call: exp.Anonymous, files: Sequence[Path]) -> exp.Expr:
    options = {
        a.this.name.lower(): a.expression for a in call.expressions if isinstance(a, exp.Kwarg)
    }
    return reader_call(options["format"].name.lower(), files)


def reader_call(file_format: str, files: Sequence[Path]) -> exp.Expr:
    """DuckDB's reader of ``files`` in ``file_format``, by column name across files."""
    reader = READERS.get(file_format)
    if reader is None:
        raise EngineError(f"read_files format '{file_format}' is not supported locally")
    paths = exp.Array(expressions=[exp.Literal.string(str(f)) for f in files])
    arguments: list[exp.Expr] = [  # the file name is DuckDB's virtual column, not in *
        paths,
        exp.EQ(this=exp.var("union_by_name"), expression=exp.true()),
    ]
    return exp.Anonymous(this=reader, expressions=arguments)
