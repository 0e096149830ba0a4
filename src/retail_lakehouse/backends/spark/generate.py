"""Generating a landing zone on Spark: the local generator's blocks, drawn by Spark tasks.

Each table becomes ``spark.range(number_of_blocks)`` mapped with ``mapInArrow`` to the very
``generate_block`` the local runner calls, so the rows are the same for the same seed and
spec whatever the number of partitions or executors; Spark's writer writes them. Defect ids
for the manifest come from a second, light job that only draws which rows carry defects.
The change feeds' base INSERTs are written by the driver with the local code, the same
files as a local generation's. Staging, publishing and the manifest are the local
generator's (``generate_with``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from retail_lakehouse.generate.blocks import defect_ids_of_block, generate_block
from retail_lakehouse.generate.defaults import OutputFormat
from retail_lakehouse.generate.feed_base import BaseFeeds, write_base_feeds
from retail_lakehouse.generate.manifest import TableTally
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.runner import (
    GenerateOptions,
    GenerateReport,
    ProgressSink,
    block_ranges,
    generate_with,
)
from retail_lakehouse.generate.spec import DatasetSpec, dump_spec, parse_spec_text
from retail_lakehouse.generate.values import decode_dictionaries

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, DataFrameWriter, SparkSession

_DEFECT_IDS = pa.schema([("table", pa.string()), ("defect", pa.string()), ("id", pa.int64())])


@dataclass(frozen=True)
class PlanRecipe:
    """What a task needs to rebuild the plan: small, picklable, hashable."""

    spec_yaml: str
    seed: int
    rows: tuple[tuple[str, int], ...]
    defect_scale: float

    @staticmethod
    def of(plan: DatasetPlan) -> PlanRecipe:
        return PlanRecipe(
            dump_spec(plan.spec), plan.seed, tuple(plan.rows.items()), plan.defect_scale
        )


@functools.lru_cache(maxsize=4)
def plan_from(recipe: PlanRecipe) -> DatasetPlan:
    """The plan, built once per Python worker (Spark reuses workers between tasks)."""
    spec = parse_spec_text(recipe.spec_yaml, "<spark task>")
    return DatasetPlan(spec, recipe.seed, dict(recipe.rows), recipe.defect_scale)


class SparkGenerator:
    """Spark tasks draw the local generator's blocks: the same rows, on the session's cluster."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def generate(
        self, spec: DatasetSpec, options: GenerateOptions, progress: ProgressSink | None = None
    ) -> GenerateReport:
        return generate_on_spark(self.spark, spec, options, progress)


def generate_on_spark(
    spark: SparkSession,
    spec: DatasetSpec,
    options: GenerateOptions,
    progress: ProgressSink | None = None,
) -> GenerateReport:
    """Generate every table of ``spec`` under ``<lakehouse>/landing`` with Spark tasks."""

    def write_tables(plan: DatasetPlan, staging: dict[str, Path]) -> dict[str, TableTally]:
        recipe = PlanRecipe.of(plan)
        order = plan.spec.table_order()
        if progress is not None:
            for name in order:
                progress.start(name, plan.rows[name])
        tallies = {}
        for name in order:
            tallies[name] = _write_table(spark, plan, recipe, name, staging[name], options)
            if progress is not None:
                progress.advance(name, plan.rows[name])
        _add_defect_ids(spark, plan, recipe, options.block_rows, tallies)
        # the feeds' base INSERTs: small next to the tables, written here by the local
        # code, so they are the local generator's files byte for byte
        feeds = BaseFeeds(plan)
        return tallies | write_base_feeds(feeds, staging, options.output_format, options.block_rows)

    return generate_with(spec, options, write_tables)


def _write_table(
    spark: SparkSession,
    plan: DatasetPlan,
    recipe: PlanRecipe,
    table: str,
    folder: Path,
    options: GenerateOptions,
) -> TableTally:
    from pyspark.sql.pandas.types import from_arrow_schema

    began = time.perf_counter()
    blocks = -(-plan.rows[table] // options.block_rows)
    schema = decode_dictionaries(generate_block(plan, table, 0, 0).data).schema
    draw = functools.partial(_draw_blocks, recipe, table, options.block_rows)
    frame = spark.range(0, blocks, 1, max(blocks, 1)).mapInArrow(draw, from_arrow_schema(schema))
    _writer(frame, options.output_format).save(str(folder))
    remove_bookkeeping_files(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return TableTally(
        rows=plan.rows[table],
        bytes=sum(p.stat().st_size for p in files),
        files=[p.name for p in files],
        seconds=time.perf_counter() - began,
    )


def _draw_blocks(
    recipe: PlanRecipe, table: str, block_rows: int, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Task side: each input row is a block number; yield that block's rows."""
    plan = plan_from(recipe)
    total = plan.rows[table]
    for batch in batches:
        for number in batch.column(0).to_pylist():
            start = number * block_rows
            data = generate_block(plan, table, start, min(start + block_rows, total)).data
            yield from decode_dictionaries(data).to_batches()


def _writer(frame: DataFrame, output_format: OutputFormat) -> DataFrameWriter:
    writer = frame.write.mode("overwrite")
    if output_format == "parquet":
        return writer.format("parquet").option("compression", "snappy")
    # the local writers' text: ISO-8601 timestamps with microseconds and a zone suffix
    writer = writer.option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
    if output_format == "csv":
        return writer.format("csv").option("header", "true")
    return writer.format("json").option("ignoreNullFields", "false")


def remove_bookkeeping_files(folder: Path) -> None:
    """Spark's _SUCCESS markers and Hadoop's .crc checksums (in partition folders too):
    readers skip them anyway, so they would only clutter the landing zone or a table."""
    for path in list(folder.rglob("*")):
        if path.is_file() and path.name.startswith(("_", ".")):
            path.unlink()


def _add_defect_ids(
    spark: SparkSession,
    plan: DatasetPlan,
    recipe: PlanRecipe,
    block_rows: int,
    tallies: dict[str, TableTally],
) -> None:
    from pyspark.sql.pandas.types import from_arrow_schema

    tasks = [
        (name, start, stop)
        for name in plan.spec.table_order()
        for start, stop in block_ranges(plan.rows[name], block_rows)
    ]
    if not tasks:
        return
    frame = spark.createDataFrame(tasks, "table string, start long, stop long")
    found = (
        frame.repartition(len(tasks))
        .mapInArrow(functools.partial(_draw_defect_ids, recipe), from_arrow_schema(_DEFECT_IDS))
        .toArrow()
    )
    tables, defects = found.column("table").to_numpy(), found.column("defect").to_numpy()
    ids = found.column("id").to_numpy().astype(np.int64)
    for name, tally in tallies.items():
        for defect in plan.table(name).defects:
            hit = (tables == name) & (defects == defect.name)
            tally.add_ids({defect.name: ids[hit]})


def _draw_defect_ids(
    recipe: PlanRecipe, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    plan = plan_from(recipe)
    for batch in batches:
        columns = (batch.column(i).to_pylist() for i in range(3))
        for table, start, stop in zip(*columns, strict=True):
            for defect, ids in defect_ids_of_block(plan, table, start, stop).items():
                yield pa.RecordBatch.from_pydict(
                    {"table": [table] * ids.size, "defect": [defect] * ids.size, "id": ids},
                    schema=_DEFECT_IDS,
                )
