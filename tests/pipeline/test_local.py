"""run_local: the engine starts while the generator's workers run, and closes after."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from retail_lakehouse.backends import factory
from retail_lakehouse.backends.names import EngineName
from retail_lakehouse.cli import land_and_update as local
from retail_lakehouse.datasets import builtin_spec
from retail_lakehouse.generate.runner import GenerateOptions
from retail_lakehouse.pipeline.engine import Engine
from retail_lakehouse.pipeline.project import builtin_settings_path
from tests.helpers import modules_loaded
from tests.pipeline.conftest import SMALL


def test_the_run_command_loads_no_pipeline_library_before_generating() -> None:
    statements = "import retail_lakehouse.cli, retail_lakehouse.cli.run"
    assert modules_loaded(statements, ("duckdb", "sqlglot", "deltalake")) == []


def test_the_engine_starts_while_the_workers_generate_and_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[int, bool]] = []
    closed: list[bool] = []

    def create_engine(name: EngineName, master: str | None) -> Engine:
        landed = local.landing_exists(tmp_path)
        started.append((len(multiprocessing.active_children()), landed))
        engine = factory.create_engine(name, master)
        real_close = engine.close

        def close() -> None:
            closed.append(True)
            real_close()

        monkeypatch.setattr(engine, "close", close)
        return engine

    monkeypatch.setattr(local, "create_engine", create_engine)
    options = GenerateOptions(lakehouse=tmp_path, rows=SMALL, workers=2, block_rows=2000)
    result = local.run_local(builtin_spec(), options, builtin_settings_path())

    assert result.generated is not None and result.update.status == "COMPLETED"
    assert len(started) == 1
    workers, landed = started[0]
    assert workers >= 2 and not landed  # during the generation
    assert closed == [True]
