"""Tables print every name whole: ``retail run`` on an 80-column terminal and through a pipe,
and the tables themselves at narrower widths (columns left out, then words wrapped, then
cells folded, never an ellipsis); off a terminal the output is ASCII and its own width."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from rich.cells import cell_len
from rich.console import Console

from retail_lakehouse.cli.console import (
    PLAIN_WIDTH,
    FittingTable,
    TableColumn,
    generate_summary,
    output_console,
)
from retail_lakehouse.cli.main import main
from retail_lakehouse.cli.pipeline_output import arrow_table, datasets_summary
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.generate.runner import GenerateReport, TableReport
from retail_lakehouse.pipeline.model import Layer
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import DatasetResult, UpdateResult
from tests.pipeline.conftest import make_landing

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BORDER = re.compile(r"[│┃|]")
Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_landing(tmp_path_factory.mktemp("whole-names"))


@pytest.fixture(scope="module")
def builtin_names(lakehouse: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """The built-in pipeline's datasets, and its (dataset, expectation) pairs."""
    graph = load_pipeline(builtin_settings_path(), lakehouse).graph
    datasets = {planned.dataset.name for planned in graph.order}
    expectations = {
        (planned.dataset.name, expectation.name)
        for planned in graph.order
        for expectation in planned.dataset.expectations
    }
    return datasets, expectations


def summary_tables(out: str) -> list[Rows]:
    """The tables printed from the update's summary on: each a list of rows by header."""
    text = ANSI.sub("", out)
    tables: list[Rows] = []
    headers: list[str] = []
    for line in text[text.index("Pipeline '") :].splitlines():
        if not BORDER.match(line):
            continue
        cells = [cell.strip() for cell in BORDER.split(line)[1:-1]]
        if "dataset" in cells:
            headers = cells
            tables.append([])
        elif len(cells) == len(headers) and any(cells):
            tables[-1].append(dict(zip(headers, cells, strict=True)))
    return tables


def run_full_refresh(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["run", "--lakehouse", str(lakehouse), "--full-refresh"]) == 0
    return capsys.readouterr().out


def assert_every_name_whole(
    out: str, names: tuple[set[str], set[tuple[str, str]]]
) -> tuple[Rows, Rows]:
    datasets, expectations = summary_tables(out)
    assert {row["dataset"] for row in datasets} == names[0]
    assert {(row["dataset"], row["expectation"]) for row in expectations} == names[1]
    assert "…" not in out
    return datasets, expectations


def test_an_80_column_terminal_shows_every_name_whole(
    lakehouse: Path,
    builtin_names: tuple[set[str], set[tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich: a terminal, though pytest captures
    monkeypatch.setenv("COLUMNS", "80")
    out = run_full_refresh(lakehouse, capsys)
    datasets, _ = assert_every_name_whole(out, builtin_names)
    tables = ANSI.sub("", out[out.index("Pipeline '") : out.index("Report: ")])
    assert max(cell_len(line) for line in tables.splitlines()) <= 80
    assert "written" in datasets[0] and "quarantined" in datasets[0]


def test_a_pipe_gets_every_name_and_column_in_plain_ascii(
    lakehouse: Path,
    builtin_names: tuple[set[str], set[tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "0")  # a pipe, even under pytest -s
    monkeypatch.setenv("COLUMNS", "80")  # a pipe's width does not narrow the tables
    out = run_full_refresh(lakehouse, capsys)
    datasets, expectations = assert_every_name_whole(out, builtin_names)
    assert list(datasets[0]) == ["layer", "dataset", "kind", "rows in", "written",
                                 "quarantined", "s"]  # fmt: skip
    assert list(expectations[0]) == ["dataset", "expectation", "on violation", "passed",
                                     "failed"]  # fmt: skip
    assert out.isascii() and "\x1b" not in out and "left out" not in out


def finished(name: str, layer: Layer = "silver") -> DatasetResult:
    now = datetime.now(UTC)
    return DatasetResult(
        name, "materialized_view", layer, 1_234_567, 1_234_000, 567, (), 12.5, now, now
    )


UPDATE = UpdateResult(
    "0123456789", "retail", datetime.now(UTC), engine="duckdb",
    datasets=[finished("gold_customer_lifetime_value", "gold"), finished("silver_orders")],
)  # fmt: skip


def rendered(table: object, width: int, terminal: bool) -> str:
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=terminal, color_system=None).print(table)
    return out.getvalue()


def natural_width(table: object) -> int:
    return max(cell_len(line) for line in rendered(table, PLAIN_WIDTH, True).splitlines())


def test_a_narrow_terminal_leaves_out_the_first_columns_to_drop_and_says_so() -> None:
    width = natural_width(datasets_summary(UPDATE)) - 1
    shown = rendered(datasets_summary(UPDATE), width, terminal=True)
    header = next(line for line in shown.splitlines() if "dataset" in line)
    assert "layer" not in header and "kind" in header and "quarantined" in header
    assert "(left out to fit: layer)" in shown
    assert "gold_customer_lifetime_value" in shown
    assert max(cell_len(line) for line in shown.splitlines()) <= width


def test_too_narrow_for_the_names_folds_them_instead_of_cutting() -> None:
    shown = rendered(datasets_summary(UPDATE), 30, terminal=True)
    assert "…" not in shown and "1,234,000" in shown  # figures never wrap
    first_cells = [line.split("│")[1].strip() for line in shown.splitlines() if line[0] == "│"]
    folded = "".join(first_cells)
    assert "gold_customer_lifetime_value" in folded
    assert max(cell_len(line) for line in shown.splitlines()) <= 30


def test_query_results_wrap_between_words_and_keep_column_names_whole() -> None:
    data = pa.table({
        "customer_segment": ["premium [bold]", None],
        "avg_lifetime_value_eur": [1.5, 2.25],
        "address": ["a street name that goes on and on, 12345 Somewhere", "b"],
    })  # fmt: skip
    shown = rendered(arrow_table(data), 64, terminal=True)
    assert "customer_segment" in shown and "avg_lifetime_value_eur" in shown
    assert "premium [bold]" in shown and "NULL" in shown and "…" not in shown
    assert max(cell_len(line) for line in shown.splitlines()) <= 64


def test_off_a_terminal_tables_are_ascii_whatever_the_width_of_the_pipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = GenerateReport(
        Path("lh/landing"), [TableReport("a_table_with_a_long_name", 100, 1, 2048, 0.5)], 2.0
    )
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    shown = []
    for columns in ("40", "300"):
        monkeypatch.setenv("COLUMNS", columns)
        console = output_console()
        assert not console.is_terminal and console.width == PLAIN_WIDTH
        with console.capture() as captured:
            console.print(datasets_summary(UPDATE), generate_summary(report))
        shown.append(captured.get())
    assert shown[0] == shown[1] and shown[0].isascii()
    assert "| a_table_with_a_long_name |" in shown[0] and "+----" in shown[0]


def test_a_row_needs_a_cell_for_every_column() -> None:
    table = FittingTable([TableColumn("name"), TableColumn("rows", "right")])
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        table.add_row("orders")
