"""Failures of the machine or of a file the lakehouse holds are one line, exit code 2, and
leave the lakehouse as it was: a corrupt manifest, a full or read-only disk."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from retail_lakehouse.cli.main import describe_os_error, main
from retail_lakehouse.generate import runner
from retail_lakehouse.storage.errors import one_line
from tests.datasets.retail.landing_truth import clean_rows
from tests.faults.harness import files_of

SMALL = ["--scale", "0.01", "--workers", "1"]


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("errors") / "lakehouse"
    assert main(["run", "--lakehouse", str(root), *SMALL]) == 0
    return root


@pytest.mark.parametrize(
    "command",
    [["run", "--dry-run"], ["run"], ["report"]],
    ids=["dry-run", "run", "report"],
)
def test_a_corrupt_manifest_is_one_line_naming_it(
    lakehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    manifest = lakehouse / "landing" / "_manifest.json"
    good = manifest.read_bytes()
    manifest.write_text('{"tables": [1, 2')
    try:
        before = files_of(lakehouse)
        assert main([*command, "--lakehouse", str(lakehouse)]) == 2
        err = capsys.readouterr().err
        assert (
            err == f"retail: error: {manifest}: the manifest is corrupt: {err.split(': ', 4)[-1]}"
        )
        assert err.count("\n") == 1 and "Expecting" in err
        assert {k: v for k, v in files_of(lakehouse).items() if k != "_writer.lock"} == {
            k: v for k, v in before.items() if k != "_writer.lock"
        }
    finally:
        manifest.write_bytes(good)


def test_a_query_reads_the_tables_whatever_the_landing_manifest_holds(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A query needs the pipeline's settings and its tables, not the landing zone."""
    manifest = lakehouse / "landing" / "_manifest.json"
    good = manifest.read_bytes()
    manifest.write_text('{"tables": [1, 2')
    try:
        sql = "SELECT count(*) AS n FROM silver_orders"
        assert main(["query", sql, "--format", "csv", "--lakehouse", str(lakehouse)]) == 0
    finally:
        manifest.write_bytes(good)
    out = capsys.readouterr().out.split()
    assert out[0].strip('"') == "n" and int(out[1]) == clean_rows(json.loads(good), "orders")


def test_a_full_disk_while_generating_is_one_line_and_keeps_the_landing_zone(
    lakehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = files_of(lakehouse / "landing")
    real_write = runner.write_part
    calls = {"n": 0}

    def full_disk(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", "part-00002.parquet")
        return real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "write_part", full_disk)
    command = [
        "generate",
        "--lakehouse",
        str(lakehouse),
        *SMALL,
        "--seed",
        "4",
        "--block-rows",
        "300",
    ]
    assert main(command) == 2
    assert capsys.readouterr().err == "retail: error: part-00002.parquet: no space left on device\n"
    assert files_of(lakehouse / "landing") == landing
    assert [p.name for p in lakehouse.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            OSError(errno.EROFS, "Read-only file system", "/lh/tables"),
            "/lh/tables: read-only file system",
        ),
        (OSError(errno.EACCES, "Permission denied"), "permission denied"),
        (OSError("disk full"), "disk full"),
    ],
)
def test_os_errors_say_the_file_and_the_systems_words(error: OSError, line: str) -> None:
    assert describe_os_error(error) == line


@pytest.mark.parametrize(
    "message",
    [
        "Generic LocalFileSystem error: No space left on device (os error 28)\nbacktrace...",
        "IO error: os error 28",
        "Failed to write: ENOSPC",
    ],
)
def test_a_full_disk_is_said_plainly_whatever_delta_rs_wraps_it_in(message: str) -> None:
    assert one_line(RuntimeError(message)) == "no space left on device"
