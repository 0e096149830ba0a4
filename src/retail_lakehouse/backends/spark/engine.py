"""The Spark engine: the pipeline's SQL run natively in Spark SQL, tables committed to Delta.

Relations are DataFrames registered as temporary views. A query's result is computed once
and written as Parquet files into the engine's scratch folder, then read back from them,
so counts, downstream reads and writes all see the same rows (``current_timestamp()`` and
window ties are evaluated once), each later job is planned over those files rather than
over every relation before them, readers load only the columns they use, the rows wait on
disk rather than in the JVM's memory, and releasing a relation deletes its files.

The rows kept by expectations and the quarantine are filters over that result, evaluated
by each reader; a condition whose value changes between evaluations (``rand()``, the
current time) has its flags persisted first, so every reader still sees one split.
Tables are written as Parquet by Spark into a fresh folder and added to the Delta log by
delta-rs, so local Spark, which cannot load Delta's jars here, still produces Delta tables
that DuckDB, delta-rs and ``retail query`` read, with the same rollback as the embedded
engine.
"""

from __future__ import annotations

import functools
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlglot import exp

from retail_lakehouse.backends import EngineName
from retail_lakehouse.backends.spark.expectations import volatile_conditions
from retail_lakehouse.backends.spark.generate import remove_bookkeeping_files
from retail_lakehouse.backends.spark.session import prepare_session
from retail_lakehouse.backends.spark.sources import (
    FILE_PATH_COLUMN,
    TARGET_DIALECT,
    FileRead,
    rewrite_for_spark,
    union_by_name_parts,
)
from retail_lakehouse.pipeline.engine import (
    CheckedRelation,
    EngineError,
    ExpectationCounts,
    Sources,
    TableWrite,
    derived_from,
)
from retail_lakehouse.pipeline.model import Dataset, Expectation
from retail_lakehouse.sql.rewrites import failed_flag_sql
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import (
    StagedFiles,
    check_cluster_columns,
    discard_files,
    new_files_folder,
    table_files,
)

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

T = TypeVar("T")
STORAGE = "Delta (Spark writes Parquet, delta-rs commits the log)"


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkEngine:
    name = EngineName.SPARK
    storage = STORAGE

    def __init__(self, spark: SparkSession, scratch: Path | None = None) -> None:
        """``scratch``: a folder of this engine's own for the results' files, which every
        executor can reach (the lakehouse's scratch space); by default a new temporary
        folder, which suits a local master."""
        self.spark = prepare_session(spark)
        self.scratch = scratch or Path(tempfile.mkdtemp(prefix="retail-lakehouse-spark-"))
        conf = self.spark.sparkContext.getConf()
        self.resources = (
            f"master {conf.get('spark.master', '?')}, "
            f"driver memory {conf.get('spark.driver.memory', '1g')}"
        )
        self.frames: dict[str, DataFrame] = {}
        self.counts: dict[str, int] = {}
        self.views: set[str] = set()
        self.results: dict[str, Path] = {}  # relation -> the folder of its result's files
        self._folders = itertools.count()

    def _guard(self, action: Callable[[], T]) -> T:
        """Spark's errors as one-line EngineErrors."""
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        try:
            return action()
        except (PySparkException, Py4JJavaError) as exc:
            # a Java error's own text says what failed; py4j's first line only names the call
            cause = exc.java_exception if isinstance(exc, Py4JJavaError) else exc
            text = str(cause).strip()
            raise EngineError(text.splitlines()[0] if text else type(exc).__name__) from None

    def _keep(self, relation: str, frame: DataFrame, rows: int | None = None) -> None:
        self.frames[relation] = frame
        frame.createOrReplaceTempView(relation)
        self.views.add(relation)
        if rows is None:
            self.counts.pop(relation, None)
        else:
            self.counts[relation] = rows

    def run_query(self, relation: str, tree: exp.Expr, sources: Sources) -> int:
        def execute() -> DataFrame:
            parts = union_by_name_parts(tree, sources)
            frames = [
                self.spark.sql(
                    rewrite_for_spark(part, part_sources, f"{relation}__{i}", self._register_files)
                )
                for i, (part, part_sources) in enumerate(parts)
            ]
            return functools.reduce(lambda a, b: a.unionByName(b), frames)

        return self._materialize(relation, self._guard(execute))

    def run_python(
        self, relation: str, dataset: Dataset, sources: Sources, configuration: Mapping[str, str]
    ) -> int:
        """The user's PySpark code on this session, materialized as a SQL result is."""
        from retail_lakehouse.backends.spark.python import python_frame

        def execute() -> DataFrame:
            return python_frame(self.spark, dataset, sources, configuration)

        return self._materialize(relation, self._guard(execute))

    def _materialize(self, relation: str, frame: DataFrame) -> int:
        """Keep ``frame``'s rows, computed once, as ``relation``; returns their count."""
        folder = self.scratch / f"result-{next(self._folders)}"
        self.results[relation] = folder
        self._guard(lambda: frame.write.mode("error").parquet(str(folder)))
        stored = self.spark.read.parquet(str(folder))
        rows = self._guard(stored.count)  # reads no column: the row groups' counts
        self._keep(relation, stored, rows)
        return rows

    def _register_files(self, read: FileRead) -> list[str]:
        import pyspark.sql.functions as sf

        reader = self.spark.read.format(read.file_format).options(**read.options)
        frame = reader.load([str(path) for path in read.files])
        columns = list(frame.columns)
        path = sf.regexp_replace(sf.col("_metadata.file_path"), "^file:(//)?", "")
        frame = frame.select(*[sf.col(quote(c)) for c in columns], path.alias(FILE_PATH_COLUMN))
        if not read.keeps_rows:
            frame = frame.limit(0)
        frame.createOrReplaceTempView(read.view)
        self.views.add(read.view)
        return columns

    def empty_like(self, relation: str, like: str) -> None:
        self._keep(relation, self.frames[like].limit(0), 0)

    def attach(self, relation: str, store: DeltaStore, table: str) -> None:
        from pyspark.sql.pandas.types import from_arrow_schema

        stored = table_files(store.table_path(table))
        schema = from_arrow_schema(stored.schema, prefer_timestamp_ntz=True)
        if stored.files:
            reader = self.spark.read.schema(schema).option("basePath", str(stored.path))
            frame = reader.parquet(*[str(f) for f in stored.files]).select(*schema.names)
        else:
            frame = self.spark.createDataFrame([], schema)
        self._keep(relation, frame)

    def union(self, relation: str, parts: Sequence[str]) -> None:
        frames = [self.frames[p] for p in parts]
        combined = functools.reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
        known = [self.counts.get(p) for p in parts]
        rows = sum(k for k in known if k is not None) if None not in known else None
        self._keep(relation, combined, rows)

    def alias(self, name: str, relation: str) -> None:
        self._keep(name, self.frames[relation], self.counts.get(relation))

    def rows(self, relation: str) -> int:
        if relation not in self.counts:
            self.counts[relation] = self._guard(self.frames[relation].count)
        return self.counts[relation]

    def described(self, relation: str) -> tuple[tuple[str, str], ...]:
        fields = self.frames[relation].schema.fields
        return tuple((f.name, f.dataType.simpleString()) for f in fields)

    def check(
        self, relation: str, expectations: Sequence[Expectation], update_id: str
    ) -> CheckedRelation:
        frame, total = self.frames[relation], self.rows(relation)
        kept, quarantine = f"{relation}__kept", f"{relation}__quarantine"
        if not expectations:
            self._keep(kept, frame, total)
            self._keep(quarantine, frame.limit(0), 0)
            return CheckedRelation(kept, quarantine, total, 0, ())
        return self._guard(
            lambda: self._split(frame, total, expectations, update_id, (kept, quarantine))
        )

    def _split(
        self,
        frame: DataFrame,
        total: int,
        expectations: Sequence[Expectation],
        update_id: str,
        names: tuple[str, str],  # the kept and the quarantine relation
    ) -> CheckedRelation:
        import pyspark.sql.functions as sf

        flags = [f"__failed_{i}" for i in range(len(expectations))]
        flagged = frame.selectExpr(
            "*",
            *(
                f"{failed_flag_sql(e.condition, TARGET_DIALECT)} AS {flag}"
                for e, flag in zip(expectations, flags, strict=True)
            ),
        )
        kept, quarantine = names
        if volatile_conditions(e.condition for e in expectations):
            flagged = _persisted(flagged)  # computed by the counting job below
            self.frames[f"{kept}__flags"] = flagged  # freed with the relation
        dropping = [i for i, e in enumerate(expectations) if e.action == "drop"]
        dropped = _any(sf.col(flags[i]) for i in dropping)
        sums = flagged.agg(
            *(sf.sum(sf.col(f).cast("long")).alias(f) for f in flags),
            sf.sum(dropped.cast("long")).alias("__dropped"),
        ).first()
        failed = [int(sums[f] or 0) if sums is not None else 0 for f in flags]
        dropped_rows = int(sums["__dropped"] or 0) if sums is not None else 0
        counts = tuple(
            ExpectationCounts(e.name, f, total - f)
            for e, f in zip(expectations, failed, strict=True)
        )
        columns = [sf.col(quote(c)) for c in frame.columns]
        kept_frame = flagged.where(~dropped).select(*columns)
        failed_names = sf.filter(
            sf.array(*(sf.when(sf.col(flags[i]), sf.lit(expectations[i].name)) for i in dropping)),
            lambda name: name.isNotNull(),
        )
        bad = flagged.where(dropped).select(
            *columns,
            # without a dropping expectation the array is empty, which Spark types as void
            failed_names.cast("array<string>").alias("_failed_expectations"),
            sf.lit(update_id).alias("_update_id"),
        )
        self._keep(kept, kept_frame, total - dropped_rows)
        self._keep(quarantine, bad, dropped_rows)
        return CheckedRelation(kept, quarantine, total - dropped_rows, dropped_rows, counts)

    def stage(self, write: TableWrite, store: DeltaStore) -> StagedFiles:
        """The relation's rows written by Spark as the table's next Parquet files; sorted
        on the clustering columns across the files (range-partitioned, then sorted within
        each), so each file holds its own range of them."""
        from pyspark.sql.pandas.types import to_arrow_schema

        frame = self.frames[write.relation]
        path = store.table_path(write.name)
        if write.cluster_by:
            check_cluster_columns(path, frame.columns, write.cluster_by)
            frame = frame.orderBy(*[quote(column) for column in write.cluster_by])
        folder = new_files_folder(path)
        try:
            self._guard(
                lambda: (
                    frame.write.mode("error").partitionBy(*write.partition_by).parquet(str(folder))
                )
            )
            remove_bookkeeping_files(folder)
        except BaseException:
            discard_files(folder)
            raise
        schema = to_arrow_schema(frame.schema, timezone="UTC")
        return StagedFiles(
            path, folder, schema, write.mode, write.schema_mode, tuple(write.partition_by)
        )

    def release(self, relation: str) -> None:
        for name in [n for n in self.frames if derived_from(n, relation)]:
            self.frames.pop(name).unpersist()
            folder = self.results.pop(name, None)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            self.counts.pop(name, None)
            if name in self.views:
                self.spark.catalog.dropTempView(name)
                self.views.discard(name)

    def close(self) -> None:
        for view in self.views:
            self.spark.catalog.dropTempView(view)
        for frame in self.frames.values():
            frame.unpersist()
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.results.clear()
        self.views.clear()
        self.frames.clear()
        self.counts.clear()


def _persisted(frame: DataFrame) -> DataFrame:
    from pyspark import StorageLevel

    return frame.persist(StorageLevel.MEMORY_AND_DISK)


def _any(columns: Iterable[Column]) -> Column:
    import pyspark.sql.functions as sf

    combined = sf.lit(False)
    for column in columns:
        combined = combined | column
    return combined
