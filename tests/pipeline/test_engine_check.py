"""Engine.check on every engine: counts per expectation, and which rows go where."""

from __future__ import annotations

from pathlib import Path

import sqlglot

from retail_lakehouse.backends import EngineName
from retail_lakehouse.pipeline.engine import Sources, TableWrite
from retail_lakehouse.pipeline.model import Expectation
from retail_lakehouse.storage.delta import DeltaStore
from retail_lakehouse.storage.delta_files import commit_files
from tests.pipeline.conftest import ENGINE_FACTORIES

ROWS = "SELECT * FROM VALUES (1, 5), (2, -1), (3, NULL), (-4, -2), (-5, 7) AS t(id, qty)"
EXPECTATIONS = (
    Expectation("id_positive", "id > 0", "drop"),
    Expectation("qty_known", "qty IS NOT NULL", "warn"),
    Expectation("qty_positive", "qty > 0", "drop"),
)


def test_check_counts_and_quarantines_with_every_failed_drop_expectation(
    engine_name: EngineName, tmp_path: Path
) -> None:
    engine = ENGINE_FACTORIES[engine_name]()
    store = DeltaStore(tmp_path)
    try:
        engine.run_query("r", sqlglot.parse_one(ROWS, read="spark"), Sources())
        checked = engine.check("r", EXPECTATIONS, "update-1")
        for name, relation in (("kept", checked.kept), ("bad", checked.quarantine)):
            commit_files(engine.stage(TableWrite(name, relation, "overwrite", "overwrite"), store))
    finally:
        engine.close()

    failed = {c.name: c.failed for c in checked.counts}
    assert failed == {"id_positive": 2, "qty_known": 1, "qty_positive": 3}
    assert (checked.kept_rows, checked.quarantined_rows) == (1, 4)
    assert store.read("kept").to_pylist() == [{"id": 1, "qty": 5}]
    bad = {r["id"]: r for r in store.read("bad").to_pylist()}
    # a NULL qty fails qty > 0 (a condition that is not true fails), the warn one is not listed
    assert {i: r["_failed_expectations"] for i, r in bad.items()} == {
        2: ["qty_positive"],
        3: ["qty_positive"],
        -4: ["id_positive", "qty_positive"],
        -5: ["id_positive"],
    }
    assert {r["_update_id"] for r in bad.values()} == {"update-1"}
