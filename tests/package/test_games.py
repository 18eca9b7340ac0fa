"""Tests of gentheory_utils.games on games with known answers, and on random games."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gentheory_utils.games import (
    exploitability,
    pure_maxmin,
    pure_minmax,
    solve_zero_sum,
)

TOL = 1e-7

PENNIES = [[1.0, -1.0], [-1.0, 1.0]]
RPS = [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]
# Mixed 2x2 solved by hand: 5p - 2 = 1 - 2p gives p = 3/7; 4q - 1 = 1 - 3q gives
# q = 2/7; value 1/7.
MIXED = [[3.0, -1.0], [-2.0, 1.0]]


def row_guarantee(A, p):
    return float((np.asarray(p) @ np.asarray(A, dtype=float)).min())


def col_guarantee(A, q):
    return float((np.asarray(A, dtype=float) @ np.asarray(q)).max())


def assert_probability_vector(x, n):
    assert isinstance(x, np.ndarray) and x.shape == (n,)
    assert np.all(x >= 0)
    assert x.sum() == pytest.approx(1.0, abs=1e-12)


def assert_optimal(A, value, p, q, tol=TOL):
    """p and q are probability vectors that each guarantee ``value``.

    Hence they are mutual best responses.
    """
    A = np.asarray(A, dtype=float)
    n, m = A.shape
    assert_probability_vector(p, n)
    assert_probability_vector(q, m)
    assert row_guarantee(A, p) == pytest.approx(value, abs=tol)
    assert col_guarantee(A, q) == pytest.approx(value, abs=tol)
    # mutual best responses: no pure deviation gains more than tol against p^T A q
    payoff = float(p @ A @ q)
    assert (A @ q).max() <= payoff + tol  # no row beats p against q
    assert (p @ A).min() >= payoff - tol  # no column beats q against p
    assert exploitability(A, p, q) < tol


# ---------------------------------------------------------------- classic games


def test_matching_pennies():
    value, p, q = solve_zero_sum(PENNIES)
    assert value == pytest.approx(0.0, abs=TOL)
    np.testing.assert_allclose(p, [0.5, 0.5], atol=TOL)
    np.testing.assert_allclose(q, [0.5, 0.5], atol=TOL)
    assert pure_maxmin(PENNIES) == -1.0
    assert pure_minmax(PENNIES) == 1.0
    assert_optimal(PENNIES, value, p, q)


def test_rock_paper_scissors():
    value, p, q = solve_zero_sum(RPS)
    assert value == pytest.approx(0.0, abs=TOL)
    np.testing.assert_allclose(p, [1 / 3] * 3, atol=TOL)
    np.testing.assert_allclose(q, [1 / 3] * 3, atol=TOL)
    assert pure_maxmin(RPS) == -1.0 and pure_minmax(RPS) == 1.0


def test_saddle_point():
    # row minima (2, 0, 1) -> maxmin 2 at row 0;
    # column maxima (6, 2, 5) -> minmax 2 at column 1.
    A = [[4.0, 2.0, 5.0], [1.0, 0.0, 3.0], [6.0, 1.0, 2.0]]
    assert pure_maxmin(A) == 2.0 and pure_minmax(A) == 2.0
    value, p, q = solve_zero_sum(A)
    assert value == pytest.approx(2.0, abs=TOL)
    # the optimal strategies are unique here, and pure
    np.testing.assert_allclose(p, [1.0, 0.0, 0.0], atol=TOL)
    np.testing.assert_allclose(q, [0.0, 1.0, 0.0], atol=TOL)
    assert_optimal(A, value, p, q)


def test_mixed_2x2_by_hand():
    value, p, q = solve_zero_sum(MIXED)
    assert value == pytest.approx(1 / 7, abs=TOL)
    np.testing.assert_allclose(p, [3 / 7, 4 / 7], atol=TOL)
    np.testing.assert_allclose(q, [2 / 7, 5 / 7], atol=TOL)
    assert pure_maxmin(MIXED) == -1.0 and pure_minmax(MIXED) == 1.0
    assert_optimal(MIXED, value, p, q)


def test_2x3_by_hand():
    # Columns pay (2p, 4p - 1, 4 - 3p); the lower envelope peaks where 2p = 4 - 3p:
    # p = 4/5, value 8/5. Column 2 pays 11/5 > 8/5 there, so q mixes columns 1 and
    # 3: x + 1 = 4 - 4x, x = 3/5.
    A = [[2.0, 3.0, 1.0], [0.0, -1.0, 4.0]]
    value, p, q = solve_zero_sum(A)
    assert value == pytest.approx(8 / 5, abs=TOL)
    np.testing.assert_allclose(p, [4 / 5, 1 / 5], atol=TOL)
    np.testing.assert_allclose(q, [3 / 5, 0.0, 2 / 5], atol=TOL)
    assert pure_maxmin(A) == 1.0 and pure_minmax(A) == 2.0
    assert_optimal(A, value, p, q)


def test_3x2_by_hand():
    # Rows pay (2y, 4y - 1, 4 - 3y) against q = (y, 1 - y); the upper envelope is
    # lowest where 4y - 1 = 4 - 3y: y = 5/7, value 13/7. Row 1 pays 10/7 there, so
    # p mixes rows 2 and 3: 2z + 1 = 4 - 5z, z = 3/7.
    A = [[2.0, 0.0], [3.0, -1.0], [1.0, 4.0]]
    value, p, q = solve_zero_sum(A)
    assert value == pytest.approx(13 / 7, abs=TOL)
    np.testing.assert_allclose(p, [0.0, 3 / 7, 4 / 7], atol=TOL)
    np.testing.assert_allclose(q, [5 / 7, 2 / 7], atol=TOL)
    assert pure_maxmin(A) == 1.0 and pure_minmax(A) == 3.0
    assert_optimal(A, value, p, q)


def test_dominated_row_and_column_get_zero_probability():
    # Row 1 is strictly dominated by row 0; after removing it the game is solved by
    # 3p = p + 2(1 - p): p = 1/2, and 2q + 1 = 2 - 2q: q = 1/4, value 3/2.
    A = [[3.0, 1.0], [2.0, 0.0], [0.0, 2.0]]
    value, p, q = solve_zero_sum(A)
    assert p[1] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(p, [0.5, 0.0, 0.5], atol=TOL)
    np.testing.assert_allclose(q, [0.25, 0.75], atol=TOL)
    assert value == pytest.approx(1.5, abs=TOL)
    # a strictly dominated column (always pays the row player more than column 1)
    # is never played
    B = np.hstack([np.asarray(A), np.asarray(A)[:, [1]] + 0.5])
    value_b, p_b, q_b = solve_zero_sum(B)
    assert value_b == pytest.approx(1.5, abs=TOL)
    assert q_b[2] == pytest.approx(0.0, abs=1e-9)
    assert_optimal(B, value_b, p_b, q_b)


def test_1x1_game():
    value, p, q = solve_zero_sum([[-2.5]])
    assert value == pytest.approx(-2.5, abs=TOL)
    np.testing.assert_array_equal(p, [1.0])
    np.testing.assert_array_equal(q, [1.0])


# ---------------------------------------------------------------- random games

SHAPES = [(1, 1), (1, 6), (6, 1), (2, 2), (3, 7), (7, 3), (10, 10), (40, 60), (60, 40)]


def random_game(shape, seed, kind):
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.uniform(-1.0, 1.0, size=shape)
    return rng.integers(-5, 6, size=shape).astype(float)


@pytest.mark.parametrize("kind", ["uniform", "integer"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_random_game_properties(shape, seed, kind):
    A = random_game(shape, seed, kind)
    value, p, q = solve_zero_sum(A)
    assert isinstance(value, float)
    # von Neumann: row and column guarantees meet at the value; p, q are mutual
    # best responses
    assert_optimal(A, value, p, q)
    assert pure_maxmin(A) <= value + TOL
    assert value <= pure_minmax(A) + TOL


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "shape", [(2, 2), (5, 8), (20, 13)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_invariances(shape, seed):
    A = random_game(shape, seed, "uniform")
    value, p, q = solve_zero_sum(A)

    c = 3.25
    value_c, p_c, q_c = solve_zero_sum(A + c)
    assert value_c == pytest.approx(value + c, abs=TOL)
    assert_optimal(A + c, value_c, p_c, q_c)
    # the shifted game's strategies are still optimal in the original game
    assert_optimal(A, value, p_c, q_c)

    k = 7.5
    value_k, p_k, q_k = solve_zero_sum(k * A)
    assert value_k == pytest.approx(k * value, abs=k * TOL)
    assert_optimal(k * A, value_k, p_k, q_k, tol=k * TOL)
    assert_optimal(A, value, p_k, q_k)

    # -A.T: the column player becomes the row player
    value_t, p_t, q_t = solve_zero_sum(-A.T)
    assert value_t == pytest.approx(-value, abs=TOL)
    assert_optimal(-A.T, value_t, p_t, q_t)
    assert_optimal(A, value, q_t, p_t)


@pytest.mark.parametrize("seed", range(5))
def test_exploitability_nonnegative_and_matches_formula_for_random_pairs(seed):
    rng = np.random.default_rng(100 + seed)
    A = rng.uniform(-1.0, 1.0, size=(6, 9))
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(9))
    expected = (A @ q).max() - (p @ A).min()
    assert exploitability(A, p, q) == pytest.approx(expected, abs=1e-12)
    assert expected > 0  # a random pair is not an equilibrium of a generic game
    value = solve_zero_sum(A)[0]
    assert exploitability(A, p) == pytest.approx(value - (p @ A).min(), abs=1e-12)
    assert exploitability(A, p) >= -TOL


# ---------------------------------------------------------------- exploitability


def test_exploitability_zero_at_equilibrium():
    for A in (PENNIES, RPS, MIXED):
        value, p, q = solve_zero_sum(A)
        assert abs(exploitability(A, p, q)) < TOL
        assert abs(exploitability(A, p)) < TOL
    # exact hand-computed equilibrium of MIXED
    assert exploitability(MIXED, [3 / 7, 4 / 7], [2 / 7, 5 / 7]) == pytest.approx(
        0.0, abs=1e-12
    )
    assert exploitability(MIXED, [3 / 7, 4 / 7]) == pytest.approx(0.0, abs=1e-9)


def test_exploitability_of_uniform_pair_by_hand():
    # In MIXED, uniform p gives column payoffs (1/2, 0) -> min 0; uniform q gives
    # row payoffs (1, -1/2) -> max 1. So exploitability = 1 - 0 = 1, and the
    # q=None form is 1/7 - 0.
    p = q = [0.5, 0.5]
    assert exploitability(MIXED, p, q) == pytest.approx(1.0, abs=1e-12)
    assert exploitability(MIXED, p) == pytest.approx(1 / 7, abs=1e-7)
    # optimal p with a non-optimal q: only the column side contributes, max(Aq) - value
    assert exploitability(MIXED, [3 / 7, 4 / 7], q) == pytest.approx(
        1.0 - 1 / 7, abs=1e-12
    )


def test_exploitability_pure_pair_in_pennies():
    # (row 0, column 0): row payoff 1; row's worst column gives -1, and the column's
    # best-response row gives 1.
    assert exploitability(PENNIES, [1.0, 0.0], [1.0, 0.0]) == pytest.approx(2.0)
    assert exploitability(PENNIES, [1.0, 0.0]) == pytest.approx(1.0, abs=TOL)


# ---------------------------------------------------------------- input types


@pytest.mark.parametrize(
    "convert",
    [
        lambda a: a,
        lambda a: np.asarray(a),
        lambda a: np.asarray(a, dtype=np.float32),
        lambda a: np.asarray(a, dtype=np.int64),
        lambda a: torch.tensor(a),
        lambda a: torch.tensor(a, dtype=torch.float32),
        lambda a: torch.tensor(a, dtype=torch.int64),
        lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True),
    ],
    ids=[
        "list",
        "numpy",
        "numpy-f32",
        "numpy-int",
        "torch",
        "torch-f32",
        "torch-int",
        "torch-grad",
    ],
)
def test_accepts_lists_numpy_and_torch(convert):
    A = [[3, -1], [-2, 1]]
    X = convert(A)
    value, p, q = solve_zero_sum(X)
    assert value == pytest.approx(1 / 7, abs=TOL)
    np.testing.assert_allclose(p, [3 / 7, 4 / 7], atol=TOL)
    np.testing.assert_allclose(q, [2 / 7, 5 / 7], atol=TOL)
    assert pure_maxmin(X) == -1.0 and pure_minmax(X) == 1.0
    assert exploitability(X, [0.5, 0.5], [0.5, 0.5]) == pytest.approx(1.0)


def test_strategies_as_numpy_and_torch():
    p = np.array([0.5, 0.5])
    assert exploitability(
        MIXED, p, torch.tensor([0.5, 0.5], dtype=torch.float64)
    ) == pytest.approx(1.0)
    assert exploitability(MIXED, torch.tensor([0.5, 0.5])) == pytest.approx(
        1 / 7, abs=TOL
    )


def test_float32_probability_vectors_are_accepted():
    p = torch.full((3,), 1 / 3)  # float32, as torch.softmax would return
    q = torch.softmax(torch.zeros(3), dim=0)
    assert exploitability(RPS, p, q) == pytest.approx(0.0, abs=1e-6)


# ---------------------------------------------------------------- error paths
# NaN/inf payoffs, wrong dimensions and bad strategies for every function are
# checked in test_api_contract.py.


@pytest.mark.parametrize(
    "func",
    [solve_zero_sum, pure_maxmin, pure_minmax, lambda A: exploitability(A, [1.0])],
    ids=["solve_zero_sum", "pure_maxmin", "pure_minmax", "exploitability"],
)
@pytest.mark.parametrize("A", [np.zeros((0, 3)), np.zeros((3, 0))], ids=["0x3", "3x0"])
def test_empty_matrix(func, A):
    with pytest.raises(ValueError, match="A must be a non-empty 2-D payoff matrix"):
        func(A)


def test_strategy_lengths_follow_the_rows_and_columns_of_a_non_square_game():
    A = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"q must have shape \(3,\)"):
        exploitability(A, [0.5, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"p must have shape \(2,\)"):
        exploitability(A, [1 / 3] * 3, [0.5, 0.5])
    assert exploitability(A, [0.5, 0.5], [1 / 3] * 3) == 0.0
