"""Tests of gentheory_utils.birthday against brute force, formulas and simulation.

The generic argument checks (arrays, weights, seeds) are in test_api_contract.py.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gentheory_utils import birthday  # noqa: E402
from gentheory_utils.birthday import (  # noqa: E402
    closest_pairs,
    collision_probability,
    estimate_support,
    pair_montage,
    suggest_threshold,
)
from gentheory_utils.data import KnownSupport  # noqa: E402

# ---------------------------------------------------------------- helpers


def _double(x) -> torch.Tensor:
    return torch.as_tensor(x).double()


def brute_pairs(x):
    """All pairs i < j with their float64 distances, sorted ascending.

    The sort is stable, so the (i, j) order breaks ties.
    """
    xd = _double(x)
    s = xd.shape[0]
    dist = torch.cdist(
        xd, xd, compute_mode="donot_use_mm_for_euclid_dist"
    )  # direct differences, no |a|²+|b|²-2ab
    iu = torch.triu_indices(s, s, offset=1)
    d = dist[iu[0], iu[1]]
    d, order = torch.sort(d, stable=True)
    return iu[0][order], iu[1][order], d


def check_against_brute(x, k, **kwargs):
    """closest_pairs(x, k) is exactly the k smallest pairs.

    Ties are compared as a multiset of distances.
    """
    i, j, d = closest_pairs(x, k, **kwargs)
    bi, bj, bd = brute_pairs(x)
    xd = _double(x)
    assert i.dtype == torch.long and j.dtype == torch.long and d.dtype == torch.float64
    assert i.shape == j.shape == d.shape == (k,)
    assert bool((i < j).all())
    assert bool((j < xd.shape[0]).all()) and bool((i >= 0).all())
    assert bool((d[1:] >= d[:-1]).all()), "distances not ascending"
    pairs = list(zip(i.tolist(), j.tolist(), strict=True))
    assert len(set(pairs)) == k, "a pair is returned twice"
    # each returned distance is the direct norm of the difference
    direct = (xd[i] - xd[j]).norm(dim=1)
    torch.testing.assert_close(d, direct, rtol=1e-12, atol=0.0)
    # the multiset of distances equals the k smallest of all pairs
    torch.testing.assert_close(d, bd[:k], rtol=1e-12, atol=0.0)
    # every pair strictly closer than the k-th distance must be returned
    # (an exact index check where there are no ties)
    kth = bd[k - 1]
    must = {
        (a, b)
        for a, b, v in zip(bi.tolist(), bj.tolist(), bd.tolist(), strict=True)
        if v < kth * (1 - 1e-12)
    }
    assert must <= set(pairs)
    return i, j, d


# ------------------------------------------------------- closest_pairs: exactness


def _exactness_cases():
    for s in (2, 3, 50, 300):
        n_pairs = s * (s - 1) // 2
        ks = sorted(
            {min(1, n_pairs), min(5, n_pairs)} | ({n_pairs} if s <= 50 else set())
        )
        for dim in (1, 8, 64):
            for k in ks:
                for chunk in (1, 7, None, s + 10):
                    yield pytest.param(
                        s, dim, k, chunk, id=f"s{s}-d{dim}-k{k}-chunk{chunk}"
                    )


@pytest.mark.parametrize(("s", "dim", "k", "chunk_size"), list(_exactness_cases()))
def test_closest_pairs_matches_brute_force(s, dim, k, chunk_size):
    g = torch.Generator().manual_seed(1000 * s + 10 * dim + k)
    x = torch.randn(s, dim, generator=g)
    check_against_brute(x, k, chunk_size=chunk_size)


def test_exact_answer_without_ties_has_brute_force_indices():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(120, 6, generator=g, dtype=torch.float64)
    i, j, d = closest_pairs(x, k=15)
    bi, bj, bd = brute_pairs(x)
    assert torch.unique(bd[:16]).numel() == 16  # no ties, so the indices are determined
    assert torch.equal(i, bi[:15]) and torch.equal(j, bj[:15])


def test_exact_duplicates_give_distance_zero():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(50, 8, generator=g)
    x[10] = x[3]
    x[20] = x[3]  # three copies of row 3: pairs (3,10), (3,20), (10,20)
    x[40] = x[7]  # and one more duplicate pair
    i, j, d = check_against_brute(x, 6)
    assert d[:4].tolist() == [0.0] * 4
    assert d[4] > 0
    assert set(zip(i[:4].tolist(), j[:4].tolist(), strict=True)) == {
        (3, 10),
        (3, 20),
        (10, 20),
        (7, 40),
    }


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("chunk", [1, 7, None])
def test_near_duplicates_are_ranked_exactly(dtype, chunk):
    # fast formula |a|²+|b|²-2ab cannot resolve 1e-6 in float32; the re-ranking must.
    g = torch.Generator().manual_seed(3)
    x = torch.randn(60, 16, generator=g, dtype=torch.float64)
    e = torch.zeros(16, dtype=torch.float64)
    e[0] = 1.0
    x[25] = x[5] + 3e-6 * e
    x[30] = x[11] + 1e-6 * e
    x[55] = x[17] + 2e-6 * e
    x = x.to(dtype)
    i, j, d = check_against_brute(x, 4, chunk_size=chunk)
    pairs = list(zip(i[:3].tolist(), j[:3].tolist(), strict=True))
    assert pairs == [(11, 30), (17, 55), (5, 25)]
    assert d[2] < 1e-5 < d[3]
    if dtype == torch.float64:
        torch.testing.assert_close(
            d[:3],
            torch.tensor([1e-6, 2e-6, 3e-6], dtype=torch.float64),
            rtol=1e-6,
            atol=0.0,
        )


def test_lattice_ties_compare_multisets():
    # 6x6 unit lattice: 60 pairs at distance 1, 50 at sqrt 2, ...
    xs, ys = torch.meshgrid(torch.arange(6.0), torch.arange(6.0), indexing="ij")
    x = torch.stack([xs.reshape(-1), ys.reshape(-1)], 1)
    for k in (1, 10, 60, 61, 110, 200, 630):
        check_against_brute(x, k, chunk_size=7)
    _, _, d = closest_pairs(x, k=60)
    assert d.tolist() == [1.0] * 60


def test_integer_tensor_input():
    g = torch.Generator().manual_seed(4)
    x = torch.randint(0, 5, (40, 3), generator=g)  # many exact duplicates and ties
    i, j, d = check_against_brute(x, 30)
    assert d.dtype == torch.float64


def test_numpy_inputs():
    rng = np.random.default_rng(6)
    check_against_brute(rng.normal(size=(70, 5)), 12)  # float64
    check_against_brute(rng.normal(size=(70, 5)).astype(np.float32), 12)  # float32
    check_against_brute(rng.integers(-3, 4, size=(70, 2)), 40)  # int64, ties
    # non-contiguous numpy input
    a = rng.normal(size=(70, 10))[:, ::2]
    check_against_brute(a, 9)


def test_float64_input_with_many_rows_and_large_k():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(300, 3, generator=g, dtype=torch.float64)
    check_against_brute(x, 250, chunk_size=13)


def test_chunk_size_one_equals_default():
    g = torch.Generator().manual_seed(8)
    x = torch.randn(300, 8, generator=g)
    x[100] = x[200]
    a = closest_pairs(x, k=20)
    b = closest_pairs(x, k=20, chunk_size=1)
    c = closest_pairs(x, k=20, chunk_size=299)
    for u, v, w in zip(a, b, c, strict=True):
        assert torch.equal(u, v) and torch.equal(u, w)


def test_float32_with_large_offset_is_still_exact():
    g = torch.Generator().manual_seed(0)
    x = 1e4 + torch.randn(300, 8, generator=g)
    check_against_brute(x, 5)


def test_float16_pixel_values_return_k_pairs():
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(50, 16, generator=g) * 255).round().half()
    check_against_brute(x, 3)


# ------------------------------------------------------- closest_pairs: bad input


@pytest.mark.parametrize(
    ("x", "kwargs", "exc", "match"),
    [
        (torch.zeros(1, 3), {}, ValueError, "at least 2 rows"),
        (torch.zeros(0, 3), {}, ValueError, "at least 2 rows"),
        (torch.randn(4, 2), dict(k=7), ValueError, "k must be <= 6"),
        (torch.randn(4, 2), dict(k=0), ValueError, "k must be >= 1"),
        (torch.randn(4, 2), dict(k=2.0), TypeError, "k must be an integer"),
        (torch.randn(4, 2), dict(k=True), TypeError, "k must be an integer"),
        (torch.randn(5, 0), dict(k=1), ValueError, "x must be 2-D"),
        (
            torch.randn(4, 2),
            dict(k=1, chunk_size=0),
            ValueError,
            "chunk_size must be >= 1",
        ),
        (
            torch.randn(4, 2),
            dict(k=1, chunk_size=-3),
            ValueError,
            "chunk_size must be >= 1",
        ),
    ],
)
def test_closest_pairs_bad_input(x, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        closest_pairs(x, **kwargs)


# ---------------------------------------------------------------- collision_probability


def _direct(N, M):
    return 1.0 - math.prod(1.0 - i / N for i in range(M))


@pytest.mark.parametrize(
    ("N", "M"),
    [
        (1, 0),
        (1, 1),
        (1, 2),
        (2, 2),
        (10, 0),
        (10, 2),
        (10, 5),
        (10, 10),
        (10, 11),
        (10, 50),
        (365, 23),
        (365, 60),
        (365, 365),
        (365, 366),
        (1000, 40),
        (10_000, 2),
        (10_000, 300),
    ],
)
def test_uniform_exact_equals_direct_product(N, M):
    out = collision_probability(N, M)
    assert out["exact"] == pytest.approx(_direct(N, M), rel=1e-6, abs=1e-14)
    assert out["approx"] == pytest.approx(
        -math.expm1(-M * (M - 1) / (2 * N)), rel=1e-12, abs=0
    )
    assert 0.0 <= out["exact"] <= 1.0


def test_uniform_edge_cases():
    assert collision_probability(50, 0) == {"exact": 0.0, "approx": 0.0}
    one = collision_probability(50, 1)
    assert one["exact"] == pytest.approx(0.0, abs=1e-12) and one["approx"] == 0.0
    assert collision_probability(50, 51)["exact"] == 1.0
    assert collision_probability(50, 500)["exact"] == 1.0
    assert collision_probability(1, 2)["exact"] == 1.0
    # M = N: 1 - N!/N^N
    assert collision_probability(6, 6)["exact"] == pytest.approx(
        1 - math.factorial(6) / 6**6, rel=1e-12
    )


@pytest.mark.parametrize(
    ("N", "M"), [(10, 1), (365, 1), (10**6, 2), (10**9, 2), (10**12, 2)]
)
def test_uniform_exact_precise_for_small_batches_and_large_support(N, M):
    exact = collision_probability(N, M)["exact"]
    assert exact >= 0.0
    assert exact == pytest.approx(_direct(N, M), rel=1e-6, abs=1e-15)


def test_classic_birthday_numbers():
    out = collision_probability(365, 23)
    assert out["exact"] == pytest.approx(0.5072972343239857, rel=1e-10)
    assert out["approx"] == pytest.approx(1 - math.exp(-253 / 365), rel=1e-12)
    assert collision_probability(365, 22)["exact"] < 0.5 < out["exact"]


def test_half_crossing_near_1_18_sqrt_n():
    N = 10**6
    m = next(
        M for M in range(1000, 1400) if collision_probability(N, M)["exact"] >= 0.5
    )
    assert collision_probability(N, m - 1)["exact"] < 0.5
    assert abs(m - (math.sqrt(2 * N * math.log(2)) + 0.5)) <= 1
    assert abs(m / math.sqrt(N) - 1.1774) < 0.002


@pytest.mark.parametrize(
    ("N", "M"),
    [(1, 1), (10, 0), (10, 1), (10, 4), (10, 10), (365, 23), (365, 80), (1000, 60)],
)
def test_weighted_uniform_equals_uniform(N, M):
    u = collision_probability(N, M)
    w = collision_probability(N, M, weights=np.full(N, 1.0 / N))
    assert w["exact"] == pytest.approx(u["exact"], abs=1e-12)
    assert w["approx"] == pytest.approx(u["approx"], rel=1e-9, abs=1e-15)


def test_weighted_small_case_by_enumeration():
    # N=3, M=2: P(distinct) = 1 - sum p_i^2;  M=3: P(distinct) = 3! p1 p2 p3
    p = np.array([0.5, 0.3, 0.2])
    assert collision_probability(3, 2, weights=p)["exact"] == pytest.approx(
        np.sum(p**2), rel=1e-12
    )
    assert collision_probability(3, 3, weights=p)["exact"] == pytest.approx(
        1 - 6 * 0.5 * 0.3 * 0.2, rel=1e-12
    )
    assert collision_probability(3, 4, weights=p)["exact"] == 1.0


def test_weighted_matches_monte_carlo_for_zipf():
    N, M, B = 50, 8, 20_000
    w = 1.0 / np.arange(1, N + 1)
    w /= w.sum()
    exact = collision_probability(N, M, weights=w)["exact"]
    rng = np.random.default_rng(0)
    draws = np.sort(rng.choice(N, size=(B, M), p=w), axis=1)
    hit = (np.diff(draws, axis=1) == 0).any(axis=1)
    se = math.sqrt(exact * (1 - exact) / B)
    assert abs(hit.mean() - exact) < 4 * se
    # skewed weights collide more often than uniform ones
    assert exact > collision_probability(N, M)["exact"] + 0.1


def test_weighted_zero_weights():
    w = np.array([0.5, 0.0, 0.25, 0.0, 0.25])
    # zero-weight points are never drawn: same as the 3 non-zero points
    assert collision_probability(5, 3, weights=w)["exact"] == pytest.approx(
        collision_probability(3, 3, weights=w[w > 0])["exact"], rel=1e-12
    )
    assert collision_probability(5, 4, weights=w)["exact"] == 1.0


def test_weighted_exact_is_none_when_too_large():
    N = 100_000
    w = np.full(N, 1.0 / N)
    big = collision_probability(N, 2001, weights=w)  # N*M = 2.0001e8 > 2e8
    assert big["exact"] is None
    assert big["approx"] == pytest.approx(-math.expm1(-2001 * 2000 / 2 / N), rel=1e-9)
    assert (
        collision_probability(2_000_000, 101, weights=np.full(2_000_000, 5e-7))["exact"]
        is None
    )


def test_approx_uses_sum_of_squared_weights():
    rng = np.random.default_rng(9)
    w = rng.dirichlet(np.full(30, 0.3))
    M = 6
    out = collision_probability(30, M, weights=w)
    assert out["approx"] == pytest.approx(
        -math.expm1(-M * (M - 1) / 2 * np.sum(w**2)), rel=1e-12
    )
    # and it differs from the uniform approximation for skewed weights
    assert out["approx"] != pytest.approx(
        collision_probability(30, M)["approx"], rel=1e-3
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((0, 5), {}, ValueError, "n_support must be >= 1"),
        ((-3, 5), {}, ValueError, "n_support must be >= 1"),
        ((10, -1), {}, ValueError, "batch_size must be >= 0"),
        ((True, 5), {}, TypeError, "n_support must be an integer"),
        ((10, False), {}, TypeError, "batch_size must be an integer"),
        ((365.0, 23), {}, TypeError, "n_support must be an integer"),
        ((365, 23.0), {}, TypeError, "batch_size must be an integer"),
    ],
)
def test_collision_probability_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        collision_probability(*args, **kwargs)


# ---------------------------------------------------------------- suggest_threshold


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("q", [0.01, 0.3, 0.5, 0.99])
def test_threshold_on_regular_grid(dtype, q):
    x = (0.5 * torch.arange(40, dtype=torch.float64) - 3.0)[:, None].to(
        dtype
    )  # every NN distance is 0.5
    tol = 1e-12 if dtype == torch.float64 else 1e-4
    assert suggest_threshold(x, q) == pytest.approx(0.5, abs=tol)
    assert suggest_threshold(x, q, chunk_size=3) == pytest.approx(0.5, abs=tol)


def test_threshold_on_2d_lattice():
    xs, ys = torch.meshgrid(torch.arange(7.0), torch.arange(5.0), indexing="ij")
    x = 0.5 * torch.stack([xs.reshape(-1), ys.reshape(-1)], 1).double()
    assert suggest_threshold(x, 0.05) == pytest.approx(0.5, abs=1e-12)
    assert suggest_threshold(x.numpy(), 0.95) == pytest.approx(0.5, abs=1e-12)


def test_threshold_uses_nearest_neighbour_quantile():
    # points 0, 1, 3, 6, 10: nearest-neighbour distances 1, 1, 2, 3, 4
    x = torch.tensor([[0.0], [1.0], [3.0], [6.0], [10.0]], dtype=torch.float64)
    for q, expected in [(0.25, 1.0), (0.5, 2.0), (0.75, 3.0), (0.875, 3.5), (0.1, 1.0)]:
        assert suggest_threshold(x, q) == pytest.approx(expected, abs=1e-12)
    # duplicates in the reference give a zero threshold
    assert suggest_threshold(torch.cat([x, x[:3]]), 0.5) == pytest.approx(
        0.0, abs=1e-12
    )


def test_threshold_monotone_in_quantile_and_chunk_independent():
    g = torch.Generator().manual_seed(10)
    x = torch.randn(200, 5, generator=g, dtype=torch.float64)
    qs = [0.01, 0.05, 0.1, 0.3, 0.5, 0.8, 0.99]
    t = [suggest_threshold(x, q) for q in qs]
    assert all(a <= b for a, b in zip(t, t[1:], strict=False))
    assert t[0] < t[-1]
    nn = (
        torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")
        .fill_diagonal_(float("inf"))
        .min(1)
        .values
    )
    assert t[4] == pytest.approx(float(torch.quantile(nn, 0.5)), rel=1e-9)
    assert suggest_threshold(x, 0.5, chunk_size=1) == pytest.approx(t[4], rel=1e-12)


@pytest.mark.parametrize(
    ("x", "q", "exc", "match"),
    [
        (torch.zeros(1, 3), 0.5, ValueError, "at least 2 rows"),
        (torch.randn(5, 2), 0.0, ValueError, "quantile must be > 0"),
        (torch.randn(5, 2), 1.0, ValueError, "quantile must be < 1"),
        (torch.randn(5, 2), -0.1, ValueError, "quantile must be > 0"),
        (torch.randn(5, 2), float("nan"), ValueError, "quantile must be finite"),
    ],
)
def test_suggest_threshold_bad_input(x, q, exc, match):
    with pytest.raises(exc, match=match):
        suggest_threshold(x, q)


def test_suggest_threshold_rejects_negative_chunk_size():
    with pytest.raises(ValueError, match="chunk_size"):
        suggest_threshold(torch.randn(10, 2), 0.5, chunk_size=-1)


# ---------------------------------------------------------------- estimate_support


def uniform_ids(N):
    def sample(n, seed):
        g = torch.Generator().manual_seed(seed)
        return torch.randint(0, N, (n, 1), generator=g).float()

    return sample


def gaussian(n, seed):
    return torch.randn(
        n, 4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


@pytest.mark.parametrize(
    ("N", "sizes", "seed"),
    [
        (200, [6, 12, 17, 24, 34], 0),
        (200, [8, 16, 30], 7),
        (5000, [30, 60, 83, 120, 170], 0),
        (5000, [50, 100, 150], 3),
    ],
)
def test_estimate_support_on_uniform_support(N, sizes, seed):
    out = estimate_support(
        uniform_ids(N), threshold=0.5, batch_sizes=sizes, trials=40, seed=seed
    )
    assert N / 2 <= out["support"] <= 2 * N
    lo, hi = out["support_ci"]
    assert lo <= out["support"] <= hi
    assert math.isfinite(hi)
    # s50 follows the support: s50 = (1 + sqrt(1 + 8 N ln 2)) / 2
    assert out["s50"] == pytest.approx(
        (1 + math.sqrt(1 + 8 * out["support"] * math.log(2))) / 2, rel=1e-12
    )
    assert out["s50_ci"][0] <= out["s50"] <= out["s50_ci"][1]
    # the hit rate rises with the batch size, and each observed rate is consistent
    # with the true one
    for s, h in zip(sizes, out["hits"], strict=True):
        p = collision_probability(N, s)["exact"]
        assert abs(h / 40 - p) < 4 * math.sqrt(p * (1 - p) / 40) + 1 / 40


def test_estimate_support_interval_covers_the_truth_in_most_audits():
    # A 95 % interval misses in about 1 audit of 20, so coverage is checked over
    # 40 audits: fewer than 34 covers has probability 0.014 under Bin(40, 0.95).
    N, sizes = 200, [6, 12, 17, 24, 34]
    covers = 0
    for seed in range(40):
        out = estimate_support(
            uniform_ids(N), threshold=0.5, batch_sizes=sizes, trials=40, seed=seed
        )
        lo, hi = out["support_ci"]
        covers += lo <= N <= hi
    assert covers >= 34


def test_estimate_support_result_structure():
    sizes = [5, 10, 20]
    out = estimate_support(
        uniform_ids(100), threshold=0.5, batch_sizes=sizes, trials=25, seed=1
    )
    assert out["batch_sizes"] == sizes and out["trials"] == 25
    for key in ("hits", "p_hat", "p_low", "p_high"):
        assert len(out[key]) == len(sizes)
    assert all(0 <= h <= 25 for h in out["hits"])
    assert out["p_hat"] == [h / 25 for h in out["hits"]]
    for lo, p, hi in zip(out["p_low"], out["p_hat"], out["p_high"], strict=True):
        assert 0.0 <= lo <= p <= hi <= 1.0
        assert lo < hi


def test_estimate_support_is_infinite_without_duplicates():
    out = estimate_support(
        gaussian, threshold=1e-9, batch_sizes=[10, 50, 100], trials=10, seed=0
    )
    assert out["hits"] == [0, 0, 0]
    assert out["support"] == math.inf and out["s50"] == math.inf
    lo, hi = out["support_ci"]
    assert hi == math.inf and 0 < lo < math.inf
    assert out["s50_ci"][1] == math.inf
    assert out["p_hat"] == [0.0] * 3


def test_estimate_support_is_deterministic():
    kw = dict(threshold=0.5, batch_sizes=[10, 20, 40], trials=15)
    a = estimate_support(uniform_ids(300), seed=4, **kw)
    b = estimate_support(uniform_ids(300), seed=4, **kw)
    assert a == b

    # each batch gets its own seed, drawn from the seed argument: reproducible,
    # and audits with neighbouring seeds share no batch
    def seeds_seen(seed):
        seen = []
        estimate_support(
            lambda n, s: (seen.append(s), gaussian(n, s))[1],
            threshold=1e-9,
            batch_sizes=[3, 4],
            trials=2,
            seed=seed,
        )
        return seen

    assert seeds_seen(4) == seeds_seen(4)
    assert len(set(seeds_seen(4))) == 4
    assert not set(seeds_seen(4)) & set(seeds_seen(5))


def test_estimate_support_takes_a_sampler_or_a_callable():
    """An object with ``.sample(n, seed)`` and the same draws as a callable agree."""
    source = KnownSupport(n_templates=300, dim=4, noise=0.0, seed=0)
    kw = dict(threshold=1e-6, batch_sizes=[10, 20, 40], trials=15, seed=2)
    by_object = estimate_support(source, **kw)
    by_callable = estimate_support(lambda n, seed: source.sample(n, seed), **kw)
    assert by_object == by_callable
    lo, hi = by_object["support_ci"]
    assert lo <= 300 <= hi


def test_estimate_support_reads_a_trained_model_through_its_sample_method():
    calls = []

    class Model:
        def sample(self, n, seed=None):
            calls.append((n, seed))
            return torch.zeros(n, 2)  # every batch is all duplicates

    out = estimate_support(Model(), threshold=0.5, batch_sizes=[3, 4], trials=2, seed=1)
    assert out["hits"] == [2, 2]
    assert [n for n, _ in calls] == [3, 3, 4, 4]
    assert all(isinstance(seed, int) for _, seed in calls)


class _HalfDuplicates:
    """Every other batch is all duplicates; the others have none."""

    def __init__(self):
        self.calls = 0

    def sample(self, n, seed=None):
        self.calls += 1
        return torch.zeros(n, 2) if self.calls % 2 else 100 * gaussian(n, seed % 2**31)


def test_estimate_support_known_counts_give_closed_form_answers():
    # 10 batches of the only batch size: 5 duplicate batches out of 10
    out = estimate_support(
        _HalfDuplicates(), threshold=0.5, batch_sizes=[10], trials=10, seed=0
    )
    assert out["hits"] == [5] and out["p_hat"] == [0.5]
    # Wilson 95 % interval for 5/10
    z = 1.96
    centre = (0.5 + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(0.25 / 10 + z * z / 400) / (1 + z * z / 10)
    assert out["p_low"][0] == pytest.approx(centre - half, rel=1e-12)
    assert out["p_high"][0] == pytest.approx(centre + half, rel=1e-12)
    assert (out["p_low"][0], out["p_high"][0]) == pytest.approx(
        (0.2366, 0.7634), abs=1e-4
    )
    # one batch size: the MLE solves 1 - exp(-45/N) = 1/2, N = 45 / ln 2
    # (on a grid of step 0.0014 in log N)
    assert out["support"] == pytest.approx(45 / math.log(2), rel=2e-3)
    assert out["s50"] == pytest.approx(10.0, rel=2e-3)
    lo, hi = out["support_ci"]
    assert lo < out["support"] < hi < math.inf


def test_wilson_interval_contains_p_hat_at_the_extremes():
    all_dup = estimate_support(
        lambda n, s: torch.zeros(n, 2), threshold=0.5, batch_sizes=[4], trials=6
    )
    assert all_dup["p_hat"] == [1.0]
    assert all_dup["p_high"][0] >= 1.0
    no_dup = estimate_support(gaussian, threshold=1e-9, batch_sizes=[4], trials=11)
    assert no_dup["p_hat"] == [0.0]
    assert no_dup["p_low"][0] <= 0.0


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(threshold=0.0), ValueError, "threshold must be > 0"),
        (dict(threshold=-1.0), ValueError, "threshold must be > 0"),
        (dict(threshold=float("nan")), ValueError, "threshold must be finite"),
        (dict(batch_sizes=[]), ValueError, "batch_sizes must not be empty"),
        (dict(batch_sizes=[5, 1]), ValueError, r"batch_sizes\[i\] must be >= 2"),
        (dict(batch_sizes=[5.0]), TypeError, r"batch_sizes\[i\] must be an integer"),
        (dict(trials=0), ValueError, "trials must be >= 1"),
        (dict(source=42), TypeError, r"source must have a sample\(n, seed\) method"),
    ],
)
def test_estimate_support_bad_input(kwargs, exc, match):
    args = dict(source=uniform_ids(10), threshold=0.5, batch_sizes=[5], trials=3)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        estimate_support(**args)


# ---------------------------------------------------------------- pair_montage


@pytest.mark.parametrize(
    ("n", "rows", "cols"), [(1, 1, 1), (7, 1, 7), (10, 1, 10), (13, 2, 10), (20, 2, 10)]
)
def test_pair_montage_layout_and_images(n, rows, cols):
    g = torch.Generator().manual_seed(11)
    images = torch.rand(40, 12, generator=g)
    i, j, _ = closest_pairs(images, k=20)
    fig = pair_montage(images, i, j, (3, 4), n=n, title="pairs")
    try:
        assert isinstance(fig, Figure)
        axes = fig.axes
        assert len(axes) == 2 * rows * cols
        shown = [ax for ax in axes if ax.images]
        assert len(shown) == 2 * n
        grid = np.array(axes).reshape(2 * rows, cols)
        for t in range(n):
            r, c = divmod(t, cols)
            top = np.asarray(grid[2 * r, c].images[0].get_array())
            bottom = np.asarray(grid[2 * r + 1, c].images[0].get_array())
            np.testing.assert_allclose(top, images[i[t]].double().reshape(3, 4).numpy())
            np.testing.assert_allclose(
                bottom, images[j[t]].double().reshape(3, 4).numpy()
            )
        assert fig._suptitle.get_text() == "pairs"
    finally:
        plt.close(fig)


def test_pair_montage_accepts_numpy():
    rng = np.random.default_rng(12)
    images = rng.random((10, 6))
    i, j, _ = closest_pairs(images, k=3)
    fig = pair_montage(images, i, j, (2, 3), n=3)
    try:
        assert len(fig.axes) == 6 and sum(bool(ax.images) for ax in fig.axes) == 6
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    ("shape", "n", "exc", "match"),
    [
        ((3, 3), 2, ValueError, "12 columns"),
        ((2, 4), 2, ValueError, "needs 8"),
        ((3, 4), 6, ValueError, "n must be <= 5"),
        ((0, 4), 2, ValueError, r"image_shape\[i\] must be >= 1"),
    ],
)
def test_pair_montage_bad_input(shape, n, exc, match):
    images = torch.rand(10, 12)
    i, j, _ = closest_pairs(images, k=5)
    before = set(plt.get_fignums())
    with pytest.raises(exc, match=match):
        pair_montage(images, i, j, shape, n=n)
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def test_pair_montage_marks_pairs_below_threshold():
    g = torch.Generator().manual_seed(13)
    images = torch.rand(30, 12, generator=g)
    images[5] = images[2]  # one exact duplicate
    i, j, dist = closest_pairs(images, k=6)
    threshold = float(dist[2] + dist[3]) / 2  # pairs 1-3 count, 4-6 do not
    fig = pair_montage(images, i, j, (3, 4), n=6, dist=dist, threshold=threshold)
    try:
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        assert len(titles) == 6
        assert [t.endswith(" dup") for t in titles] == [
            True,
            True,
            True,
            False,
            False,
            False,
        ]
        assert titles[0] == "1: 0.00 dup"
        assert titles[3] == f"4: {float(dist[3]):.2f}"
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threshold": 0.5}, "threshold needs dist"),
        ({"dist": torch.zeros(2)}, "dist needs at least n = 3"),
        ({"dist": torch.zeros(5), "threshold": 0.0}, "threshold must be > 0"),
    ],
)
def test_pair_montage_bad_dist_or_threshold(kwargs, match):
    images = torch.rand(10, 12)
    i, j, _ = closest_pairs(images, k=5)
    with pytest.raises(ValueError, match=match):
        pair_montage(images, i, j, (3, 4), n=3, **kwargs)


def test_pair_montage_rejects_mismatched_indices():
    images = torch.rand(10, 12)
    i, j, _ = closest_pairs(images, k=5)
    with pytest.raises(ValueError, match="same length"):
        pair_montage(images, i, j[:4], (3, 4), n=3)


@pytest.mark.parametrize("n", [1, 2, 5, 30, 365, 1000])
@pytest.mark.parametrize("q", [0.01, 0.5, 0.99, 1.0])
def test_smallest_batch_matches_a_linear_search(n, q):
    from gentheory_utils.birthday import smallest_batch

    expected = next(
        m for m in range(2, n + 2) if collision_probability(n, m)["exact"] >= q
    )
    assert smallest_batch(n, q) == expected


def test_smallest_batch_classic_numbers():
    from gentheory_utils.birthday import smallest_batch

    assert smallest_batch(365) == 23
    assert smallest_batch(365, 0.99) == 57
    assert smallest_batch(10**6) == 1178


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        ((0,), ValueError, "n_support must be >= 1"),
        ((365, 0.0), ValueError, "probability"),
        ((365, 1.5), ValueError, "probability"),
        ((365.0,), TypeError, "n_support must be an integer"),
    ],
)
def test_smallest_batch_bad_input(args, exc, match):
    from gentheory_utils.birthday import smallest_batch

    with pytest.raises(exc, match=match):
        smallest_batch(*args)


# ------------------------------------------- closest_pairs: adversarial near-duplicates


def _planted_pairs(n, d, pairs, seed, lo=1e-6, hi=1e-3, offset=0.0):
    """n points uniform in [0, 1]^d (plus offset), `pairs` of them planted at
    distances lo..hi (log-spaced) from others, in float64."""
    g = torch.Generator().manual_seed(seed)
    x = offset + torch.rand(n, d, generator=g, dtype=torch.float64)
    idx = torch.randperm(n, generator=g)
    gaps = torch.logspace(math.log10(lo), math.log10(hi), pairs, dtype=torch.float64)
    dirs = torch.randn(pairs, d, generator=g, dtype=torch.float64)
    dirs /= dirs.norm(dim=1, keepdim=True)
    x[idx[pairs : 2 * pairs]] = x[idx[:pairs]] + gaps[:, None] * dirs
    return x


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
@pytest.mark.parametrize("k", [5, 40])
@pytest.mark.parametrize("seed", [0, 1])
def test_near_duplicates_below_rounding_error_are_exact(dtype, k, seed):
    # 300 planted pairs at 1e-6..1e-3 in [0, 1]^784: in float32 the fast formula's
    # rounding (about 1e-5 in squared distance) hides their order, so a fixed-size
    # candidate pool used to drop true closest pairs.
    x = _planted_pairs(600, 784, 300, seed).to(dtype)
    check_against_brute(x, k)


@pytest.mark.parametrize("chunk", [1, 37, None])
def test_near_duplicates_with_offset_and_chunks_are_exact(chunk):
    # centring (large mean) and small blocks on top of near-duplicates
    x = _planted_pairs(400, 64, 150, seed=3, lo=1e-5, hi=1e-2, offset=1e3)
    check_against_brute(x.float(), 30, chunk_size=chunk)


def test_many_exact_and_near_duplicates_in_float32():
    # clusters of identical rows next to pairs just apart: ties and rounding at once
    g = torch.Generator().manual_seed(9)
    base = torch.rand(40, 32, generator=g, dtype=torch.float64)
    x = base.repeat(10, 1)  # ten copies of each row; five stay exact (400 pairs at 0)
    x[200:] += 1e-7 * torch.randn(200, 32, generator=g, dtype=torch.float64)
    check_against_brute(x.float(), 450)


def test_direct_fallback_is_exact(monkeypatch):
    # where the rounding bound is useless the function computes distances directly
    monkeypatch.setattr(birthday, "_fast_formula_slack", lambda *args: None)
    x = _planted_pairs(200, 50, 60, seed=4).float()
    check_against_brute(x, 25, chunk_size=17)
