"""``retail query`` from the command line: a statement that is not a query is one line on
stderr, exit code 2, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from retail_lakehouse.cli.main import main
from retail_lakehouse.storage.delta import DeltaStore


@pytest.fixture
def lakehouse(tmp_path: Path) -> Path:
    root = tmp_path / "lakehouse"
    DeltaStore(root / "tables").write("t", pa.table({"a": [1, 2, 3]}), mode="overwrite")
    return root


def test_a_query_prints_its_rows(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", "SELECT sum(a) AS total FROM t", "--lakehouse", str(lakehouse),
                 "--format", "csv"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ['"total"', "6"]


def test_copy_is_refused_in_one_line_and_writes_no_file(
    lakehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.csv"
    code = main(["query", f"COPY (SELECT 1) TO '{target}'", "--lakehouse", str(lakehouse)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("retail: error: ") and len(err.splitlines()) == 1
    assert "read-only: COPY statements are not allowed" in err
    assert not target.exists()
