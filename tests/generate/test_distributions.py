"""Distributions: parameters mean what they say, no short periods, valid ranges.

These pin the pitfalls measured in dbldatagen: a Normal(40, 12) clamped to 18..90 must
keep a mean near 40 (dbldatagen's rescaling gives 55), and draws must not repeat with a
period of 10,000 rows.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from retail_lakehouse.generate import distributions as dist
from retail_lakehouse.generate.blocks import generate_table
from retail_lakehouse.generate.hashing import Stream, derive_seed, uniform_rows
from retail_lakehouse.generate.plan import DatasetPlan
from retail_lakehouse.generate.spec import DatasetSpec, parse_spec
from tests.helpers import small_plan

N = 200_000
ROWS = np.arange(N, dtype=np.int64)


def stream(name: str) -> Stream:
    return Stream(11, "t", name)


def test_derive_seed_is_stable_and_name_based() -> None:
    assert derive_seed(42, "orders", "order_ts") == derive_seed(42, "orders", "order_ts")
    assert derive_seed(42, "orders", "order_ts") != derive_seed(42, "order", "sorder_ts")
    assert derive_seed(42, "a") != derive_seed(43, "a")


def test_seed_derivation_and_mixing_are_pinned() -> None:
    """Changing either changes every dataset: these values must never move."""
    assert derive_seed(0, "x") == 0x840094105A7BFB92
    words = Stream(0, "x").words(np.arange(3, dtype=np.int64)).tolist()
    assert words == [16706547109265710635, 18293919575736631899, 15534688960884771174]


def test_uniforms_are_uniform_and_in_range() -> None:
    u = uniform_rows(derive_seed(1, "u"), ROWS)
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = N / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 45  # 19 degrees of freedom, p ~ 1e-3


def test_no_period_of_ten_thousand_rows() -> None:
    u = stream("p").uniform(np.arange(100_000, dtype=np.int64))
    assert np.unique(u).size == u.size
    assert not np.allclose(u[:10_000], u[10_000:20_000])
    lagged = np.corrcoef(u[:-10_000], u[10_000:])[0, 1]
    assert abs(lagged) < 0.02


def test_clamped_normal_keeps_its_mean() -> None:
    values = np.clip(dist.normal(stream("age"), ROWS, 40, 12), 18, 90)
    assert values.mean() == pytest.approx(40.16, abs=0.15)  # clamping shifts it by 0.16 only
    raw = dist.normal(stream("age"), ROWS, 40, 12)
    assert raw.mean() == pytest.approx(40, abs=0.1)
    assert raw.std() == pytest.approx(12, rel=0.01)


@pytest.mark.parametrize(
    ("draw", "mean", "std"),
    [
        (lambda s: dist.uniform(s, ROWS, 2.0, 6.0), 4.0, 4 / math.sqrt(12)),
        (lambda s: dist.lognormal(s, ROWS, 1.0, 0.5), math.exp(1.125), None),
        (lambda s: dist.gamma(s, ROWS, 2.5, 2.0), 5.0, math.sqrt(2.5) * 2),
        (lambda s: dist.gamma(s, ROWS, 0.4, 1.0), 0.4, math.sqrt(0.4)),
        (lambda s: dist.beta(s, ROWS, 2.0, 5.0), 2 / 7, None),
        (lambda s: dist.exponential(s, ROWS, 3.0), 3.0, 3.0),
        (lambda s: dist.pareto(s, ROWS, 3.0, 1.0), 1.5, None),
    ],
    ids=["uniform", "lognormal", "gamma", "gamma-small-shape", "beta", "exponential", "pareto"],
)
def test_moments_match_parameters(draw, mean: float, std: float | None) -> None:  # type: ignore[no-untyped-def]
    values = draw(stream("m"))
    assert np.isfinite(values).all()
    assert values.mean() == pytest.approx(mean, rel=0.02)
    if std is not None:
        assert values.std() == pytest.approx(std, rel=0.03)


def test_zipf_ranks_follow_a_power_law() -> None:
    ranks = dist.zipf_rank(stream("z"), ROWS, 1000, 1.0)
    assert ranks.min() >= 0 and ranks.max() <= 999
    counts = np.bincount(ranks, minlength=1000)
    assert counts[0] > counts[9] > counts[99] > counts[999]
    assert counts[0] / counts[9] == pytest.approx(10, rel=0.25)


def test_weighted_choice_matches_weights() -> None:
    weights = np.array([5.0, 3.0, 2.0])
    picks = dist.weighted_choice(stream("w"), ROWS, weights)
    shares = np.bincount(picks) / N
    assert shares == pytest.approx([0.5, 0.3, 0.2], abs=0.005)


@pytest.mark.parametrize("n", [1, 2, 10, 997, 1000, 65536])
def test_affine_permutation_is_a_bijection(n: int) -> None:
    multiplier, offset = dist.affine_permutation(derive_seed(3, "perm"), n)
    ranks = np.arange(n, dtype=np.int64)
    assert np.array_equal(np.sort(dist.permute(ranks, n, multiplier, offset)), ranks)


def test_a_uniform_foreign_key_spreads_over_every_eligible_parent(
    retail_spec: DatasetSpec,
) -> None:
    """Order items on products with ``skew: {type: uniform}``: every active product is
    picked (about 45 items each), none more than twice as often as the mean, and never an
    inactive one."""
    data = retail_spec.model_dump(mode="json")
    (items,) = [table for table in data["tables"] if table["name"] == "order_items"]
    (product,) = [column for column in items["columns"] if column["name"] == "product_id"]
    product["skew"] = {"type": "uniform"}
    spec = parse_spec(data, "uniform products")
    small = small_plan(spec)
    plan = DatasetPlan(spec, small.seed, small.rows, defect_scale=0.0)
    products = generate_table(plan, "products").data
    active = {
        p
        for p, on in zip(
            products["product_id"].to_pylist(), products["is_active"].to_pylist(), strict=True
        )
        if on
    }
    counts = Counter(generate_table(plan, "order_items").data["product_id"].to_pylist())
    assert set(counts) == active
    mean = sum(counts.values()) / len(active)
    assert max(counts.values()) < 2 * mean
