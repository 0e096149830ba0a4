"""Small landing zones with appended days, and their files read back as plain rows.

The busy spec is the built-in one with its change and feed-defect rates raised, so a few
small days hold every kind of change and defect; ``read_landing`` reads what the files
say, by batch, without the generator's help, for the tests to recount."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from retail_lakehouse.generate.append import AppendOptions, append_days
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.generate.spec import DatasetSpec, parse_spec

BASE_ROWS = {"customers": 300, "products": 60, "orders": 500, "order_items": 1100}
SCALE = 0.05  # per day: about 65 orders and 4 customers
SEED = 3
DEFECT_SCALE = 5.0  # a few of every defect a day
ENTITIES = {"customers": "customer_id", "products": "product_id"}
# the built-in feeds' image columns, and those their UPDATEs change
FEED_COLUMNS = {
    "customers": ["first_name", "last_name", "email", "country", "city", "loyalty_tier"],
    "products": ["product_name", "category", "list_price", "is_active"],
}
CHANGED = {"customers": {"city", "loyalty_tier"}, "products": {"list_price", "is_active"}}
Row = dict[str, Any]


def busy_spec(spec: DatasetSpec) -> DatasetSpec:
    data = spec.model_dump(mode="json")
    arrivals = data["arrivals"]
    arrivals["rows_per_day"]["products"] = 40
    for feed in arrivals["feeds"]:
        feed["delete_rate"] = 0.01
        for change in feed["changes"]:
            change["rate"] = 0.04
        for defect in feed["defects"]:
            defect["rate"] = 0.06 if defect["kind"] == "out_of_order" else 0.02
    return parse_spec(data, "busy")


def generate_base(spec: DatasetSpec, root: Path, fmt: str = "parquet") -> None:
    options = GenerateOptions(
        lakehouse=root, rows=BASE_ROWS, scale=SCALE, seed=SEED, defect_scale=DEFECT_SCALE,
        workers=1, parallelism="threads", output_format=fmt,  # type: ignore[arg-type]
    )  # fmt: skip
    generate_dataset(spec, options)


def append(spec: DatasetSpec, root: Path, days: int, block_rows: int = 1 << 18) -> None:
    append_days(spec, AppendOptions(lakehouse=root, days=days, block_rows=block_rows))


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def manifest_of(root: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((root / "landing" / "_manifest.json").read_text())
    return document


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class Landing:
    """Rows per folder: the base files' (batch 0) and each batch's, as the files hold them."""

    root: Path
    rows: dict[str, dict[int, list[Row]]]  # folder -> batch -> rows, in file order
    days: dict[int, date]

    def all_rows(self, folder: str) -> list[Row]:
        batches = self.rows.get(folder, {})
        return [row for batch in sorted(batches) for row in batches[batch]]


def _batch_of(name: str) -> int:
    return int(name.split("-")[2]) if name.startswith("part-batch-") else 0


def read_landing(root: Path) -> Landing:
    landing = root / "landing"
    rows: dict[str, dict[int, list[Row]]] = {}
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            assert path.suffix == ".parquet", f"the tests read Parquet landing zones: {path}"
            table = pq.read_table(path)
            rows.setdefault(folder.name, {}).setdefault(_batch_of(path.name), []).extend(
                table.to_pylist()
            )
    manifest = manifest_of(root)
    days = {
        b["batch"]: date.fromisoformat(b["day"])
        for b in (manifest.get("arrivals") or {}).get("batches", [])
    }
    return Landing(root, rows, days)
