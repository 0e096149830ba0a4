"""The Spark backend: Spark tasks generate the landing zone and Spark SQL runs the pipeline,
on one session, started on first use or handed over (a notebook's, a job's)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from retail_lakehouse.backends import EngineName
from retail_lakehouse.backends.spark.session import DEFAULT_MASTER, start_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from retail_lakehouse.backends.spark.engine import SparkEngine
    from retail_lakehouse.backends.spark.generate import SparkGenerator


class SparkBackend:
    name = EngineName.SPARK

    def __init__(
        self,
        master: str | None = None,
        session: SparkSession | None = None,
        scratch: Path | None = None,
    ) -> None:
        """``scratch``: the lakehouse's scratch space, where the engine keeps its results'
        files (None: a temporary folder)."""
        self.master = master or DEFAULT_MASTER
        self._session = session
        self.scratch = scratch
        self._engine: SparkEngine | None = None

    def session(self) -> SparkSession:
        if self._session is None:
            self._session = start_session(self.master)
        return self._session

    def generator(self) -> SparkGenerator:
        from retail_lakehouse.backends.spark.generate import SparkGenerator

        return SparkGenerator(self.session())

    def engine(self) -> SparkEngine:
        if self._engine is None:
            from retail_lakehouse.backends.spark.engine import SparkEngine

            own = self.scratch / f"spark-{os.getpid()}" if self.scratch is not None else None
            self._engine = SparkEngine(self.session(), own)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
        if self.scratch is not None:
            with contextlib.suppress(OSError):  # the scratch space, unless others use it
                self.scratch.rmdir()
