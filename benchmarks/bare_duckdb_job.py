"""The project's medallion pipeline hand-written on bare DuckDB, as its own process.

Run by ``scaling`` (or by path): the yardstick "what bare DuckDB does with the same SQL".
Reads the project's pipeline SQL with the project's own parser (configuration from the
lakehouse's landing zone, as ``retail run`` sets it), translates each dataset's query from
Spark / Databricks SQL to DuckDB's with sqlglot, and runs every dataset in file order in
one DuckDB database file under ``--workdir`` (``memory_limit`` from ``--memory-limit``,
spilling to a ``temp_directory`` there):

* ``read_files('<folder>', format => 'parquet')`` (under ``STREAM`` or not) becomes
  ``read_parquet([<the folder's files>])``, ``_metadata.file_path`` DuckDB's ``filename``
  virtual column (which, unlike ``filename = true``, stays out of ``*``, so the bronze
  tables have our columns), and ``STREAM(x)`` plain ``x``;
* a stored dataset becomes ``CREATE TABLE ... AS``; a temporary view a DuckDB view; an
  AUTO CDC target the query the pipeline computes a whole target with
  (``changes_query``), over every change of its source;
* a table with expectations: its query, with one flag per expectation (``NOT
  coalesce(condition, false)``), is stored once as a temporary table; one aggregate query
  counts the rows failing each expectation; the rows failing no DROP ROW expectation go to
  ``<name>``, the others, with ``_failed_expectations`` and ``_update_id``, to
  ``<name>_quarantine``; FAIL UPDATE stops the run;
* at the end every stored table is written as Parquet with ``COPY ... (FORMAT parquet)``.

Nothing is tuned: no rewrites beyond the translation, DuckDB's default threads. It writes
JSON to ``--result``: ``seconds`` (every dataset plus the Parquet export, from the open
database to the last file), ``export_seconds``, and per dataset ``seconds``,
``rows_written``, ``rows_quarantined`` and ``failed`` (rows per expectation). The rows of
temporary views are counted after the timed run.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.pipeline.changes import changes_query
from retail_lakehouse.pipeline.model import Dataset
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.sql.queries import SOURCE_DIALECT, read_files_calls
from retail_lakehouse.sql.rewrites import (
    failed_flag_sql,
    replace_metadata_columns,
    replace_streams,
)

TARGET_DIALECT = "duckdb"
DATABASE = "medallion.duckdb"
SPILL_FOLDER = "spill"
PARQUET_FOLDER = "parquet"
CHECKED = "__checked"
QUARANTINE_SUFFIX = "_quarantine"


def load_datasets(lakehouse: Path) -> list[Dataset]:
    """The built-in pipeline's datasets, configured as ``retail run`` configures them."""
    pipeline = load_pipeline(builtin_settings_path(), lakehouse)
    return [planned.dataset for planned in pipeline.graph.order]


def open_database(workdir: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    workdir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(workdir / DATABASE))
    connection.execute(f"SET memory_limit = {string_literal(memory_limit)}")
    connection.execute(f"SET temp_directory = {string_literal(str(workdir / SPILL_FOLDER))}")
    connection.execute("SET TimeZone = 'UTC'")  # Spark's TIMESTAMP is an instant: dates in UTC
    return connection


def string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_query(query: str) -> str:
    """The dataset's Spark SQL as DuckDB SQL, its file and stream sources made plain."""
    tree = sqlglot.parse_one(query, read=SOURCE_DIALECT)
    for call in read_files_calls(tree):
        call.replace(parquet_reader(call))
    replace_streams(tree, {})  # no mapping: STREAM(x) reads all of x
    replace_metadata_columns(tree, {"file_path": exp.column("filename")})
    return tree.sql(dialect=TARGET_DIALECT)


def spark_query(connection: duckdb.DuckDBPyConnection, dataset: Dataset) -> str:
    """The dataset's query; an AUTO CDC target's computed from all its source's changes."""
    if dataset.changes is None:
        return dataset.query
    described = connection.execute(f"DESCRIBE {quote(dataset.changes.source)}").fetchall()
    return changes_query(dataset.changes, [str(row[0]) for row in described])


def parquet_reader(call: exp.Anonymous) -> exp.Expr:
    """``read_parquet([...])`` over the files of a ``read_files`` call's folder."""
    options = {
        a.this.name.lower(): a.expression.name for a in call.expressions if isinstance(a, exp.Kwarg)
    }
    if options.get("format", "").lower() != "parquet":
        raise ValueError(f"only a Parquet landing zone is supported, not {options}")
    folder = next(a for a in call.expressions if not isinstance(a, exp.Kwarg)).name
    files = sorted(Path(folder).glob("*.parquet"))
    paths = exp.Array(expressions=[exp.Literal.string(str(f)) for f in files])
    return exp.Anonymous(this="read_parquet", expressions=[paths])


def flag(index: int) -> str:
    return f"__failed_{index}"


def count_rows(connection: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = connection.execute(f"SELECT count(*) FROM {quote(relation)}").fetchone()
    return int(row[0]) if row else 0


def run_checked(
    connection: duckdb.DuckDBPyConnection, dataset: Dataset, query: str, update_id: str
) -> dict[str, Any]:
    """A table with expectations: count failures, write kept rows and the quarantine."""
    expectations = dataset.expectations
    flags = ", ".join(
        f"{failed_flag_sql(e.condition, TARGET_DIALECT)} AS {flag(i)}"
        for i, e in enumerate(expectations)
    )
    connection.execute(f"CREATE TEMP TABLE {CHECKED} AS SELECT *, {flags} FROM ({query})")
    dropping = [i for i, e in enumerate(expectations) if e.action == "drop"]
    dropped = " OR ".join(flag(i) for i in dropping) or "false"
    counts = [f"count_if({flag(i)})" for i in range(len(expectations))]
    row = connection.execute(
        f"SELECT {', '.join(counts)}, count_if({dropped}) FROM {CHECKED}"
    ).fetchone()
    assert row is not None
    failed = {e.name: int(row[i]) for i, e in enumerate(expectations)}
    for expectation in expectations:
        if expectation.action == "fail" and failed[expectation.name]:
            raise RuntimeError(f"expectation '{expectation.name}' of '{dataset.name}' failed")
    without_flags = f"* EXCLUDE ({', '.join(flag(i) for i in range(len(expectations)))})"
    connection.execute(
        f"CREATE TABLE {quote(dataset.name)} AS "
        f"SELECT {without_flags} FROM {CHECKED} WHERE NOT ({dropped})"
    )
    names = ", ".join(
        f"CASE WHEN {flag(i)} THEN {string_literal(expectations[i].name)} END" for i in dropping
    )
    connection.execute(
        f"CREATE TABLE {quote(dataset.name + QUARANTINE_SUFFIX)} AS "
        f"SELECT {without_flags}, list_filter([{names}], lambda name: name IS NOT NULL)"
        f" AS _failed_expectations, {string_literal(update_id)} AS _update_id"
        f" FROM {CHECKED} WHERE {dropped}"
    )
    connection.execute(f"DROP TABLE {CHECKED}")
    return {
        "rows_written": count_rows(connection, dataset.name),
        "rows_quarantined": int(row[len(expectations)]),
        "failed": failed,
    }


def run_dataset(
    connection: duckdb.DuckDBPyConnection, dataset: Dataset, update_id: str
) -> dict[str, Any]:
    began = time.perf_counter()
    query = duckdb_query(spark_query(connection, dataset))
    outcome: dict[str, Any] = {"rows_written": None, "rows_quarantined": 0}
    if dataset.kind == "temporary_view":
        connection.execute(f"CREATE VIEW {quote(dataset.name)} AS {query}")
    elif dataset.expectations:
        outcome = run_checked(connection, dataset, query, update_id)
    else:
        connection.execute(f"CREATE TABLE {quote(dataset.name)} AS {query}")
        outcome["rows_written"] = count_rows(connection, dataset.name)
    seconds = time.perf_counter() - began
    return {"name": dataset.name, "kind": dataset.kind, "seconds": seconds, **outcome}


def stored_tables(datasets: list[Dataset]) -> list[str]:
    """Every table the run stores: the datasets' and their quarantines, in file order."""
    names: list[str] = []
    for dataset in datasets:
        if dataset.kind != "temporary_view":
            names.append(dataset.name)
            if dataset.expectations:
                names.append(dataset.name + QUARANTINE_SUFFIX)
    return names


def export_parquet(connection: duckdb.DuckDBPyConnection, names: list[str], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = string_literal(str(folder / f"{name}.parquet"))
        connection.execute(f"COPY {quote(name)} TO {target} (FORMAT parquet)")


def count_views(connection: duckdb.DuckDBPyConnection, flows: list[dict[str, Any]]) -> None:
    """The rows of each temporary view, outside the timed run (counting runs the view)."""
    for flow in flows:
        if flow["rows_written"] is None:
            flow["rows_written"] = count_rows(connection, flow["name"])


def run_pipeline(
    connection: duckdb.DuckDBPyConnection, datasets: list[Dataset], workdir: Path
) -> dict[str, Any]:
    """One update: every dataset in file order (the files define them after their inputs)."""
    update_id = str(uuid.uuid4())
    began = time.perf_counter()
    flows = [run_dataset(connection, dataset, update_id) for dataset in datasets]
    exporting = time.perf_counter()
    export_parquet(connection, stored_tables(datasets), workdir / PARQUET_FOLDER)
    ended = time.perf_counter()
    count_views(connection, flows)
    return {"seconds": ended - began, "export_seconds": ended - exporting, "flows": flows}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lakehouse", type=Path, required=True, help="holds landing/")
    parser.add_argument(
        "--workdir", type=Path, required=True, help="for the database, spills and Parquet"
    )
    parser.add_argument("--result", type=Path, required=True, help="JSON file for the timings")
    parser.add_argument("--memory-limit", default="8GB", help="DuckDB's memory_limit")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    datasets = load_datasets(args.lakehouse)
    connection = open_database(args.workdir, args.memory_limit)
    run = run_pipeline(connection, datasets, args.workdir)
    connection.close()
    result = {
        "duckdb_version": duckdb.__version__,
        "memory_limit": args.memory_limit,
        **run,
    }
    args.result.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
