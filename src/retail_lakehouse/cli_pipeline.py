"""The pipeline commands of the CLI (``run``, ``query``, ``lineage``): parse, call, print.

``run`` ends by writing the HTML run report (also after an update a FAIL UPDATE expectation
stopped, which the event log records) and printing its path as the last line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from retail_lakehouse.cli_report import load_report_pipeline, write_report
from retail_lakehouse.console import RowProgress, generate_summary
from retail_lakehouse.console_pipeline import (
    arrow_table,
    datasets_summary,
    expectations_summary,
    lineage_lines,
    plan_tree,
)
from retail_lakehouse.engines.factory import create_engine
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.generate.runner import LANDING_DIR, GenerateOptions
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.pipeline.lineage import (
    column_lineage,
    file_reading_datasets,
    table_lineage,
)
from retail_lakehouse.pipeline.local import run_local
from retail_lakehouse.pipeline.project import builtin_settings_path, load_pipeline
from retail_lakehouse.pipeline.runner import ExpectationFailedError
from retail_lakehouse.query import QueryError, as_csv, as_json, open_lakehouse, run_sql
from retail_lakehouse.storage.delta import DeltaStore

OptionsFactory = Callable[[argparse.Namespace], GenerateOptions]
SpecLoader = Callable[[Path | None], DatasetSpec]


def _settings(args: argparse.Namespace) -> Path:
    path: Path | None = args.pipeline
    return path if path is not None else builtin_settings_path()


def run(args: argparse.Namespace, options: OptionsFactory, load_spec: SpecLoader) -> None:
    console = Console()
    if args.dry_run:
        pipeline = load_pipeline(_settings(args), args.lakehouse)
        console.print(plan_tree(pipeline.graph))
        return
    generate_options = options(args)
    engine = create_engine(args.engine, args.master)
    try:
        with RowProgress(console) as progress:
            result = run_local(
                load_spec(args.spec), generate_options, _settings(args), engine,
                regenerate=args.regenerate, full_refresh=args.full_refresh, progress=progress,
            )  # fmt: skip
    except ExpectationFailedError:  # the event log has the failed update: report it too
        print(write_report(args.lakehouse, load_report_pipeline(args.lakehouse, args.pipeline)))
        raise
    finally:
        engine.close()
    if result.generated is not None:
        console.print(generate_summary(result.generated))
    else:
        _note_reused_landing(console, generate_options)
    console.print(datasets_summary(result.update))
    console.print(expectations_summary(result.update))
    print(write_report(args.lakehouse, result.pipeline))


def _note_reused_landing(console: Console, options: GenerateOptions) -> None:
    """Say so when the existing landing zone was made with other options than asked for."""
    manifest = read_manifest(options.lakehouse / LANDING_DIR)
    asked = {"scale": options.scale, "seed": options.seed, "defect_scale": options.defect_scale}
    differs = [
        f"{key} {manifest.get(key)} (asked {value})"
        for key, value in asked.items()
        if manifest.get(key) != value
    ]
    if differs:
        console.print(
            f"[yellow]note:[/yellow] reused the existing landing zone ({', '.join(differs)}); "
            "pass --regenerate to generate it again"
        )


def query(args: argparse.Namespace, options: OptionsFactory, load_spec: SpecLoader) -> None:
    pipeline_tables = load_pipeline(_settings(args), args.lakehouse).tables_root(args.lakehouse)
    connection = open_lakehouse(pipeline_tables)
    if args.sql:
        _print_result(run_sql(connection, args.sql, args.dialect), args.format)
        return
    console = Console()
    console.print("retail query: SQL ending with ';' runs; '.tables' lists tables; Ctrl-D quits.")
    buffer: list[str] = []
    while True:
        try:
            line = input("... " if buffer else "sql> ")
        except EOFError:
            return
        if not buffer and line.strip() == ".tables":
            _print_result(run_sql(connection, "SHOW TABLES", "duckdb"), args.format)
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            try:
                _print_result(run_sql(connection, "\n".join(buffer), args.dialect), args.format)
            except QueryError as exc:
                print(f"error: {exc}", file=sys.stderr)
            buffer = []


def _print_result(table: object, output: str) -> None:
    import pyarrow as pa

    assert isinstance(table, pa.Table)
    if output == "json":
        sys.stdout.write(as_json(table) + "\n")
    elif output == "csv":
        sys.stdout.write(as_csv(table))
    else:
        Console().print(arrow_table(table))


def lineage(args: argparse.Namespace, options: OptionsFactory, load_spec: SpecLoader) -> None:
    pipeline = load_pipeline(_settings(args), args.lakehouse)
    if args.column is None:
        for line in lineage_lines(table_lineage(pipeline.graph), pipeline.graph.names()):
            print(line)
        return
    dataset, _, column = str(args.column).partition(".")
    if dataset not in pipeline.graph.names() or not column:
        raise QueryError(
            f"expected DATASET.COLUMN with a dataset of the pipeline, got '{args.column}'"
        )
    store = DeltaStore(pipeline.tables_root(args.lakehouse))
    schemas = {
        name: {f.name: str(f.type) for f in store.dataset(name).schema}
        for name in file_reading_datasets(pipeline.graph)
        if store.exists(name)
    }
    sources = column_lineage(pipeline.graph, dataset, column, schemas)
    print(f"{dataset}.{column} <- " + (", ".join(sources) if sources else "(not traceable)"))


COMMANDS: dict[str, Callable[[argparse.Namespace, OptionsFactory, SpecLoader], None]] = {
    "run": run,
    "query": query,
    "lineage": lineage,
}
