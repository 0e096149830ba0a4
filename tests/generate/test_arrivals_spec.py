"""The spec's ``arrivals`` section: typed, checked against the tables, one-line errors that
name the field; and a spec without it dumps and identifies its generation as before."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from retail_lakehouse.datasets import builtin_spec, builtin_spec_text
from retail_lakehouse.generate.manifest import generation_id
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec import SpecError, dump_spec, parse_spec

BUILTIN: dict[str, Any] = yaml.safe_load(builtin_spec_text())


def _error(mutate: Any) -> str:
    data = copy.deepcopy(BUILTIN)
    mutate(data["arrivals"])
    with pytest.raises(SpecError) as caught:
        parse_spec(data, "my.yaml")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("my.yaml: ")
    return message.removeprefix("my.yaml: ")


def _feed(arrivals: dict[str, Any], table: str) -> dict[str, Any]:
    feed: dict[str, Any] = next(f for f in arrivals["feeds"] if f["table"] == table)
    return feed


def _set(target: Any, key: str | int, value: Any) -> None:
    target[key] = value


def _without_insert_time(arrivals: dict[str, Any], start: str) -> None:
    arrivals["start"] = start
    del _feed(arrivals, "customers")["insert_time"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda a: _set(a, "rows_per_day", {"nope": 3}),
         "arrivals: rows_per_day names unknown table 'nope'"),
        (lambda a: _set(a, "rows_per_day", {"order_items": 3}),
         "arrivals: table 'order_items' covers 'orders', which gets no rows_per_day"),
        (lambda a: _set(a, "weekday_weights", [1, 1]),
         "arrivals.weekday_weights: List should have at least 7 items after validation, not 2"),
        (lambda a: _set(a, "surprise", 1), "arrivals.surprise: Extra inputs are not permitted"),
        (lambda a: _set(_feed(a, "customers"), "columns", ["city", "loyalty_tier", "shoe_size"]),
         "arrivals: feed 'customers_cdc': 'shoe_size' is not a written column of 'customers'"),
        (lambda a: _set(_feed(a, "customers"), "columns", ["email_domain", "city", "loyalty_tier"]),
         "arrivals: feed 'customers_cdc': 'email_domain' is not a written column of 'customers'"),
        (lambda a: _set(_feed(a, "products"), "insert_time", "list_price"),
         "arrivals: feed 'products_cdc': insert_time 'list_price' is not a timestamp column"),
        (lambda a: _set(_feed(a, "products")["changes"], 0,
                        {"kind": "reword", "column": "list_price", "rate": 0.1}),
         "arrivals: feed 'products_cdc' change 'reword' of 'list_price': the column is not a "
         "vocabulary column"),
        (lambda a: _set(_feed(a, "customers")["changes"][0], "kind", "teleport"),
         "arrivals.feeds[0].changes[0]: Input tag 'teleport' found using 'kind' does not match "
         "any of the expected tags: 'choose', 'reword', 'scale', 'set'"),
        (lambda a: _set(_feed(a, "products")["changes"][0], "high", 0.5),
         "arrivals.feeds[1].changes[0]: high must be greater than low"),
        (lambda a: _set(_feed(a, "customers")["defects"][0], "rate", 2),
         "arrivals.feeds[0].defects.out_of_order_change.rate: Input should be less than or "
         "equal to 1"),
        (lambda a: _set(_feed(a, "customers"), "table", "ghosts"),
         "arrivals: feed 'ghosts_cdc' names unknown table 'ghosts'"),
        (lambda a: _set(_feed(a, "customers"), "name", "orders"),
         "arrivals: feed 'orders': its folder is the folder of table 'orders'"),
        (lambda a: _set(a, "start", "2025-12-15"),
         "arrivals: feed 'customers_cdc': insert_time 'signup_ts' ends after the first "
         "appended day begins (2025-12-15)"),
        (lambda a: _without_insert_time(a, "2025-12-31"),
         "arrivals: feed 'customers_cdc' dates the base data's INSERTs at reference_time, "
         "after the first appended day begins (2025-12-31); name an insert_time"),
    ],
)  # fmt: skip
def test_errors_name_the_field(mutate: Any, expected: str) -> None:
    assert _error(mutate) == expected


def test_the_builtin_arrivals_round_trip_through_yaml() -> None:
    spec = builtin_spec()
    assert spec.arrivals is not None
    assert parse_spec(yaml.safe_load(dump_spec(spec)), "dumped") == spec


def test_arrivals_change_neither_the_dump_without_them_nor_the_generation_id() -> None:
    """A spec without arrivals dumps as it did before arrivals existed, and arrivals
    without feeds do not enter its generation id (the feeds' base fields do:
    ``test_generation_id``)."""
    data = copy.deepcopy(BUILTIN)
    del data["arrivals"]
    without = parse_spec(data, "without")
    assert "arrivals" not in yaml.safe_load(dump_spec(without))
    no_feeds = copy.deepcopy(BUILTIN)
    no_feeds["arrivals"]["feeds"] = []
    rows = {"customers": 10, "products": 5, "orders": 20, "order_items": 40}
    with_arrivals = DatasetPlan(parse_spec(no_feeds, "no feeds"), 1, rows)
    assert generation_id(with_arrivals, "csv") == generation_id(
        DatasetPlan(without, 1, rows), "csv"
    )
