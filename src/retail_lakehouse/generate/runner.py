"""Generating a dataset into a landing zone: blocks fanned out to workers, tables published.

Each table is cut into blocks of rows; workers (forked processes by default, or threads)
draw and write blocks in any order into a staging folder per table, each block written and
freed before the next. A block of an entity table with a change feed writes the feed's
part too, its base INSERTs (``generate.feed_base``), from the values the block drew. The
manifest, its defect ids and the spec used are written last,
and only then is the staged landing zone published whole (``generate.landing``), so a
failed run leaves the previous landing zone as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import pyarrow as pa

from retail_lakehouse import __version__
from retail_lakehouse.common.faults import crash_point
from retail_lakehouse.common.files import write_text_atomic
from retail_lakehouse.common.lakehouse import DEFAULT_LAKEHOUSE, Lakehouse
from retail_lakehouse.common.lock import writer_lock
from retail_lakehouse.generate.blocks import Block, generate_block
from retail_lakehouse.generate.context import warm_up
from retail_lakehouse.generate.defaults import DEFAULT_SEED, OutputFormat
from retail_lakehouse.generate.feed_base import BaseFeeds, base_feed_entry
from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.landing import (
    StagedLanding,
    discard_landing,
    in_staging,
    publish_landing,
    recover_landing,
    stage_landing,
)
from retail_lakehouse.generate.manifest import (
    DEFECT_IDS_FILE,
    TableTally,
    defect_ids_path,
    generation_id,
    ids_fit_inline,
    sorted_defect_ids,
    table_entry,
    write_defect_ids,
    write_manifest,
)
from retail_lakehouse.generate.plan import DatasetPlan, resolve_rows
from retail_lakehouse.generate.spec import DatasetSpec, dump_spec
from retail_lakehouse.generate.values import decode_dictionaries
from retail_lakehouse.generate.writers import (
    WrittenFile,
    write_part,
)

Parallelism = Literal["processes", "threads"]
__all__ = [
    "GenerateOptions",
    "GenerateReport",
    "LandingGenerator",
    "LocalGenerator",
    "Parallelism",
    "TableReport",
    "TableWriter",
    "block_ranges",
    "generate_dataset",
    "generate_with",
    "load_lazy_imports",
    "run_block",
    "write_part",
]
DEFAULT_BLOCK_ROWS = 1 << 18
PARENT_WATCH_SECONDS = 0.2  # how soon a worker notices that its parent is gone


@dataclass(frozen=True)
class GenerateOptions:
    scale: float = 1.0
    seed: int = DEFAULT_SEED
    workers: int | None = None  # None: one per core
    lakehouse: Path = DEFAULT_LAKEHOUSE
    output_format: OutputFormat = "parquet"
    rows: Mapping[str, int] = field(default_factory=dict)  # explicit counts beat the scale
    defect_scale: float = 1.0  # multiplies the spec's defect rates; 0 gives clean data
    block_rows: int = DEFAULT_BLOCK_ROWS
    parallelism: Parallelism = "processes"

    def worker_count(self) -> int:
        return max(1, self.workers or os.cpu_count() or 1)


@dataclass(frozen=True)
class TableReport:
    name: str
    rows: int
    files: int
    bytes: int
    seconds: float  # worker time spent on the table's blocks


@dataclass(frozen=True)
class GenerateReport:
    landing: Path
    tables: list[TableReport]
    seconds: float
    feeds: list[TableReport] = field(default_factory=list)  # a generation's base INSERTs


class ProgressSink(Protocol):
    def start(self, table: str, total_rows: int) -> None: ...

    def advance(self, table: str, rows: int) -> None: ...


@dataclass(frozen=True)
class BlockTask:
    table: str
    part: int
    start: int
    stop: int
    directory: Path
    output_format: OutputFormat
    feed_directory: Path | None = None  # the table's change feed's, if it has one


@dataclass(frozen=True)
class BlockResult:
    table: str
    rows: int
    bytes: int
    file: str
    defect_ids: dict[str, I64]
    seconds: float
    feed: WrittenFile | None = None  # the part of the base INSERTs, if it has rows


_WORKER_FEEDS: list[BaseFeeds] = []  # the plan, and its feeds' ranks, of this process


def _install_worker_state(feeds: BaseFeeds) -> None:
    _WORKER_FEEDS[:] = [feeds]


def _start_worker(feeds: BaseFeeds) -> None:
    """A forked worker: Ctrl-C is the parent's to handle (it discards the staged landing zone
    and stops the pool), not every worker's to print a traceback for."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent(os.getppid())
    _install_worker_state(feeds)


def _end_with_parent(parent: int) -> None:
    """End this worker once the process that forked it is gone (killed with SIGKILL, say):
    its sibling workers hold the pool's pipes open, so no end of file would tell it, and
    it would wait for work for ever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_block(task: BlockTask) -> BlockResult:
    """Draw and write one block, and its feed's part (runs in a worker)."""
    began = time.perf_counter()
    feeds = _WORKER_FEEDS[0]
    block = generate_block(feeds.plan, task.table, task.start, task.stop)
    data = block.data if task.output_format == "parquet" else decode_dictionaries(block.data)
    written = write_part(data, task.directory, task.part, task.output_format)
    feed = _write_feed_part(feeds, task, block)
    elapsed = time.perf_counter() - began
    return BlockResult(
        task.table, written.rows, written.bytes, written.path.name, block.defect_ids, elapsed,
        feed,
    )  # fmt: skip


def _write_feed_part(feeds: BaseFeeds, task: BlockTask, block: Block) -> WrittenFile | None:
    feed = feeds.of(task.table)
    if feed is None or task.feed_directory is None:
        return None
    assert block.context is not None and block.kinds is not None
    part = feeds.part(feed, block.context, block.kinds, task.start)
    if part.num_rows == 0:  # a block of one duplicate row: no file, as a day without records
        return None
    return write_part(part, task.feed_directory, task.part, task.output_format)


def block_ranges(total: int, block_rows: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, block_rows):
        yield start, min(start + block_rows, total)


def _executor(options: GenerateOptions, feeds: BaseFeeds) -> Executor:
    workers = options.worker_count()
    if options.parallelism == "threads":
        _install_worker_state(feeds)
        return ThreadPoolExecutor(max_workers=workers)
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(workers, context, initializer=_start_worker, initargs=(feeds,))


def _prepare_for_workers(feeds: BaseFeeds) -> None:
    """What every worker needs, made once before they are forked, so they inherit it: the
    parent indexes, the feeds' ranks and what pyarrow imports on first use, the last two
    on threads beside the indexes (numpy's sorts and hashes leave the lock to them). The
    threads end before the fork."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        imports = pool.submit(load_lazy_imports)
        ranks = pool.submit(feeds.prepare)
        warm_up(feeds.plan)
        imports.result()
        ranks.result()


def load_lazy_imports() -> None:
    """What pyarrow imports on its first conversion (pandas, when installed)."""
    pa.array([0])


TableWriter = Callable[[DatasetPlan, dict[str, Path]], dict[str, TableTally]]
"""Writes every table of a plan, and the base INSERTs of its change feeds, into their
staging folders (by table name and feed folder); returns what each folder added up to."""


class LandingGenerator(Protocol):
    """What writes a landing zone: this machine's workers, or a backend's (Spark's tasks).
    Every one writes the same rows and the same manifest for the same spec and options."""

    def generate(
        self, spec: DatasetSpec, options: GenerateOptions, progress: ProgressSink | None = None
    ) -> GenerateReport: ...


class LocalGenerator:
    """The generator on this machine: forked worker processes (or threads)."""

    def generate(
        self, spec: DatasetSpec, options: GenerateOptions, progress: ProgressSink | None = None
    ) -> GenerateReport:
        return generate_dataset(spec, options, progress)


def generate_dataset(
    spec: DatasetSpec, options: GenerateOptions, progress: ProgressSink | None = None
) -> GenerateReport:
    """Generate every table of ``spec`` under ``<lakehouse>/landing``; returns the summary."""

    def write_tables(plan: DatasetPlan, staging: dict[str, Path]) -> dict[str, TableTally]:
        feeds = BaseFeeds(plan)
        _prepare_for_workers(feeds)
        return _run_blocks(feeds, options, staging, progress)

    return generate_with(spec, options, write_tables)


def generate_with(
    spec: DatasetSpec, options: GenerateOptions, write_tables: TableWriter
) -> GenerateReport:
    """Stage every table with ``write_tables`` and the manifest beside the landing zone, then
    replace the landing zone with them, holding the lakehouse's writer lock.

    Whoever writes the parts (local workers, Spark tasks), a failed or killed run leaves
    the previous landing zone as it was (``generate.landing``)."""
    began = time.perf_counter()
    if options.block_rows < 1:
        raise ValueError(f"block_rows must be at least 1, got {options.block_rows}")
    rows = resolve_rows(spec, options.scale, options.rows)
    plan = DatasetPlan(spec, options.seed, rows, options.defect_scale)
    lakehouse = Lakehouse(options.lakehouse)
    with writer_lock(lakehouse):
        recover_landing(lakehouse)
        staged = stage_landing(lakehouse)
        try:
            names = [t.name for t in spec.tables] + [f.folder for f in BaseFeeds(plan).feeds]
            folders = {name: staged.table(name) for name in names}
            for folder in folders.values():
                folder.mkdir()
            tallies = write_tables(plan, folders)
            _write_manifest(plan, options, lakehouse, staged, tallies)
            crash_point("generate:staged")
            publish_landing(lakehouse, staged)
        except BaseException:
            discard_landing(staged)
            raise
    reports = {
        name: TableReport(name, t.rows, len(t.files), t.bytes, t.seconds)
        for name, t in tallies.items()
    }
    tables = [reports[name] for name in plan.spec.table_order()]
    feeds = [reports[f.folder] for f in BaseFeeds(plan).feeds]
    return GenerateReport(lakehouse.landing, tables, time.perf_counter() - began, feeds)


def _run_blocks(
    feeds: BaseFeeds,
    options: GenerateOptions,
    staging: dict[str, Path],
    progress: ProgressSink | None,
) -> dict[str, TableTally]:
    plan = feeds.plan
    tasks = [
        BlockTask(name, part, start, stop, staging[name], options.output_format,
                  _feed_folder(feeds, name, staging))
        for name in plan.spec.table_order()
        for part, (start, stop) in enumerate(block_ranges(plan.rows[name], options.block_rows))
    ]  # fmt: skip
    tasks.sort(key=lambda t: t.start - t.stop)  # largest blocks first: better balance
    tallies = {name: TableTally() for name in plan.spec.table_order()}
    if progress is not None:
        for name in tallies:
            progress.start(name, plan.rows[name])
    tallies |= {feed.folder: TableTally() for feed in feeds.feeds}
    with _executor(options, feeds) as pool:
        futures: list[Future[BlockResult]] = [pool.submit(run_block, task) for task in tasks]
        for future in futures:
            result = future.result()
            _tally(tallies[result.table], result)
            if result.feed is not None:
                _tally_feed(tallies, feeds, result.table, result.feed)
            if progress is not None:
                progress.advance(result.table, result.rows)
    return tallies


def _feed_folder(feeds: BaseFeeds, table: str, staging: dict[str, Path]) -> Path | None:
    feed = feeds.of(table)
    return None if feed is None else staging[feed.folder]


def _tally(tally: TableTally, result: BlockResult) -> None:
    tally.rows += result.rows
    tally.bytes += result.bytes
    tally.files.append(result.file)
    tally.seconds += result.seconds
    tally.add_ids(result.defect_ids)


def _tally_feed(
    tallies: dict[str, TableTally], feeds: BaseFeeds, table: str, written: WrittenFile
) -> None:
    feed = feeds.of(table)
    assert feed is not None
    tally = tallies[feed.folder]
    tally.rows += written.rows
    tally.bytes += written.bytes
    tally.files.append(written.path.name)


def _write_manifest(
    plan: DatasetPlan,
    options: GenerateOptions,
    lakehouse: Lakehouse,
    staged: StagedLanding,
    tallies: dict[str, TableTally],
) -> None:
    tables = {name: tallies[name] for name in plan.spec.table_order()}
    ids = sorted_defect_ids(plan, tables)
    inline = ids_fit_inline(ids)
    document: dict[str, object] = {
        "dataset": plan.spec.name,
        "generator": f"retail-lakehouse {__version__}",
        "seed": plan.seed,
        "scale": options.scale,
        "defect_scale": options.defect_scale,
        "format": options.output_format,
        "reference_time": plan.spec.reference_time.isoformat(),
        "generation": generation_id(plan, options.output_format),
        "defect_ids": DEFECT_IDS_FILE,
        "tables": {
            name: table_entry(plan.table(name), tally, ids[name], inline)
            for name, tally in tables.items()
        },
    }
    feeds = BaseFeeds(plan).feeds
    if feeds:  # what a day adds to (``generate.append_manifest``)
        document["feeds"] = {
            f.folder: base_feed_entry(plan.table(f.table), f, tallies[f.folder]) for f in feeds
        }
    write_text_atomic(in_staging(staged, lakehouse, lakehouse.landing_spec), dump_spec(plan.spec))
    write_defect_ids(in_staging(staged, lakehouse, defect_ids_path(lakehouse.manifest)), ids)
    write_manifest(in_staging(staged, lakehouse, lakehouse.manifest), document)
