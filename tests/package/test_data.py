"""Unit tests for :mod:`gentheory_utils.data`.

The generic argument checks (seeds, ``n``, arrays, weights) and the sampling
protocol are tested once for every sampler in ``test_api_contract.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gentheory_utils import data
from gentheory_utils.manifold import pca_dimension

# ---------------------------------------------------------------------------
# ring and grid: the PacGAN mixtures
# ---------------------------------------------------------------------------


def test_ring_default_is_eight_modes_at_angles_2pi_i_over_8():
    ring = data.ring()
    assert isinstance(ring, data.Mixture)
    assert (ring.n_modes, ring.dim, ring.std, ring.name) == (8, 2, 0.01, "ring")
    assert ring.centers.dtype == torch.float32
    angles = 2 * math.pi * np.arange(8) / 8
    expected = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    np.testing.assert_allclose(ring.centers.numpy(), expected, atol=1e-6)
    # All eight are distinct: the smallest pairwise distance is the chord 2 sin(π/8).
    dist = torch.cdist(ring.centers, ring.centers) + torch.eye(8) * 10
    assert dist.min().item() == pytest.approx(2 * math.sin(math.pi / 8), abs=1e-5)


def test_ring_custom_modes_radius_and_std():
    ring = data.ring(n_modes=3, radius=2.5, std=0.2)
    assert ring.centers.shape == (3, 2) and ring.std == 0.2
    norms = ring.centers.norm(dim=1).numpy()
    np.testing.assert_allclose(norms, [2.5, 2.5, 2.5], atol=1e-6)
    np.testing.assert_allclose(ring.centers[0].numpy(), [2.5, 0.0], atol=1e-6)


def test_grid_default_is_minus4_to_4_step_2_squared():
    grid = data.grid()
    assert (grid.n_modes, grid.dim, grid.std, grid.name) == (25, 2, 0.05, "grid")
    ticks = [-4.0, -2.0, 0.0, 2.0, 4.0]
    got = {tuple(row) for row in grid.centers.tolist()}
    assert got == {(a, b) for a in ticks for b in ticks}


def test_grid_custom_side_and_spacing_are_centred_at_origin():
    got = {tuple(row) for row in data.grid(side=2, spacing=1.0).centers.tolist()}
    assert got == {(-0.5, -0.5), (-0.5, 0.5), (0.5, -0.5), (0.5, 0.5)}


def test_ring_and_grid_reject_bad_layout_arguments():
    with pytest.raises(ValueError, match=r"n_modes must be >= 1"):
        data.ring(n_modes=0)
    with pytest.raises(TypeError, match=r"n_modes must be an integer"):
        data.ring(n_modes=8.0)
    with pytest.raises(ValueError, match=r"radius must be > 0"):
        data.ring(radius=0.0)
    with pytest.raises(TypeError, match=r"radius must be a real number"):
        data.ring(radius=True)
    with pytest.raises(ValueError, match=r"side must be >= 1"):
        data.grid(side=0)
    with pytest.raises(TypeError, match=r"side must be an integer"):
        data.grid(side=True)
    with pytest.raises(ValueError, match=r"spacing must be > 0"):
        data.grid(spacing=-2.0)
    for make in (data.ring, data.grid):
        for std in (0.0, -0.01):
            with pytest.raises(ValueError, match=r"std must be > 0"):
                make(std=std)


# ---------------------------------------------------------------------------
# Mixture
# ---------------------------------------------------------------------------

SKEWED = [0.5, 0.3, 0.15, 0.05]


def skewed_mixture(std: float = 0.3) -> data.Mixture:
    centers = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 1.0], [0.0, -2.0, 2.0], [1, 1, 1]])
    return data.Mixture(centers, std, weights=SKEWED, name="skewed")


def test_mixture_weights_are_uniform_by_default_and_kept_when_given():
    uniform = data.Mixture(torch.zeros(4, 2), 1.0)
    assert uniform.weights.dtype == torch.float64
    np.testing.assert_allclose(uniform.weights.numpy(), np.full(4, 0.25))
    np.testing.assert_allclose(skewed_mixture().weights.numpy(), SKEWED)


def test_mixture_attributes_and_repr():
    mix = skewed_mixture()
    assert mix.centers.dtype == torch.float32  # float64 input is stored as float32
    assert (mix.n_modes, mix.dim, mix.std) == (4, 3, 0.3)
    assert repr(mix) == "Mixture('skewed', K=4, d=3, std=0.3)"


def test_mixture_rejects_bad_std_and_name():
    with pytest.raises(ValueError, match=r"std must be > 0"):
        data.Mixture(torch.zeros(2, 2), 0.0)
    with pytest.raises(TypeError, match=r"name must be a str"):
        data.Mixture(torch.zeros(2, 2), 1.0, name=3)


def test_log_prob_matches_scipy():
    mix = skewed_mixture(std=0.7)
    x = np.random.default_rng(0).normal(size=(50, 3)) * 2
    components = [
        math.log(w) + multivariate_normal(c, 0.49 * np.eye(3)).logpdf(x)
        for w, c in zip(SKEWED, mix.centers.double().numpy(), strict=True)
    ]
    expected = logsumexp(np.stack(components), axis=0)
    got = mix.log_prob(x)
    assert got.shape == (50,) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)


def test_ring_log_prob_matches_the_direct_formula():
    ring = data.ring()
    x = ring.sample(40, seed=0).double()
    sq = ((x[:, None, :] - ring.centers.double()[None]) ** 2).sum(-1)  # (n, 8)
    density = (torch.exp(-sq / (2 * 0.01**2)) / (2 * math.pi * 0.01**2)).mean(1)
    torch.testing.assert_close(ring.log_prob(x), density.log(), rtol=1e-9, atol=0)


def test_log_prob_integrates_to_one_in_one_dimension():
    mix = data.Mixture(np.array([[-1.0], [0.5], [4.0]]), 0.4, weights=[0.2, 0.5, 0.3])
    t = torch.linspace(-8, 12, 20001, dtype=torch.float64)[:, None]
    mass = torch.trapezoid(mix.log_prob(t).exp(), t[:, 0]).item()
    assert mass == pytest.approx(1.0, abs=1e-9)


def test_log_prob_rejects_wrong_number_of_columns():
    with pytest.raises(ValueError, match=r"x must have 2 columns, got 3"):
        data.ring().log_prob(torch.zeros(4, 3))


@pytest.mark.parametrize(
    "mixture",
    [data.ring(), data.grid(), data.ring(3, 5.0, 0.5), skewed_mixture()],
    ids=["ring", "grid", "wide-ring", "skewed"],
)
def test_limits_hold_every_centre_and_almost_every_sample(mixture):
    lo, hi = mixture.limits()
    assert lo < mixture.centers.min().item() - 3 * mixture.std
    assert hi > mixture.centers.max().item() + 3 * mixture.std
    x = mixture.sample(5000, seed=0)
    assert ((x > lo) & (x < hi)).all()
    wider = mixture.limits(margin=1.0)
    assert wider[0] < lo and wider[1] > hi
    with pytest.raises(ValueError, match=r"margin must be >= 0"):
        mixture.limits(margin=-0.1)


def test_sample_with_modes_counts_match_weights_within_a_binomial_margin():
    n = 20_000
    _, modes = skewed_mixture().sample_with_modes(n, seed=0)
    counts = torch.bincount(modes, minlength=4).numpy()
    w = np.array(SKEWED)
    assert np.all(np.abs(counts - n * w) < 4 * np.sqrt(n * w * (1 - w))), counts


@pytest.mark.parametrize("side, spacing", [(3, 2.0), (5, 2.0)])
def test_equal_weights_give_equal_counts_within_a_binomial_margin(side, spacing):
    grid = data.grid(side, spacing)
    n, k = 9000, side * side
    _, modes = grid.sample_with_modes(n, seed=1)
    counts = torch.bincount(modes, minlength=k).numpy()
    assert np.all(np.abs(counts - n / k) < 4 * math.sqrt(n / k * (1 - 1 / k)))


@pytest.mark.parametrize(
    "mixture",
    [data.ring(), data.grid(), data.ring(std=0.1), skewed_mixture()],
    ids=["ring", "grid", "ring-std-0.1", "skewed-3d"],
)
def test_samples_are_their_centre_plus_isotropic_noise_of_std(mixture):
    x, modes = mixture.sample_with_modes(6000, seed=2)
    resid = (x.double() - mixture.centers.double()[modes]).numpy()
    std = mixture.std
    assert resid.std(axis=0) == pytest.approx([std] * mixture.dim, rel=0.05)
    assert np.abs(resid.mean(axis=0)).max() < 4 * std / math.sqrt(6000)
    assert torch.equal(mixture.sample(6000, seed=2), x)  # sample drops the modes


# ---------------------------------------------------------------------------
# random_rotation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 5, 12])
def test_random_rotation_is_orthogonal_float64(dim):
    q = data.random_rotation(dim, seed=0)
    assert q.shape == (dim, dim)
    assert q.dtype == torch.float64
    eye = torch.eye(dim, dtype=torch.float64)
    assert torch.allclose(q @ q.T, eye, atol=1e-12)
    assert torch.allclose(q.T @ q, eye, atol=1e-12)
    assert abs(abs(torch.linalg.det(q).item()) - 1.0) < 1e-10


# ---------------------------------------------------------------------------
# helix / swiss_roll / sphere
# ---------------------------------------------------------------------------


def test_manifold_samplers_have_ambient_dim_columns():
    for sampler in (data.helix, data.swiss_roll, data.sphere):
        assert sampler(20, seed=0, ambient_dim=7).shape == (20, 7)


def test_helix_noise_free_in_r3_lies_on_unit_cylinder():
    x = data.helix(2000, seed=0, turns=2.0).double()
    np.testing.assert_allclose((x[:, 0] ** 2 + x[:, 1] ** 2).numpy(), 1.0, atol=1e-5)
    # Height t / (2π) with t in [0, 2π·turns] lies in [0, turns].
    assert x[:, 2].min().item() >= 0.0
    assert x[:, 2].max().item() <= 2.0 + 1e-6
    assert x[:, 2].max().item() > 1.9  # the whole range is covered


def test_helix_in_higher_ambient_dim_is_a_rotated_copy():
    low = data.helix(500, seed=4, ambient_dim=3).double()
    high = data.helix(500, seed=4, ambient_dim=7).double()
    # A rotation preserves norms and pairwise distances ...
    np.testing.assert_allclose(
        high.norm(dim=1).numpy(), low.norm(dim=1).numpy(), atol=1e-5
    )
    np.testing.assert_allclose(
        torch.cdist(high, high).numpy(), torch.cdist(low, low).numpy(), atol=1e-5
    )
    # ... spreads the curve over all coordinates, and keeps it in a 3-D subspace.
    assert high[:, 3:].abs().max().item() > 0.1
    assert pca_dimension(high, variance=0.9999) == 3


def test_helix_noise_is_isotropic_with_the_given_std():
    clean = data.helix(3000, seed=2, ambient_dim=4)
    noisy = data.helix(3000, seed=2, ambient_dim=4, noise=0.1)
    diff = (noisy - clean).double()
    assert diff.std(dim=0).numpy() == pytest.approx([0.1] * 4, rel=0.1)
    assert abs(diff.mean().item()) < 0.01


def test_swiss_roll_noise_free_in_r3_matches_its_parametrisation():
    x = data.swiss_roll(2000, seed=0).double()
    # Height h in [-1, 1]; radius θ/π with θ in [1.5π, 4.5π].
    assert x[:, 1].min().item() >= -1.0 - 1e-6
    assert x[:, 1].max().item() <= 1.0 + 1e-6
    radius = torch.sqrt(x[:, 0] ** 2 + x[:, 2] ** 2)
    assert radius.min().item() >= 1.5 - 1e-5
    assert radius.max().item() <= 4.5 + 1e-5
    assert radius.min().item() < 1.6 and radius.max().item() > 4.4


@pytest.mark.parametrize("k, ambient_dim", [(1, 2), (2, 3), (2, 10), (3, 4), (3, 12)])
def test_sphere_noise_free_points_have_unit_norm(k, ambient_dim):
    x = data.sphere(1000, seed=0, k=k, ambient_dim=ambient_dim)
    assert x.shape == (1000, ambient_dim)
    np.testing.assert_allclose(x.double().norm(dim=1).numpy(), 1.0, atol=1e-5)


def test_sphere_in_higher_ambient_dim_spans_k_plus_1_dimensions():
    x = data.sphere(2000, seed=1, k=2, ambient_dim=10)
    assert x[:, 3:].abs().max().item() > 0.1  # rotated, not just zero-padded
    assert pca_dimension(x, variance=0.9999) == 3


def test_sphere_noise_moves_points_off_the_sphere():
    x = data.sphere(2000, seed=0, k=2, ambient_dim=5, noise=0.1)
    norms = x.double().norm(dim=1)
    assert norms.std().item() > 0.05


# ---------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_split():
    return data.digits()


def test_digits_shapes_and_dtypes(digits_split):
    d = digits_split
    assert d.x_train.shape[0] + d.x_test.shape[0] == 1797
    assert d.x_train.shape[1] == 64 and d.x_test.shape[1] == 64
    assert d.x_test.shape[0] == 360  # ceil(0.2 * 1797)
    assert d.y_train.shape == (d.x_train.shape[0],)
    assert d.y_test.shape == (d.x_test.shape[0],)
    assert d.x_train.dtype == torch.float32
    assert d.y_train.dtype == torch.int64


def test_digits_values_in_unit_interval_and_labels_0_to_9(digits_split):
    d = digits_split
    x = torch.cat([d.x_train, d.x_test])
    assert x.min().item() == 0.0
    assert x.max().item() == 1.0
    assert set(d.y_train.tolist()) == set(range(10))
    assert set(d.y_test.tolist()) == set(range(10))


def test_digits_split_is_stratified(digits_split):
    d = digits_split
    train_frac = torch.bincount(d.y_train, minlength=10).double() / len(d.y_train)
    test_frac = torch.bincount(d.y_test, minlength=10).double() / len(d.y_test)
    assert torch.allclose(train_frac, test_frac, atol=0.01)


def test_digits_split_is_fixed_across_calls(digits_split):
    again = data.digits()
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(digits_split, name), getattr(again, name))


def test_digits_other_seed_or_fraction_gives_other_split(digits_split):
    other = data.digits(seed=1)
    assert other.x_test.shape == digits_split.x_test.shape
    assert not torch.equal(other.x_test, digits_split.x_test)
    half = data.digits(test_fraction=0.5)
    assert half.x_test.shape[0] == 899  # ceil(0.5 * 1797)


# ---------------------------------------------------------------------------
# KnownSupport
# ---------------------------------------------------------------------------


def test_known_support_templates_and_uniform_weights():
    ks = data.KnownSupport(n_templates=7, dim=5, seed=0)
    assert ks.templates.shape == (7, 5)
    assert ks.templates.dtype == torch.float32
    assert ks.templates.min().item() >= 0.0 and ks.templates.max().item() <= 1.0
    assert ks.weights.dtype == torch.float64
    np.testing.assert_allclose(ks.weights.numpy(), np.full(7, 1 / 7))
    assert "n_templates=7" in repr(ks) and "dim=5" in repr(ks)


def test_known_support_templates_depend_on_seed():
    a = data.KnownSupport(4, 3, seed=0).templates
    b = data.KnownSupport(4, 3, seed=0).templates
    c = data.KnownSupport(4, 3, seed=1).templates
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_known_support_keeps_given_weights():
    ks = data.KnownSupport(3, 2, weights=[0.5, 0.3, 0.2])
    np.testing.assert_allclose(ks.weights.numpy(), [0.5, 0.3, 0.2])


def test_known_support_noise_free_sample_equals_templates_at_index():
    ks = data.KnownSupport(10, 4, noise=0.0, seed=1)
    x, index = ks.sample_with_index(300, seed=2)
    assert index.shape == (300,) and index.dtype == torch.int64
    assert index.min().item() >= 0 and index.max().item() < 10
    assert torch.equal(x, ks.templates[index])
    assert torch.equal(ks.sample(300, seed=2), x)  # sample drops the index


def test_known_support_empirical_frequencies_match_weights():
    n, weights = 20_000, np.array([0.5, 0.3, 0.2, 0.0])
    ks = data.KnownSupport(4, 2, weights=weights)
    _, index = ks.sample_with_index(n, seed=0)
    counts = torch.bincount(index, minlength=4).numpy()
    margin = 4 * np.sqrt(n * weights * (1 - weights))
    assert np.all(np.abs(counts - n * weights) <= margin), counts
    assert counts[3] == 0  # a zero-weight template is never drawn


def test_known_support_noise_has_the_given_std():
    ks = data.KnownSupport(5, 3, noise=0.05)
    x, index = ks.sample_with_index(5000, seed=0)
    resid = (x - ks.templates[index]).double()
    assert resid.std().item() == pytest.approx(0.05, rel=0.05)


# ---------------------------------------------------------------------------
# Error paths
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sampler", [data.helix, data.swiss_roll, data.sphere])
@pytest.mark.parametrize("bad_noise", [-0.1, float("nan"), float("inf")])
def test_manifold_samplers_reject_bad_noise(sampler, bad_noise):
    with pytest.raises(ValueError, match=r"noise must be"):
        sampler(10, noise=bad_noise)


@pytest.mark.parametrize("sampler", [data.helix, data.swiss_roll, data.sphere])
def test_manifold_samplers_reject_string_noise(sampler):
    with pytest.raises(TypeError, match=r"noise must be a real number"):
        sampler(10, noise="0.1")


@pytest.mark.parametrize("sampler", [data.helix, data.swiss_roll])
@pytest.mark.parametrize("ambient_dim", [1, 2])
def test_helix_and_swiss_roll_reject_ambient_dim_below_3(sampler, ambient_dim):
    with pytest.raises(ValueError, match=r"ambient_dim must be >= 3"):
        sampler(10, ambient_dim=ambient_dim)


@pytest.mark.parametrize("k, ambient_dim", [(2, 2), (3, 3), (5, 4)])
def test_sphere_rejects_ambient_dim_below_k_plus_1(k, ambient_dim):
    with pytest.raises(ValueError, match=rf"ambient_dim must be >= {k + 1}"):
        data.sphere(10, k=k, ambient_dim=ambient_dim)


def test_sphere_rejects_k_zero_and_float_k():
    with pytest.raises(ValueError, match=r"k must be >= 1"):
        data.sphere(10, k=0)
    with pytest.raises(TypeError, match=r"k must be an integer"):
        data.sphere(10, k=2.0)


@pytest.mark.parametrize("bad_ambient", [True, 3.0])
def test_helix_rejects_non_integer_ambient_dim(bad_ambient):
    with pytest.raises(TypeError, match=r"ambient_dim must be an integer"):
        data.helix(10, ambient_dim=bad_ambient)


@pytest.mark.parametrize("turns", [0.0, -1.0])
def test_helix_rejects_non_positive_turns(turns):
    with pytest.raises(ValueError, match=r"turns must be > 0"):
        data.helix(10, turns=turns)


def test_random_rotation_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"dim must be >= 1"):
        data.random_rotation(0)
    with pytest.raises(TypeError, match=r"dim must be an integer"):
        data.random_rotation(3.0)
    with pytest.raises(TypeError, match=r"dim must be an integer"):
        data.random_rotation(True)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5, float("nan")])
def test_digits_rejects_test_fraction_outside_open_unit_interval(fraction):
    with pytest.raises(ValueError, match=r"test_fraction must be"):
        data.digits(test_fraction=fraction)


def test_digits_rejects_non_real_test_fraction():
    with pytest.raises(TypeError, match=r"test_fraction must be a real number"):
        data.digits(test_fraction="0.2")


def test_known_support_rejects_bad_sizes_and_noise():
    with pytest.raises(ValueError, match=r"n_templates must be >= 1"):
        data.KnownSupport(0, 2)
    with pytest.raises(TypeError, match=r"n_templates must be an integer"):
        data.KnownSupport(2.0, 2)
    with pytest.raises(ValueError, match=r"dim must be >= 1"):
        data.KnownSupport(3, 0)
    with pytest.raises(ValueError, match=r"noise must be >= 0"):
        data.KnownSupport(3, 2, noise=-0.5)
