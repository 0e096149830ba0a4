"""The report command, and the report step of ``retail run``: where it writes, what it
prints, a failed update's report, errors, and imports kept off the other commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retail_lakehouse.cli.main import main
from retail_lakehouse.storage.delta import DeltaStore
from tests.helpers import modules_loaded
from tests.pipeline.conftest import failing_pipeline
from tests.report.conftest import embedded_data


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_every_run_wrote_the_lakehouse_report(reported_lakehouse: Path) -> None:
    page = (reported_lakehouse / "report.html").read_text(encoding="utf-8")
    events = DeltaStore(reported_lakehouse / "tables").read("event_log").to_pylist()
    newest = max((e for e in events if e["event_type"] == "update_progress"),
                 key=lambda e: e["timestamp"])  # fmt: skip
    assert embedded_data(page)["latest"]["update_id"] == newest["update_id"]


def test_report_writes_where_asked(
    reported_lakehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "two.html"
    args = [
        "report",
        "--lakehouse",
        str(reported_lakehouse),
        "--runs",
        "2",
        "--output",
        str(output),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"Report: {output.resolve()} (")
    data = embedded_data(output.read_text(encoding="utf-8"))
    assert len(data["runs"]) == 2 and data["pipeline"] == "retail"


def test_report_goes_to_the_lakehouse_by_default(
    reported_lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--lakehouse", str(reported_lakehouse)]) == 0
    path = (reported_lakehouse / "report.html").resolve()
    assert last_line(capsys.readouterr().out).startswith(f"Report: {path} (")
    assert len(embedded_data(path.read_text(encoding="utf-8"))["runs"]) == 3


def test_a_lakehouse_without_runs_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--lakehouse", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no event log here; run 'retail run' first" in err
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("count", ["0", "-3", "many"])
def test_runs_must_be_a_positive_count(count: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--runs", count])
    assert exit_info.value.code == 2 and "--runs" in capsys.readouterr().err


def test_a_failed_run_reports_its_failure(
    reported_lakehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lakehouse"
    shutil.copytree(reported_lakehouse, root)
    shutil.rmtree(root / "pipeline")
    capsys.readouterr()
    assert main(["run", "--lakehouse", str(root), "--pipeline", str(failing_pipeline(root))]) == 1
    captured = capsys.readouterr()
    report = root / "report.html"
    assert last_line(captured.out).startswith(f"Report: {report.resolve()} (")
    assert "update failed" in captured.err
    data = embedded_data(report.read_text(encoding="utf-8"))
    assert data["latest"]["status"] == "FAILED" and len(data["runs"]) == 4
    assert data["flows"][-1]["dataset"] == "silver_orders"
    states = {node["name"]: node["state"] for node in data["nodes"]}
    assert states["silver_orders"] == "failed" and states["gold_daily_sales_summary"] == "not_run"


def test_the_parser_imports_no_report_library() -> None:
    statements = "from retail_lakehouse.cli.main import _parser; _parser()"
    loaded = modules_loaded(statements, ("leather", "grandalf", "retail_lakehouse.report"))
    assert [m for m in loaded if m != "retail_lakehouse.report"] == []  # the package is light
