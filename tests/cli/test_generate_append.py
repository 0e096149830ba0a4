"""``retail generate --append``: the days it adds, its help, and bad input: one line,
exit code 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from benchmarks.invariants import check_lakehouse

from retail_lakehouse.cli.main import main
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.datasets import builtin_spec_text
from retail_lakehouse.storage.delta import DeltaStore
from tests.faults.harness import files_of

SMALL = ["--scale", "0.01", "--workers", "1"]


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("append") / "lakehouse"
    assert main(["generate", "--lakehouse", str(root), *SMALL]) == 0
    return root


def _one_line_error(capsys: pytest.CaptureFixture[str], command: list[str]) -> str:
    assert main(command) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("retail: error: ")
    return captured.err.removeprefix("retail: error: ").strip()


def test_append_adds_days_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "lakehouse"
    assert main(["generate", "--lakehouse", str(root), *SMALL]) == 0
    capsys.readouterr()  # the generation's summary names the feeds too
    assert main(["generate", "--append", "--lakehouse", str(root)]) == 0
    spark = ["--engine", "spark"]  # appends on the local generator: no Spark session
    assert main(["generate", "--append", "--days", "2", "--lakehouse", str(root), *spark]) == 0
    out = capsys.readouterr().out
    assert "customers_cdc" in out and "products_cdc" in out
    manifest = json.loads((root / "landing" / "_manifest.json").read_text())
    assert [b["day"] for b in manifest["arrivals"]["batches"]] == [
        "2026-01-01", "2026-01-02", "2026-01-03",
    ]  # fmt: skip
    orders = sorted(p.name for p in (root / "landing" / "orders").iterdir())
    assert orders[-3:] == [f"part-batch-0000{b}-00000.parquet" for b in (1, 2, 3)]


def test_help_documents_append_and_days(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--append" in text and "--days N" in text and "(default: 1)" in text
    assert "local generator, whatever --engine" in text


@pytest.mark.parametrize("days", ["0", "-1"])
def test_days_below_one(lakehouse: Path, capsys: pytest.CaptureFixture[str], days: str) -> None:
    before = files_of(lakehouse)
    command = ["generate", "--append", "--days", days, "--lakehouse", str(lakehouse)]
    with pytest.raises(SystemExit) as exited:  # refused as parsed, as --threads is
        main(command)
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        f"retail generate: error: argument --days: must be at least 1, got {days} "
        "(see 'retail generate --help')\n"
    )
    assert files_of(lakehouse) == before


def test_days_without_append(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = ["generate", "--days", "2", "--lakehouse", str(lakehouse)]
    assert _one_line_error(capsys, command) == "--days needs --append"


def test_append_without_a_landing_zone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "none"
    message = _one_line_error(capsys, ["generate", "--append", "--lakehouse", str(root)])
    assert (
        message == f"{root / 'landing'}: no landing zone to append to (run retail generate first)"
    )
    assert not root.exists()


def _spec_file(tmp_path: Path, change: str) -> Path:
    data = yaml.safe_load(builtin_spec_text())
    if change == "no arrivals":
        del data["arrivals"]
    elif change == "other rows":
        data["tables"][0]["rows"] += 1
    else:
        data["arrivals"]["rows_per_day"]["orders"] += 1
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))  # weights keep their order
    return path


SPEC_ERRORS = {
    "other rows": "{manifest}: the landing zone was generated from another spec, seed or "
    "version of the generator; append with the spec it was generated from",
    "no arrivals": "spec 'retail' has no arrivals section: --append needs one",
    "other arrivals": "{manifest}: its days were appended with another arrivals section",
}


@pytest.mark.parametrize("change", list(SPEC_ERRORS))
def test_append_with_a_spec_that_does_not_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str
) -> None:
    root = tmp_path / "lakehouse"
    assert main(["generate", "--lakehouse", str(root), *SMALL]) == 0
    assert main(["generate", "--append", "--lakehouse", str(root)]) == 0
    capsys.readouterr()
    before = files_of(root)
    spec = _spec_file(tmp_path, change)
    command = ["generate", "--append", "--spec", str(spec), "--lakehouse", str(root)]
    manifest = root / "landing" / "_manifest.json"
    assert _one_line_error(capsys, command) == SPEC_ERRORS[change].format(manifest=manifest)
    assert files_of(root) == before


def test_a_run_after_an_append_takes_in_the_new_files_once(tmp_path: Path) -> None:
    """The appended files are new to the streaming tables (the generation is kept, so
    nothing starts over), and the lakehouse agrees with the manifest's totals."""
    root = tmp_path / "lakehouse"
    assert main(["run", "--lakehouse", str(root), *SMALL]) == 0
    assert main(["generate", "--append", "--days", "2", "--lakehouse", str(root)]) == 0
    assert main(["run", "--lakehouse", str(root), *SMALL]) == 0
    assert check_lakehouse(root) == []
    bronze = DeltaStore(Lakehouse(root).tables).read("bronze_orders")
    manifest = json.loads((root / "landing" / "_manifest.json").read_text())
    assert bronze.num_rows == manifest["tables"]["orders"]["rows"]
    assert len(set(bronze.column("_ingested_at").to_pylist())) == 2  # appended, not rebuilt
