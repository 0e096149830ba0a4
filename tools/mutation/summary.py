"""The per-module numbers of a mutmut run, read from the ``.meta`` files it leaves in
``mutants/`` (one per mutated module: each mutant's test exit code), and its mutants not
killed, for QUALITY.md.

A mutant counts as killed when a test failed, timed out (the mutant made the code loop) or
crashed the tests' process; every other one counts against the ratio: survived, or no
selected test calls its function.

    uv run --group dev python -m tools.mutation.summary   # in the copy, after a run
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

META_SUFFIX = ".py.meta"
MUTANTS = Path("mutants")


class Status(StrEnum):
    KILLED = "killed"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    SURVIVED = "survived"
    NO_TESTS = "no tests"
    NOT_CHECKED = "not checked"
    OTHER = "other"


_BY_EXIT_CODE: dict[int | None, Status] = {
    1: Status.KILLED,
    3: Status.KILLED,  # pytest's internal error: the mutant broke the import
    0: Status.SURVIVED,
    5: Status.NO_TESTS,
    33: Status.NO_TESTS,
    36: Status.TIMEOUT,
    24: Status.TIMEOUT,
    -24: Status.TIMEOUT,
    152: Status.TIMEOUT,
    255: Status.TIMEOUT,
    -9: Status.CRASHED,  # the tests' process died (SIGKILL: a crash point hit, say)
    -11: Status.CRASHED,
    None: Status.NOT_CHECKED,
}
DETECTED = frozenset({Status.KILLED, Status.TIMEOUT, Status.CRASHED})


@dataclass(frozen=True)
class Module:
    name: str
    statuses: dict[str, Status]  # mutant name -> status

    def counts(self) -> Counter[Status]:
        return Counter(self.statuses.values())

    def not_killed(self) -> list[str]:
        return sorted(n for n, s in self.statuses.items() if s not in DETECTED)


def read_modules(mutants: Path) -> list[Module]:
    modules = []
    for meta in sorted(mutants.rglob(f"*{META_SUFFIX}")):
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        name = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        statuses = {k: _BY_EXIT_CODE.get(v, Status.OTHER) for k, v in codes.items()}
        modules.append(Module(name, statuses))
    return modules


def ratio(counts: Counter[Status]) -> float:
    total = sum(counts.values())
    return sum(counts[s] for s in DETECTED) / total if total else 1.0


def table(modules: list[Module]) -> str:
    """A Markdown table: mutants of each module by status, and the kill ratio."""
    columns = list(Status)
    lines = [
        "| module | mutants | " + " | ".join(columns) + " | killed % |",
        "|---" * (len(columns) + 3) + "|",
    ]
    total: Counter[Status] = Counter()
    for module in modules:
        counts = module.counts()
        total += counts
        lines.append(_row(module.name, counts, columns))
    lines.append(_row("**all**", total, columns))
    return "\n".join(lines)


def _row(name: str, counts: Counter[Status], columns: list[Status]) -> str:
    cells = " | ".join(str(counts[c]) for c in columns)
    return f"| {name} | {sum(counts.values())} | {cells} | {ratio(counts):.1%} |"


def main() -> None:
    modules = read_modules(MUTANTS)
    print(table(modules))
    for module in modules:
        for name in module.not_killed():
            print(f"{module.statuses[name]}: {name}")


if __name__ == "__main__":
    main()
