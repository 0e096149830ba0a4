"""The ``retail`` command: spec show/validate, generate, one-line errors with exit code 2."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from retail_lakehouse.cli import main as cli
from retail_lakehouse.cli.console import human_bytes
from retail_lakehouse.cli.main import main
from retail_lakehouse.datasets import builtin_spec, builtin_spec_text
from retail_lakehouse.generate.spec import parse_spec
from tests.helpers import modules_loaded

TINY_ROWS = ["--rows", "customers=50", "--rows", "products=20", "--rows", "orders=80",
             "--rows", "order_items=160"]  # fmt: skip


def test_spec_show_prints_the_builtin_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "show"]) == 0
    shown = capsys.readouterr().out
    assert parse_spec(yaml.safe_load(shown), "shown") == builtin_spec()


def test_generate_with_a_user_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = yaml.safe_load(subprocess.run(
        [sys.executable, "-m", "retail_lakehouse.cli.main", "spec", "show"],
        capture_output=True, text=True, check=True,
    ).stdout)  # fmt: skip
    data["tables"][0]["columns"].append(
        {"name": "lucky_number", "kind": "number", "dtype": "int",
         "distribution": {"type": "uniform", "low": 1, "high": 49}}
    )  # fmt: skip
    spec_file = tmp_path / "my.yaml"
    spec_file.write_text(yaml.safe_dump(data))
    lakehouse = tmp_path / "lh"
    code = main(["generate", "--spec", str(spec_file), "--lakehouse", str(lakehouse), *TINY_ROWS])
    assert code == 0
    customers = pq.read_table(lakehouse / "landing" / "customers")
    assert customers.num_rows == 50
    assert min(customers.column("lucky_number").to_pylist()) >= 1
    assert "total" in capsys.readouterr().out
    manifest = json.loads((lakehouse / "landing" / "_manifest.json").read_text())
    assert manifest["tables"]["order_items"]["rows"] == 160
    used = parse_spec(yaml.safe_load((lakehouse / "landing" / "_spec.yaml").read_text()), "used")
    assert "lucky_number" in used.table("customers").column_map()


def _summary_lines(out: str) -> dict[str, list[str]]:
    """The summary table's lines by their first cell: rows, files, bytes, worker s."""
    lines = {}
    for line in out.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)[1:-1]]
        if len(cells) == 5:
            lines[cells[0]] = cells[1:]
    return lines


def test_generate_summarizes_the_feeds_base_inserts_as_the_manifest_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lakehouse = tmp_path / "lh"
    assert main(["generate", "--lakehouse", str(lakehouse), "--workers", "1", *TINY_ROWS]) == 0
    shown = _summary_lines(capsys.readouterr().out)
    manifest = json.loads((lakehouse / "landing" / "_manifest.json").read_text())
    written = {**manifest["tables"], **manifest["feeds"]}
    assert set(manifest["feeds"]) == {"customers_cdc", "products_cdc"}
    assert set(shown) == {*written, "table", "total"}
    for name, entry in written.items():
        rows, files, size, _ = shown[name]
        assert (int(rows.replace(",", "")), int(files), size) == (
            entry["rows"], len(entry["files"]), human_bytes(entry["bytes"]),
        ), name  # fmt: skip
    rows, files, size, _ = shown["total"]
    assert int(rows.replace(",", "")) == sum(e["rows"] for e in written.values())
    assert int(files) == sum(len(e["files"]) for e in written.values())
    assert size == human_bytes(sum(e["bytes"] for e in written.values()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "--rows", "orders=-3"], "row count of table 'orders' must be at least 1"),
        (["generate", "--rows", "shipments=3"], "unknown table 'shipments'"),
        (["generate", "--defect-scale", "-1"], "defect scale must not be negative"),
        (["generate", "--rows", "orders=10", "--rows", "order_items=5"], "cover foreign key"),
        (["spec", "validate", "missing.yaml"], "missing.yaml: cannot read spec"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*args, "--lakehouse", str(tmp_path)] if args[0] == "generate" else args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.startswith("retail: error: ")
    assert not (tmp_path / "landing").exists() or not any((tmp_path / "landing").iterdir())


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_workers_below_one_are_refused_as_parsed(
    workers: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["generate", "--workers", workers, "--lakehouse", str(tmp_path)])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        f"retail generate: error: argument --workers: must be at least 1, got {workers} "
        "(see 'retail generate --help')\n"
    )
    assert not any(tmp_path.iterdir())


def test_invalid_spec_file_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(builtin_spec_text())
    data["tables"][2]["columns"][1]["skew"] = {"type": "zipf", "exponent": -2}
    spec_file = tmp_path / "bad.yaml"
    spec_file.write_text(yaml.safe_dump(data))
    assert main(["spec", "validate", str(spec_file)]) == 2
    err = capsys.readouterr().err
    assert f"{spec_file}: tables.orders.columns.customer_id.skew.exponent" in err


def test_spec_validate_accepts_the_builtin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["spec", "show"]) == 0
    spec_file = tmp_path / "retail.yaml"
    spec_file.write_text(capsys.readouterr().out)
    assert main(["spec", "validate", str(spec_file)]) == 0
    assert "valid spec 'retail'" in capsys.readouterr().out


def test_help_does_not_import_heavy_modules() -> None:
    heavy = ("pyspark", "duckdb", "rich.progress")
    assert modules_loaded("import retail_lakehouse.cli.main", heavy) == []


def test_the_console_script_exits_with_the_commands_code_and_output(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "retail"
    done = subprocess.run(
        [str(script), "spec", "validate", str(tmp_path / "missing.yaml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("retail: error:")
    shown = subprocess.run(
        [str(script), "spec", "show"], capture_output=True, text=True, check=True
    )
    assert parse_spec(yaml.safe_load(shown.stdout), "shown") == builtin_spec()


def test_entry_collects_less_and_exits_with_mains_code(monkeypatch: pytest.MonkeyPatch) -> None:
    thresholds: list[int] = []

    def command() -> int:
        thresholds.append(gc.get_threshold()[0])
        return 3

    monkeypatch.setattr(cli, "main", command)
    before = gc.get_threshold()
    try:
        with pytest.raises(SystemExit) as exited:
            cli.entry()
        assert exited.value.code == 3
        assert thresholds == [cli.GC_ALLOCATIONS] != [before[0]]
        assert gc.get_freeze_count() > 0  # the final collections skip every object
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
