"""Failed updates change nothing, and bad input gets one line naming the file and line."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pytest

from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.cli.main import main
from retail_lakehouse.pipeline import commit as committing
from retail_lakehouse.pipeline.engine import TableWrite
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import NEW_FILES_PREFIX, StagedFiles
from retail_lakehouse.storage.delta_files import commit_files as real_commit
from tests.pipeline.conftest import custom_pipeline, failing_pipeline, make_landing


def versions(root: Path) -> dict[str, int | None]:
    store = DeltaStore(root / "tables")
    return {
        name: store.version(name).version for name in store.list_tables() if name != "event_log"
    }


def run_cli(root: Path, settings: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["run", "--lakehouse", str(root), "--pipeline", str(settings)])
    return code, capsys.readouterr().err


@pytest.fixture
def ready(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A lakehouse that has had one successful update."""
    root = make_landing(tmp_path)
    assert main(["run", "--lakehouse", str(root)]) == 0
    capsys.readouterr()
    return root


def test_fail_update_leaves_every_table_as_it_was(
    ready: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = versions(ready)
    rows_before = DeltaStore(ready / "tables").read("silver_orders").num_rows
    settings = failing_pipeline(ready)
    code, err = run_cli(ready, settings, capsys)
    assert code == 1
    assert "expectation 'shipped_after_ordered' of 'silver_orders' failed" in err
    assert "02_silver.sql:" in err and err.count("\n") == 1
    assert versions(ready) == before
    assert DeltaStore(ready / "tables").read("silver_orders").num_rows == rows_before
    log = DeltaStore(ready / "tables").read("event_log").to_pylist()
    failed = [e for e in log if e["event_type"] == "update_progress" and e["status"] == "FAILED"]
    assert len(failed) == 1 and "shipped_after_ordered" in failed[0]["message"]
    flows = [e for e in log if e["update_id"] == failed[0]["update_id"]
             and e["event_type"] == "flow_progress"]  # fmt: skip
    tripped = [f for f in flows if f["status"] == "FAILED"]
    assert [f["dataset_name"] for f in tripped] == ["silver_orders"]
    assert tripped[0]["rows_written"] == 0 and tripped[0]["level"] == "ERROR"
    counts = {e["name"]: e["failed_records"] for e in tripped[0]["expectations"]}
    assert counts["shipped_after_ordered"] == int(err.split(" failed for ")[1].split()[0]) > 0
    assert all(f["status"] == "COMPLETED" for f in flows if f is not tripped[0])


@pytest.mark.parametrize(
    ("edit", "extra", "message"),
    [
        ({"03_gold.sql": ("GROUP BY order_date;", "GROUP BY order_date ORDER BY;")}, None,
         "03_gold.sql:"),
        ({"03_gold.sql": ("FROM revenue_orders\nGROUP BY order_date",
                          "FROM revenue_order\nGROUP BY order_date")},
         None, "reads unknown table 'revenue_order'"),
        (None, "CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT * FROM b;\n"
               "CREATE OR REFRESH MATERIALIZED VIEW b AS SELECT * FROM a;\n", "cycle"),
        ({"01_bronze.sql": ("'${landing_path}/orders'", "'${landing_root}/orders'")}, None,
         "unknown configuration variable '${landing_root}'"),
        (None, "CREATE OR REFRESH MATERIALIZED VIEW x (\n"
               "  CONSTRAINT c EXPECT (a > 0) ON VIOLATION DELETE ROW\n) AS SELECT 1 AS a;\n",
         "99_extra.sql:2"),
        (None, "INSERT INTO x VALUES (1);\n", "99_extra.sql:1"),
        ({"02_silver.sql": ("EXPECT (list_price > 0)", "EXPECT (list_prize > 0)")}, None,
         "02_silver.sql:29: an expectation of 'silver_products'"),
        ({"03_gold.sql": ("count(order_id) AS total_orders", "count(order_key) AS total_orders")},
         None, "03_gold.sql:43: 'gold_customer_lifetime_value'"),
    ],
    ids=["syntax", "unknown-table", "cycle", "unknown-variable", "bad-action", "not-create",
         "unknown-expectation-column", "unknown-query-column"],
)  # fmt: skip
def test_bad_definitions_are_one_line_errors_and_change_nothing(
    ready: Path, capsys: pytest.CaptureFixture[str],
    edit: dict[str, tuple[str, str]] | None, extra: str | None, message: str,
) -> None:  # fmt: skip
    before = versions(ready)
    settings = custom_pipeline(ready, edit, extra)
    code, err = run_cli(ready, settings, capsys)
    assert code == 2, err
    assert message in err
    assert err.startswith("retail: error: ") and err.count("\n") == 1
    assert versions(ready) == before


@pytest.mark.parametrize("damage", ["garbled", "deleted"])
def test_corrupt_or_missing_delta_log_is_a_one_line_error(
    ready: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    log = ready / "tables" / "silver_orders" / "_delta_log"
    if damage == "garbled":
        sorted(log.glob("*.json"))[-1].write_text("{not json")
    else:
        shutil.rmtree(log)
    settings_before = versions_without(ready, "silver_orders")
    code = main(["run", "--lakehouse", str(ready)])
    err = capsys.readouterr().err
    assert code == 2
    assert "silver_orders" in err and err.count("\n") == 1
    assert versions_without(ready, "silver_orders") == settings_before


def versions_without(root: Path, broken: str) -> dict[str, int | None]:
    store = DeltaStore(root / "tables")
    return {
        n: store.version(n).version for n in store.list_tables() if n not in (broken, "event_log")
    }


def test_missing_landing_folder_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_landing(tmp_path)
    shutil.rmtree(root / "landing" / "products")
    assert main(["run", "--lakehouse", str(root)]) == 2
    err = capsys.readouterr().err
    assert "bronze_products" in err and "reads no files" in err
    assert not (root / "tables").exists() or versions(root) == {}


def test_a_failed_commit_restores_the_tables_already_committed(
    ready: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = DeltaStore(ready / "tables")
    before = {
        name: store.read(name).sort_by(_first_column(store, name)) for name in versions(ready)
    }
    calls = {"n": 0}

    def failing_commit(staged: StagedFiles, metadata: Mapping[str, str] | None = None) -> None:
        calls["n"] += 1
        if calls["n"] == 8:
            raise OSError("disk full")
        real_commit(staged, metadata)

    monkeypatch.setattr(committing, "commit_files", failing_commit)
    assert main(["run", "--lakehouse", str(ready), "--full-refresh"]) == 2
    assert capsys.readouterr().err == "retail: error: disk full\n"
    monkeypatch.undo()
    assert calls["n"] >= 8
    for name, table in before.items():
        assert store.read(name).sort_by(_first_column(store, name)).equals(table), name
    assert not _staged_folders(ready)


def test_a_failed_staging_changes_no_table_and_leaves_no_files(
    ready: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = versions(ready)
    real_stage = DuckDBEngine.stage
    calls = {"n": 0}

    def failing_stage(self: DuckDBEngine, write: TableWrite, store: DeltaStore) -> StagedFiles:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return real_stage(self, write, store)

    monkeypatch.setattr(DuckDBEngine, "stage", failing_stage)
    assert main(["run", "--lakehouse", str(ready), "--full-refresh"]) == 2
    assert capsys.readouterr().err == "retail: error: disk full\n"
    assert calls["n"] > 5  # the update went on computing and staging after the failure
    assert versions(ready) == before
    assert not _staged_folders(ready)


def _staged_folders(root: Path) -> list[Path]:
    """Staged files left beside the tables (committed ones live inside a table folder)."""
    return [p for p in (root / "tables").iterdir() if NEW_FILES_PREFIX in p.name]


def _first_column(store: DeltaStore, name: str) -> list[tuple[str, str]]:
    columns = [c for c in store.read(name).column_names if not c.startswith("_")]
    return [(columns[0], "ascending")] if columns else []


def _interrupt_at_commit(monkeypatch: pytest.MonkeyPatch, number: int) -> dict[str, int]:
    """Ctrl-C (KeyboardInterrupt) during the ``number``-th table commit."""
    calls = {"n": 0}

    def commit(staged: StagedFiles, metadata: Mapping[str, str] | None = None) -> None:
        calls["n"] += 1
        if calls["n"] == number:
            raise KeyboardInterrupt
        real_commit(staged, metadata)

    monkeypatch.setattr(committing, "commit_files", commit)
    return calls


def test_ctrl_c_at_the_8th_commit_rolls_every_table_back_and_exits_130(
    ready: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = DeltaStore(ready / "tables")
    before = {name: store.read(name).num_rows for name in versions(ready)}
    calls = _interrupt_at_commit(monkeypatch, 8)
    assert main(["run", "--lakehouse", str(ready), "--full-refresh"]) == 130
    assert capsys.readouterr().err == "retail: interrupted: tables unchanged\n"
    monkeypatch.undo()
    assert calls["n"] >= 8  # the commits already under way on other threads finish
    assert {name: store.read(name).num_rows for name in versions(ready)} == before
    assert not _staged_folders(ready) and not (ready / "tables" / "_update_journal.json").exists()


def test_a_first_update_that_fails_leaves_no_table_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_landing(tmp_path)
    _interrupt_at_commit(monkeypatch, 8)
    assert main(["run", "--lakehouse", str(root)]) == 130
    monkeypatch.undo()
    assert versions(root) == {}  # the 7 tables it had created are gone again
    events = DeltaStore(root / "tables").read("event_log").to_pylist()
    assert [e["status"] for e in events if e["event_type"] == "update_progress"] == ["FAILED"]


@pytest.mark.parametrize(("stop", "code"), [(KeyboardInterrupt(), 130), (OSError("disk full"), 2)])
def test_a_rollback_removes_the_tables_the_update_created(
    ready: Path, monkeypatch: pytest.MonkeyPatch, stop: BaseException, code: int
) -> None:
    """Stopped after all its table commits, at the event log's, an update that adds a table
    to a lakehouse leaves every table it found as it was and the new one gone."""
    new_table = "CREATE OR REFRESH MATERIALIZED VIEW order_count AS SELECT count(*) AS n"
    settings = custom_pipeline(ready, extra=f"{new_table} FROM silver_orders;\n")
    store = DeltaStore(ready / "tables")
    before = {name: _sorted_rows(store, name) for name in versions(ready)}
    seen: list[bool] = []

    def append(self: committing.Committer, name: str, data: pa.Table) -> None:
        seen.append(store.exists("order_count"))
        raise stop

    monkeypatch.setattr(committing.Committer, "append", append)
    assert main(["run", "--lakehouse", str(ready), "--pipeline", str(settings)]) == code
    monkeypatch.undo()
    assert seen == [True]  # the new table had been committed when the update stopped
    assert not (ready / "tables" / "order_count").exists()
    assert {name: _sorted_rows(store, name) for name in versions(ready)} == before


def _sorted_rows(store: DeltaStore, name: str) -> pa.Table:
    return store.read(name).sort_by(_first_column(store, name))


def test_a_fail_update_expectation_that_holds_does_not_stop_the_update(
    ready: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holds = "EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW"
    settings = custom_pipeline(
        ready, {"02_silver.sql": (holds, holds.replace("DROP ROW", "FAIL UPDATE"))}
    )
    code, err = run_cli(ready, settings, capsys)
    assert (code, err) == (0, "")
    log = DeltaStore(ready / "tables").read("event_log").to_pylist()
    latest = max(
        (e for e in log if e["event_type"] == "update_progress"), key=lambda e: e["timestamp"]
    )
    assert latest["status"] == "COMPLETED"


def test_input_rejected_with_exit_2_writes_nothing(
    ready: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _files(ready)
    settings = custom_pipeline(ready, extra="CREATE OR REFRESH MATERIALIZED VIEW x AS SELEC 1;\n")
    before = _files(ready)  # the custom pipeline's own files are the user's
    code, _ = run_cli(ready, settings, capsys)
    assert code == 2
    assert _files(ready) == before


def _files(root: Path) -> dict[str, bytes]:
    """Every file of the lakehouse but the lock file, which records the last writer's pid."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "_writer.lock"
    }


def _corrupt(root: Path, table: str) -> bytes:
    """Garble the table's latest commit; returns the garbled bytes."""
    commit = sorted((root / "tables" / table / "_delta_log").glob("*.json"))[-1]
    commit.write_text("{not json")
    return commit.read_bytes()


def test_a_corrupt_table_fails_only_the_queries_that_read_it(
    ready: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _corrupt(ready, "silver_orders")
    assert (
        main(
            [
                "query",
                "--lakehouse",
                str(ready),
                "SELECT count(*) AS n FROM gold_daily_sales_summary",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["query", "--lakehouse", str(ready), "SELECT count(*) FROM silver_orders"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("retail: error: Delta table ") and "silver_orders" in err
    assert "delta log is corrupt" in err and err.count("\n") == 1


def test_a_full_refresh_rebuilds_a_corrupt_table(
    ready: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = DeltaStore(ready / "tables").read("silver_orders").num_rows
    _corrupt(ready, "silver_orders")
    assert main(["run", "--lakehouse", str(ready)]) == 2  # without it: one line, no change
    capsys.readouterr()
    assert main(["run", "--lakehouse", str(ready), "--full-refresh"]) == 0
    out = capsys.readouterr().out
    assert "silver_orders: delta log is corrupt" in out and "rebuilt by the full refresh" in out
    assert DeltaStore(ready / "tables").read("silver_orders").num_rows == rows
    assert sorted(p.name for p in (ready / "tables").iterdir() if p.name.startswith(".")) == []


def test_a_failed_full_refresh_puts_the_corrupt_table_back(
    ready: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbled = _corrupt(ready, "silver_customers")
    settings = failing_pipeline(ready)
    code, _ = run_cli(ready, settings, capsys)
    assert code == 2  # the corrupt table stops the update before the FAIL UPDATE
    code = main(["run", "--lakehouse", str(ready), "--full-refresh", "--pipeline", str(settings)])
    assert code == 1
    commit = sorted((ready / "tables" / "silver_customers" / "_delta_log").glob("*.json"))[-1]
    assert commit.read_bytes() == garbled
    assert sorted(p.name for p in (ready / "tables").iterdir() if p.name.startswith(".")) == []
