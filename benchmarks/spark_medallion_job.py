"""The project's medallion pipeline on PySpark (local mode, plain Parquet), as its own process.

Run by ``spark_medallion`` (or by path). Reads the project's pipeline SQL files with the
project's own parser (``parse_sql_folder``, configuration from the lakehouse's landing zone
as ``retail run`` does), and runs every dataset in file order through ``spark.sql``:

* bronze: ``STREAM read_files('<path>', format => '<fmt>')`` becomes ``<fmt>.`<path>```,
  Spark's own file source, where ``_metadata.file_path`` works as on Databricks;
* tables with expectations: the query result is cached, one pass counts the rows failing
  each expectation (``NOT coalesce(condition, false)``), the rows failing no DROP ROW
  expectation are written to ``<name>`` and the others, with the names of the expectations
  they failed and the update id, to ``<name>_quarantine``; FAIL UPDATE stops the run;
* an AUTO CDC target: the query the pipeline computes a whole target with
  (``changes_query``), over every change of its source;
* every table is written as snappy Parquet, then read back as the temporary view the next
  queries see; temporary views (``revenue_*``) are cached in memory, not written.

It writes JSON to ``--result``: ``startup_seconds`` (module start until the session is ready:
imports, parsing the SQL, JVM start-up) and per run (``--repeat``, each into its own folder,
same session) ``seconds`` and, per dataset, ``seconds``, ``rows_written``,
``rows_quarantined`` and ``failed`` (rows failing each expectation).
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retail_lakehouse.pipeline.model import Dataset

STARTED = time.perf_counter()

READ_FILES = re.compile(
    r"(?:\bSTREAM\s+)?\bread_files\(\s*'([^']*)'\s*,\s*format\s*=>\s*'(\w+)'\s*\)", re.IGNORECASE
)
SPARK_FORMATS = {"parquet": "parquet", "json": "json", "csv": "csv"}
QUARANTINE_SUFFIX = "_quarantine"
DRIVER_MEMORY = "2g"  # local mode: the driver is the executor; the default 1g spills


def load_datasets(lakehouse: Path) -> list[Dataset]:
    """The built-in pipeline's datasets, configured as ``retail run`` configures them."""
    from retail_lakehouse.datasets import builtin_settings_path
    from retail_lakehouse.pipeline.project import load_pipeline

    pipeline = load_pipeline(builtin_settings_path(), lakehouse)
    return [planned.dataset for planned in pipeline.graph.order]


def start_spark() -> Any:
    sql = importlib.import_module("pyspark.sql")
    spark = (
        sql.SparkSession.builder.master("local[2]")
        .appName("medallion-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", DRIVER_MEMORY)
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")  # as the local engine's sessions
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_query(query: str) -> str:
    """The query with ``read_files`` calls replaced by Spark's ``format.`path``` sources."""

    def source(match: re.Match[str]) -> str:
        path, file_format = match.group(1), match.group(2).lower()
        if file_format not in SPARK_FORMATS or "`" in path:
            raise ValueError(f"cannot read format '{file_format}' at '{path}'")
        return f"{SPARK_FORMATS[file_format]}.`{path}`"

    return READ_FILES.sub(source, query)


def flag(index: int) -> str:
    return f"__failed_{index}"


def string_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_parquet(frame: Any, path: Path) -> None:
    frame.write.mode("overwrite").option("compression", "snappy").parquet(str(path))


def publish(spark: Any, name: str, path: Path) -> int:
    """Expose the written table to the next queries; its row count (from the footers)."""
    table = spark.read.parquet(str(path))
    table.createOrReplaceTempView(name)
    return int(table.count())


def dataset_query(spark: Any, dataset: Dataset) -> str:
    """The dataset's query; an AUTO CDC target's is the query the pipeline computes a
    whole target with (``changes_query``), over every change of its source."""
    from retail_lakehouse.pipeline.changes import changes_query

    if dataset.changes is None:
        return spark_query(dataset.query)
    return changes_query(dataset.changes, spark.table(dataset.changes.source).columns)


def run_checked(spark: Any, dataset: Dataset, out: Path, update_id: str) -> dict[str, Any]:
    """A table with expectations: count failures, write kept rows and the quarantine."""
    expectations = dataset.expectations
    flags = [
        f"NOT coalesce(({e.condition}), false) AS {flag(i)}" for i, e in enumerate(expectations)
    ]
    checked = spark.sql(dataset_query(spark, dataset)).selectExpr("*", *flags).persist()
    dropping = [i for i, e in enumerate(expectations) if e.action == "drop"]
    dropped = " OR ".join(flag(i) for i in dropping) or "false"
    counts = checked.selectExpr(
        *[f"count_if({flag(i)}) AS {flag(i)}" for i in range(len(expectations))],
        f"count_if({dropped}) AS dropped",
    ).first()
    failed = {e.name: int(counts[flag(i)]) for i, e in enumerate(expectations)}
    for expectation in expectations:
        if expectation.action == "fail" and failed[expectation.name]:
            raise RuntimeError(f"expectation '{expectation.name}' of '{dataset.name}' failed")
    flag_names = [flag(i) for i in range(len(expectations))]
    write_parquet(checked.where(f"NOT ({dropped})").drop(*flag_names), out / dataset.name)
    names = ", ".join(
        f"IF({flag(i)}, {string_literal(expectations[i].name)}, NULL)" for i in dropping
    )
    quarantine = checked.where(dropped).selectExpr(
        "*",
        f"filter(array({names}), name -> name IS NOT NULL) AS _failed_expectations",
        f"{string_literal(update_id)} AS _update_id",
    )
    write_parquet(quarantine.drop(*flag_names), out / (dataset.name + QUARANTINE_SUFFIX))
    checked.unpersist()
    written = publish(spark, dataset.name, out / dataset.name)
    return {"rows_written": written, "rows_quarantined": int(counts["dropped"]), "failed": failed}


def run_dataset(spark: Any, dataset: Dataset, out: Path, update_id: str) -> dict[str, Any]:
    began = time.perf_counter()
    if dataset.kind == "temporary_view":
        view = spark.sql(dataset_query(spark, dataset)).cache()
        view.createOrReplaceTempView(dataset.name)
        outcome: dict[str, Any] = {"rows_written": int(view.count()), "rows_quarantined": 0}
    elif dataset.expectations:
        outcome = run_checked(spark, dataset, out, update_id)
    else:
        write_parquet(spark.sql(dataset_query(spark, dataset)), out / dataset.name)
        outcome = {"rows_written": publish(spark, dataset.name, out / dataset.name)}
        outcome["rows_quarantined"] = 0
    seconds = time.perf_counter() - began
    return {"name": dataset.name, "kind": dataset.kind, "seconds": seconds, **outcome}


def run_pipeline(spark: Any, datasets: list[Dataset], out: Path) -> dict[str, Any]:
    """One update: every dataset in file order (the files define them after their inputs)."""
    update_id = str(uuid.uuid4())
    began = time.perf_counter()
    flows = [run_dataset(spark, dataset, out, update_id) for dataset in datasets]
    seconds = time.perf_counter() - began
    spark.catalog.clearCache()
    for dataset in datasets:
        spark.catalog.dropTempView(dataset.name)
    return {"seconds": seconds, "flows": flows}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lakehouse", type=Path, required=True, help="holds landing/")
    parser.add_argument("--out", type=Path, required=True, help="folder for the Parquet tables")
    parser.add_argument("--result", type=Path, required=True, help="JSON file for the timings")
    parser.add_argument("--repeat", type=int, default=1, help="pipeline runs in one session")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    datasets = load_datasets(args.lakehouse)
    spark = start_spark()
    ready = time.perf_counter()
    runs = [run_pipeline(spark, datasets, args.out / f"run-{i}") for i in range(args.repeat)]
    version = str(spark.version)
    spark.stop()
    result = {"startup_seconds": ready - STARTED, "spark_version": version, "runs": runs}
    args.result.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
