"""The ground-truth manifest: what a run generated and every defect it injected, by id.

A pipeline's data-quality metrics can be checked exactly against it: for each table and
defect, the count and the primary-key values of the rows that carry it (for a duplicate,
the key that appears twice). The JSON (``_manifest.json``) holds the counts; the ids are
in a Parquet file beside it (``_manifest_ids.parquet``: table, defect, id), and in the
JSON too while they are few enough to read there (:data:`INLINE_IDS_LIMIT`).
:func:`defect_ids` reads them wherever they are. :func:`generation_id` names what the
data was generated from, for a reader to tell a regenerated landing zone from its days.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from retail_lakehouse import __version__
from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.files import write_text_atomic
from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec import dump_base_spec
from retail_lakehouse.generate.spec.dataset import TableSpec

DEFECT_IDS_FILE = "_manifest_ids.parquet"
# Ids beyond which the JSON lists counts only; the Parquet file lists them at every scale
INLINE_IDS_LIMIT = 1_000_000
DefectIds = dict[str, dict[str, I64]]  # table -> defect -> primary keys, ascending


class ManifestError(InputError):
    """A landing zone's manifest that cannot be read (one line naming the file)."""


@dataclass
class TableTally:
    """What the blocks of one table added up to."""

    rows: int = 0
    bytes: int = 0
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    defect_ids: dict[str, list[I64]] = field(default_factory=dict)

    def add_ids(self, ids: dict[str, I64]) -> None:
        for name, values in ids.items():
            self.defect_ids.setdefault(name, []).append(values)

    def sorted_ids(self, name: str) -> I64:
        parts = self.defect_ids.get(name, [])
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def sorted_defect_ids(plan: DatasetPlan, tallies: Mapping[str, TableTally]) -> DefectIds:
    return {
        name: {defect.name: tally.sorted_ids(defect.name) for defect in plan.table(name).defects}
        for name, tally in tallies.items()
    }


def ids_fit_inline(ids: DefectIds) -> bool:
    """Whether the JSON lists the ids too (the Parquet file always does)."""
    return sum(v.size for defects in ids.values() for v in defects.values()) <= INLINE_IDS_LIMIT


def table_entry(
    table: TableSpec, tally: TableTally, ids: Mapping[str, I64], inline: bool
) -> dict[str, Any]:
    defects: dict[str, Any] = {}
    for defect in table.defects:
        entry: dict[str, Any] = {"kind": defect.kind}
        for attribute in ("column", "reference"):
            if hasattr(defect, attribute):
                entry[attribute] = getattr(defect, attribute)
        entry["count"] = int(ids[defect.name].size)
        if inline:
            entry["ids"] = ids[defect.name].tolist()
        defects[defect.name] = entry
    return {
        "rows": tally.rows,
        "primary_key": table.primary_key,
        "files": sorted(tally.files),
        "bytes": tally.bytes,
        "defects": defects,
    }


def defect_ids_path(manifest: Path) -> Path:
    """The Parquet file of the defect ids beside the manifest at ``manifest``."""
    return manifest.with_name(DEFECT_IDS_FILE)


def write_defect_ids(path: Path, ids: DefectIds) -> None:
    """One row per (table, defect, id), in the manifest's order of tables and defects."""
    pairs = [(table, defect) for table, defects in ids.items() for defect in defects]
    runs = [ids[table][defect].size for table, defect in pairs]
    values = [ids[table][defect] for table, defect in pairs]
    data = pa.table(
        {
            "table": _repeated([table for table, _ in pairs], runs),
            "defect": _repeated([defect for _, defect in pairs], runs),
            "id": pa.array(np.concatenate(values) if values else [], pa.int64()),
        }
    )
    pq.write_table(
        data,
        path,
        column_encoding={"id": "DELTA_BINARY_PACKED"},
        use_dictionary=["table", "defect"],
    )


def _repeated(labels: list[str], runs: list[int]) -> pa.DictionaryArray:
    """Each label repeated its run's length, dictionary-encoded: no string object a row."""
    names = sorted(set(labels))
    codes = np.array([names.index(label) for label in labels], dtype=np.int32)
    return pa.DictionaryArray.from_arrays(
        pa.array(np.repeat(codes, runs), pa.int32()), pa.array(names, pa.string())
    )


def ids_file_named(document: dict[str, Any], manifest: Path) -> Path:
    """The Parquet file of defect ids that the manifest names (appended days write a new
    one each), beside it."""
    name = str(document.get("defect_ids") or DEFECT_IDS_FILE)
    if "/" in name or "\\" in name or not name.startswith("_"):
        raise ManifestError(f"{manifest}: names defect ids '{name}' outside the landing zone")
    return manifest.with_name(name)


def defect_ids(manifest: Path, table: str, defect: str) -> I64:
    """The primary keys of the rows of ``table`` that carry ``defect``, ascending, from the
    landing zone whose manifest is at ``manifest``."""
    document = read_manifest(manifest)
    entry = _defect_entry(document, manifest, table, defect)
    path = ids_file_named(document, manifest)
    if not path.exists():  # a landing zone from before the Parquet file: ids in the JSON
        if "ids" not in entry:
            raise ManifestError(f"{path}: missing, and {manifest} lists no ids")
        return np.array(entry["ids"], dtype=np.int64)
    try:
        found = pq.read_table(
            path, columns=["id"], filters=[("table", "=", table), ("defect", "=", defect)]
        )
    except (OSError, pa.ArrowException) as exc:
        raise ManifestError(f"{path}: cannot read the defect ids: {exc}") from None
    ids: I64 = found.column("id").to_numpy().astype(np.int64)
    if ids.size != entry.get("count"):
        raise ManifestError(
            f"{path}: {ids.size} ids of {table}.{defect}, the manifest counts {entry.get('count')}"
        )
    return ids


def _defect_entry(document: dict[str, Any], manifest: Path, table: str, defect: str) -> Any:
    try:
        return document["tables"][table]["defects"][defect]
    except (KeyError, TypeError):
        raise ManifestError(f"{manifest}: no defect '{defect}' of table '{table}'") from None


def manifest_json(document: dict[str, Any]) -> str:
    """Indented JSON, with lists of integers (ids) kept on one line each.

    The lists are written apart from the indented rest: json.dumps indents in pure Python,
    slow on long lists of ids, and the manifest is written at the end of the generation,
    while the other cores sit idle (measured in ``benchmarks/README.md``)."""
    lists: list[list[int]] = []
    token = uuid.uuid4().hex  # placeholders no string of the document can spell
    text = json.dumps(_mark_int_lists(document, lists, token), indent=1)
    pattern = re.compile(f'"{token}(\\d+)"')
    return pattern.sub(lambda m: _one_line(lists[int(m.group(1))]), text) + "\n"


def _mark_int_lists(value: Any, lists: list[list[int]], token: str) -> Any:
    """``value`` with each non-empty list of integers replaced by the string token + its
    index in ``lists``, where the list goes."""
    if isinstance(value, dict):
        return {key: _mark_int_lists(item, lists, token) for key, item in value.items()}
    if isinstance(value, list | tuple):
        if value and all(type(item) is int for item in value):
            lists.append(list(value))
            return f"{token}{len(lists) - 1}"
        return [_mark_int_lists(item, lists, token) for item in value]
    return value


def _one_line(values: list[int]) -> str:
    return "[" + ",".join(map(str, values)) + "]"


def write_manifest(path: Path, document: dict[str, Any]) -> None:
    """Write the manifest so that readers see the old one or the new one."""
    write_text_atomic(path, manifest_json(document))


def generation_id(plan: DatasetPlan, output_format: str) -> str:
    """What identifies the data of a generation: a hash of everything its bytes depend on
    (the spec, the seed, the row counts, the defect scale, the format and the generator's
    version), so a landing zone generated again from other inputs is a new source.

    Of the spec's arrivals, only what the base files of its change feeds depend on enters
    (:func:`base_feed_inputs`); the rest shapes appended days alone, and days appended to
    a generation keep its id (a new id would make the pipeline start over). A spec without
    feeds hashes as it did before there were any."""
    inputs: dict[str, Any] = {
        "generator": __version__,
        "spec": dump_base_spec(plan.spec),
        "seed": plan.seed,
        "rows": plan.rows,
        "defect_scale": plan.defect_scale,
        "format": output_format,
    }
    feeds = base_feed_inputs(plan)
    if feeds:
        inputs["feeds"] = feeds
    text = json.dumps(inputs, sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def base_feed_inputs(plan: DatasetPlan) -> list[dict[str, Any]]:
    """Each feed's fields that its base INSERTs' files depend on (``generate.feed_base``),
    by folder: which entity table it follows, its folder, its columns in their order and
    the column that dates an INSERT. Its changes, delete rate and defects, like the rows
    per day and the weekday weights, shape the appended days' records only."""
    arrivals = plan.spec.arrivals
    feeds = [] if arrivals is None else arrivals.feeds
    return [
        {"table": f.table, "folder": f.folder, "columns": f.columns, "insert_time": f.insert_time}
        for f in sorted(feeds, key=lambda f: f.folder)
    ]


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest at ``path``; an unreadable or malformed one is one line naming it."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(
            f"{path}: the manifest is corrupt: {str(exc).splitlines()[0]}"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raise ManifestError(f"{path}: the manifest is corrupt: no 'tables' mapping")
    return document
