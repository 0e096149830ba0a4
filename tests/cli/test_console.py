"""Terminal output: progress bars only on a terminal, and the summary table's figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from retail_lakehouse.cli.console import (
    DatasetProgress,
    RowProgress,
    RunDisplay,
    generate_summary,
    human_bytes,
)
from retail_lakehouse.generate.runner import GenerateReport, TableReport
from retail_lakehouse.pipeline.results import DatasetResult


def test_progress_draws_bars_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with RowProgress(console) as progress:
        progress.start("orders", 1000)
        progress.advance("orders", 1000)
    assert "orders" in out.getvalue() and "1000/1000" in out.getvalue()


def test_progress_is_silent_when_not_a_terminal() -> None:
    out = io.StringIO()
    with RowProgress(Console(file=out, force_terminal=False)) as progress:
        progress.start("orders", 10)
        progress.advance("orders", 10)
    assert out.getvalue() == ""


def finished(name: str, rows: int, seconds: float) -> DatasetResult:
    now = datetime.now(UTC)
    return DatasetResult(name, "materialized_view", "silver", rows, rows, 0, (), seconds, now, now)


def test_an_update_prints_plain_lines_when_not_a_terminal() -> None:
    out, lines = io.StringIO(), io.StringIO()
    progress = DatasetProgress(Console(file=out, force_terminal=False), plain=lines)
    progress.dataset_started("silver_orders")
    progress.dataset_finished(finished("silver_orders", 1234567, 2.5))
    progress.committing(3)

    assert lines.getvalue().splitlines() == [
        "silver_orders: running",
        "silver_orders: 1,234,567 rows in 2.50 s",
        "committing 3 tables",
    ]
    assert out.getvalue() == ""


def test_an_update_shows_each_dataset_live_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with RunDisplay(console) as display:
        display.rows.start("orders", 10)
        display.rows.advance("orders", 10)
        display.datasets.dataset_started("bronze_orders")
        display.datasets.dataset_started("silver_orders")
        display.datasets.dataset_finished(finished("bronze_orders", 4321, 0.5))

    shown = out.getvalue()
    assert "10/10" in shown and "4,321 rows" in shown
    assert "silver_orders" in shown and "running" in shown and "done" in shown


def test_summary_lists_every_table_and_the_total() -> None:
    report = GenerateReport(
        Path("lh/landing"),
        [TableReport("customers", 100, 1, 2048, 0.5), TableReport("orders", 300, 2, 4096, 1.5)],
        seconds=2.0,
    )
    out = io.StringIO()
    Console(file=out, width=120).print(generate_summary(report))
    text = out.getvalue()
    assert "customers" in text and "orders" in text
    assert "400" in text and "6.0 KB" in text and "200 rows/s" in text


def test_human_bytes() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(3 * 1024**3) == "3.0 GB"
