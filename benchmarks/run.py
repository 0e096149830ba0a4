"""The benchmark's entry point: ``uv run python -m benchmarks.run [--scales 1 10] [--repeat N]``.

Runs our generator as a whole process at each scale (plus scale 5 when the tpchgen-cli
comparison runs), then once in-process per scale for per-table rates, then the comparisons
(tpchgen-cli at SF1, dbldatagen on local Spark at our scale-1 row counts), then our pipeline
end to end (``retail run``: fresh, again, full refresh) at each scale, the same sequence on
our Spark engine and the same medallion on PySpark at each ``--spark-scales`` scale (default
1), checks the targets, prints the tables and writes them as JSON to
``benchmarks/out/results.json``. Exits 1 when any target is missed or any case crashed.
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

from benchmarks.judging import exit_code
from benchmarks.machine_speed import PROBE_DESCRIPTION, SpeedLog
from benchmarks.measure import SAMPLE_SECONDS
from benchmarks.model import CaseResult, PipelineCase, PipelineTool, TableRate
from benchmarks.ours import benchmark_cli, scale_label, table_rates
from benchmarks.pipeline import benchmark_pipeline
from benchmarks.report import BenchResults, print_results, write_json
from benchmarks.spark_compare import benchmark_dbldatagen
from benchmarks.spark_medallion import Reference, benchmark_spark_medallion
from benchmarks.targets import MEDALLION_SCALE, TPCH_COMPARISON_SCALE, check_targets
from benchmarks.tpchgen import SCALE_FACTOR, benchmark_tpchgen, size_label, tpchgen_installed

Part = Literal[
    "tpchgen", "dbldatagen", "pipeline", "python-pipeline", "spark-engine", "spark-medallion"
]
PARTS: tuple[Part, ...] = get_args(Part)
COMPARISONS: frozenset[Part] = frozenset(
    {"tpchgen", "dbldatagen", "spark-engine", "spark-medallion"}
)
DEFAULT_OUT = Path(__file__).with_name("out") / "results.json"
SPARK_SCALE = 1.0
WIDE_CONSOLE = 170  # the pipeline table with scale-10 Spark rows needs 163 columns


@dataclass(frozen=True)
class Settings:
    scales: tuple[float, ...]
    spark_scales: tuple[float, ...]  # of the Spark engine's and the PySpark medallion's cases
    repeat: int
    parts: frozenset[Part]  # the comparisons and the pipeline runs that run
    skipped_by_flag: frozenset[Part]  # left out by --skip (the others not run: by --quick)
    per_table: bool
    workdir: Path | None
    out: Path

    def our_scales(self) -> list[float]:
        """The asked scales, plus scale 5 when there is a tpchgen-cli run to compare with."""
        tpchgen_runs = "tpchgen" in self.parts and tpchgen_installed()
        return sorted({*self.scales, TPCH_COMPARISON_SCALE} if tpchgen_runs else set(self.scales))

    def skip_reason(self, part: Part) -> str:
        """Shown in the rows of a part that does not run."""
        return "skipped: --skip" if part in self.skipped_by_flag else "skipped: --quick"

    def as_dict(self) -> dict[str, Any]:
        return {
            "scales": self.our_scales(),
            "spark_scales": list(self.spark_scales),
            "repeat": self.repeat,
            "parts": sorted(self.parts),
            "per_table": self.per_table,
        }


def parse_settings(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument(
        "--spark-scales",
        type=float,
        nargs="+",
        default=[MEDALLION_SCALE],
        help="scales of the Spark engine and PySpark medallion cases (default: 1)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median shown)")
    parser.add_argument(
        "--quick", action="store_true", help="scale 1 only, one run, no comparisons"
    )
    parser.add_argument("--skip", choices=PARTS, action="append", default=[])
    parser.add_argument("--no-per-table", action="store_true", help="skip the in-process runs")
    parser.add_argument("--workdir", type=Path, help="where outputs are written (a temp dir)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    skipped: set[Part] = set(args.skip) | (set(COMPARISONS) if args.quick else set())
    return Settings(
        scales=(1.0,) if args.quick else tuple(args.scales),
        spark_scales=(MEDALLION_SCALE,) if args.quick else tuple(sorted(set(args.spark_scales))),
        repeat=1 if args.quick else args.repeat,
        parts=frozenset(set(PARTS) - skipped),
        skipped_by_flag=frozenset(args.skip),
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
    if "tpchgen" in settings.parts:
        console.log(f"tpchgen-cli at {size_label(SCALE_FACTOR)} ({settings.repeat}x)")
        tpch = benchmark_tpchgen(settings.repeat, workdir)
    else:
        tpch = CaseResult.unavailable(
            "tpchgen-cli", size_label(SCALE_FACTOR), "skipped", settings.skip_reason("tpchgen")
        )
    if "dbldatagen" in settings.parts:
        console.log("dbldatagen on local Spark at our scale-1 row counts (1x)")
        spark = benchmark_dbldatagen(SPARK_SCALE, workdir)
    else:
        spark = CaseResult.unavailable(
            "dbldatagen", "scale 1", "skipped", settings.skip_reason("dbldatagen")
        )
    return [tpch, spark]


def run_pipelines(
    settings: Settings, workdir: Path, console: Console, speed: SpeedLog
) -> list[PipelineCase]:
    scales = sorted(set(settings.scales))
    if "pipeline" in settings.parts:
        listed = ", ".join(f"{scale:g}" for scale in scales)
        console.log(
            f"retail run --scale {listed}: fresh, again, full refresh ({settings.repeat}x each)"
        )
        cases = benchmark_pipeline(scales, settings.repeat, workdir)
    else:
        cases = [
            PipelineCase.unavailable(
                "retail run", "fresh", scale_label(s), "skipped", settings.skip_reason("pipeline")
            )
            for s in scales
        ]
    cases += run_python_pipeline(settings, workdir, console)
    cases += run_spark_engine(settings, workdir, console)
    if "spark-medallion" in settings.parts:
        speed.probe("before PySpark medallion")
    medallions = [
        run_spark_medallion(settings, scale, workdir, console, cases)
        for scale in settings.spark_scales
    ]
    return [*cases, *medallions]


def run_python_pipeline(settings: Settings, workdir: Path, console: Console) -> list[PipelineCase]:
    """The built-in pipeline written in Python, at scale 1: the same sequence."""
    tool: PipelineTool = "retail run (python)"
    label = scale_label(MEDALLION_SCALE)
    if "python-pipeline" not in settings.parts:
        reason = settings.skip_reason("python-pipeline")
        return [PipelineCase.unavailable(tool, "fresh", label, "skipped", reason)]
    console.log(f"{tool} at {label}: fresh, again, full refresh ({settings.repeat}x each)")
    return benchmark_pipeline([MEDALLION_SCALE], settings.repeat, workdir, tool)


def run_spark_engine(settings: Settings, workdir: Path, console: Console) -> list[PipelineCase]:
    """``retail run --engine spark`` at each Spark scale: the same sequence on local Spark."""
    tool: PipelineTool = "retail run --engine spark"
    labels = [scale_label(scale) for scale in settings.spark_scales]
    if "spark-engine" not in settings.parts:
        reason = settings.skip_reason("spark-engine")
        return [PipelineCase.unavailable(tool, "fresh", s, "skipped", reason) for s in labels]
    listed = ", ".join(labels)
    console.log(f"{tool} at {listed}: fresh, again, full refresh ({settings.repeat}x each)")
    return benchmark_pipeline(settings.spark_scales, settings.repeat, workdir, tool)


def reference_rows(ours: Sequence[PipelineCase], label: str) -> Reference | None:
    """Our first fresh run at this size: whose it is and each dataset's rows (None
    without one)."""
    case = next((c for c in ours if c.run == "fresh" and c.size == label and c.updates), None)
    if case is None or case.updates is None:
        return None
    return Reference(case.tool, case.updates.rows_by_dataset)


def run_spark_medallion(
    settings: Settings, scale: float, workdir: Path, console: Console, ours: list[PipelineCase]
) -> PipelineCase:
    label = scale_label(scale)
    if "spark-medallion" not in settings.parts:
        return PipelineCase.unavailable(
            "pyspark", "medallion", label, "skipped", settings.skip_reason("spark-medallion")
        )
    console.log(f"PySpark medallion on local Spark at {label} ({settings.repeat} runs, 1 session)")
    rows = reference_rows(ours, label)
    return benchmark_spark_medallion(scale, settings.repeat, workdir, rows)


def run_benchmarks(settings: Settings, console: Console) -> BenchResults:
    workdir = settings.workdir or Path(tempfile.gettempdir())
    workdir.mkdir(parents=True, exist_ok=True)
    speed = SpeedLog()
    speed.probe("start")
    cases = run_ours(settings, workdir, console)
    rates = run_per_table(settings, workdir, console)
    cases += run_comparisons(settings, workdir, console)
    speed.probe("before pipeline")
    pipeline = run_pipelines(settings, workdir, console, speed)
    speed.probe("end")
    targets = check_targets(cases, pipeline, settings.repeat)
    machine = {**machine_facts(), "speed_probe": speed_facts(speed)}
    return BenchResults(machine, settings.as_dict(), cases, rates, targets, pipeline)


def speed_facts(speed: SpeedLog) -> dict[str, Any]:
    return {
        "workload": PROBE_DESCRIPTION,
        "seconds": speed.seconds,
        "summary": speed.summary(),
    }


def output_console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=WIDE_CONSOLE)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings(argv)
    results = run_benchmarks(settings, Console(stderr=True))
    print_results(results, output_console())
    write_json(results, settings.out)
    print(f"results written to {settings.out}")
    return exit_code(results.targets)


if __name__ == "__main__":
    sys.exit(main())
