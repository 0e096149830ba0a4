"""The gold layer's numbers: equal to the stored gold tables; absent tables are listed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from retail_lakehouse.backends.duckdb.lakehouse_sql import QueryError
from retail_lakehouse.report.gold import GOLD_TABLES, read_gold
from tests.report.conftest import expected_gold


def test_the_numbers_are_those_of_the_gold_tables(reported_lakehouse: Path) -> None:
    gold = dataclasses.asdict(read_gold(reported_lakehouse / "tables"))
    expected = expected_gold(reported_lakehouse)
    assert {key: list(value) for key, value in gold.items()} == expected
    assert len(gold["daily"]) > 300 and len(gold["top_products"]) == 10


def test_missing_gold_tables_are_listed(tmp_path: Path) -> None:
    gold = read_gold(tmp_path)
    assert gold.missing == GOLD_TABLES
    assert (gold.daily, gold.categories, gold.segments, gold.top_products) == ((), (), (), ())


def test_no_tables_folder_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="run 'retail run' first"):
        read_gold(tmp_path / "nowhere")
