"""The engine within a memory limit: an update larger than the limit spills into the
lakehouse's scratch space and writes the same, correct tables; nothing is left behind or
written outside the lakehouse; what a killed writer left there is swept."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlglot
from benchmarks.invariants import check_lakehouse

from retail_lakehouse.backends import Resources, machine_memory
from retail_lakehouse.backends.duckdb.backend import DuckDBBackend
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.cli.main import main
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.pipeline import runner
from retail_lakehouse.pipeline.engine import EngineError, Sources
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.watch import Unwatched

LIMIT = 64 * 2**20  # far below what the update's tables take at scale 0.3
SCALE = 0.3


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("memory")
    options = GenerateOptions(lakehouse=root, scale=SCALE, workers=1, parallelism="threads")
    generate_dataset(builtin_spec(), options)
    return root


class SpillWatcher(Unwatched):
    """Which files DuckDB has spilled to, looked at every few milliseconds while the update
    runs: the engine keeps little resident (file scans stay views, relations are freed
    after their last reader), so a spill may last one statement."""

    def __init__(self, engine: DuckDBEngine) -> None:
        self.engine = engine
        self.spilled: set[Path] = set()
        self._done = threading.Event()
        self._looking = threading.Thread(target=self._look, daemon=True)

    def dataset_started(self, name: str) -> None:
        if not self._looking.is_alive() and not self._done.is_set():
            self._looking.start()

    def stop(self) -> None:
        self._done.set()
        self._looking.join()

    def _look(self) -> None:
        cursor = self.engine.connection.cursor()
        try:
            while not self._done.wait(0.005):
                rows = cursor.sql("SELECT path FROM duckdb_temporary_files()").fetchall()
                self.spilled |= {Path(row[0]) for row in rows}
        finally:
            cursor.close()


def test_an_update_over_its_limit_spills_into_the_scratch_space(landed: Path) -> None:
    spill = Lakehouse(landed).scratch / "duckdb-test"
    engine = DuckDBEngine(threads=2, memory_limit=LIMIT, spill=spill)
    watcher = SpillWatcher(engine)
    try:
        pipeline = load_pipeline(builtin_settings_path(), landed)
        update = runner.run_update(pipeline, engine, True, watcher)
    finally:
        watcher.stop()
        engine.close()
    assert update.status == "COMPLETED"
    assert watcher.spilled, "nothing spilled"
    assert all(path.is_relative_to(spill) for path in watcher.spilled)
    assert check_lakehouse(landed) == []
    assert not Lakehouse(landed).scratch.exists()  # removed with the engine


def test_the_cli_takes_a_limit_and_writes_nothing_outside_the_lakehouse(
    landed: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    elsewhere = tmp_path / "working folder"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    arguments = ["run", "--lakehouse", str(landed), "--full-refresh", "--threads", "2"]
    assert main([*arguments, "--memory-limit", "64MiB"]) == 0
    assert "memory limit 64.0 MiB, 2 threads" in capsys.readouterr().out
    assert list(elsewhere.iterdir()) == []
    assert check_lakehouse(landed) == []


def test_a_killed_writers_scratch_is_swept_by_the_next_update(landed: Path) -> None:
    leftover = Lakehouse(landed).scratch / "duckdb-1" / "duckdb_temp_storage-0.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"spilled")
    engine = DuckDBEngine()
    try:
        runner.run_update(load_pipeline(builtin_settings_path(), landed), engine)
    finally:
        engine.close()
    assert not leftover.parent.exists()


@pytest.mark.parametrize("size", ["lots", "2XB", "10KB", "0"])
def test_a_limit_that_is_not_a_size_is_refused(
    size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--memory-limit", size])
    assert exited.value.code == 2
    assert "--memory-limit" in capsys.readouterr().err


def test_without_a_limit_the_engine_takes_a_sixteenth_of_the_machine(tmp_path: Path) -> None:
    backend = DuckDBBackend(Resources(scratch=tmp_path / ".scratch"))
    try:
        engine = backend.engine()
        (limit,), *_ = engine.connection.sql(
            "SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'"
        ).fetchall()
    finally:
        backend.close()
    number, unit = str(limit).split()
    unit_bytes = {"MiB": 2**20, "GiB": 2**30}[unit]
    shown, expected = float(number) * unit_bytes, machine_memory() / 16
    assert shown <= expected < shown + 0.1 * unit_bytes  # shown cut to one decimal


def test_running_out_of_memory_names_the_setting_that_gives_more() -> None:
    """Without spilling, a sort far larger than the limit cannot finish: the one line says
    which option gives the engine more memory, not only DuckDB's words."""
    engine = DuckDBEngine(threads=1, memory_limit=16 * 2**20)  # no spill folder: no spilling
    wide = "SELECT i, repeat('x', 200) || i AS v FROM range(2000000) AS t(i) ORDER BY v DESC"
    try:
        with pytest.raises(EngineError, match=r"out of memory .*--memory-limit \(DuckDB: "):
            engine.run_query("sorted", sqlglot.parse_one(wide, read="databricks"), Sources([]))
    finally:
        engine.close()
