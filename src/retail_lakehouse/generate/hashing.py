"""Counter-based randomness: every draw is a pure function of (seed, names, row id).

Seeds are derived from names (never positions) with BLAKE2b, and per-row values come from
the splitmix64 finaliser applied to ``stream_seed + row_id * GOLDEN_GAMMA``. Nothing here
keeps state, so any block of rows can be drawn alone, on any worker, in any order.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SHIFT_30 = np.uint64(30)
_SHIFT_27 = np.uint64(27)
_SHIFT_31 = np.uint64(31)
_SHIFT_11 = np.uint64(11)
_TWO_POW_MINUS_53 = 1.0 / float(1 << 53)


def derive_seed(seed: int, *names: str) -> int:
    """A 64-bit seed for a named stream, e.g. ``derive_seed(42, "orders", "order_ts")``."""
    text = "\x1f".join([str(seed), *names]).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def mix64(values: U64) -> U64:
    """The splitmix64 finaliser: a bijective avalanche of 64-bit words (in place on a copy)."""
    z = values.copy()
    z ^= z >> _SHIFT_30
    z *= _MIX_1
    z ^= z >> _SHIFT_27
    z *= _MIX_2
    z ^= z >> _SHIFT_31
    return z


def hash_rows(stream_seed: int, rows: I64) -> U64:
    """One independent 64-bit word per row id for the stream ``stream_seed``."""
    counters = rows.astype(np.uint64) * GOLDEN_GAMMA + np.uint64(stream_seed)
    return mix64(counters)


def uniform_rows(stream_seed: int, rows: I64) -> F64:
    """Uniform floats in [0, 1) with 53 random bits, one per row id."""
    words = hash_rows(stream_seed, rows)
    return (words >> _SHIFT_11).astype(np.float64) * _TWO_POW_MINUS_53


def open_uniform_rows(stream_seed: int, rows: I64) -> F64:
    """Uniform floats in (0, 1): safe for logarithms and inverse CDFs."""
    words = hash_rows(stream_seed, rows)
    return ((words >> _SHIFT_11).astype(np.float64) + 0.5) * _TWO_POW_MINUS_53


class Stream:
    """A named source of per-row draws: sub-streams are derived by name, not by order."""

    __slots__ = ("_names", "_seed", "stream_seed")

    def __init__(self, seed: int, *names: str) -> None:
        self._seed = seed
        self._names = names
        self.stream_seed = derive_seed(seed, *names)

    def child(self, *names: str) -> Stream:
        return Stream(self._seed, *self._names, *names)

    def words(self, rows: I64) -> U64:
        return hash_rows(self.stream_seed, rows)

    def uniform(self, rows: I64) -> F64:
        return uniform_rows(self.stream_seed, rows)

    def open_uniform(self, rows: I64) -> F64:
        return open_uniform_rows(self.stream_seed, rows)
