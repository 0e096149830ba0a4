"""The torture command: real ``retail`` processes killed with SIGKILL at random moments.

``uv run python -m benchmarks.torture [--kills 50] [--scale 0.1] [--seed 0]`` builds a
lakehouse, then again and again starts one of ``retail run``, ``retail run
--full-refresh``, ``retail run --regenerate --seed N``, ``retail generate --seed N`` or
``retail run`` after a day appended uncut (``retail generate --append``, so views are
refreshed by key) and kills it: at a random moment of the time it takes uncut, or, for
half of the updates, at a random moment of its first 0.3 s of commits (from when its
journal says it commits).
After each kill the next command (``retail lineage``) must recover: no journal or staging
folder left, and the tables consistent among themselves (silver + quarantine = bronze, the
gold tables agree).
Then a ``retail run`` must leave bronze rows equal to the landing rows and every
expectation's failed count equal to the manifest's. It prints a table per command and
exits 1 if any kill left the lakehouse wrong; "mid-commit" counts the kills that left an
update's commit phase to roll back or a landing zone's swap to finish.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.invariants import check_consistency, check_lakehouse

KILL_SHARE = 0.95  # kill within this share of the uncut duration, so most runs are cut
IN_COMMITS = 0.5  # this share of the updates is killed during its commits
COMMIT_SECONDS = 0.3  # how long after the commits begin, at most
POLL_SECONDS = 0.002


@dataclass
class Tally:
    kills: int = 0
    in_commits: int = 0  # killed while committing tables or swapping landing zones
    recovered: int = 0
    consistent: int = 0
    rows_equal: int = 0
    problems: list[str] = field(default_factory=list)


def retail(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "retail_lakehouse.cli.main", *args, "--lakehouse", str(root)]


APPENDED = "run after --append"  # a day is appended uncut first: views are refreshed by key
PREPARE = {APPENDED: ["generate", "--append"]}


def commands(scale: str, seed: int) -> dict[str, list[str]]:
    small = ["--scale", scale, "--workers", "2"]
    return {
        "run": ["run", *small],
        APPENDED: ["run", *small],
        "run --full-refresh": ["run", *small, "--full-refresh"],
        "run --regenerate": ["run", *small, "--regenerate", "--seed", str(seed)],
        "generate": ["generate", *small, "--seed", str(seed)],
    }


def prepare(root: Path, name: str) -> None:
    """Run what the command ``name`` needs first, uncut."""
    if name in PREPARE:
        subprocess.run(retail(root, *PREPARE[name]), check=True, capture_output=True)


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - began


def kill_at_random(command: list[str], seconds: float) -> bool:
    """Start ``command`` and SIGKILL it after ``seconds``; whether it was cut."""
    return _cut_after(_start(command), seconds)


def kill_in_commits(command: list[str], journal: Path, seconds: float) -> bool:
    """Start ``command`` (an update) and SIGKILL it ``seconds`` after its journal says it
    commits; whether it was cut."""
    process = _start(command)
    while process.poll() is None:
        try:
            committing = '"phase": "committing"' in journal.read_text(encoding="utf-8")
        except OSError:
            committing = False
        if committing:
            return _cut_after(process, seconds)
        time.sleep(POLL_SECONDS)
    return False


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cut_after(process: subprocess.Popen[bytes], seconds: float) -> bool:
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return True


def torture(
    root: Path, kills: int, scale: str, rng: random.Random, console: Console
) -> dict[str, Tally]:
    subprocess.run(retail(root, "run", "--scale", scale), check=True, capture_output=True)
    durations = {}
    for name, args in commands(scale, 1).items():
        prepare(root, name)
        durations[name] = timed(retail(root, *args))
    tallies = {name: Tally() for name in durations}
    done = 0
    while done < kills:
        name = rng.choice(list(durations))
        args = commands(scale, rng.randrange(1, 1000))[name]
        prepare(root, name)
        command = retail(root, *args)
        if name != "generate" and rng.random() < IN_COMMITS:
            journal = root / "tables" / "_update_journal.json"
            cut = kill_in_commits(command, journal, rng.uniform(0, COMMIT_SECONDS))
        else:
            cut = kill_at_random(command, rng.uniform(0, KILL_SHARE * durations[name]))
        if not cut:
            continue  # finished before the kill: not a kill
        done += 1
        check(root, scale, tallies[name])
        console.print(f"[dim]{done}/{kills} {name}[/dim]", highlight=False)
    return tallies


def check(root: Path, scale: str, tally: Tally) -> None:
    tally.kills += 1
    tally.in_commits += _mid_commit(root)
    recovery = subprocess.run(retail(root, "lineage"), capture_output=True, text=True)
    if recovery.returncode == 0:
        tally.recovered += 1
    else:
        tally.problems.append(f"recovery failed: {recovery.stderr.strip()}")
    consistency = check_consistency(root)
    tally.consistent += not consistency
    tally.problems += consistency
    after = subprocess.run(retail(root, "run", "--scale", scale), capture_output=True, text=True)
    problems = check_lakehouse(root) if after.returncode == 0 else [after.stderr.strip()]
    tally.rows_equal += not problems
    tally.problems += problems


def _mid_commit(root: Path) -> bool:
    """Whether the killed process left a commit phase to roll back or a swap to finish."""
    journal = root / "tables" / "_update_journal.json"
    committing = journal.exists() and '"phase": "committing"' in journal.read_text()
    return committing or (root / "_landing_journal.json").exists()


def report(tallies: dict[str, Tally], kills: int, scale: str, seconds: float) -> Table:
    table = Table(
        title=f"{kills} kill -9 at scale {scale}, {os.cpu_count()} cores", title_justify="left"
    )
    headers = ("killed command", "kills", "mid-commit", "recovered", "tables consistent",
               "rows = manifest")  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header == "killed command" else "right")
    fields = ("kills", "in_commits", "recovered", "consistent", "rows_equal")
    for name, tally in tallies.items():
        table.add_row(name, *(str(getattr(tally, f)) for f in fields))
    total = [sum(getattr(t, f) for t in tallies.values()) for f in fields]
    table.add_section()
    table.add_row("all", *map(str, total))
    table.caption = f"{seconds:.0f} s in all"
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.torture", description=__doc__)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--scale", default="0.1")
    parser.add_argument("--seed", type=int, default=0, help="of the random kills")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        tallies = torture(
            Path(folder) / "lakehouse", args.kills, args.scale, random.Random(args.seed), console
        )
    Console(width=120).print(report(tallies, args.kills, args.scale, time.perf_counter() - began))
    problems = [p for tally in tallies.values() for p in tally.problems]
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
