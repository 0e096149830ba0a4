"""One local Spark session for the whole test run, or a clear reason why there is none.

Spark tests are marked ``spark``. Under CI=true a missing PySpark or Java fails them (CI
installs both); elsewhere they skip with the reason, so a laptop without Java still runs
the rest of the suite.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

import pytest

from retail_lakehouse.backends.spark.session import SparkUnavailableError, start_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEST_MASTER = "local[2]"


@functools.cache
def _session_or_reason() -> SparkSession | str:
    try:
        return start_session(TEST_MASTER)
    except SparkUnavailableError as exc:
        return str(exc)


def spark_session() -> SparkSession:
    """The shared session; skips (fails under CI=true) when Spark cannot start."""
    found = _session_or_reason()
    if isinstance(found, str):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Spark must run in CI: {found}")
        pytest.skip(f"Spark is not available here: {found}")
    return found
