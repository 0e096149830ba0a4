"""Pipeline settings' paths: the tables and a landing_path stay inside the lakehouse, the
files the settings name inside the settings' folder; an escape is one line naming the
file and the setting, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.cli.main import main
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.settings import SettingsError
from tests.pipeline.conftest import make_landing

PIPELINE_SQL = "CREATE OR REFRESH MATERIALIZED VIEW one AS SELECT 1 AS a;\n"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """``lakehouse/``, ``pipeline/sql/`` beside it, and ``elsewhere/`` outside both, with
    SQL and YAML files that a path escaping either folder could reach."""
    (tmp_path / "lakehouse").mkdir()
    for folder in ("pipeline", "elsewhere"):
        (tmp_path / folder / "sql").mkdir(parents=True)
        (tmp_path / folder / "sql" / "one.sql").write_text(PIPELINE_SQL)
        (tmp_path / folder / "charts.yaml").write_text("charts: []\n")
        (tmp_path / folder / "ground_truth.yaml").write_text("{}\n")
    return tmp_path


def settings_file(layout: Path, lines: str) -> Path:
    path = layout / "pipeline" / "settings.yaml"
    text = f"name: mine\n{lines}\n".replace("{outside}", str(layout / "elsewhere"))
    path.write_text(text.replace("{lakehouse}", str(layout / "lakehouse")))
    return path


def settings_error(layout: Path, lines: str) -> str:
    path = settings_file(layout, lines)
    with pytest.raises(SettingsError) as caught:
        load_pipeline(path, layout / "lakehouse")
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ("sql: sql\ntables: {outside}/tables", "tables"),
        ("sql: sql\ntables: ../tables", "tables"),
        ("sql: sql\ntables: a/../../tables", "tables"),
        ("sql: ../elsewhere/sql", "sql"),
        ("sql: {outside}/sql", "sql"),
        ("sql: sql\ncharts: ../elsewhere/charts.yaml", "charts"),
        ("sql: sql\nground_truth: {outside}/ground_truth.yaml", "ground_truth"),
        ("sql: sql\nconfiguration:\n  landing_path: {outside}", "configuration.landing_path"),
        (
            "sql: sql\nconfiguration:\n  landing_path: {lakehouse}/../elsewhere",
            "configuration.landing_path",
        ),
    ],
)
def test_a_path_out_of_its_folder_is_a_settings_error(layout: Path, lines: str, field: str) -> None:
    assert settings_error(layout, lines).startswith(f"{field}: ")


def test_a_link_out_of_the_settings_folder_is_followed(layout: Path) -> None:
    (layout / "pipeline" / "linked").symlink_to(layout / "elsewhere" / "sql")
    assert settings_error(layout, "sql: linked").startswith("sql: linked is outside")


def test_paths_inside_their_folders_load(layout: Path) -> None:
    lakehouse = layout / "lakehouse"
    lines = f"sql: sql\ntables: mine/tables\nconfiguration:\n  landing_path: {lakehouse}/raw"
    pipeline = load_pipeline(settings_file(layout, lines), lakehouse)
    assert pipeline.lakehouse.tables == lakehouse / "mine" / "tables"
    assert pipeline.files.sql == (layout / "pipeline" / "sql").resolve()
    assert pipeline.configuration["landing_path"] == f"{lakehouse}/raw"
    assert pipeline.graph.names() == ["one"]


def test_a_relative_landing_path_is_read_from_the_working_folder(
    layout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layout)
    settings = settings_file(layout, "sql: sql\nconfiguration:\n  landing_path: lakehouse/raw")
    pipeline = load_pipeline(settings, Path("lakehouse"))
    assert pipeline.configuration["landing_path"] == "lakehouse/raw"
    settings_file(layout, "sql: sql\nconfiguration:\n  landing_path: elsewhere")
    with pytest.raises(SettingsError, match=r"configuration\.landing_path: elsewhere is outside"):
        load_pipeline(settings, Path("lakehouse"))


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_retail_run_refuses_tables_outside_the_lakehouse(
    layout: Path, dry_run: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    lakehouse = make_landing(layout / "lakehouse")
    settings = settings_file(layout, "sql: sql\ntables: ../escaped")
    before = sorted(layout.iterdir())
    code = main(["run", "--pipeline", str(settings), "--lakehouse", str(lakehouse), *dry_run])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"retail: error: {settings}: tables: ") and len(err.splitlines()) == 1
    assert sorted(layout.iterdir()) == before and not (layout / "escaped").exists()
