"""``retail init``'s project: written whole into a new or empty folder, or not at all, and
runnable at once on every engine, its custom metric equal to a computation of its own."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.cli.main import main
from retail_lakehouse.datasets import builtin_settings_path
from retail_lakehouse.datasets.project import pipeline_name, write_project
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import ENGINE_FACTORIES, ENGINE_PARAMS, make_landing, run_update

BUILTIN = builtin_settings_path().parent
METRIC = "gold_my_custom_metric"


def test_the_project_holds_the_builtin_pipeline_and_a_python_dataset(tmp_path: Path) -> None:
    settings = write_project(tmp_path / "new" / "shop")
    folder = settings.parent
    sources = folder / "transformations"
    assert sorted(p.name for p in sources.iterdir()) == [
        *sorted(p.name for p in (BUILTIN / "sql").glob("*.sql")),
        "04_my_custom_metric.py",
    ]
    for sql in (BUILTIN / "sql").glob("*.sql"):
        assert (sources / sql.name).read_text() == sql.read_text()
    for name in ("ground_truth.yaml", "charts.yaml"):
        assert (folder / name).read_text() == (BUILTIN / name).read_text()
    assert "name: shop\n" in settings.read_text()
    assert [p.name for p in tmp_path.joinpath("new").iterdir()] == ["shop"]  # no staging left


def test_an_empty_folder_is_filled(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert write_project(tmp_path / "empty").is_file()


@pytest.mark.parametrize("occupied", ["a file inside", "a file"])
def test_an_occupied_path_is_one_line_and_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], occupied: str
) -> None:
    target = tmp_path / "project"
    if occupied == "a file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main(["init", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"retail: error: {target}: ") and err.count("\n") == 1
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize(
    ("folder", "name"),
    [("shop", "shop"), ("my-shop.v2", "my_shop_v2"), ("2026", "_2026"), ("---", "my_pipeline")],
)
def test_the_pipeline_is_named_after_its_folder(tmp_path: Path, folder: str, name: str) -> None:
    assert pipeline_name(tmp_path / folder) == name


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_the_project_runs_at_once(tmp_path: Path, engine: EngineName) -> None:
    root = make_landing(tmp_path / "lakehouse")
    settings = write_project(tmp_path / "project")
    running = ENGINE_FACTORIES[engine]()
    try:
        run_update(load_pipeline(settings, root), engine=running)
    finally:
        running.close()
    store = DeltaStore(root / "tables")
    orders = [o for o in store.read("silver_orders").to_pylist()
              if o["status"] not in ("cancelled", "returned")]  # fmt: skip
    keys = Counter((o["payment_method"], o["channel"]) for o in orders)
    shipping: dict[tuple[str, str], Decimal] = {}
    for o in orders:
        key = (o["payment_method"], o["channel"])
        shipping[key] = shipping.get(key, Decimal(0)) + o["shipping_cost"]
    rows = store.read(METRIC).to_pylist()
    assert {
        (r["payment_method"], r["channel"]): (r["orders"], r["shipping_cost"]) for r in rows
    } == {k: (n, shipping[k]) for k, n in keys.items()}
    customers = {r["payment_method"] + r["channel"]: r["customers"] for r in rows}
    assert customers == {
        p + c: len(
            {o["customer_id"] for o in orders if (o["payment_method"], o["channel"]) == (p, c)}
        )
        for p, c in keys
    }


def test_retail_init_prints_the_command_that_runs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[-1].strip() == f"retail run --pipeline {tmp_path / 'p' / 'settings.yaml'}"
    )
    lakehouse = tmp_path / "lakehouse"
    make_landing(lakehouse)
    command = out.splitlines()[-1].split()[1:]
    assert main([*command, "--lakehouse", str(lakehouse)]) == 0
    assert METRIC in DeltaStore(lakehouse / "tables").list_tables()
