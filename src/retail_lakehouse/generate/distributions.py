"""Numeric distributions drawn from counter-based uniforms, vectorized over row ids.

Each sampler takes a :class:`Stream` and an array of row ids and returns one value per row,
so the value of a row never depends on which other rows are drawn with it. Parameters mean
what they say: a Normal(40, 12) has mean 40 and standard deviation 12 before clamping.
"""

from __future__ import annotations

import math

import numpy as np

from retail_lakehouse.generate.hashing import F64, I64, Stream

_GAMMA_ATTEMPTS = 12


def uniform(stream: Stream, rows: I64, low: float, high: float) -> F64:
    return low + (high - low) * stream.uniform(rows)


def standard_normal(stream: Stream, rows: I64) -> F64:
    """Box-Muller on two independent uniforms of the same row."""
    u1 = stream.child("u1").open_uniform(rows)
    u2 = stream.child("u2").uniform(rows)
    radius: F64 = np.sqrt(-2.0 * np.log(u1))
    return radius * np.cos(2.0 * math.pi * u2)


def normal(stream: Stream, rows: I64, mean: float, std: float) -> F64:
    return mean + std * standard_normal(stream, rows)


def lognormal(stream: Stream, rows: I64, mu: float, sigma: float) -> F64:
    """exp(N(mu, sigma)): mu and sigma are those of the underlying normal."""
    return np.exp(normal(stream, rows, mu, sigma))


def exponential(stream: Stream, rows: I64, scale: float) -> F64:
    return -scale * np.log(stream.open_uniform(rows))


def pareto(stream: Stream, rows: I64, alpha: float, scale: float) -> F64:
    """Pareto type I: support [scale, inf), tail index alpha."""
    return scale * stream.open_uniform(rows) ** (-1.0 / alpha)


def zipf_rank(stream: Stream, rows: I64, n: int, exponent: float) -> I64:
    """0-based ranks in [0, n) with P(rank k) roughly proportional to (k + 1) ** -exponent.

    Inverse CDF of the continuous bounded power law on [1, n + 1), floored: O(1) memory
    whatever n is, so it serves foreign keys into tables of any size.
    """
    u = stream.uniform(rows)
    if abs(exponent - 1.0) < 1e-9:
        x = np.exp(u * math.log(n + 1.0))
    else:
        one_minus = 1.0 - exponent
        top = (n + 1.0) ** one_minus
        x = (1.0 + u * (top - 1.0)) ** (1.0 / one_minus)
    ranks = np.floor(x).astype(np.int64) - 1
    return np.clip(ranks, 0, n - 1)


def gamma(stream: Stream, rows: I64, shape: float, scale: float) -> F64:
    """Marsaglia-Tsang with a fixed list of named attempts per row (vectorized rejection).

    Rows still rejected after every attempt (probability below 1e-15 for any shape) take the
    Wilson-Hilferty approximation, so the result stays a pure function of the row id.
    """
    if shape < 1.0:
        boost = stream.child("boost").open_uniform(rows) ** (1.0 / shape)
        return gamma(stream.child("shape+1"), rows, shape + 1.0, scale) * boost
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    result = np.full(rows.shape, np.nan)
    pending = np.arange(rows.size)
    for attempt in range(_GAMMA_ATTEMPTS):
        if pending.size == 0:
            break
        sub = rows[pending]
        z = standard_normal(stream.child("z", str(attempt)), sub)
        u = stream.child("u", str(attempt)).open_uniform(sub)
        v = (1.0 + c * z) ** 3
        with np.errstate(invalid="ignore", divide="ignore"):
            accept = (v > 0) & (np.log(u) < 0.5 * z * z + d - d * v + d * np.log(v))
        result[pending[accept]] = d * v[accept]
        pending = pending[~accept]
    if pending.size:
        z = standard_normal(stream.child("fallback"), rows[pending])
        result[pending] = np.maximum(d * (1.0 + c * z) ** 3, 0.0)
    return result * scale


def beta(stream: Stream, rows: I64, alpha: float, beta_: float) -> F64:
    x = gamma(stream.child("a"), rows, alpha, 1.0)
    y = gamma(stream.child("b"), rows, beta_, 1.0)
    return x / (x + y)


def weighted_choice(stream: Stream, rows: I64, weights: F64) -> I64:
    """Index into ``weights`` for each row, with probability proportional to the weight."""
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    picks = np.searchsorted(cumulative, stream.uniform(rows), side="right")
    return np.minimum(picks, weights.size - 1).astype(np.int64)


def affine_permutation(seed: int, n: int) -> tuple[int, int]:
    """A bijection of [0, n) as (multiplier, offset): rank -> (rank * a + b) mod n.

    Used to scatter popularity ranks over ids so that the most popular parents are not
    simply the first rows.
    """
    if n <= 1:
        return 1, 0
    a = (seed % min(n, 1 << 31)) | 1
    while math.gcd(a, n) != 1:
        a = (a + 2) % n or 1
    b = (seed >> 32) % n
    return a, b  # a < 2**31 keeps rank * a inside int64 for n < 2**32


def permute(ranks: I64, n: int, multiplier: int, offset: int) -> I64:
    return (ranks * multiplier + offset) % n
