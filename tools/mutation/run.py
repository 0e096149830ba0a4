"""The mutation command: the checkout copied to a scratch folder, then mutmut run there on
the core modules (``[tool.mutmut]`` in pyproject.toml) and the gold SQL's mutants tested.

Mutation tools write mutated code (mutmut: a ``mutants/`` folder beside ``src/``, the SQL
mutator: ``03_gold.sql`` itself), so nothing runs in the checkout: its tracked and
untracked, not ignored, files are copied to the scratch folder (kept between runs, but
for its ``.venv``, emptied first), and every run starts afresh. Too slow for CI on 2
cores (QUALITY.md).

    uv run --group dev --group mutation python -m tools.mutation.run [python|sql|all|resume|refresh]

``resume`` goes on with the last Python run where it stopped (its copy kept as it is, the
mutants it checked not checked again): a whole run takes longer than one sitting.
``refresh`` brings the last Python run up to the checkout: the copy's files copied again
(mutmut's ``mutants/`` and results kept), then every mutant not killed is checked again
against today's tests, the mutants of functions that changed among them (mutmut forgets
their results): far less than a whole run when only tests were added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from tools.mutation.gold_sql import MARKER
from tools.mutation.summary import MUTANTS, read_modules
from tools.mutation.widen import STATS

CHECKOUT = Path(__file__).resolve().parents[2]
SCRATCH = Path(tempfile.gettempdir()) / "retail-lakehouse-mutation"
KEPT = frozenset({".venv"})  # the copy's environment: reused, not rebuilt every run
UV_RUN = ("uv", "run", "--group", "dev", "--group", "mutation")
MAX_CHILDREN = "2"  # the machine's cores
NO_MUTANT = "stats-only.no-such-mutant"


class Stage(StrEnum):
    PYTHON = "python"
    SQL = "sql"
    ALL = "all"
    RESUME = "resume"
    REFRESH = "refresh"


def checkout_files(checkout: Path) -> list[Path]:
    """Tracked files and untracked ones git does not ignore, relative to ``checkout``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=checkout, capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    return [Path(name) for name in listed.split("\0") if name]


def copy_checkout(checkout: Path, target: Path, kept: frozenset[str] = KEPT) -> None:
    """``target`` emptied (but for the ``kept`` entries) and given the checkout's files."""
    if target.resolve() == checkout.resolve():
        raise SystemExit("the scratch folder cannot be the checkout")
    target.mkdir(parents=True, exist_ok=True)
    for entry in target.iterdir():
        if entry.name in kept:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for name in checkout_files(checkout):
        source = checkout / name
        if source.is_file():  # a tracked file deleted in the checkout is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / MARKER).write_text(f"a copy of {checkout}\n", encoding="utf-8")


def resume_python(root: Path) -> int:
    """The last Python run, on from where it stopped, in its copy as it is."""
    if not (root / STATS).is_file():
        raise SystemExit(f"no mutation run to resume in {root}: run `python` first")
    return mutmut_run(root)


def refresh_python(root: Path) -> int:
    """The last Python run brought up to the checkout: its files copied again, the test
    mapping brought up to the new tests, and every mutant not killed checked again. The
    mapping's stats run regenerates the changed modules first, so the mutants whose
    function changed are among those not killed (not checked)."""
    if not (root / STATS).is_file():
        raise SystemExit(f"no mutation run to refresh in {root}: run `python` first")
    copy_checkout(CHECKOUT, root, KEPT | {MUTANTS.name})
    map_tests(root)
    not_killed = [name for module in read_modules(root / MUTANTS) for name in module.not_killed()]
    return mutmut_run(root, not_killed) if not_killed else 0


def mutmut_run(root: Path, names: Sequence[str] = ()) -> int:
    """mutmut on the mutants not checked yet, or on ``names`` whatever their result."""
    command = [*UV_RUN, "mutmut", "run", "--max-children", MAX_CHILDREN, *names]
    code = subprocess.run(command, cwd=root)
    subprocess.run([*UV_RUN, "mutmut", "results"], cwd=root, check=False)
    return code.returncode


def run_python(root: Path) -> int:
    """mutmut on the core modules, its test mapping widened to whole files first
    (``widen``), then its list of mutants not killed."""
    map_tests(root)
    return mutmut_run(root)


def map_tests(root: Path) -> None:
    """Which tests each mutated function runs: mutmut's stats, widened to whole files."""
    collect_stats(root)
    subprocess.run([*UV_RUN, "python", "-m", "tools.mutation.widen"], cwd=root, check=True)


def collect_stats(root: Path) -> None:
    """mutmut's stats run alone: a pattern no mutant matches makes it stop right after
    saving which tests call which function (with an assertion that nothing matched)."""
    subprocess.run([*UV_RUN, "mutmut", "run", NO_MUTANT], cwd=root, capture_output=True)
    if not (root / STATS).is_file():
        raise SystemExit(f"mutmut wrote no {STATS}: run `mutmut run` in {root} to see why")


def run_sql(root: Path) -> int:
    return subprocess.run([*UV_RUN, "python", "-m", "tools.mutation.gold_sql"], cwd=root).returncode


def main(arguments: list[str]) -> int:
    stage = Stage(arguments[0]) if arguments else Stage.ALL
    if stage is Stage.RESUME:
        return resume_python(SCRATCH)
    if stage is Stage.REFRESH:
        return refresh_python(SCRATCH)
    copy_checkout(CHECKOUT, SCRATCH)
    print(f"mutation testing in {SCRATCH}", flush=True)
    codes = []
    if stage in (Stage.PYTHON, Stage.ALL):
        codes.append(run_python(SCRATCH))
    if stage in (Stage.SQL, Stage.ALL):
        codes.append(run_sql(SCRATCH))
    return max(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
