"""Appending days to an existing landing zone, as new files, never rewriting one.

``retail generate --append --days N`` adds batches ``b + 1`` .. ``b + N`` after the ``b``
the manifest records. Each batch is drawn whole into a staging folder beside the landing
zone (``.landing.append-00001``), then its files are moved into place one by one, then the
manifest records it; each step under the lakehouse's writer lock. A batch is a pure
function of (spec, seed, scale, base row counts, batch number), so a process killed at
any step leaves what the next append finishes: it draws the same batch again, moves the
files not in place yet (a file in place has the same bytes and is left alone, so nothing
is ingested twice) and records it. Days are drawn in this process: a day is small next to
a generation, and the bytes do not depend on workers.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.faults import crash_point
from retail_lakehouse.common.lakehouse import DEFAULT_LAKEHOUSE, Lakehouse
from retail_lakehouse.common.lock import writer_lock
from retail_lakehouse.generate.append_manifest import (
    BatchWritten,
    Document,
    FeedWritten,
    arrivals_digest,
    base_feeds,
    base_rows,
    batches_of,
    read_defect_ids,
    record_batch,
    write_ids,
)
from retail_lakehouse.generate.blocks import generate_block
from retail_lakehouse.generate.defaults import OutputFormat
from retail_lakehouse.generate.feed_files import feed_batch
from retail_lakehouse.generate.landing import recover_landing, remove_unnamed_ids
from retail_lakehouse.generate.manifest import (
    ManifestError,
    TableTally,
    generation_id,
    read_manifest,
    write_manifest,
)
from retail_lakehouse.generate.plan import DatasetPlan, PlanError
from retail_lakehouse.generate.runner import DEFAULT_BLOCK_ROWS, GenerateReport, TableReport
from retail_lakehouse.generate.spec import DatasetSpec
from retail_lakehouse.generate.spec.arrivals import FeedSpec
from retail_lakehouse.generate.spec.columns import TimestampColumn
from retail_lakehouse.generate.timeline import MICROS_PER_DAY
from retail_lakehouse.generate.values import decode_dictionaries
from retail_lakehouse.generate.world import ArrivalWorld
from retail_lakehouse.generate.writers import (
    FILE_EXTENSIONS,
    batch_file_name,
    write_file,
)

STAGING_PREFIX = ".landing.append-"


class AppendError(InputError):
    """A landing zone that days cannot be appended to (one line, exit code 2)."""


@dataclass(frozen=True)
class AppendOptions:
    lakehouse: Path = DEFAULT_LAKEHOUSE
    days: int = 1
    block_rows: int = DEFAULT_BLOCK_ROWS


@dataclass(frozen=True)
class Landing:
    """What the manifest says of the landing zone the days extend."""

    document: dict[str, Any]
    seed: int
    scale: float
    defect_scale: float
    output_format: OutputFormat
    base_rows: dict[str, int]
    batches: int


def append_days(spec: DatasetSpec, options: AppendOptions) -> GenerateReport:
    """Append ``options.days`` days to the landing zone of ``options.lakehouse``."""
    began = time.perf_counter()
    if options.days < 1:
        raise PlanError(f"--days must be at least 1, got {options.days}")
    if options.block_rows < 1:
        raise ValueError(f"block_rows must be at least 1, got {options.block_rows}")
    lakehouse = Lakehouse(options.lakehouse)
    if not lakehouse.landing_journal.exists():  # else a killed swap hides the landing zone
        read_landing(lakehouse, spec)  # bad input fails before anything is written
    totals: dict[str, TableReport] = {}
    with writer_lock(lakehouse):
        recover_landing(lakehouse)
        landing = read_landing(lakehouse, spec)
        world = ArrivalWorld(
            spec, landing.seed, landing.scale, landing.base_rows, landing.defect_scale
        )
        for batch in range(landing.batches + 1, landing.batches + 1 + options.days):
            landing = read_landing(lakehouse, spec)
            for report in _append_batch(lakehouse, world, landing, batch, options.block_rows):
                _add(totals, report)
    return GenerateReport(lakehouse.landing, list(totals.values()), time.perf_counter() - began)


def read_landing(lakehouse: Lakehouse, spec: DatasetSpec) -> Landing:
    """The landing zone's manifest, checked against ``spec``; one line when it does not fit."""
    if not lakehouse.manifest.is_file():
        raise AppendError(
            f"{lakehouse.landing}: no landing zone to append to (run retail generate first)"
        )
    if spec.arrivals is None:
        raise AppendError(f"spec '{spec.name}' has no arrivals section: --append needs one")
    document = read_manifest(lakehouse.manifest)
    try:
        landing = Landing(
            document,
            int(document["seed"]),
            float(document["scale"]),
            float(document.get("defect_scale", 1.0)),
            _output_format(document["format"]),
            base_rows(document),
            len(batches_of(document)),
        )
    except (KeyError, TypeError, ValueError, ManifestError) as exc:
        raise AppendError(f"{lakehouse.manifest}: the manifest is incomplete ({exc})") from None
    _check_same_generation(lakehouse, spec, landing)
    return landing


def _output_format(value: object) -> OutputFormat:
    for known in FILE_EXTENSIONS:
        if value == known:
            return known
    raise ValueError(f"unknown format {value!r}")


def _check_same_generation(lakehouse: Lakehouse, spec: DatasetSpec, landing: Landing) -> None:
    if set(landing.base_rows) != {t.name for t in spec.tables}:
        raise AppendError(f"{lakehouse.manifest}: the landing zone was generated from another spec")
    plan = DatasetPlan(spec, landing.seed, landing.base_rows, landing.defect_scale)
    if generation_id(plan, landing.output_format) != landing.document.get("generation"):
        raise AppendError(
            f"{lakehouse.manifest}: the landing zone was generated from another spec, seed or "
            "version of the generator; append with the spec it was generated from"
        )
    recorded = (landing.document.get("arrivals") or {}).get("digest")
    assert spec.arrivals is not None
    if recorded is not None and recorded != arrivals_digest(spec.arrivals):
        raise AppendError(
            f"{lakehouse.manifest}: its days were appended with another arrivals section"
        )
    _check_feeds_begun(lakehouse, spec.arrivals.feeds, landing.document)


def _check_feeds_begun(lakehouse: Lakehouse, feeds: list[FeedSpec], document: Document) -> None:
    """Each feed holds the base's INSERTs, of the spec's columns: the days' changes are of
    those rows (a landing zone of an older generator has none)."""
    begun, totals = base_feeds(document), document.get("feeds") or {}
    for feed in feeds:
        if feed.folder not in begun:
            raise AppendError(
                f"{lakehouse.manifest}: feed '{feed.folder}' has no INSERTs of the base data "
                "(generated by an older version or from a spec without the feed); generate "
                "it again"
            )
        entry = totals.get(feed.folder) or {}
        if (entry.get("table"), entry.get("columns")) != (feed.table, feed.columns):
            raise AppendError(
                f"{lakehouse.manifest}: feed '{feed.folder}' was begun with another table or "
                "columns; append with the spec it was generated from"
            )


def _append_batch(
    lakehouse: Lakehouse, world: ArrivalWorld, landing: Landing, batch: int, block_rows: int
) -> list[TableReport]:
    staging = lakehouse.root / f"{STAGING_PREFIX}{batch:05d}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    written = _write_batch(world, landing.output_format, staging, batch, block_rows)
    crash_point("append:staged")
    _move_into_place(staging, lakehouse.landing)
    crash_point("append:moved")
    old_ids = read_defect_ids(lakehouse.landing, landing.document)
    document, ids = record_batch(landing.document, world.timeline, written, old_ids)
    write_ids(lakehouse.landing, batch, ids)
    write_manifest(lakehouse.manifest, document)
    crash_point("append:recorded")
    shutil.rmtree(staging, ignore_errors=True)
    remove_unnamed_ids(lakehouse)
    return _reports(written)


def _write_batch(
    world: ArrivalWorld, fmt: OutputFormat, staging: Path, batch: int, block_rows: int
) -> BatchWritten:
    plan = world.plan(batch)
    tallies: dict[str, TableTally] = {}
    first_ids: dict[str, int] = {}
    for name in world.spec.table_order():
        tallies[name] = _write_table(plan, name, fmt, staging, batch, block_rows, world)
        key = world.timeline.key_column(name)
        first_ids[name] = key.start + world.timeline.global_start(name, batch) * key.step
    feeds: dict[str, FeedWritten] = {}
    for spec in world.feeds:
        drawn = feed_batch(world.feed(spec), batch)
        files, size = [], 0
        if drawn.data.num_rows:
            path = staging / spec.folder / batch_file_name(batch, 0, fmt)
            size = write_file(drawn.data, path, fmt).bytes
            files.append(path.name)
        feeds[spec.folder] = FeedWritten(drawn, files, size)
    return BatchWritten(batch, tallies, first_ids, feeds)


def _write_table(
    plan: DatasetPlan,
    name: str,
    fmt: OutputFormat,
    staging: Path,
    batch: int,
    block_rows: int,
    world: ArrivalWorld,
) -> TableTally:
    tally = TableTally()
    total = plan.rows[name]
    day_end = world.timeline.day_start_micros(batch) + MICROS_PER_DAY
    for part, start in enumerate(range(0, total, block_rows)):
        began = time.perf_counter()
        block = generate_block(plan, name, start, min(start + block_rows, total))
        data = _within_day(plan, name, block.data, day_end)
        data = data if fmt == "parquet" else decode_dictionaries(data)
        path = staging / name / batch_file_name(batch, part, fmt)
        written = write_file(data, path, fmt)
        tally.rows += written.rows
        tally.bytes += written.bytes
        tally.files.append(path.name)
        tally.seconds += time.perf_counter() - began
        tally.add_ids(block.defect_ids)
    return tally


def _within_day(plan: DatasetPlan, name: str, data: pa.Table, day_end: int) -> pa.Table:
    """Drawn timestamps before the day's end: a row drawn after its parent's last second
    of the day (strictly after it) would fall on the next day."""
    last = pa.scalar(day_end - 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    for column in plan.table(name).columns:
        if isinstance(column, TimestampColumn) and not column.hidden:
            index = data.schema.get_field_index(column.name)
            values = data.column(index)
            clipped = pc.if_else(pc.greater(values, last), last, values)
            data = data.set_column(index, column.name, clipped)
    return data


def _move_into_place(staging: Path, landing: Path) -> None:
    """Move each staged file into the landing zone, in name order; a file already there
    (moved by a killed append, the same bytes) is kept as it is, never rewritten."""
    moved = 0
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = landing / path.relative_to(staging)
        if target.exists():
            path.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
        moved += 1
        if moved == 1:
            crash_point("append:moving")


def _reports(written: BatchWritten) -> list[TableReport]:
    reports = [
        TableReport(name, t.rows, len(t.files), t.bytes, t.seconds)
        for name, t in written.tables.items()
    ]
    reports += [
        TableReport(folder, f.batch.data.num_rows, len(f.files), f.bytes, 0.0)
        for folder, f in written.feeds.items()
    ]
    return reports


def _add(totals: dict[str, TableReport], report: TableReport) -> None:
    before = totals.get(report.name)
    if before is None:
        totals[report.name] = report
        return
    totals[report.name] = TableReport(
        report.name,
        before.rows + report.rows,
        before.files + report.files,
        before.bytes + report.bytes,
        before.seconds + report.seconds,
    )
