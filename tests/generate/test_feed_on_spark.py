"""``--engine spark`` begins the change feeds as the local generator does: Spark's tasks
draw the tables, the driver writes the feeds' base INSERTs with the local code, so their
files and their manifest entries are the local ones, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retail_lakehouse.backends.spark.generate import generate_on_spark
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.generate.spec import DatasetSpec
from tests.generate.appended import files_of
from tests.spark_support import spark_session

pytestmark = pytest.mark.spark
ROWS = {"customers": 700, "products": 90, "orders": 900, "order_items": 2000}
FEEDS = ("customers_cdc", "products_cdc")


def _options(root: Path, fmt: str) -> GenerateOptions:
    return GenerateOptions(
        lakehouse=root, rows=ROWS, seed=11, defect_scale=4.0, workers=2, block_rows=256,
        output_format=fmt,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_spark_writes_the_local_feed_files(
    retail_spec: DatasetSpec, tmp_path: Path, fmt: str
) -> None:
    generate_dataset(retail_spec, _options(tmp_path / "local", fmt))
    report = generate_on_spark(spark_session(), retail_spec, _options(tmp_path / "spark", fmt))
    local, spark = (tmp_path / name / "landing" for name in ("local", "spark"))
    for feed in FEEDS:
        assert files_of(spark / feed) == files_of(local / feed)
    assert len(files_of(local / "customers_cdc")) == 3  # a part per block of 256 customers
    manifests = [json.loads((root / "_manifest.json").read_text()) for root in (local, spark)]
    assert manifests[1]["feeds"] == manifests[0]["feeds"]
    assert [(r.name, r.rows) for r in report.feeds] == [
        (feed, manifests[0]["feeds"][feed]["rows"]) for feed in FEEDS
    ]
