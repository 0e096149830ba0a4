"""Golden files: the exact bytes of a tiny retail dataset (CSV) and its defect manifest.

Any change to hashing, seeding, distributions or the built-in spec shows up here. When a
change is intended, regenerate with ``RETAIL_UPDATE_GOLDEN=1 uv run pytest
tests/generate/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.generate.spec import DatasetSpec

GOLDEN = Path(__file__).parent / "golden"
TINY = {"customers": 200, "products": 120, "orders": 300, "order_items": 700}
DEFECT_SCALE = 8.0  # every defect kind shows at these sizes, most of them several times
FOLDERS = [*TINY, "customers_cdc", "products_cdc"]  # the tables, and the feeds' base INSERTs
SEED = 1234


@pytest.fixture(scope="module")
def tiny_landing(tmp_path_factory: pytest.TempPathFactory, retail_spec: DatasetSpec) -> Path:
    root = tmp_path_factory.mktemp("golden")
    options = GenerateOptions(
        lakehouse=root, rows=TINY, seed=SEED, defect_scale=DEFECT_SCALE, output_format="csv",
        workers=1, block_rows=128, parallelism="threads",
    )  # fmt: skip
    generate_dataset(retail_spec, options)
    landing = root / "landing"
    if os.environ.get("RETAIL_UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for table in FOLDERS:
            (GOLDEN / table).mkdir(parents=True)
            for part in sorted((landing / table).iterdir()):
                shutil.copy(part, GOLDEN / table / part.name)
        (GOLDEN / "defects.json").write_text(_defects(landing) + "\n")
    return landing


def _defects(landing: Path) -> str:
    manifest = json.loads((landing / "_manifest.json").read_text())
    tables = {name: entry["defects"] for name, entry in manifest["tables"].items()}
    return json.dumps(tables, indent=1, sort_keys=True)


@pytest.mark.parametrize("table", FOLDERS)
def test_table_bytes_match_golden(tiny_landing: Path, table: str) -> None:
    produced = sorted(p.name for p in (tiny_landing / table).iterdir())
    expected = sorted(p.name for p in (GOLDEN / table).iterdir())
    assert produced == expected
    for name in produced:
        assert (tiny_landing / table / name).read_bytes() == (GOLDEN / table / name).read_bytes()


def test_manifest_defects_match_golden(tiny_landing: Path) -> None:
    assert _defects(tiny_landing) + "\n" == (GOLDEN / "defects.json").read_text()
