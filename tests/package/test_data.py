"""Unit tests for :mod:`gentheory_utils.data`."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gentheory_utils import data
from gentheory_utils.manifold import pca_dimension

# ---------------------------------------------------------------------------
# Mixture centres
# ---------------------------------------------------------------------------


def test_ring_centers_default_is_eight_points_at_angles_2pi_i_over_8():
    centers = data.ring_centers()
    assert centers.shape == (8, 2)
    assert centers.dtype == torch.float32
    angles = 2 * math.pi * np.arange(8) / 8
    expected = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    np.testing.assert_allclose(centers.numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(centers.norm(dim=1).numpy(), np.ones(8), atol=1e-6)
    # All eight are distinct: the smallest pairwise distance is the chord 2 sin(π/8).
    dist = torch.cdist(centers, centers) + torch.eye(8) * 10
    assert dist.min().item() == pytest.approx(2 * math.sin(math.pi / 8), abs=1e-5)


def test_ring_centers_custom_modes_and_radius():
    centers = data.ring_centers(n_modes=3, radius=2.5)
    assert centers.shape == (3, 2)
    np.testing.assert_allclose(centers.norm(dim=1).numpy(), [2.5, 2.5, 2.5], atol=1e-6)
    np.testing.assert_allclose(centers[0].numpy(), [2.5, 0.0], atol=1e-6)


def test_grid_centers_default_is_minus4_to_4_step_2_squared():
    centers = data.grid_centers()
    assert centers.shape == (25, 2)
    assert centers.dtype == torch.float32
    got = {tuple(row) for row in centers.tolist()}
    ticks = [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert got == {(a, b) for a in ticks for b in ticks}


def test_grid_centers_custom_side_and_spacing_are_centred_at_origin():
    centers = data.grid_centers(side=2, spacing=1.0)
    got = {tuple(row) for row in centers.tolist()}
    assert got == {(-0.5, -0.5), (-0.5, 0.5), (0.5, -0.5), (0.5, 0.5)}


# ---------------------------------------------------------------------------
# ring / grid samples
# ---------------------------------------------------------------------------

MIXTURES = [
    pytest.param(data.ring, data.ring_centers(), data.RING_STD, id="ring"),
    pytest.param(data.grid, data.grid_centers(), data.GRID_STD, id="grid"),
]


@pytest.mark.parametrize("sampler, centers, std", MIXTURES)
def test_mixture_returns_float32_of_shape_n_by_2(sampler, centers, std):
    x = sampler(123, seed=0)
    assert isinstance(x, torch.Tensor)
    assert x.shape == (123, 2)
    assert x.dtype == torch.float32


@pytest.mark.parametrize("sampler, centers, std", MIXTURES)
def test_mixture_same_seed_same_points_other_seed_other_points(sampler, centers, std):
    a = sampler(500, seed=3)
    b = sampler(500, seed=3)
    c = sampler(500, seed=4)
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


@pytest.mark.parametrize("sampler, centers, std", MIXTURES)
def test_mixture_does_not_touch_global_torch_rng(sampler, centers, std):
    state = torch.get_rng_state()
    sampler(100, seed=0)
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("sampler, centers, std", MIXTURES)
def test_mixture_samples_lie_within_six_std_of_nearest_centre(sampler, centers, std):
    x = sampler(4000, seed=1)
    nearest = torch.cdist(x.double(), centers.double()).min(dim=1).values
    assert nearest.max().item() < 6 * std
    # And the spread matches std: the residual per coordinate has std ~ std.
    idx = torch.cdist(x, centers).argmin(dim=1)
    resid = (x - centers[idx]).double()
    assert resid.std(dim=0).numpy() == pytest.approx([std, std], rel=0.1)


def test_ring_hits_each_of_eight_modes_about_equally():
    n = 8000
    x = data.ring(n, seed=0)
    idx = torch.cdist(x, data.ring_centers()).argmin(dim=1)
    counts = torch.bincount(idx, minlength=8).numpy()
    assert counts.sum() == n
    assert np.all(np.abs(counts - n / 8) < 0.15 * n / 8), counts


def test_grid_hits_each_of_25_modes_about_equally():
    n = 10000
    x = data.grid(n, seed=0)
    idx = torch.cdist(x, data.grid_centers()).argmin(dim=1)
    counts = torch.bincount(idx, minlength=25).numpy()
    assert len(counts) == 25
    assert np.all(np.abs(counts - n / 25) < 0.25 * n / 25), counts


def test_ring_std_argument_controls_spread():
    x = data.ring(4000, seed=0, std=0.1)
    idx = torch.cdist(x, data.ring_centers()).argmin(dim=1)
    resid = (x - data.ring_centers()[idx]).double()
    assert resid.std().item() == pytest.approx(0.1, rel=0.1)


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


def test_random_rotation_deterministic_per_seed():
    assert torch.equal(data.random_rotation(6, seed=2), data.random_rotation(6, seed=2))
    assert not torch.allclose(data.random_rotation(6, seed=2), data.random_rotation(6, seed=3))


# ---------------------------------------------------------------------------
# helix / swiss_roll / sphere
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sampler, kwargs",
    [
        (data.helix, {}),
        (data.swiss_roll, {}),
        (data.sphere, {"k": 2}),
    ],
    ids=["helix", "swiss_roll", "sphere"],
)
@pytest.mark.parametrize("ambient_dim", [3, 7])
def test_manifold_sampler_shape_dtype_and_determinism(sampler, kwargs, ambient_dim):
    a = sampler(250, seed=5, ambient_dim=ambient_dim, **kwargs)
    b = sampler(250, seed=5, ambient_dim=ambient_dim, **kwargs)
    c = sampler(250, seed=6, ambient_dim=ambient_dim, **kwargs)
    assert a.shape == (250, ambient_dim)
    assert a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


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
    np.testing.assert_allclose(high.norm(dim=1).numpy(), low.norm(dim=1).numpy(), atol=1e-5)
    np.testing.assert_allclose(torch.cdist(high, high).numpy(), torch.cdist(low, low).numpy(), atol=1e-5)
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
    x, index = ks.sample(300, seed=2)
    assert x.shape == (300, 4)
    assert index.shape == (300,)
    assert index.dtype == torch.int64
    assert index.min().item() >= 0 and index.max().item() < 10
    assert torch.equal(x, ks.templates[index])


def test_known_support_sample_is_deterministic_per_seed():
    ks = data.KnownSupport(10, 4, noise=0.1)
    x1, i1 = ks.sample(50, seed=7)
    x2, i2 = ks.sample(50, seed=7)
    x3, i3 = ks.sample(50, seed=8)
    assert torch.equal(x1, x2) and torch.equal(i1, i2)
    assert not torch.equal(x1, x3)


def test_known_support_empirical_frequencies_match_weights():
    weights = [0.5, 0.3, 0.2, 0.0]
    ks = data.KnownSupport(4, 2, weights=weights)
    _, index = ks.sample(20000, seed=0)
    freq = torch.bincount(index, minlength=4).double().numpy() / 20000
    np.testing.assert_allclose(freq, weights, atol=0.015)
    assert freq[3] == 0.0  # a zero-weight template is never drawn


def test_known_support_noise_has_the_given_std():
    ks = data.KnownSupport(5, 3, noise=0.05)
    x, index = ks.sample(5000, seed=0)
    resid = (x - ks.templates[index]).double()
    assert resid.std().item() == pytest.approx(0.05, rel=0.1)


# ---------------------------------------------------------------------------
# Error paths
# ---------------------------------------------------------------------------

SAMPLERS = [
    pytest.param(data.ring, id="ring"),
    pytest.param(data.grid, id="grid"),
    pytest.param(data.helix, id="helix"),
    pytest.param(data.swiss_roll, id="swiss_roll"),
    pytest.param(data.sphere, id="sphere"),
]


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_samplers_reject_n_zero(sampler):
    with pytest.raises(ValueError, match=r"n must be >= 1, got 0"):
        sampler(0)


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("bad_n", [True, 10.0, "10", None])
def test_samplers_reject_non_integer_n(sampler, bad_n):
    with pytest.raises(TypeError, match=r"n must be an integer"):
        sampler(bad_n)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_samplers_reject_negative_seed(sampler):
    with pytest.raises(ValueError, match=r"seed must be >= 0, got -1"):
        sampler(10, seed=-1)


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("bad_seed", [True, 1.0])
def test_samplers_reject_non_integer_seed(sampler, bad_seed):
    with pytest.raises(TypeError, match=r"seed must be an integer"):
        sampler(10, seed=bad_seed)


def test_samplers_accept_numpy_integers():
    x = data.ring(np.int64(5), seed=np.int32(1))
    assert x.shape == (5, 2)


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


@pytest.mark.parametrize("sampler", [data.ring, data.grid])
@pytest.mark.parametrize("std", [0.0, -0.01])
def test_mixtures_reject_non_positive_std(sampler, std):
    with pytest.raises(ValueError, match=r"std must be > 0"):
        sampler(10, std=std)


def test_ring_centers_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"n_modes must be >= 1"):
        data.ring_centers(n_modes=0)
    with pytest.raises(TypeError, match=r"n_modes must be an integer"):
        data.ring_centers(n_modes=8.0)
    with pytest.raises(ValueError, match=r"radius must be > 0"):
        data.ring_centers(radius=0.0)
    with pytest.raises(TypeError, match=r"radius must be a real number"):
        data.ring_centers(radius=True)


def test_grid_centers_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"side must be >= 1"):
        data.grid_centers(side=0)
    with pytest.raises(TypeError, match=r"side must be an integer"):
        data.grid_centers(side=True)
    with pytest.raises(ValueError, match=r"spacing must be > 0"):
        data.grid_centers(spacing=-2.0)


def test_random_rotation_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"dim must be >= 1"):
        data.random_rotation(0)
    with pytest.raises(TypeError, match=r"dim must be an integer"):
        data.random_rotation(3.0)
    with pytest.raises(TypeError, match=r"dim must be an integer"):
        data.random_rotation(True)
    with pytest.raises(ValueError, match=r"seed must be >= 0"):
        data.random_rotation(3, seed=-1)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5, float("nan")])
def test_digits_rejects_test_fraction_outside_open_unit_interval(fraction):
    with pytest.raises(ValueError, match=r"test_fraction must be"):
        data.digits(test_fraction=fraction)


def test_digits_rejects_bad_types_and_seed():
    with pytest.raises(TypeError, match=r"test_fraction must be a real number"):
        data.digits(test_fraction="0.2")
    with pytest.raises(ValueError, match=r"seed must be >= 0"):
        data.digits(seed=-1)
    with pytest.raises(TypeError, match=r"seed must be an integer"):
        data.digits(seed=False)


def test_known_support_rejects_bad_sizes_noise_and_seed():
    with pytest.raises(ValueError, match=r"n_templates must be >= 1"):
        data.KnownSupport(0, 2)
    with pytest.raises(TypeError, match=r"n_templates must be an integer"):
        data.KnownSupport(2.0, 2)
    with pytest.raises(ValueError, match=r"dim must be >= 1"):
        data.KnownSupport(3, 0)
    with pytest.raises(ValueError, match=r"noise must be >= 0"):
        data.KnownSupport(3, 2, noise=-0.5)
    with pytest.raises(ValueError, match=r"seed must be >= 0"):
        data.KnownSupport(3, 2, seed=-1)


@pytest.mark.parametrize(
    "weights",
    [[0.5, 0.5], [0.25, 0.25, 0.25, 0.25], [[0.2, 0.3, 0.5]], 1.0],
    ids=["too-short", "too-long", "2-D", "scalar"],
)
def test_known_support_rejects_weights_of_wrong_shape(weights):
    with pytest.raises(ValueError, match=r"weights must have shape \(3,\)"):
        data.KnownSupport(3, 2, weights=weights)


@pytest.mark.parametrize("weights", [[-0.1, 0.6, 0.5], [float("nan"), 0.5, 0.5], [float("inf"), 0.0, 0.0]])
def test_known_support_rejects_negative_or_non_finite_weights(weights):
    with pytest.raises(ValueError, match=r"weights must be finite and non-negative"):
        data.KnownSupport(3, 2, weights=weights)


@pytest.mark.parametrize("weights", [[0.2, 0.2, 0.2], [0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])
def test_known_support_rejects_weights_not_summing_to_one(weights):
    with pytest.raises(ValueError, match=r"weights must sum to 1"):
        data.KnownSupport(3, 2, weights=weights)


def test_known_support_sample_rejects_bad_n_and_seed():
    ks = data.KnownSupport(3, 2)
    with pytest.raises(ValueError, match=r"n must be >= 1"):
        ks.sample(0)
    with pytest.raises(TypeError, match=r"n must be an integer"):
        ks.sample(5.0)
    with pytest.raises(TypeError, match=r"n must be an integer"):
        ks.sample(True)
    with pytest.raises(ValueError, match=r"seed must be >= 0"):
        ks.sample(5, seed=-1)


def test_known_support_rejects_non_numeric_weights():
    with pytest.raises(TypeError, match="weights must be an array of probabilities"):
        data.KnownSupport(3, 2, weights="abc")
