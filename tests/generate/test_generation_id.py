"""The generation id against the spec's ``arrivals``: a feed field that the base feed files
depend on changes the id, and those files with it (the reason it must); a field that
shapes appended days alone keeps the id, and every file of the generation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from retail_lakehouse.generate.manifest import generation_id
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec import DatasetSpec, parse_spec
from tests.generate.appended import BASE_ROWS, DEFECT_SCALE, SEED, files_of, generate_base

Change = Callable[[dict[str, Any]], None]  # edits a spec's arrivals section in place


def _feed(arrivals: dict[str, Any], table: str) -> dict[str, Any]:
    feed: dict[str, Any] = next(f for f in arrivals["feeds"] if f["table"] == table)
    return feed


def _drop_column(arrivals: dict[str, Any]) -> None:
    _feed(arrivals, "customers")["columns"].remove("first_name")  # no change of it


def _swap_columns(arrivals: dict[str, Any]) -> None:
    columns = _feed(arrivals, "customers")["columns"]
    columns[0], columns[1] = columns[1], columns[0]


def _date_at_reference_time(arrivals: dict[str, Any]) -> None:
    _feed(arrivals, "products")["insert_time"] = None  # the first day is reference_time's


def _rename(arrivals: dict[str, Any]) -> None:
    _feed(arrivals, "products")["name"] = "product_changes"


def _drop_feed(arrivals: dict[str, Any]) -> None:
    arrivals["feeds"].remove(_feed(arrivals, "products"))


BASE_CHANGES: dict[str, Change] = {
    "columns": _drop_column,
    "column order": _swap_columns,
    "insert_time": _date_at_reference_time,
    "name": _rename,
    "table": _drop_feed,
}


def _rows_per_day(arrivals: dict[str, Any]) -> None:
    arrivals["rows_per_day"]["orders"] += 1


def _every_day_field(arrivals: dict[str, Any]) -> None:
    """Every field that shapes appended days alone, changed at once."""
    arrivals["rows_per_day"] = {name: 2 * rows for name, rows in arrivals["rows_per_day"].items()}
    arrivals["weekday_weights"] = list(reversed(arrivals["weekday_weights"]))
    arrivals["start"] = "2026-01-09"
    for feed in arrivals["feeds"]:
        feed["delete_rate"] = 0.3
        feed["changes"].pop()
        for change in feed["changes"]:
            change["rate"] /= 2
        for defect in feed["defects"]:
            defect["rate"] /= 2


DAY_CHANGES: dict[str, Change] = {
    "rows_per_day": _rows_per_day,
    "every day field": _every_day_field,
}


def _changed(spec: DatasetSpec, change: Change) -> DatasetSpec:
    data = spec.model_dump(mode="json")
    change(data["arrivals"])
    return parse_spec(data, "changed")


def _id(spec: DatasetSpec) -> str:
    return generation_id(DatasetPlan(spec, SEED, BASE_ROWS, DEFECT_SCALE), "parquet")


def _feed_files(root: Path) -> dict[str, bytes]:
    """The files of every folder of the landing zone but the tables': the feeds'."""
    folders = [p for p in (root / "landing").iterdir() if p.is_dir() and p.name not in BASE_ROWS]
    return {
        f"{folder.name}/{name}": data
        for folder in sorted(folders)
        for name, data in files_of(folder).items()
    }


@pytest.mark.parametrize("field", list(BASE_CHANGES))
def test_a_feed_field_of_the_base_files_changes_the_id(busy_spec: DatasetSpec, field: str) -> None:
    assert _id(_changed(busy_spec, BASE_CHANGES[field])) != _id(busy_spec)


@pytest.mark.parametrize("field", list(BASE_CHANGES))
def test_a_feed_field_of_the_base_files_changes_them(
    busy_spec: DatasetSpec, busy_base: Path, tmp_path: Path, field: str
) -> None:
    """Why the id must change: the landing zone generated again is other feed bytes."""
    generate_base(_changed(busy_spec, BASE_CHANGES[field]), tmp_path)
    before, after = _feed_files(busy_base), _feed_files(tmp_path)
    assert before and after and after != before


@pytest.mark.parametrize("change", list(DAY_CHANGES))
def test_fields_of_the_days_alone_keep_the_id(busy_spec: DatasetSpec, change: str) -> None:
    assert _id(_changed(busy_spec, DAY_CHANGES[change])) == _id(busy_spec)


def test_fields_of_the_days_alone_change_no_file_of_the_generation(
    busy_spec: DatasetSpec, busy_base: Path, tmp_path: Path
) -> None:
    """Why they may stay out of the id: every file is the same but the copy of the spec."""
    generate_base(_changed(busy_spec, _every_day_field), tmp_path)
    before, after = files_of(busy_base / "landing"), files_of(tmp_path / "landing")
    assert before.pop("_spec.yaml") != after.pop("_spec.yaml")
    assert after == before
