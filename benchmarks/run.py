"""The benchmark's entry point: ``uv run python -m benchmarks.run [--scales 1 10] [--repeat N]``.

Runs our generator as a whole process at each scale (plus scale 5 when the tpchgen-cli
comparison runs), then once in-process per scale for per-table rates, then the comparisons
(tpchgen-cli at SF1, dbldatagen on local Spark at our scale-1 row counts), checks the
targets, prints the tables and writes them as JSON to ``benchmarks/out/results.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from rich.console import Console

from benchmarks.measure import SAMPLE_SECONDS
from benchmarks.model import CaseResult, TableRate
from benchmarks.ours import benchmark_cli, table_rates
from benchmarks.report import BenchResults, print_results, write_json
from benchmarks.spark_compare import benchmark_dbldatagen
from benchmarks.targets import TPCH_COMPARISON_SCALE, check_targets
from benchmarks.tpchgen import SCALE_FACTOR, benchmark_tpchgen, size_label, tpchgen_installed

Comparison = Literal["tpchgen", "dbldatagen"]
COMPARISONS: tuple[Comparison, ...] = get_args(Comparison)
DEFAULT_OUT = Path(__file__).with_name("out") / "results.json"
SPARK_SCALE = 1.0
WIDE_CONSOLE = 150


@dataclass(frozen=True)
class Settings:
    scales: tuple[float, ...]
    repeat: int
    comparisons: frozenset[Comparison]
    skip_reason: str  # shown in the rows of comparisons not run
    per_table: bool
    workdir: Path | None
    out: Path

    def our_scales(self) -> list[float]:
        """The asked scales, plus scale 5 when there is a tpchgen-cli run to compare with."""
        tpchgen_runs = "tpchgen" in self.comparisons and tpchgen_installed()
        return sorted({*self.scales, TPCH_COMPARISON_SCALE} if tpchgen_runs else set(self.scales))

    def as_dict(self) -> dict[str, Any]:
        return {
            "scales": self.our_scales(),
            "repeat": self.repeat,
            "comparisons": sorted(self.comparisons),
            "per_table": self.per_table,
        }


def parse_settings(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median shown)")
    parser.add_argument(
        "--quick", action="store_true", help="scale 1 only, one run, no comparisons"
    )
    parser.add_argument("--skip", choices=COMPARISONS, action="append", default=[])
    parser.add_argument("--no-per-table", action="store_true", help="skip the in-process runs")
    parser.add_argument("--workdir", type=Path, help="where outputs are written (a temp dir)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    skipped: set[Comparison] = set(COMPARISONS) if args.quick else set(args.skip)
    return Settings(
        scales=(1.0,) if args.quick else tuple(args.scales),
        repeat=1 if args.quick else args.repeat,
        comparisons=frozenset(set(COMPARISONS) - skipped),
        skip_reason="skipped: --quick" if args.quick else "skipped: --skip",
        per_table=not args.no_per_table,
        workdir=args.workdir,
        out=args.out,
    )


def machine_facts() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "rss_sample_seconds": SAMPLE_SECONDS,
    }


def run_ours(settings: Settings, workdir: Path, console: Console) -> list[CaseResult]:
    scales = settings.our_scales()
    listed = ", ".join(f"{scale:g}" for scale in scales)
    console.log(f"retail generate --scale {listed} ({settings.repeat}x each, round robin)")
    return benchmark_cli(scales, settings.repeat, workdir)


def run_per_table(settings: Settings, workdir: Path, console: Console) -> list[TableRate]:
    rates: list[TableRate] = []
    for scale in settings.our_scales() if settings.per_table else []:
        console.log(f"in-process generate_dataset at scale {scale:g} (per-table rates)")
        rates += table_rates(scale, workdir)
    return rates


def run_comparisons(settings: Settings, workdir: Path, console: Console) -> list[CaseResult]:
    if "tpchgen" in settings.comparisons:
        console.log(f"tpchgen-cli at {size_label(SCALE_FACTOR)} ({settings.repeat}x)")
        tpch = benchmark_tpchgen(settings.repeat, workdir)
    else:
        tpch = CaseResult.unavailable(
            "tpchgen-cli", size_label(SCALE_FACTOR), "skipped", settings.skip_reason
        )
    if "dbldatagen" in settings.comparisons:
        console.log("dbldatagen on local Spark at our scale-1 row counts (1x)")
        spark = benchmark_dbldatagen(SPARK_SCALE, workdir)
    else:
        spark = CaseResult.unavailable("dbldatagen", "scale 1", "skipped", settings.skip_reason)
    return [tpch, spark]


def run_benchmarks(settings: Settings, console: Console) -> BenchResults:
    workdir = settings.workdir or Path(tempfile.gettempdir())
    workdir.mkdir(parents=True, exist_ok=True)
    cases = run_ours(settings, workdir, console)
    rates = run_per_table(settings, workdir, console)
    cases += run_comparisons(settings, workdir, console)
    return BenchResults(machine_facts(), settings.as_dict(), cases, rates, check_targets(cases))


def output_console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=WIDE_CONSOLE)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings(argv)
    results = run_benchmarks(settings, Console(stderr=True))
    print_results(results, output_console())
    write_json(results, settings.out)
    print(f"results written to {settings.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
