"""Each mutated function's tests widened to the whole test files they are in.

mutmut maps a function to the tests that called it, recording calls from each test's
setup to its teardown. A module-scoped fixture runs in the setup of its module's first
test only, so what it calls is mapped to that one test: a mutant of a generator function
the fixture calls then runs one test and is judged by one table's bytes (measured:
``generate/defects.py``'s ``_apply_one`` without its NULL defects survived that way, and
failed the same module's next test). Every other test of the file reads the fixture's
result, so the mutant's tests are widened to the files of the tests mutmut mapped.

    uv run --group dev python -m tools.mutation.widen   # in the copy, after the stats run
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

STATS = Path("mutants") / "mutmut-stats.json"


def file_of(test_id: str) -> str:
    """The file of a pytest test id.

    >>> file_of("tests/generate/test_golden.py::test_bytes[customers]")
    'tests/generate/test_golden.py'
    """
    return test_id.split("::", 1)[0]


def widened(
    tests_by_function: Mapping[str, Iterable[str]], all_tests: Iterable[str]
) -> dict[str, list[str]]:
    """Every function's tests and the other tests of their files, in a stable order.

    >>> widened({"f": ["a.py::one"], "g": []}, ["a.py::one", "a.py::two", "b.py::x"])
    {'f': ['a.py::one', 'a.py::two'], 'g': []}
    """
    by_file: defaultdict[str, set[str]] = defaultdict(set)
    for test in all_tests:
        by_file[file_of(test)].add(test)
    result = {}
    for function, tests in tests_by_function.items():
        wide = set(tests).union(*(by_file[file_of(t)] for t in tests))
        result[function] = sorted(wide)
    return result


def widen_stats(path: Path) -> tuple[int, int]:
    """Rewrite mutmut's stats file widened; the (function, test) pairs before and after."""
    stats = json.loads(path.read_text(encoding="utf-8"))
    mapping: dict[str, list[str]] = stats["tests_by_mangled_function_name"]
    wide = widened(mapping, stats["duration_by_test"])  # every test the stats run started
    stats["tests_by_mangled_function_name"] = wide
    path.write_text(json.dumps(stats, indent=2), encoding="utf-8")
    return sum(map(len, mapping.values())), sum(map(len, wide.values()))


def main() -> None:
    before, after = widen_stats(STATS)
    print(f"mutmut's test mapping widened to whole files: {before} -> {after} (function, test)")


if __name__ == "__main__":
    main()
