"""The manifest of a landing zone with appended days: what each day added, and the totals.

Appending day ``b`` records, in ``_manifest.json``:

* ``arrivals``: the arrivals section's digest, the first day, the base generation's row
  counts and what it wrote into each feed (``base_feeds``: its INSERTs' ``rows``,
  ``files``, ``bytes``, ``operations``), and one entry per batch (``batch``, ``day``, per
  table ``rows``, ``first_id``, ``files``, ``bytes`` and ``defects`` with ``count`` and
  ``ids``; per feed ``rows``, ``files``, ``bytes``, ``operations`` and ``defects`` with
  ``count``, ``keys`` and ``sequence_nos``);
* ``tables``: rows, files, bytes and defect counts (and ids, while they fit) of the base
  and every batch, so readers of the totals see the whole landing zone;
* ``feeds``: per feed its entity table, key, columns and totals as above, the base's
  INSERTs included (the generation records them there, ``generate.feed_base``).

The generation id is kept: the days extend the generation. Defect ids of every table go
to a new Parquet file (``_manifest_ids-batch-00001.parquet``) that the manifest names, so
the manifest and the ids it names change together, in the manifest's one rename.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from retail_lakehouse.generate.feed_files import FeedBatch
from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.manifest import (
    INLINE_IDS_LIMIT,
    DefectIds,
    ManifestError,
    TableTally,
    ids_file_named,
    write_defect_ids,
)
from retail_lakehouse.generate.spec.arrivals import ArrivalsSpec
from retail_lakehouse.generate.timeline import Timeline

Document = dict[str, Any]


def arrivals_digest(arrivals: ArrivalsSpec) -> str:
    text = arrivals.model_dump_json()
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def ids_file_name(batch: int) -> str:
    return f"_manifest_ids-batch-{batch:05d}.parquet"


@dataclass(frozen=True)
class FeedWritten:
    batch: FeedBatch
    files: list[str]
    bytes: int


@dataclass(frozen=True)
class BatchWritten:
    """What one appended day wrote, before it is recorded."""

    batch: int
    tables: dict[str, TableTally]  # every table of the spec (0 rows when none were added)
    first_ids: dict[str, int]
    feeds: dict[str, FeedWritten]  # feed folder -> its file


def batches_of(document: Document) -> list[Document]:
    arrivals = document.get("arrivals") or {}
    batches = arrivals.get("batches", [])
    if not isinstance(batches, list):
        raise ManifestError("arrivals.batches is not a list")
    return batches


def base_rows(document: Document) -> dict[str, int]:
    """Rows of each table before any day was appended."""
    arrivals = document.get("arrivals")
    source = arrivals["base_rows"] if arrivals else document["tables"]
    if arrivals:
        return {name: int(rows) for name, rows in source.items()}
    return {name: int(entry["rows"]) for name, entry in source.items()}


def base_feeds(document: Document) -> Document:
    """What the generation wrote into each feed (its base INSERTs), before any day."""
    arrivals = document.get("arrivals")
    found = arrivals.get("base_feeds") if arrivals else document.get("feeds")
    return found if isinstance(found, dict) else {}


def record_batch(
    document: Document, timeline: Timeline, written: BatchWritten, old_ids: DefectIds
) -> tuple[Document, DefectIds]:
    """The manifest with ``written`` recorded, and every table's defect ids after it."""
    updated = dict(document)
    arrivals = dict(updated.get("arrivals") or _new_arrivals(document, timeline))
    arrivals["batches"] = [*batches_of(document), _batch_entry(timeline, written)]
    updated["arrivals"] = arrivals
    ids = _all_ids(old_ids, written)
    inline = sum(v.size for d in ids.values() for v in d.values()) <= INLINE_IDS_LIMIT
    updated["tables"] = {
        name: _table_totals(entry, written.tables[name], ids[name], inline)
        for name, entry in document["tables"].items()
    }
    updated["feeds"] = _feed_totals(document.get("feeds") or {}, timeline, written)
    updated["defect_ids"] = ids_file_name(written.batch)
    return updated, ids


def _new_arrivals(document: Document, timeline: Timeline) -> Document:
    return {
        "digest": arrivals_digest(timeline.arrivals),
        "start": timeline.first_day.isoformat(),
        "base_rows": base_rows(document),
        "base_feeds": {
            folder: {key: entry[key] for key in ("rows", "files", "bytes", "operations")}
            for folder, entry in base_feeds(document).items()
        },
        "batches": [],
    }


def _batch_entry(timeline: Timeline, written: BatchWritten) -> Document:
    tables = {}
    for name, tally in written.tables.items():
        defects = {d: {"count": int(v.size), "ids": v.tolist()} for d, v in _ids(tally).items()}
        tables[name] = {
            "rows": tally.rows,
            "first_id": written.first_ids[name],
            "files": sorted(tally.files),
            "bytes": tally.bytes,
            "defects": defects,
        }
    feeds = {}
    for folder, feed in written.feeds.items():
        feeds[folder] = {
            "rows": feed.batch.data.num_rows,
            "files": feed.files,
            "bytes": feed.bytes,
            "operations": feed.batch.operations,
            "defects": {
                name: {
                    "count": int(ids.keys.size),
                    "keys": ids.keys.tolist(),
                    "sequence_nos": ids.sequence_nos.tolist(),
                }
                for name, ids in feed.batch.defects.items()
            },
        }
    day = timeline.day(written.batch).isoformat()
    return {"batch": written.batch, "day": day, "tables": tables, "feeds": feeds}


def _ids(tally: TableTally) -> dict[str, I64]:
    return {name: tally.sorted_ids(name) for name in tally.defect_ids}


def _all_ids(old: DefectIds, written: BatchWritten) -> DefectIds:
    merged: DefectIds = {}
    for table, defects in old.items():
        added = _ids(written.tables[table])
        merged[table] = {
            name: np.concatenate((ids, added.get(name, np.zeros(0, dtype=np.int64))))
            for name, ids in defects.items()
        }
    return merged


def _table_totals(
    entry: Document, tally: TableTally, ids: dict[str, I64], inline: bool
) -> Document:
    totals = dict(entry)
    totals["rows"] = int(entry["rows"]) + tally.rows
    totals["files"] = sorted([*entry["files"], *tally.files])
    totals["bytes"] = int(entry["bytes"]) + tally.bytes
    defects = {}
    for name, defect in entry["defects"].items():
        updated = {k: v for k, v in defect.items() if k != "ids"}
        updated["count"] = int(ids[name].size)
        if inline:
            updated["ids"] = ids[name].tolist()
        defects[name] = updated
    totals["defects"] = defects
    return totals


def _feed_totals(feeds: Document, timeline: Timeline, written: BatchWritten) -> Document:
    totals = dict(feeds)
    for spec in timeline.arrivals.feeds:
        feed = written.feeds[spec.folder]
        before = feeds.get(spec.folder) or _new_feed(timeline, spec.table, spec.columns)
        entry = dict(before)
        entry["rows"] = int(before["rows"]) + feed.batch.data.num_rows
        entry["files"] = sorted([*before["files"], *feed.files])
        entry["bytes"] = int(before["bytes"]) + feed.bytes
        entry["operations"] = {
            op: int(before["operations"].get(op, 0)) + count
            for op, count in feed.batch.operations.items()
        }
        entry["defects"] = _feed_defect_totals(spec.defects, before["defects"], feed.batch)
        totals[spec.folder] = entry
    return totals


def _new_feed(timeline: Timeline, table: str, columns: list[str]) -> Document:
    key = timeline.key_column(table).name
    return {
        "table": table, "key": key, "columns": columns, "rows": 0, "files": [], "bytes": 0,
        "operations": {}, "defects": {},
    }  # fmt: skip


def _feed_defect_totals(specs: list[Any], before: Document, batch: FeedBatch) -> Document:
    totals = {}
    for spec in specs:
        old = before.get(spec.name) or {
            "kind": spec.kind,
            "count": 0,
            "keys": [],
            "sequence_nos": [],
        }
        ids = batch.defects[spec.name]
        totals[spec.name] = {
            "kind": spec.kind,
            "count": int(old["count"]) + int(ids.keys.size),
            "keys": [*old["keys"], *ids.keys.tolist()],
            "sequence_nos": [*old["sequence_nos"], *ids.sequence_nos.tolist()],
        }
    return totals


def read_defect_ids(landing: Path, document: Document) -> DefectIds:
    """Every table's defect ids as the manifest names them (the Parquet file it names)."""
    path = ids_file_named(document, landing / "_manifest.json")
    try:
        found = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise ManifestError(f"{path}: cannot read the defect ids: {exc}") from None
    ids: DefectIds = {}
    for table, entry in document["tables"].items():
        in_table = found.filter(pc.equal(found.column("table"), table))
        ids[table] = {
            name: in_table.filter(pc.equal(in_table.column("defect"), name))
            .column("id")
            .to_numpy()
            .astype(np.int64)
            for name in entry["defects"]
        }
    return ids


def write_ids(landing: Path, batch: int, ids: DefectIds) -> None:
    """The ids file of batch ``batch``, whole or not at all (it is named only once whole)."""
    path = landing / ids_file_name(batch)
    temporary = path.with_name(f".{path.name}.tmp")
    write_defect_ids(temporary, ids)
    temporary.replace(path)
