"""Expectations on DuckDB: the failing rows' table holds their columns next to its own
bookkeeping, so the quarantine never reads the checked table again."""

from __future__ import annotations

import doctest

import pyarrow as pa

from retail_lakehouse.backends.duckdb import checks
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.pipeline.model import Expectation


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(checks).failed == 0


def test_columns_named_like_bookkeeping_are_kept_and_quarantined_as_they_are(
    engine: DuckDBEngine,
) -> None:
    rows = pa.table({"__row": [1, 2, 3, 4], "__f0": ["a", "b", "c", "d"], "v": [5, -1, 7, -2]})
    engine.connection.register("odd_source", rows)
    engine._create("table", "odd_names", "SELECT * FROM odd_source")
    rules = (Expectation("positive", "v > 0", "drop"), Expectation("small", "v < 6"))
    checked = engine.check("odd_names", rules, "u1")
    assert [(c.name, c.failed) for c in checked.counts] == [("positive", 2), ("small", 1)]
    assert engine.export(checked.kept).to_pydict() == {
        "__row": [1, 3],
        "__f0": ["a", "c"],
        "v": [5, 7],
    }
    quarantine = engine.export(checked.quarantine).to_pydict()
    assert quarantine["__row"] == [2, 4] and quarantine["__f0"] == ["b", "d"]
    assert quarantine["_failed_expectations"] == [["positive"], ["positive"]]
    assert quarantine["_update_id"] == ["u1", "u1"]
