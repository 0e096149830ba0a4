"""``retail simulate``: a line per day whose figures the manifest confirms, the lakehouse's
invariants after every day, and days processed one update each equal to one full refresh
over the same landing zone."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from benchmarks.invariants import check_lakehouse

from retail_lakehouse.cli.main import main
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.pipeline.project import landing_defaults
from tests.backends.duckdb.conftest import stored_rows

READ_FEEDS = ("customers_cdc", "products_cdc")  # the change feeds the built-in pipeline ingests
LINE = re.compile(
    r"^(?P<day>[\w -]+): landed (?P<landed>[\d,]+) rows; streaming tables read "
    r"(?P<read>[\d,]+) new rows; update [\d.]+ s$"
)


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_each_day_lands_its_batch_and_the_update_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "daily"
    assert main(["simulate", "--days", "3", "--scale", "0.01", "--lakehouse", str(root)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("Report: ")
    days = [found for line in lines[:-1] if (found := LINE.match(line))]
    assert len(days) == len(lines) - 1 == 4, lines
    manifest = json.loads((root / "landing" / "_manifest.json").read_text())
    batches = manifest["arrivals"]["batches"]
    feeds = {
        name: feed["rows"] - sum(b["feeds"][name]["rows"] for b in batches)
        for name, feed in manifest["feeds"].items()
    }  # the base data's INSERTs
    base = sum(manifest["arrivals"]["base_rows"].values())
    assert (days[0]["day"], number(days[0]["landed"]), number(days[0]["read"])) == (
        "base data", base + sum(feeds.values()), base + sum(feeds[f] for f in READ_FEEDS)
    )  # fmt: skip
    start = date.fromisoformat(manifest["arrivals"]["start"][:10])
    for index, (found, batch) in enumerate(zip(days[1:], batches, strict=True)):
        assert found["day"] == batch["day"] == (start + timedelta(days=index)).isoformat()
        tables = sum(t["rows"] for t in batch["tables"].values())
        feed_rows = sum(f["rows"] for f in batch["feeds"].values())
        read = tables + sum(batch["feeds"][f]["rows"] for f in READ_FEEDS)
        assert (number(found["landed"]), number(found["read"])) == (tables + feed_rows, read)
    assert check_lakehouse(root) == []


def test_days_one_update_each_equal_one_full_refresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    daily, once = tmp_path / "daily", tmp_path / "once"
    assert main(["simulate", "--days", "2", "--scale", "0.01", "--lakehouse", str(daily)]) == 0
    shutil.copytree(daily / "landing", once / "landing")
    assert main(["run", "--full-refresh", "--lakehouse", str(once)]) == 0
    capsys.readouterr()
    expected = stored_rows(once)
    assert {"silver_orders", "gold_daily_sales_summary"} <= expected.keys()
    assert stored_rows(daily) == expected


def test_the_data_is_as_of_the_day_after_the_last_day(tmp_path: Path) -> None:
    root = tmp_path / "lakehouse"
    assert main(["simulate", "--days", "2", "--scale", "0.01", "--lakehouse", str(root)]) == 0
    manifest = json.loads((root / "landing" / "_manifest.json").read_text())
    start = date.fromisoformat(manifest["arrivals"]["start"][:10])
    assert manifest["reference_time"][:10] == start.isoformat()
    configuration = landing_defaults(Lakehouse(root))
    assert configuration["as_of_date"] == (start + timedelta(days=2)).isoformat()
