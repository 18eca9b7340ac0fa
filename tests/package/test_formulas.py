"""Tests of the shared formulas: the birthday variants of chapter 6 and the appendix,
and the sample complexity of chapter 4."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gentheory_utils import birthday
from gentheory_utils.generalization import sample_complexity

# ------------------------------------------------------- repeat_probability_mixture


def brute_mixture(n, m, rho):
    """The binomial sum term by term, with the uniform birthday probability."""
    return sum(
        math.comb(m, k)
        * rho**k
        * (1 - rho) ** (m - k)
        * birthday.collision_probability(n, k)["exact"]
        for k in range(m + 1)
    )


@pytest.mark.parametrize(
    ("n", "m", "rho"),
    [(1000, 60, 0.5), (10, 25, 0.3), (1, 4, 0.9), (50, 2, 0.2), (365, 23, 0.75)],
)
def test_mixture_matches_the_binomial_sum(n, m, rho):
    assert birthday.repeat_probability_mixture(n, m, rho) == pytest.approx(
        brute_mixture(n, m, rho), abs=1e-12
    )


def test_mixture_limits():
    # rho = 1: the uniform birthday probability; rho = 0 or M < 2: no repeat
    for n, m in [(365, 23), (1000, 60), (5, 7)]:
        assert birthday.repeat_probability_mixture(n, m, 1.0) == pytest.approx(
            birthday.collision_probability(n, m)["exact"], abs=1e-12
        )
    assert birthday.repeat_probability_mixture(100, 50, 0.0) == 0.0
    assert birthday.repeat_probability_mixture(100, 0, 0.5) == 0.0
    assert birthday.repeat_probability_mixture(100, 1, 0.5) == 0.0


def test_mixture_agrees_with_simulation():
    rng = np.random.default_rng(0)
    n, m, rho, trials = 200, 30, 0.6, 20_000
    on_atoms = rng.random((trials, m)) < rho
    labels = np.where(on_atoms, rng.integers(0, n, (trials, m)), n + np.arange(m))
    sim = (np.diff(np.sort(labels, axis=1), axis=1) == 0).any(axis=1).mean()
    exact = birthday.repeat_probability_mixture(n, m, rho)
    assert abs(sim - exact) < 5 * math.sqrt(exact * (1 - exact) / trials)


def test_mixture_large_batch_stays_finite():
    # math.comb(m, k) * rho**k overflows a float for m of a few thousand
    p = birthday.repeat_probability_mixture(10**6, 5000, 0.5)
    assert 0.0 < p <= 1.0
    assert p == pytest.approx(birthday.rho_squared_approx(10**6, 5000, 0.5), abs=0.01)


# ------------------------------------------------ the notes' bound and rho squared


def test_notes_repeat_bound_fails_below_one_and_holds_at_one():
    exact = birthday.repeat_probability_mixture(1000, 60, 0.5)
    assert birthday.notes_repeat_bound(1000, 60, 0.5) > exact + 0.2
    for n, m in [(365, 23), (1000, 60), (10**5, 300)]:
        assert birthday.notes_repeat_bound(
            n, m, 1.0
        ) <= birthday.repeat_probability_mixture(n, m, 1.0)


def test_rho_squared_formula():
    n, m, rho = 1000, 60, 0.5
    expected = 1 - math.exp(-(m * m - m) * rho**2 / (2 * n))
    assert birthday.rho_squared_approx(n, m, rho) == pytest.approx(expected, rel=1e-14)
    assert birthday.notes_repeat_bound(n, m, rho**2) == pytest.approx(
        expected, rel=1e-14
    )
    assert abs(expected - birthday.repeat_probability_mixture(n, m, rho)) < 0.01
    # rho = 1: both are the uniform approximation of collision_probability
    approx = birthday.collision_probability(n, m)["approx"]
    assert birthday.rho_squared_approx(n, m, 1.0) == pytest.approx(approx, rel=1e-14)


# ----------------------------------------------------------- notes_support_bound


def test_notes_support_bound_formula_and_large_batch_limit():
    m, gamma, rho = 40, 0.5, 0.99
    big_l = math.log(1 / (1 - gamma))
    expected = (
        2 * m * rho**2 / ((-3 + math.sqrt(9 + 24 / m * big_l)) - 2 * m * (1 - rho) ** 2)
    )
    assert birthday.notes_support_bound(m, gamma, rho) == pytest.approx(expected)
    # rho = 1, large M: about M^2 / (2L)
    g = birthday.collision_probability(10**6, 1200)["exact"]
    limit = 1200**2 / (2 * math.log(1 / (1 - g)))
    assert birthday.notes_support_bound(1200, g) == pytest.approx(limit, rel=0.01)


def test_notes_support_bound_solves_the_truncated_expansion():
    # at rho = 1 it is the N with L = M^2 / (2N) + M^3 / (6N^2)
    for m, gamma in [(8, 0.99), (39, 0.5), (500, 0.9)]:
        n = birthday.notes_support_bound(m, gamma)
        big_l = -math.log1p(-gamma)
        assert m**2 / (2 * n) + m**3 / (6 * n**2) == pytest.approx(big_l, rel=1e-10)


@pytest.mark.parametrize(("n", "m"), [(9, 8), (100, 39)])
def test_notes_support_bound_fails_for_uniform_weights(n, m):
    gamma = birthday.collision_probability(n, m)["exact"]
    assert birthday.notes_support_bound(m, gamma) < n


def test_notes_support_bound_is_infinite_when_the_denominator_is_not_positive():
    assert birthday.notes_support_bound(100, 0.5, rho=0.5) == math.inf


@pytest.mark.parametrize(
    ("func", "args", "error", "match"),
    [
        (birthday.repeat_probability_mixture, (0, 5, 0.5), ValueError, "n_support"),
        (birthday.repeat_probability_mixture, (10, -1, 0.5), ValueError, "batch_size"),
        (birthday.repeat_probability_mixture, (10, 5, 1.5), ValueError, "rho"),
        (birthday.repeat_probability_mixture, (10.0, 5, 0.5), TypeError, "n_support"),
        (birthday.repeat_probability_mixture, (10, 5, "0.5"), TypeError, "rho"),
        (birthday.notes_repeat_bound, (10, 5, -0.1), ValueError, "rho"),
        (birthday.notes_repeat_bound, (10, 2.5, 0.5), TypeError, "batch_size"),
        (birthday.rho_squared_approx, (0, 5, 0.5), ValueError, "n_support"),
        (birthday.rho_squared_approx, (10, 5, float("nan")), ValueError, "rho"),
        (birthday.notes_support_bound, (0, 0.5), ValueError, "batch_size"),
        (birthday.notes_support_bound, (10, 1.0), ValueError, "gamma"),
        (birthday.notes_support_bound, (10, 0.0), ValueError, "gamma"),
        (birthday.notes_support_bound, (10, 0.5, 0.0), ValueError, "rho"),
        (birthday.notes_support_bound, (10, None), TypeError, "gamma"),
    ],
)
def test_birthday_formulas_reject_bad_input(func, args, error, match):
    with pytest.raises(error, match=match):
        func(*args)


# ------------------------------------------------------------- sample_complexity


def test_sample_complexity_formula():
    p, eps, L, Delta, delta, R = 10_000, 0.1, 1.0, 1.0, 0.05, 1.0
    expected = math.ceil(
        32
        * Delta**2
        / eps**2
        * (p * math.log(1 + 8 * L * R / eps) + math.log(2 / delta))
    )
    assert sample_complexity(p, eps, L, Delta, delta) == expected
    assert sample_complexity(p=p, eps=eps, L=L, Delta=Delta, delta=delta, R=R) == (
        expected
    )


def test_sample_complexity_scaling():
    base = sample_complexity(10_000, 0.1, 1.0, 1.0, 0.05)
    assert base < sample_complexity(20_000, 0.1, 1.0, 1.0, 0.05) < 2.01 * base
    assert 4 < sample_complexity(10_000, 0.05, 1.0, 1.0, 0.05) / base < 5
    four = sample_complexity(10**6, 0.05, 10.0, 2.0, 0.01)
    one = sample_complexity(10**6, 0.05, 10.0, 1.0, 0.01)
    assert 4 * one - 3 <= four <= 4 * one  # Delta enters squared
    assert sample_complexity(10, 0.1, 1.0, 1.0, 0.05, R=2.0) > sample_complexity(
        10, 0.1, 1.0, 1.0, 0.05
    )


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 0.1, 1.0, 1.0, 0.05), ValueError, "p"),
        ((10.5, 0.1, 1.0, 1.0, 0.05), TypeError, "p"),
        ((10, 0.0, 1.0, 1.0, 0.05), ValueError, "eps"),
        ((10, 0.1, -1.0, 1.0, 0.05), ValueError, "L"),
        ((10, 0.1, 1.0, 0.0, 0.05), ValueError, "Delta"),
        ((10, 0.1, 1.0, 1.0, 1.0), ValueError, "delta"),
        ((10, 0.1, 1.0, 1.0, 0.0), ValueError, "delta"),
        ((10, 0.1, 1.0, 1.0, 0.05, 0.0), ValueError, "R"),
        ((10, "0.1", 1.0, 1.0, 0.05), TypeError, "eps"),
        ((10, 0.1, 1.0, 1.0, float("inf")), ValueError, "delta"),
    ],
)
def test_sample_complexity_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        sample_complexity(*args)
