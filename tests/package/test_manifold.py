"""Unit tests for :mod:`gentheory_utils.manifold`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from gentheory_utils import data
from gentheory_utils.manifold import (
    mle_dimension,
    neighbor_distances,
    pca_dimension,
    twonn_dimension,
)

# ---------------------------------------------------------------------------
# neighbor_distances
# ---------------------------------------------------------------------------


def test_neighbor_distances_shape_ascending_and_matches_brute_force():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    dist = neighbor_distances(x, 5)
    assert dist.shape == (200, 5)
    assert np.all(np.diff(dist, axis=1) >= 0)
    full = cdist(x, x)
    np.fill_diagonal(full, np.inf)
    expected = np.sort(full, axis=1)[:, :5]
    np.testing.assert_allclose(dist, expected, rtol=1e-10)


def test_neighbor_distances_accepts_torch_tensor_and_int_array():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(neighbor_distances(x, 1)[:, 0], [1.0, 1.0, 3.0])
    xi = np.array([[0, 0], [1, 0], [0, 3]])
    np.testing.assert_allclose(
        neighbor_distances(xi, 2), [[1.0, 3.0], [1.0, np.sqrt(10)], [3.0, np.sqrt(10)]]
    )


def test_neighbor_distances_accepts_k_equal_n_minus_1():
    x = np.arange(6, dtype=float).reshape(3, 2)
    assert neighbor_distances(x, 2).shape == (3, 2)


# ---------------------------------------------------------------------------
# pca_dimension
# ---------------------------------------------------------------------------


def _flat(n, k, ambient, seed=0, scales=None):
    """``n`` points spanning a random ``k``-dimensional affine subspace of R^ambient."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(ambient, k)))
    coeffs = rng.normal(size=(n, k)) * (
        np.ones(k) if scales is None else np.asarray(scales)
    )
    return coeffs @ basis.T + rng.normal(size=ambient)


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_pca_dimension_exact_on_flat_subspace_with_variance_1(k):
    x = _flat(500, k, ambient=10, seed=k, scales=np.geomspace(1.0, 0.05, k))
    assert pca_dimension(x, variance=1.0) == k


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_pca_dimension_exact_on_isotropic_flat_subspace_at_95_percent(k):
    x = torch.from_numpy(_flat(1000, k, ambient=12, seed=10 + k)).float()
    assert pca_dimension(x) == k


def test_pca_dimension_counts_components_for_target_variance():
    # Axis variances 4 : 1 : 0 (fractions 0.8, 0.2): 0.8 needs one component, more
    # needs two.
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4000, 2))
    z = (z - z.mean(0)) / z.std(0)
    z[:, 0] -= (
        z[:, 1] * (z[:, 0] @ z[:, 1]) / (z[:, 1] @ z[:, 1])
    )  # decorrelate exactly
    z = z / np.sqrt((z**2).mean(0))
    x = np.c_[2 * z[:, 0], z[:, 1], np.zeros(4000)]
    assert pca_dimension(x, variance=0.75) == 1
    assert pca_dimension(x, variance=0.8) == 1
    assert pca_dimension(x, variance=0.85) == 2
    assert pca_dimension(x, variance=1.0) == 2


def test_pca_dimension_local_on_circle_is_1_global_is_2():
    theta = np.linspace(0, 2 * np.pi, 500, endpoint=False)
    circle = np.c_[np.cos(theta), np.sin(theta)]
    assert pca_dimension(circle) == 2
    assert pca_dimension(circle, n_neighbors=10) == 1


def test_pca_dimension_local_on_swiss_roll_is_2():
    assert (
        pca_dimension(data.swiss_roll(1000, seed=0, ambient_dim=6), n_neighbors=20) == 2
    )


# ---------------------------------------------------------------------------
# mle_dimension and twonn_dimension
# ---------------------------------------------------------------------------

MANIFOLDS = [
    pytest.param(lambda: data.helix(2000, seed=0), 1, id="helix-1"),
    pytest.param(
        lambda: data.helix(2000, seed=1, ambient_dim=10), 1, id="helix-1-in-R10"
    ),
    pytest.param(lambda: data.swiss_roll(2000, seed=0), 2, id="swiss_roll-2"),
    pytest.param(
        lambda: data.swiss_roll(2000, seed=1, ambient_dim=8), 2, id="swiss_roll-2-in-R8"
    ),
    pytest.param(
        lambda: data.sphere(2000, seed=0, k=3, ambient_dim=6), 3, id="sphere-S3"
    ),
]


@pytest.mark.parametrize("make, dim", MANIFOLDS)
def test_mle_dimension_within_15_percent_of_truth(make, dim):
    est = mle_dimension(make(), k=10)
    assert isinstance(est, float)
    assert est == pytest.approx(dim, rel=0.15)


@pytest.mark.parametrize("make, dim", MANIFOLDS)
def test_twonn_dimension_within_15_percent_of_truth(make, dim):
    est = twonn_dimension(make())
    assert isinstance(est, float)
    assert est == pytest.approx(dim, rel=0.15)


def test_mle_dimension_matches_levina_bickel_formula():
    # Reference: 1 / mean_i[(1/(k-1)) sum_{j<k} log(T_k / T_j)], from brute-force
    # distances.
    x = np.random.default_rng(5).normal(size=(300, 3))
    k = 6
    full = cdist(x, x)
    np.fill_diagonal(full, np.inf)
    t = np.sort(full, axis=1)[:, :k]
    inv = np.mean(np.log(t[:, -1:] / t[:, :-1]), axis=1)
    assert mle_dimension(x, k=k) == pytest.approx(1 / inv.mean(), rel=1e-10)


def test_twonn_dimension_matches_reference_fit():
    # Reference: least-squares slope through the origin of -log(1 - i/n) on log(mu_(i)),
    # keeping the smallest floor(n (1 - discard)) sorted ratios.
    x = np.random.default_rng(6).normal(size=(400, 3))
    full = cdist(x, x)
    np.fill_diagonal(full, np.inf)
    r = np.sort(full, axis=1)[:, :2]
    mu = np.sort(r[:, 1] / r[:, 0])
    keep = int(np.floor(400 * 0.8))
    xs = np.log(mu[:keep])
    ys = -np.log(1 - np.arange(1, keep + 1) / 400)
    assert twonn_dimension(x, discard_fraction=0.2) == pytest.approx(
        xs @ ys / (xs @ xs), rel=1e-10
    )


def test_mle_dimension_of_uniform_cube_is_about_its_dimension():
    x = np.random.default_rng(0).uniform(size=(2000, 4))
    assert mle_dimension(x, k=10) == pytest.approx(4, rel=0.15)
    assert twonn_dimension(x) == pytest.approx(4, rel=0.15)


def test_estimators_are_scale_and_translation_invariant():
    x = data.swiss_roll(1000, seed=3).double().numpy()
    moved = 7.5 * x + 3.0
    assert mle_dimension(moved, k=8) == pytest.approx(mle_dimension(x, k=8), rel=1e-6)
    assert twonn_dimension(moved) == pytest.approx(twonn_dimension(x), rel=1e-6)


@pytest.mark.parametrize(
    "clean, noisy",
    [
        (
            lambda: data.helix(2000, seed=0),
            lambda: data.helix(2000, seed=0, noise=0.05),
        ),
        (
            lambda: data.swiss_roll(2000, seed=0),
            lambda: data.swiss_roll(2000, seed=0, noise=0.05),
        ),
    ],
    ids=["helix", "swiss_roll"],
)
def test_noise_increases_small_k_mle_estimate(clean, noisy):
    before = mle_dimension(clean(), k=5)
    after = mle_dimension(noisy(), k=5)
    assert after > before + 0.3


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_twonn_dimension_with_discard_fraction_0_is_finite():
    est = twonn_dimension(data.helix(2000, seed=0), discard_fraction=0.0)
    assert np.isfinite(est)
    assert est == pytest.approx(1, rel=0.15)


def test_twonn_dimension_with_small_discard_fraction_is_finite():
    est = twonn_dimension(data.swiss_roll(2000, seed=0), discard_fraction=0.01)
    assert est == pytest.approx(2, rel=0.15)


# ---------------------------------------------------------------------------
# Error paths, shared by the four functions (NaN/inf and wrong dimensions are
# checked for every array argument in test_api_contract.py)
# ---------------------------------------------------------------------------

ESTIMATORS = [
    pytest.param(lambda x: neighbor_distances(x, 2), id="neighbor_distances"),
    pytest.param(pca_dimension, id="pca_dimension"),
    pytest.param(lambda x: pca_dimension(x, n_neighbors=3), id="local_pca_dimension"),
    pytest.param(lambda x: mle_dimension(x, k=2), id="mle_dimension"),
    pytest.param(twonn_dimension, id="twonn_dimension"),
]

_GOOD = np.random.default_rng(0).normal(size=(20, 3))


@pytest.mark.parametrize("fn", ESTIMATORS)
def test_estimators_reject_zero_columns(fn):
    with pytest.raises(ValueError, match=r"x must have at least one column"):
        fn(np.empty((20, 0)))


@pytest.mark.parametrize("fn", ESTIMATORS)
def test_estimators_reject_bool_and_complex_tensors(fn):
    # Lists, strings, None and complex arrays: see test_api_contract.py.
    for x in (torch.ones(5, 2, dtype=torch.bool), torch.ones(5, 2, dtype=torch.cfloat)):
        with pytest.raises(TypeError, match=r"^x must hold real numbers"):
            fn(x)


@pytest.mark.parametrize(
    "fn, n_rows, needed",
    [
        (lambda x: neighbor_distances(x, 5), 5, 6),
        (lambda x: mle_dimension(x, k=10), 10, 11),
        (lambda x: mle_dimension(x), 3, 11),
        (twonn_dimension, 2, 3),
        (pca_dimension, 1, 2),
    ],
    ids=["neighbor_distances", "mle_k10", "mle_default", "twonn", "pca"],
)
def test_estimators_reject_too_few_points(fn, n_rows, needed):
    with pytest.raises(
        ValueError, match=rf"x must have at least {needed} rows, got {n_rows}"
    ):
        fn(_GOOD[:n_rows])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: neighbor_distances(x, 3),
        lambda x: mle_dimension(x, k=5),
        twonn_dimension,
    ],
    ids=["neighbor_distances", "mle_dimension", "twonn_dimension"],
)
def test_estimators_reject_duplicate_rows(fn):
    x = np.vstack([_GOOD, _GOOD[7:8]])
    with pytest.raises(ValueError, match=r"x has duplicate rows"):
        fn(x)


@pytest.mark.parametrize("k", [0, -1])
def test_neighbor_distances_rejects_k_below_1(k):
    with pytest.raises(ValueError, match=rf"k must be >= 1, got {k}"):
        neighbor_distances(_GOOD, k)


@pytest.mark.parametrize("k", [2.0, True, "3", None])
def test_neighbor_distances_and_mle_reject_non_integer_k(k):
    with pytest.raises(TypeError, match=r"k must be an integer"):
        neighbor_distances(_GOOD, k)
    with pytest.raises(TypeError, match=r"k must be an integer"):
        mle_dimension(_GOOD, k=k)


@pytest.mark.parametrize("k", [1, 0])
def test_mle_dimension_rejects_k_below_2(k):
    with pytest.raises(ValueError, match=rf"k must be >= 2, got {k}"):
        mle_dimension(_GOOD, k=k)


def test_mle_dimension_rejects_all_equal_neighbour_distances():
    # The vertices of a regular simplex: each point sees all others at distance sqrt(2).
    with pytest.raises(ValueError, match=r"all neighbour distances are equal"):
        mle_dimension(np.eye(11), k=10)


@pytest.mark.parametrize("variance", [0.0, -0.5, 1.0000001, 2.0, float("nan")])
def test_pca_dimension_rejects_variance_outside_0_1(variance):
    with pytest.raises(ValueError, match=r"variance must be"):
        pca_dimension(_GOOD, variance=variance)


@pytest.mark.parametrize("variance", [True, "0.9", None])
def test_pca_dimension_rejects_non_real_variance(variance):
    with pytest.raises(TypeError, match=r"variance must be a real number"):
        pca_dimension(_GOOD, variance=variance)


def test_pca_dimension_rejects_bad_n_neighbors():
    with pytest.raises(ValueError, match=r"n_neighbors must be >= 3, got 2"):
        pca_dimension(_GOOD, n_neighbors=2)
    with pytest.raises(ValueError, match=r"n_neighbors must be <= 20, got 21"):
        pca_dimension(_GOOD, n_neighbors=21)
    with pytest.raises(TypeError, match=r"n_neighbors must be an integer"):
        pca_dimension(_GOOD, n_neighbors=5.0)
    with pytest.raises(TypeError, match=r"n_neighbors must be an integer"):
        pca_dimension(_GOOD, n_neighbors=True)


def test_pca_dimension_rejects_zero_variance_data():
    with pytest.raises(ValueError, match=r"x has zero variance"):
        pca_dimension(np.ones((10, 3)))


@pytest.mark.parametrize("fraction", [1.0, 1.5, -0.1, float("inf")])
def test_twonn_dimension_rejects_discard_fraction_outside_0_1(fraction):
    with pytest.raises(ValueError, match=r"discard_fraction must be"):
        twonn_dimension(_GOOD, discard_fraction=fraction)


def test_twonn_dimension_rejects_non_real_discard_fraction():
    with pytest.raises(TypeError, match=r"discard_fraction must be a real number"):
        twonn_dimension(_GOOD, discard_fraction=False)


def test_twonn_dimension_rejects_too_few_points_after_discarding():
    with pytest.raises(ValueError, match=r"too few points left after discarding"):
        twonn_dimension(_GOOD[:3], discard_fraction=0.5)


def test_twonn_dimension_rejects_all_ratios_equal_1():
    # Regular simplex: first and second neighbour distances coincide everywhere.
    with pytest.raises(ValueError, match=r"all neighbour ratios equal 1"):
        twonn_dimension(np.eye(3))
