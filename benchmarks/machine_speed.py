"""How fast the machine is at a moment of the benchmark: a fixed workload, timed between parts.

A shared machine drifts: on the 2-core machine the same in-process scale-1 update took
1.3 s in one hour and 2.1 s in the next, the code unchanged. The probe (draw 10 million
random integers into fresh memory and sort them: allocation, arithmetic and memory traffic,
one thread) runs before each part, so a slow figure can be told apart from a slow machine,
and two figures compared only when their probes agree.
"""

from __future__ import annotations

import time

import numpy as np

PROBE_VALUES = 10_000_000
PROBE_REPEATS = 3
PROBE_DESCRIPTION = (
    f"draw and sort {PROBE_VALUES // 1_000_000}M random int64, best of {PROBE_REPEATS}, "
    "lower is faster"
)


def probe_seconds() -> float:
    """The best of a few timings of the fixed workload."""
    best = float("inf")
    for repeat in range(PROBE_REPEATS):
        began = time.perf_counter()
        values = np.random.default_rng(repeat).integers(0, 2**62, PROBE_VALUES)
        values.sort()
        best = min(best, time.perf_counter() - began)
    return best


class SpeedLog:
    """The probe's seconds before each part of a benchmark run, in order."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def probe(self, moment: str) -> None:
        self.seconds[moment] = probe_seconds()

    def spread(self) -> float:
        """The slowest probe over the fastest: 1.0 when the machine held steady."""
        values = list(self.seconds.values())
        return max(values) / min(values) if values else 1.0

    def summary(self) -> str:
        moments = ", ".join(f"{moment} {s:.3f} s" for moment, s in self.seconds.items())
        return f"{moments} (slowest / fastest = {self.spread():.2f})"
