"""The mutation tools' own checks: the gold SQL's mutants, and the scratch-copy guards."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from tools.mutation import widen
from tools.mutation.gold_sql import GOLD_SQL, MARKER, check_copy
from tools.mutation.run import CHECKOUT, copy_checkout, refresh_python, resume_python
from tools.mutation.sql_mutants import mutants, queries, round_trip

GOLD = (CHECKOUT / GOLD_SQL).read_text(encoding="utf-8")


def test_the_gold_sql_has_a_query_per_dataset() -> None:
    names = [query.dataset for query in queries(GOLD)]
    assert names[:3] == ["revenue_lines", "revenue_orders", "customers_current"]
    assert {n for n in names if n.startswith("gold_")} == {
        "gold_customer_lifetime_value",
        "gold_product_performance",
        "gold_daily_sales_summary",
        "gold_category_performance",
    }


def test_the_round_trip_keeps_everything_but_the_queries() -> None:
    printed = round_trip(GOLD)
    assert printed.startswith(GOLD[: queries(GOLD)[0].start])
    assert [q.tree for q in queries(printed)] == [q.tree for q in queries(GOLD)]


def test_each_mutant_changes_one_query() -> None:
    original = [q.tree.sql() for q in queries(GOLD)]
    found = mutants(GOLD)
    assert len(found) > 50
    for mutant in found:
        changed = [a != b.tree.sql() for a, b in zip(original, queries(mutant.text), strict=True)]
        assert sum(changed) == 1, mutant


def test_type_parameters_are_not_mutated() -> None:
    text = "CREATE MATERIALIZED VIEW v AS SELECT CAST(a AS DECIMAL(18, 2)) AS b FROM t;"
    assert mutants(text) == []


def test_the_sql_mutator_runs_only_in_a_marked_copy(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a scratch copy"):
        check_copy(tmp_path)
    (tmp_path / MARKER).write_text("", encoding="utf-8")
    with pytest.raises(SystemExit, match="imported from"):
        check_copy(tmp_path)  # the package this test imports is not the copy's


def test_the_scratch_folder_is_never_the_checkout() -> None:
    with pytest.raises(SystemExit, match="cannot be the checkout"):
        copy_checkout(CHECKOUT, CHECKOUT)


def test_the_widening_examples_hold() -> None:
    assert doctest.testmod(widen).failed == 0


def test_widening_keeps_mutmuts_stats_but_maps_whole_files(tmp_path: Path) -> None:
    stats = {
        "tests_by_mangled_function_name": {
            "pkg.x_fixture_only": ["tests/a.py::test_first"],
            "pkg.x_two_files": ["tests/a.py::test_second", "tests/b.py::test_one"],
            "pkg.x_untested": [],
        },
        "duration_by_test": {
            "tests/a.py::test_first": 0.5,
            "tests/a.py::test_second": 0.1,
            "tests/b.py::test_one": 0.2,
            "tests/b.py::test_two": 0.3,
            "tests/c.py::test_other": 0.4,
        },
        "config_fingerprint": {"test_selection": "abc"},
    }
    path = tmp_path / "mutmut-stats.json"
    path.write_text(json.dumps(stats))

    assert widen.widen_stats(path) == (3, 6)

    after = json.loads(path.read_text())
    assert after["tests_by_mangled_function_name"] == {
        "pkg.x_fixture_only": ["tests/a.py::test_first", "tests/a.py::test_second"],
        "pkg.x_two_files": [
            "tests/a.py::test_first",
            "tests/a.py::test_second",
            "tests/b.py::test_one",
            "tests/b.py::test_two",
        ],
        "pkg.x_untested": [],
    }
    assert {k: v for k, v in after.items() if k != "tests_by_mangled_function_name"} == {
        k: v for k, v in stats.items() if k != "tests_by_mangled_function_name"
    }


def test_resuming_needs_an_earlier_run(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no mutation run to resume in"):
        resume_python(tmp_path)


def test_refreshing_needs_an_earlier_run(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no mutation run to refresh in"):
        refresh_python(tmp_path)


def test_a_copy_made_again_keeps_what_it_is_told_to(tmp_path: Path) -> None:
    """A refresh keeps mutmut's folder (its results) and the environment, nothing else."""
    for name in (".venv", "mutants", "stale"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kept.txt").write_text(name)
    copy_checkout(CHECKOUT, tmp_path, frozenset({".venv", "mutants"}))
    assert (tmp_path / "mutants" / "kept.txt").read_text() == "mutants"
    assert (tmp_path / ".venv" / "kept.txt").exists()
    assert not (tmp_path / "stale").exists()
    assert (tmp_path / "pyproject.toml").read_bytes() == (CHECKOUT / "pyproject.toml").read_bytes()
