"""Python datasets on Spark: the user's PySpark code, run by PySpark itself.

A dataset function runs with its reads resolved to DataFrames of the engine's session:
datasets and streams by the temporary views of their relations, file loads by Spark's
reader of this update's files, with ``_metadata.file_path`` a plain path as the SQL
datasets have it (Spark's own is a ``file:`` URI). ``pyspark.sql``'s functions, types and
``Window`` are PySpark's. The DataFrame it returns leaves ``_metadata`` out, as ``*`` does.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from retail_lakehouse.backends.spark.sources import FORMAT_DEFAULTS, FORMATS
from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.engine import Sources
from retail_lakehouse.pipeline.model import Dataset
from retail_lakehouse.pipeline.python.context import call_dataset_function
from retail_lakehouse.sql.queries import FileSource

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

METADATA = "_metadata"
_MODULES = {
    "functions": "pyspark.sql.functions",
    "types": "pyspark.sql.types",
    "window": "pyspark.sql.window",
    "column": "pyspark.sql.column",
    "dataframe": "pyspark.sql.dataframe",
}


class SparkReads:
    """The reads of one Python dataset on Spark."""

    def __init__(
        self,
        spark: SparkSession,
        dataset: Dataset,
        sources: Sources,
        configuration: Mapping[str, str],
    ) -> None:
        self.spark = spark
        self.dataset = dataset
        self.sources = sources
        self.configuration = configuration
        self.loaded = 0

    def read(self, name: str) -> DataFrame:
        return self.spark.table(f"`{name}`")

    def read_stream(self, name: str) -> DataFrame:
        relation = self.sources.streams.get(name)
        if relation is None:
            raise DefinitionError(
                self.dataset.location, f"'{self.dataset.name}' streams '{name}' only sometimes"
            )
        return self.spark.table(f"`{relation}`")

    def load(self, source: FileSource) -> DataFrame:
        import pyspark.sql.functions as sf

        index, self.loaded = self.loaded, self.loaded + 1
        if index >= len(self.sources.files):
            raise DefinitionError(
                self.dataset.location,
                f"'{self.dataset.name}' loads files it did not load when traced",
            )
        file_format = FORMATS.get(source.format)
        if file_format is None:
            raise DefinitionError(
                self.dataset.location,
                f"'{self.dataset.name}': format '{source.format}' is not supported",
            )
        options = FORMAT_DEFAULTS.get(file_format, {}) | dict(source.options)
        reader = self.spark.read.format(file_format).options(**options)
        files, keeps_rows = self.sources.read_of(index)
        frame = reader.load([str(path) for path in files])
        path = sf.regexp_replace(sf.col(f"{METADATA}.file_path"), "^file:(//)?", "")
        plain = sf.struct(
            path.alias("file_path"), sf.col(f"{METADATA}.file_name").alias("file_name")
        )
        frame = frame.withColumn(METADATA, plain)  # shadows Spark's hidden one, with plain paths
        return frame if keeps_rows else frame.limit(0)

    def module(self, name: str) -> Any:
        if name == "session":
            return self.spark
        return importlib.import_module(_MODULES[name])


def python_frame(
    spark: SparkSession, dataset: Dataset, sources: Sources, configuration: Mapping[str, str]
) -> DataFrame:
    """The DataFrame of a Python dataset on ``spark``, without the loads' ``_metadata``."""
    from pyspark.sql import DataFrame as SparkDataFrame

    assert dataset.python is not None
    reads = SparkReads(spark, dataset, sources, configuration)
    frame = call_dataset_function(dataset.python.function, reads, dataset.location, dataset.name)
    if not isinstance(frame, SparkDataFrame):
        raise DefinitionError(
            dataset.location, f"'{dataset.name}' returns {type(frame).__name__}, not a DataFrame"
        )
    return frame.drop(METADATA) if METADATA in frame.columns else frame
