"""Mutation testing of the gold SQL: each mutant written into a scratch copy of the
repository in turn, and the tests that check the gold tables run against it.

Python mutation tools do not mutate SQL, so :mod:`tools.mutation.sql_mutants` makes the
mutants. This module only runs in a copy made by :mod:`tools.mutation.run` (it checks for
the copy's marker file): it rewrites the copy's ``03_gold.sql`` and puts it back after
each mutant, and the copy's own interpreter must import ``retail_lakehouse`` from that
copy. The tests first run on the file as sqlglot prints it, unmutated: they must pass.

    uv run --group dev python -m tools.mutation.gold_sql   # in the copy
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import retail_lakehouse
from tools.mutation.sql_mutants import Mutant, mutants, round_trip

GOLD_SQL = Path("src/retail_lakehouse/datasets/retail/sql/03_gold.sql")
GOLD_TESTS = (  # one update of a landing zone: run for every mutant
    "tests/datasets/retail/test_gold_from_landing.py",
    "tests/datasets/retail/test_pipeline.py::test_gold_adds_up_the_silver_tables",
    "tests/datasets/retail/test_gold_edges.py",  # hand-built rows at the segments' edges
)
CHANGE_FEED_TESTS = (  # days of change feeds appended: slower, run for the survivors only
    "tests/datasets/retail/test_customer_history.py::test_gold_shows_each_customers_current_tier",
    "tests/datasets/retail/test_product_current.py::test_gold_shows_each_products_current_list_price",
)
SELECTION = "not python"  # the SQL pipeline's runs only (the Python one has no 03_gold.sql)
MARKER = ".mutation-copy"  # written by tools.mutation.run at the root of its copy
RESULTS = Path("mutants-sql.json")
TIMEOUT_SECONDS = 600
SHOWN_CHARACTERS = 100  # of a mutated node, in the lines printed


class Outcome(StrEnum):
    KILLED = "killed"
    SURVIVED = "survived"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Result:
    number: int
    dataset: str
    before: str
    after: str
    outcome: Outcome


def check_copy(root: Path) -> None:
    """Refuse to run anywhere but a scratch copy whose package the interpreter imports."""
    if not (root / MARKER).is_file():
        raise SystemExit(f"{root} is not a scratch copy ({MARKER} missing): use tools.mutation.run")
    package = Path(retail_lakehouse.__file__).resolve()
    if not package.is_relative_to(root.resolve()):
        raise SystemExit(f"retail_lakehouse is imported from {package}, not from {root}")


def run_tests(root: Path, tests: tuple[str, ...]) -> Outcome:
    """``tests`` on the copy's current SQL: KILLED when one fails."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-m", "not spark", "-k", SELECTION, *tests]  # fmt: skip
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return Outcome.TIMEOUT
    return Outcome.SURVIVED if done.returncode == 0 else Outcome.KILLED


def run_mutant(root: Path, number: int, mutant: Mutant) -> Result:
    (root / GOLD_SQL).write_text(mutant.text, encoding="utf-8")
    outcome = run_tests(root, GOLD_TESTS)
    if outcome is Outcome.SURVIVED:
        outcome = run_tests(root, CHANGE_FEED_TESTS)
    return Result(number, mutant.dataset, mutant.before, mutant.after, outcome)


def run_all(root: Path) -> list[Result]:
    """Every mutant of the gold SQL, tested; the file is put back whatever happens."""
    path = root / GOLD_SQL
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(round_trip(original), encoding="utf-8")
        if run_tests(root, GOLD_TESTS + CHANGE_FEED_TESTS) is not Outcome.SURVIVED:
            raise SystemExit("the gold tests fail on the unmutated SQL: nothing to measure")
        results = []
        for number, mutant in enumerate(mutants(original), start=1):
            results.append(run_mutant(root, number, mutant))
            print(_line(results[-1]), flush=True)
        return results
    finally:
        path.write_text(original, encoding="utf-8")


def summary(results: list[Result]) -> str:
    killed = sum(r.outcome is Outcome.KILLED for r in results)
    survived = [r for r in results if r.outcome is not Outcome.KILLED]
    ratio = killed / len(results) if results else 1.0
    lines = [
        f"gold SQL: {len(results)} mutants, {killed} killed, {len(survived)} not ({ratio:.1%})"
    ]
    return "\n".join([*lines, *(_line(r) for r in survived)])


def _line(result: Result) -> str:
    before, after = _short(result.before), _short(result.after) or "(dropped)"
    return f"{result.number:3} {result.outcome:8} {result.dataset}: {before} -> {after}"


def _short(sql: str) -> str:
    return sql if len(sql) <= SHOWN_CHARACTERS else sql[: SHOWN_CHARACTERS - 3] + "..."


def main() -> None:
    root = Path.cwd()
    check_copy(root)
    results = run_all(root)
    document = [asdict(r) for r in results]
    (root / RESULTS).write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(summary(results))


if __name__ == "__main__":
    main()
