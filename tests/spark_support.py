"""One local Spark session for the whole test run, or a clear reason why there is none.

Spark tests are marked ``spark``. When PySpark is installed (the README's test command
installs it), a session that cannot start (no Java, a broken setting) fails them with the
reason, whether or not under CI: a skip would hide a broken session configuration. Without
PySpark they fail under CI and skip elsewhere (:mod:`tests.strictness`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pytest

from retail_lakehouse.backends.spark.session import (
    SparkUnavailableError,
    pyspark_installed,
    start_session,
)
from tests.strictness import missing

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
    """The shared session; fails when installed Spark cannot start, and without PySpark
    fails under CI or skips elsewhere."""
    if not pyspark_installed():
        missing("PySpark is not installed (uv run --extra spark installs it)")
    found = _session_or_reason()
    if isinstance(found, str):
        pytest.fail(f"Spark is installed but did not start: {found}")
    return found
