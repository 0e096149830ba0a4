"""Starting or adopting a Spark session, with the settings the engine relies on.

Sessions run in UTC (dates and timestamps mean what they mean on DuckDB) and write Parquet
timestamps as INT64 microseconds (what Delta and every Arrow reader expect; Spark's default
is the legacy INT96). ``prepare_session`` applies these to a session someone else started,
a notebook's or a job's, so the engine can attach to it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from retail_lakehouse.common.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
APP_NAME = "retail-lakehouse"

RUNTIME_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""Settings the engine needs, all changeable on a running session."""

LOCAL_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",  # small data on few cores: 200 tasks per shuffle is waste
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "4g",
    # the engine never creates catalog tables: keep Spark's empty warehouse folder out of
    # the user's working directory
    "spark.sql.warehouse.dir": str(
        Path(tempfile.gettempdir()) / "retail-lakehouse-spark-warehouse"
    ),
}
"""Settings for a session this package starts itself (start-up only)."""


class SparkUnavailableError(InputError, RuntimeError):
    """PySpark is not installed, or Spark could not start (one line)."""


def pyspark_installed() -> bool:
    return importlib.util.find_spec("pyspark") is not None


def require_pyspark() -> None:
    if not pyspark_installed():
        raise SparkUnavailableError(
            "the Spark engine needs PySpark: pip install 'retail-lakehouse[spark]' "
            "(or uv sync --extra spark)"
        )


def start_session(master: str = DEFAULT_MASTER) -> SparkSession:
    """Get or create the process's Spark session on ``master``, prepared for the engine."""
    require_pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(APP_NAME)
    # Python workers run this interpreter (the one with this package), not whatever
    # "python3" is first on PATH (PySpark reads the variable when the context starts)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in {**LOCAL_SETTINGS, **RUNTIME_SETTINGS}.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Py4J / Java start-up failures have no common base class
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SparkUnavailableError(f"Spark did not start on {master}: {first}") from exc
    prepare_session(spark)
    return spark


def prepare_session(spark: SparkSession) -> SparkSession:
    """Apply the runtime settings the engine relies on to an existing session.

    A setting the session refuses (Databricks serverless allows only a few) is left as the
    platform has it; sessions this package starts get every one at start-up."""
    for key, value in RUNTIME_SETTINGS.items():
        with contextlib.suppress(Exception):  # Py4J / Connect errors: no common base class
            if spark.conf.get(key, None) != value:
                spark.conf.set(key, value)
    return spark
