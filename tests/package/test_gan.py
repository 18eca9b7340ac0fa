"""Unit tests for :mod:`gentheory_utils.gan`."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from gentheory_utils import mixgan
from gentheory_utils.gan import (
    BEST_RECIPE,
    METHODS,
    RECIPES,
    GANConfig,
    GANResult,
    Generator,
    critic_gap,
    d_loss_logistic,
    d_loss_wasserstein,
    d_step,
    discriminator,
    g_loss_nonsaturating,
    g_loss_wasserstein,
    g_step,
    generator,
    gradient_penalty,
    pack,
    r1_penalty,
    train_critic,
    train_gan,
)
from gentheory_utils.runs import TrainResult

# Tiny settings shared by the training-loop tests.
TINY = dict(
    batch_size=16, g_width=16, d_width=16, depth=1, snapshot_n=20, progress=False
)


def linear_critic(weight, bias: float = 0.0, dtype=torch.float64) -> nn.Linear:
    """``f(x) = w . x + b`` as a one-output ``nn.Linear``."""
    w = torch.as_tensor(weight, dtype=dtype)
    layer = nn.Linear(len(w), 1).to(dtype)
    with torch.no_grad():
        layer.weight.copy_(w.unsqueeze(0))
        layer.bias.fill_(bias)
    return layer


def two_blobs(n: int = 64, d: int = 2, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    x[: n // 2] += 2.0
    return x


def unchanged(before: list[torch.Tensor], module: nn.Module) -> bool:
    """Whether ``module``'s parameters still equal the copies ``before``."""
    after = list(module.parameters())
    return all(torch.equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    """Run this module's tiny networks on one thread (the machine is shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def small_run() -> GANResult:
    """25 steps on two 2-D blobs, logging every 10 and snapshotting every 10 steps."""
    return train_gan(
        two_blobs(), steps=25, z_dim=3, snapshot_every=10, log_every=10, seed=0, **TINY
    )


# ---------------------------------------------------------------------------- networks


@pytest.mark.parametrize("z_dim, data_dim, depth", [(2, 2, 1), (5, 3, 3), (1, 1, 2)])
def test_generator_shapes_and_layer_count(z_dim, data_dim, depth):
    torch.manual_seed(0)
    G = generator(z_dim, data_dim, width=16, depth=depth)
    out = G(torch.randn(7, z_dim))
    assert out.shape == (7, data_dim)
    linears = [m for m in G.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == depth + 1
    assert linears[0].in_features == z_dim and linears[-1].out_features == data_dim
    assert all(m.out_features == 16 for m in linears[:-1])
    assert sum(isinstance(m, nn.ReLU) for m in G.modules()) == depth


@pytest.mark.parametrize(
    "data_dim, pack_size, depth", [(2, 1, 1), (2, 4, 2), (3, 2, 3)]
)
def test_discriminator_shapes_and_layer_count(data_dim, pack_size, depth):
    torch.manual_seed(0)
    D = discriminator(data_dim, pack_size=pack_size, width=16, depth=depth)
    out = D(torch.randn(5, data_dim * pack_size))
    assert out.shape == (5, 1)
    linears = [m for m in D.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == depth + 1
    assert (
        linears[0].in_features == data_dim * pack_size and linears[-1].out_features == 1
    )
    assert sum(isinstance(m, nn.LeakyReLU) for m in D.modules()) == depth
    # An unpacked input has the wrong width.
    if pack_size > 1:
        with pytest.raises(RuntimeError):
            D(torch.randn(5, data_dim))


@pytest.mark.parametrize(
    "build, kwargs, exc, match",
    [
        (generator, {"width": 0}, ValueError, "width must be >= 1"),
        (generator, {"depth": 0}, ValueError, "depth must be >= 1"),
        (generator, {"depth": True}, TypeError, "depth must be an integer"),
        (generator, {"width": True}, TypeError, "width must be an integer"),
        (generator, {"z_dim": 0}, ValueError, "z_dim must be >= 1"),
        (discriminator, {"width": 0}, ValueError, "width must be >= 1"),
        (discriminator, {"depth": 0}, ValueError, "depth must be >= 1"),
        (discriminator, {"pack_size": 0}, ValueError, "pack_size must be >= 1"),
        (discriminator, {"pack_size": True}, TypeError, "pack_size must be an integer"),
        (discriminator, {"depth": 2.0}, TypeError, "depth must be an integer"),
    ],
)
def test_networks_reject_bad_sizes(build, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        build(**kwargs)


# -------------------------------------------------------------------------------- pack


def test_pack_shape_and_row_grouping():
    x = torch.arange(24.0).reshape(6, 4)  # row i holds 4i .. 4i+3
    out = pack(x, 3)
    assert out.shape == (2, 12)
    assert torch.equal(out[0], torch.cat([x[0], x[1], x[2]]))
    assert torch.equal(out[1], torch.cat([x[3], x[4], x[5]]))
    assert torch.equal(out, torch.arange(24.0).reshape(2, 12))


def test_pack_of_two_groups_consecutive_pairs():
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    assert torch.equal(pack(x, 2), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert torch.equal(pack(x, 4), torch.tensor([[1.0, 2.0, 3.0, 4.0]]))


def test_pack_size_one_is_identity():
    x = torch.randn(5, 3)
    out = pack(x, 1)
    assert out.shape == (5, 3)
    assert torch.equal(out, x)


def test_pack_keeps_gradients():
    x = torch.randn(4, 2, requires_grad=True)
    (pack(x, 2) * torch.arange(8.0).reshape(2, 4)).sum().backward()
    assert torch.equal(x.grad, torch.arange(8.0).reshape(4, 2))


@pytest.mark.parametrize(
    "x, m, exc, match",
    [
        (
            torch.zeros(5, 2),
            2,
            ValueError,
            r"number of rows \(5\) must be a multiple of pack_size \(2\)",
        ),
        (torch.zeros(7, 1), 3, ValueError, "must be a multiple of pack_size"),
        (torch.zeros(6), 2, ValueError, "x must be a 2-D tensor"),
        (torch.zeros(2, 2, 2), 2, ValueError, "x must be a 2-D tensor"),
        ([[0.0, 1.0], [2.0, 3.0]], 2, ValueError, "x must be a 2-D tensor, got list"),
        (torch.zeros(4, 2), 0, ValueError, "pack_size must be >= 1"),
        (torch.zeros(4, 2), True, TypeError, "pack_size must be an integer"),
    ],
)
def test_pack_rejects_bad_input(x, m, exc, match):
    with pytest.raises(exc, match=match):
        pack(x, m)


# --------------------------------------------------------------------- logistic losses


def test_logistic_losses_match_hand_formulas():
    g = torch.Generator().manual_seed(0)
    r = 3 * torch.randn(50, 1, generator=g, dtype=torch.float64)
    f = 3 * torch.randn(40, 1, generator=g, dtype=torch.float64)
    d_expected = (
        -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean()
    )
    g_expected = -torch.log(torch.sigmoid(f)).mean()
    assert abs(d_loss_logistic(r, f).item() - d_expected.item()) < 1e-10
    assert abs(g_loss_nonsaturating(f).item() - g_expected.item()) < 1e-10


def test_logistic_losses_known_values_at_zero_logits():
    zeros = torch.zeros(8, 1, dtype=torch.float64)
    # D = 1/2 everywhere: each term is log 2.
    assert d_loss_logistic(zeros, zeros).item() == pytest.approx(
        2 * math.log(2), abs=1e-12
    )
    assert g_loss_nonsaturating(zeros).item() == pytest.approx(math.log(2), abs=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_logistic_losses_are_stable_at_extreme_logits(dtype):
    big = torch.full((4, 1), 100.0, dtype=dtype, requires_grad=True)
    small = torch.full((4, 1), -100.0, dtype=dtype, requires_grad=True)
    # A perfect discriminator: loss ~ 2 e^-100, i.e. 0.
    perfect = d_loss_logistic(big, small)
    assert torch.isfinite(perfect) and 0.0 <= perfect.item() < 1e-30
    # The worst one: loss = 200 (each softplus is 100), finite.
    worst = d_loss_logistic(small, big)
    assert worst.item() == pytest.approx(200.0, rel=1e-6)
    worst.backward()
    assert torch.isfinite(big.grad).all() and torch.isfinite(small.grad).all()
    # Non-saturating generator loss: ~0 when D is fooled, 100 (not inf, not nan)
    # when D wins.
    assert 0.0 <= g_loss_nonsaturating(big).item() < 1e-30
    lost = g_loss_nonsaturating(small.detach().requires_grad_(True))
    assert lost.item() == pytest.approx(100.0, rel=1e-6)


def test_nonsaturating_loss_keeps_gradient_when_discriminator_wins():
    f = torch.full((1, 1), -20.0, dtype=torch.float64, requires_grad=True)
    g_loss_nonsaturating(f).backward()
    # d/df softplus(-f) = -sigmoid(-f) ~ -1, whereas log(1 - sigmoid(f)) would give
    # ~ -e^-20.
    assert f.grad.item() == pytest.approx(-1.0, abs=1e-8)


def _grid_densities():
    """Integer counts of real and fake 'samples' on 12 grid points, and densities."""
    grid = torch.linspace(-3, 3, 12, dtype=torch.float64)
    real_counts = (400 * torch.exp(-0.5 * (grid + 1) ** 2)).round().long() + 1
    fake_counts = (300 * torch.exp(-0.5 * ((grid - 1) / 1.5) ** 2)).round().long() + 1
    p = real_counts.double() / real_counts.sum()
    q = fake_counts.double() / fake_counts.sum()
    return real_counts, fake_counts, p, q


def _expected_loss(logits, real_counts, fake_counts):
    """E_p[-log D] + E_q[-log(1 - D)] as d_loss_logistic on repeated points."""
    return d_loss_logistic(
        logits.repeat_interleave(real_counts), logits.repeat_interleave(fake_counts)
    )


def test_optimal_discriminator_gradient_vanishes_at_log_density_ratio():
    real_counts, fake_counts, p, q = _grid_densities()
    assert not torch.allclose(p, q)
    a_star = torch.log(p / q).requires_grad_(True)
    _expected_loss(a_star, real_counts, fake_counts).backward()
    assert a_star.grad.abs().max().item() < 1e-12
    # ... and nowhere else: shifting the logits gives a non-zero gradient.
    a_off = (torch.log(p / q) + 0.5).requires_grad_(True)
    _expected_loss(a_off, real_counts, fake_counts).backward()
    assert a_off.grad.abs().max().item() > 1e-3


def test_optimal_discriminator_by_gradient_descent_and_js_identity():
    real_counts, fake_counts, p, q = _grid_densities()
    logits = torch.zeros(len(p), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([logits], lr=0.1)
    for _ in range(400):
        opt.zero_grad()
        _expected_loss(logits, real_counts, fake_counts).backward()
        opt.step()
    d_star = p / (p + q)
    assert (torch.sigmoid(logits.detach()) - d_star).abs().max().item() < 1e-3
    # The minimum: log 4 - 2 JS(p, q), with JS computed directly.
    m = (p + q) / 2
    js = 0.5 * (p * torch.log(p / m)).sum() + 0.5 * (q * torch.log(q / m)).sum()
    assert 0.05 < js.item() < math.log(2)  # the two densities really differ
    minimum = _expected_loss(torch.log(p / q), real_counts, fake_counts).item()
    assert minimum == pytest.approx(math.log(4) - 2 * js.item(), abs=1e-10)
    reached = _expected_loss(logits.detach(), real_counts, fake_counts).item()
    assert minimum <= reached < minimum + 1e-6
    # Any other discriminator does worse, e.g. D = 1/2 everywhere gives log 4.
    assert _expected_loss(
        torch.zeros_like(p), real_counts, fake_counts
    ).item() == pytest.approx(math.log(4))


# ------------------------------------------------------------------ Wasserstein losses


def test_wasserstein_losses_for_constant_scores():
    real = torch.full((10, 1), 3.0)
    fake = torch.full((6, 1), -1.5)
    assert d_loss_wasserstein(real, fake).item() == pytest.approx(-4.5)
    assert g_loss_wasserstein(fake).item() == pytest.approx(1.5)
    assert d_loss_wasserstein(real, real).item() == 0.0


def test_wasserstein_losses_match_means_and_sign_conventions():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(20, 1, generator=g, dtype=torch.float64)
    fake = torch.randn(30, 1, generator=g, dtype=torch.float64)
    base = d_loss_wasserstein(real, fake).item()
    assert base == pytest.approx(fake.mean().item() - real.mean().item(), abs=1e-12)
    # Critic loss falls when real scores rise and when fake scores fall.
    assert d_loss_wasserstein(real + 1.0, fake).item() == pytest.approx(
        base - 1.0, abs=1e-12
    )
    assert d_loss_wasserstein(real, fake - 2.0).item() == pytest.approx(
        base - 2.0, abs=1e-12
    )
    # Generator loss falls when fake scores rise.
    assert g_loss_wasserstein(fake + 1.0).item() == pytest.approx(
        g_loss_wasserstein(fake).item() - 1.0, abs=1e-12
    )
    # Gradients: d/d real_i = -1/n, d/d fake_j = +1/m.
    r = real.clone().requires_grad_(True)
    f = fake.clone().requires_grad_(True)
    d_loss_wasserstein(r, f).backward()
    torch.testing.assert_close(r.grad, torch.full_like(real, -1 / 20))
    torch.testing.assert_close(f.grad, torch.full_like(fake, 1 / 30))


# -------------------------------------------------------------------- gradient penalty


def test_gradient_penalty_zero_for_unit_norm_linear_critic():
    torch.manual_seed(0)
    critic = linear_critic([0.6, -0.8], bias=2.0)
    real, fake = (
        torch.randn(32, 2, dtype=torch.float64),
        torch.randn(32, 2, dtype=torch.float64),
    )
    assert abs(gradient_penalty(critic, real, fake).item()) < 1e-14


@pytest.mark.parametrize("weight", [[3.0, 4.0], [0.1, 0.2, -0.2], [0.0, 0.0]])
def test_gradient_penalty_for_linear_critic_is_norm_minus_one_squared(weight):
    torch.manual_seed(1)
    critic = linear_critic(weight)
    d = len(weight)
    real, fake = (
        torch.randn(16, d, dtype=torch.float64),
        torch.randn(16, d, dtype=torch.float64) + 5,
    )
    norm = math.sqrt(sum(w * w for w in weight))
    gp = gradient_penalty(critic, real, fake)
    assert gp.item() == pytest.approx((norm - 1) ** 2, abs=1e-12)


def test_gradient_penalty_backpropagates_to_critic_weights():
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|; needs create_graph=True inside.
    torch.manual_seed(2)
    critic = linear_critic([3.0, 4.0])
    gradient_penalty(
        critic,
        torch.randn(8, 2, dtype=torch.float64),
        torch.randn(8, 2, dtype=torch.float64),
    ).backward()
    expected = 2 * (5.0 - 1.0) * torch.tensor([[3.0, 4.0]], dtype=torch.float64) / 5.0
    torch.testing.assert_close(critic.weight.grad, expected)


def test_gradient_penalty_on_quadratic_critic_uses_interpolates():
    # f(x) = |x|^2 / 2 has gradient x: with real = fake = x0 the interpolate is x0.
    critic = lambda x: 0.5 * x.pow(2).sum(1, keepdim=True)  # noqa: E731
    x0 = torch.tensor([[3.0, 0.0], [0.0, 0.5]], dtype=torch.float64)
    gp = gradient_penalty(critic, x0, x0.clone())
    assert gp.item() == pytest.approx(((3 - 1) ** 2 + (0.5 - 1) ** 2) / 2, abs=1e-12)


def test_gradient_penalty_rejects_shape_mismatch():
    critic = linear_critic([1.0, 0.0])
    with pytest.raises(ValueError, match=r"same shape, got \(4, 2\) and \(3, 2\)"):
        gradient_penalty(
            critic,
            torch.zeros(4, 2, dtype=torch.float64),
            torch.zeros(3, 2, dtype=torch.float64),
        )


# -------------------------------------------------------------------------- R1 penalty


@pytest.mark.parametrize("weight", [[3.0, 4.0], [0.5, -1.0, 2.0]])
def test_r1_penalty_for_linear_discriminator_is_squared_norm(weight):
    disc = linear_critic(weight, bias=-1.0)
    x = torch.randn(10, len(weight), dtype=torch.float64)
    assert r1_penalty(disc, x).item() == pytest.approx(
        sum(w * w for w in weight), abs=1e-12
    )


def test_r1_penalty_is_zero_for_constant_discriminator():
    disc = linear_critic([0.0, 0.0], bias=7.0)
    assert r1_penalty(disc, torch.randn(6, 2, dtype=torch.float64)).item() == 0.0


def test_r1_penalty_for_quadratic_discriminator():
    # D(x) = |x|^2 has gradient 2x: penalty = mean 4 |x|^2.
    disc = lambda x: x.pow(2).sum(1, keepdim=True)  # noqa: E731
    x = torch.tensor([[1.0, 0.0], [1.0, 2.0]], dtype=torch.float64)
    assert r1_penalty(disc, x).item() == pytest.approx((4 * 1 + 4 * 5) / 2, abs=1e-12)


def test_r1_penalty_leaves_input_untouched_and_backpropagates():
    disc = linear_critic([3.0, 4.0])
    x = torch.randn(5, 2, dtype=torch.float64)
    before = x.clone()
    penalty = r1_penalty(disc, x)
    assert x.requires_grad is False and x.grad is None
    assert torch.equal(x, before)
    penalty.backward()
    torch.testing.assert_close(
        disc.weight.grad, 2 * torch.tensor([[3.0, 4.0]], dtype=torch.float64)
    )
    # An input that already requires grad keeps that flag and gets no gradient
    # from the penalty.
    y = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    r1_penalty(disc, y).backward()
    assert y.requires_grad is True and y.grad is None


# ------------------------------------------------------------------------------ config


def test_config_defaults_replace_and_frozen():
    cfg = GANConfig()
    assert cfg.method == "gan" and cfg.betas == (0.5, 0.9)
    short = dataclasses.replace(cfg, steps=7, betas=[0.0, 0.99])
    assert short.steps == 7 and short.betas == (0.0, 0.99)  # lists become tuples
    assert cfg.steps == 5000  # the original is unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.steps = 3


@pytest.mark.parametrize(
    "field, value, exc, match",
    [
        ("method", "foo", ValueError, "method must be one of"),
        ("steps", 0, ValueError, "steps must be >= 1"),
        ("steps", 2.5, TypeError, "steps must be an integer"),
        ("batch_size", 0, ValueError, "batch_size must be >= 1"),
        ("pack_size", True, TypeError, "pack_size must be an integer"),
        ("z_dim", 0, ValueError, "z_dim must be >= 1"),
        ("g_width", 0, ValueError, "g_width must be >= 1"),
        ("d_width", -3, ValueError, "d_width must be >= 1"),
        ("depth", 0, ValueError, "depth must be >= 1"),
        ("n_critic", 0, ValueError, "n_critic must be >= 1"),
        ("lr", 0.0, ValueError, "lr must be > 0"),
        ("lr", float("nan"), ValueError, "lr must be finite"),
        ("lr", "1e-3", TypeError, "lr must be a real number"),
        ("betas", (0.5,), ValueError, "betas must be a pair"),
        ("betas", 0.5, ValueError, "betas must be a pair"),
        ("betas", (0.5, 1.0), ValueError, r"betas\[1\] must be < 1"),
        ("betas", (-0.1, 0.9), ValueError, r"betas\[0\] must be >= 0"),
        ("r1", -1.0, ValueError, "r1 must be >= 0"),
        ("gp_weight", -0.1, ValueError, "gp_weight must be >= 0"),
        ("lr_decay", 1, TypeError, "lr_decay must be a bool"),
        ("g_out_activation", "softmax", ValueError, "g_out_activation must be None"),
        ("g_out_activation", 3, TypeError, "g_out_activation must be a str"),
    ],
)
def test_config_rejects_bad_fields(field, value, exc, match):
    with pytest.raises(exc, match=match):
        GANConfig(**{field: value})
    with pytest.raises(exc, match=match):  # replace() checks too
        dataclasses.replace(GANConfig(), **{field: value})
    with pytest.raises(exc, match=match):  # ... and so does train_gan
        train_gan(two_blobs(16), **{**TINY, "steps": 2, field: value})


def test_recipes_are_valid_configs():
    assert BEST_RECIPE in RECIPES
    assert list(RECIPES) == [
        "GAN (constant lr)",
        "GAN + R1 + lr decay",
        "PacGAN2 + R1 + lr decay",
        "WGAN-GP + lr decay",
    ]
    for cfg in RECIPES.values():
        assert isinstance(cfg, GANConfig)
        assert dataclasses.replace(cfg) == cfg
        assert (cfg.batch_size, cfg.z_dim, cfg.g_width, cfg.d_width) == (
            256,
            2,
            128,
            128,
        )
        assert (cfg.depth, cfg.lr, cfg.betas) == (3, 1e-3, (0.5, 0.9))
    assert RECIPES["GAN (constant lr)"].lr_decay is False
    assert RECIPES["GAN + R1 + lr decay"].r1 == 0.1
    assert RECIPES["PacGAN2 + R1 + lr decay"].pack_size == 2
    wgan = RECIPES["WGAN-GP + lr decay"]
    assert (wgan.method, wgan.steps, wgan.n_critic, wgan.gp_weight) == (
        "wgan-gp",
        4000,
        2,
        1.0,
    )


def test_methods_constant():
    assert METHODS == ("gan", "wgan-gp")


# --------------------------------------------------------------------------- generator


def test_generator_follows_the_sampling_protocol():
    torch.manual_seed(0)
    G = generator(z_dim=3, data_dim=2, width=8, depth=1)
    assert isinstance(G, Generator) and G.z_dim == 3
    assert isinstance(G.net, nn.Sequential)
    s = G.sample(10, seed=0)
    assert s.shape == (10, 2) and not s.requires_grad
    assert torch.equal(s, G.sample(10, seed=0))
    assert torch.equal(s, G.sample(10, seed=torch.Generator().manual_seed(0)))
    assert not torch.allclose(s, G.sample(10, seed=1))
    z = torch.randn(10, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(s, G(z))
    assert G.noise(4).shape == (4, 3)
    with pytest.raises(ValueError, match="n must be >= 1"):
        G.sample(0)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        G.sample(3, seed=-1)
    with pytest.raises(TypeError, match="seed must be None"):
        G.sample(3, seed=1.5)
    with pytest.raises(TypeError, match="net must be a torch.nn.Module"):
        Generator("net", 2)


# ------------------------------------------------------------------------------- steps


@pytest.mark.parametrize(
    "cfg",
    [
        GANConfig(method="gan"),
        GANConfig(method="gan", r1=1.0, pack_size=2),
        GANConfig(method="wgan-gp", gp_weight=1.0, pack_size=2),
    ],
    ids=["gan", "gan-r1-pack2", "wgan-gp-pack2"],
)
def test_d_step_and_g_step_update_their_network(cfg):
    torch.manual_seed(0)
    G = generator(2, 2, width=8, depth=1)
    D = discriminator(2, cfg.pack_size, width=8, depth=1)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-2)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-2)
    g0 = [p.detach().clone() for p in G.parameters()]
    d0 = [p.detach().clone() for p in D.parameters()]
    d_loss = d_step(D, G, two_blobs(16), cfg, opt_d)
    assert isinstance(d_loss, float) and math.isfinite(d_loss)
    assert unchanged(g0, G)  # G untouched
    assert not unchanged(d0, D)
    d1 = [p.detach().clone() for p in D.parameters()]
    g_loss = g_step(D, G, cfg, opt_g, 16)
    assert isinstance(g_loss, float) and math.isfinite(g_loss)
    assert not unchanged(g0, G)
    assert unchanged(d1, D)  # D untouched


def test_d_step_loss_is_the_logistic_loss_at_the_start():
    # With a constant zero logit, the logistic loss is log 4 whatever the fakes.
    G = generator(2, 2, width=4, depth=1)
    D = linear_critic([0.0, 0.0], dtype=torch.float32)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.0)
    loss = d_step(D, G, two_blobs(8), GANConfig(), opt_d)
    assert loss == pytest.approx(math.log(4), abs=1e-6)


# --------------------------------------------------------------------------- train_gan


def test_train_gan_returns_a_result_with_working_networks(small_run):
    run = small_run
    assert isinstance(run, GANResult) and isinstance(run, TrainResult)
    assert run.generator is run.model and isinstance(run.model, Generator)
    assert run.z_dim == 3
    assert run.generator(torch.randn(11, 3)).shape == (11, 2)
    assert run.discriminator(torch.randn(4, 2)).shape == (4, 1)
    assert not run.generator.training and not run.discriminator.training
    assert run.seconds > 0.0


def test_train_gan_result_sample(small_run):
    s0 = small_run.sample(30, seed=0)
    assert s0.shape == (30, 2) and not s0.requires_grad
    assert torch.equal(s0, small_run.sample(30, seed=0))
    assert torch.equal(s0, small_run.generator.sample(30, seed=0))
    assert not torch.allclose(s0, small_run.sample(30, seed=1))
    assert small_run.sample(5).shape == (5, 2)  # seed=None


def test_train_gan_history_follows_log_every(small_run):
    h = small_run.history
    assert set(h) == {"step", "d_loss", "g_loss"}
    # Logged after updates 1, 11, 21 (every 10) and after the last one, 25.
    assert h["step"] == [1, 11, 21, 25]
    assert len(h["d_loss"]) == len(h["g_loss"]) == len(h["step"])
    assert all(math.isfinite(v) for v in h["d_loss"] + h["g_loss"])


def test_train_gan_snapshots_at_right_steps(small_run):
    snaps = small_run.snapshots
    assert [s for s, _ in snaps] == [10, 20, 25]
    for _, samples in snaps:
        assert samples.shape == (20, 2)
        assert not samples.requires_grad
    assert not torch.equal(snaps[0][1], snaps[1][1])


@pytest.mark.parametrize(
    "steps, every, expected", [(7, 50, [7]), (3, 1, [1, 2, 3]), (3, None, [])]
)
def test_train_gan_snapshot_steps_edge_cases(steps, every, expected):
    run = train_gan(two_blobs(16), steps=steps, snapshot_every=every, seed=4, **TINY)
    assert [s for s, _ in run.snapshots] == expected  # the last step once
    assert run.history["step"] == sorted({1, steps})


def test_train_gan_snapshots_reuse_fixed_noise():
    # A negligible learning rate leaves the generator where it was: snapshots at
    # the same fixed noise agree (fresh noise would make them differ).
    run = train_gan(two_blobs(), steps=6, snapshot_every=3, lr=1e-12, seed=5, **TINY)
    first = run.snapshots[0][1]
    assert first.std(0).min().item() > 1e-4  # distinct samples
    torch.testing.assert_close(run.snapshots[1][1], first, rtol=0, atol=1e-6)


def test_train_gan_is_reproducible_for_an_int_seed():
    x = two_blobs()
    kw = dict(steps=8, snapshot_every=4, **TINY)
    a = train_gan(x, seed=3, **kw)
    b = train_gan(x, seed=3, **kw)
    c = train_gan(x, seed=4, **kw)
    assert torch.equal(a.sample(50, seed=0), b.sample(50, seed=0))
    assert a.history == b.history
    assert len(a.snapshots) == len(b.snapshots) == 2
    assert all(
        torch.equal(s, t)
        for (_, s), (_, t) in zip(a.snapshots, b.snapshots, strict=True)
    )
    assert not torch.allclose(a.sample(50, seed=0), c.sample(50, seed=0))
    # A torch.Generator seed works too.
    g = train_gan(x, seed=torch.Generator().manual_seed(0), **kw)
    assert g.sample(3).shape == (3, 2)


def test_train_gan_config_and_overrides():
    x = two_blobs()
    cfg = GANConfig(steps=4, batch_size=16, g_width=16, d_width=16, depth=1)
    a = train_gan(x, cfg, seed=1, progress=False)
    b = train_gan(
        x,
        seed=1,
        progress=False,
        steps=4,
        batch_size=16,
        g_width=16,
        d_width=16,
        depth=1,
    )
    assert a.history == b.history  # same run, two spellings
    c = train_gan(x, cfg, seed=1, progress=False, r1=10.0)  # overrides win
    assert c.history["d_loss"] != a.history["d_loss"]
    with pytest.raises(TypeError, match="unknown keyword argument"):
        train_gan(x, cfg, progress=False, n_generators=2)
    with pytest.raises(TypeError, match="config must be a GANConfig"):
        train_gan(x, {"steps": 2}, progress=False)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "wgan-gp", "n_critic": 2, "pack_size": 2},
        {"method": "gan", "r1": 1.0, "pack_size": 3, "lr_decay": False},
    ],
)
def test_train_gan_variants_run(kwargs):
    run = train_gan(two_blobs(), steps=4, log_every=2, seed=1, **{**TINY, **kwargs})
    assert run.history["step"] == [1, 3, 4]
    assert all(math.isfinite(v) for v in run.history["d_loss"] + run.history["g_loss"])
    assert torch.isfinite(run.sample(9)).all()
    m = kwargs.get("pack_size", 1)
    assert run.discriminator[0].in_features == 2 * m  # D sees m samples


def test_train_gan_learns_a_shifted_gaussian():
    g = torch.Generator().manual_seed(0)
    x = 3.0 + 0.1 * torch.randn(1000, 1, generator=g)
    kw = dict(
        batch_size=64, z_dim=2, g_width=32, d_width=32, depth=2, seed=0, progress=False
    )
    untrained = train_gan(x, steps=1, lr=1e-12, **kw).sample(2000, seed=0).mean().item()
    trained = train_gan(x, steps=300, lr=1e-2, **kw).sample(2000, seed=0)
    mean = trained.mean().item()
    assert abs(untrained) < 1.0
    assert abs(mean - 3.0) < 1.0, mean
    assert trained.std().item() < 1.0


@pytest.mark.parametrize(
    "x, kwargs, exc, match",
    [
        (torch.zeros(50), {}, ValueError, "x_train must have 2 dimensions"),
        ([[0.0, 1.0]] * 10, {}, TypeError, "x_train must be a numpy array or torch"),
        (torch.tensor([[0.0, float("nan")]] * 10), {}, ValueError, "x_train contains"),
        (torch.zeros(0, 2), {}, ValueError, "x_train must have at least 1 rows"),
        (None, {"snapshot_every": 0}, ValueError, "snapshot_every must be >= 1"),
        (None, {"snapshot_n": 0}, ValueError, "snapshot_n must be >= 1"),
        (None, {"log_every": 0}, ValueError, "log_every must be >= 1"),
        (None, {"seed": -1}, ValueError, "seed must be >= 0"),
        (None, {"seed": 1.0}, TypeError, "seed must be None"),
        (None, {"progress": "no"}, TypeError, "progress must be a bool"),
    ],
)
def test_train_gan_rejects_bad_arguments(x, kwargs, exc, match):
    x = two_blobs(16) if x is None else x
    with pytest.raises(exc, match=match):
        train_gan(x, **{**TINY, "steps": 2, **kwargs})


def test_train_gan_accepts_float64_and_integer_data():
    assert train_gan(two_blobs().double(), steps=2, **TINY).sample(4).shape == (4, 2)
    ints = torch.randint(0, 3, (32, 2))
    assert train_gan(ints, steps=2, **TINY).sample(4).dtype == torch.float32


def test_train_gan_builds_in_the_default_dtype_and_repeats_in_float64():
    """Chapter 3 compares two loops in float64: the run follows the default dtype."""
    x = two_blobs()
    torch.set_default_dtype(torch.float64)
    try:
        runs = [train_gan(x, steps=5, r1=0.1, seed=3, **TINY) for _ in range(2)]
    finally:
        torch.set_default_dtype(torch.float32)
    params = [list(r.generator.parameters()) for r in runs]
    assert all(p.dtype == torch.float64 for p in params[0])
    assert all(torch.equal(a, b) for a, b in zip(*params, strict=True))
    assert train_gan(x, steps=2, **TINY).sample(4).dtype == torch.float32


def test_one_sided_gradient_penalty_only_punishes_slopes_above_one():
    real, fake = torch.randn(64, 2), torch.randn(64, 2)
    for norm, expected in ((0.5, 0.0), (1.0, 0.0), (3.0, 4.0)):
        critic = torch.nn.Linear(2, 1, bias=False)
        with torch.no_grad():
            critic.weight.copy_(torch.tensor([[norm, 0.0]]))
        assert gradient_penalty(
            critic, real, fake, one_sided=True
        ).item() == pytest.approx(expected, abs=1e-6)
    with pytest.raises(TypeError, match="one_sided must be a bool"):
        gradient_penalty(critic, real, fake, one_sided=1)


# ----------------------------------------------------------------------------- critics


def test_train_critic_raises_the_gap_between_separated_gaussians():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(256, 2, generator=g) + torch.tensor([2.0, 0.0])
    fake = torch.randn(200, 2, generator=g) - torch.tensor([2.0, 0.0])
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Tanh())
    before = critic_gap(critic, real, fake)
    out = train_critic(critic, real, fake, steps=60, seed=0)
    assert out is critic
    after = critic_gap(critic, real, fake)
    assert isinstance(after, float) and after > before + 0.5 and after <= 2.0
    # Reproducible minibatch training with a gradient penalty.
    results = []
    for _ in range(2):
        torch.manual_seed(1)
        c = discriminator(2, width=8, depth=1)
        train_critic(
            c,
            real,
            fake,
            steps=40,
            lr=1e-2,
            batch_size=32,
            gp_weight=10.0,
            one_sided=True,
            betas=(0.5, 0.9),
            seed=3,
        )
        results.append(critic_gap(c, real, fake))
    assert results[0] == results[1] and results[0] > 0


def test_critic_gap_matches_the_means_and_uses_the_critic_dtype():
    critic = linear_critic([1.0, 0.0])  # float64 parameters
    real = torch.tensor([[1.0, 5.0], [3.0, -5.0]])  # float32 data
    fake = torch.tensor([[0.0, 0.0]])
    assert critic_gap(critic, real, fake) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "real, fake, kwargs, exc, match",
    [
        (torch.zeros(4), torch.zeros(4, 2), {}, ValueError, "real must have 2 dim"),
        (torch.zeros(4, 2), torch.zeros(4, 3), {}, ValueError, "same number of col"),
        (torch.zeros(4, 2), torch.full((4, 2), float("inf")), {}, ValueError, "fake"),
        (
            torch.zeros(4, 2),
            torch.zeros(3, 2),
            {"gp_weight": 1.0},
            ValueError,
            "pass batch_size",
        ),
        (torch.zeros(4, 2), torch.zeros(4, 2), {"steps": -1}, ValueError, "steps"),
        (torch.zeros(4, 2), torch.zeros(4, 2), {"lr": 0.0}, ValueError, "lr must be"),
        (torch.zeros(4, 2), torch.zeros(4, 2), {"batch_size": 0}, ValueError, "batch"),
        (torch.zeros(4, 2), torch.zeros(4, 2), {"one_sided": 1}, TypeError, "one_side"),
        (
            torch.zeros(4, 2),
            torch.zeros(4, 2),
            {"betas": (1.0, 0.9)},
            ValueError,
            "betas",
        ),
    ],
)
def test_train_critic_rejects_bad_input(real, fake, kwargs, exc, match):
    critic = discriminator(2, width=4, depth=1)
    with pytest.raises(exc, match=match):
        train_critic(critic, real, fake, **{"steps": 1, **kwargs})
    with pytest.raises(TypeError, match="critic must be a torch.nn.Module"):
        critic_gap("critic", torch.zeros(2, 2), torch.zeros(2, 2))


# ----------------------------------------------------------------------------- MIX+GAN


def test_mixture_generator_routes_by_last_noise_coordinate():
    first, second = nn.Linear(2, 1), nn.Linear(2, 1)
    with torch.no_grad():
        for layer, value in ((first, -5.0), (second, 5.0)):
            layer.weight.zero_()
            layer.bias.fill_(value)
    mix = mixgan.MixtureGenerator([first, second], z_dim=2)  # weights 1/2, 1/2
    assert torch.allclose(mix.weights, torch.tensor([0.5, 0.5]))
    assert mix.z_dim == 3 and mix.component_z_dim == 2
    z = torch.tensor([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0]])  # Phi(-1) < 1/2 <= Phi(1)
    assert mix(z)[:, 0].tolist() == [-5.0, 5.0]
    assert mix.component_samples(4).shape == (2, 4, 1)
    s = mix.sample(200, seed=0)
    assert s.shape == (200, 1) and not s.requires_grad
    assert torch.equal(s, mix.sample(200, seed=0))
    assert set(s[:, 0].tolist()) == {-5.0, 5.0}
    with pytest.raises(ValueError, match="at least one component"):
        mixgan.MixtureGenerator([], z_dim=2)
    with pytest.raises(ValueError, match="pass z_dim"):
        mixgan.MixtureGenerator([first])


def test_mixture_generator_reads_z_dim_from_generators():
    mix = mixgan.MixtureGenerator([generator(3, 2, width=4, depth=1) for _ in range(3)])
    assert mix.z_dim == 4
    assert mix(torch.randn(5, 4)).shape == (5, 2)
    assert mix.weights.shape == (3,)


def test_mixture_discriminator_shapes_and_weights():
    disc = mixgan.MixtureDiscriminator([discriminator(2, width=4, depth=1)] * 3)
    assert disc(torch.randn(6, 2)).shape == (6, 3)
    assert disc.weights.sum().item() == pytest.approx(1.0)
    with pytest.raises(TypeError, match=r"components\[0\] must be a torch.nn.Module"):
        mixgan.MixtureDiscriminator(["D"])


def test_entropy():
    assert mixgan.entropy(torch.tensor([0.25] * 4)).item() == pytest.approx(math.log(4))
    assert mixgan.entropy(torch.tensor([1.0, 0.0])).item() == pytest.approx(0.0)


def test_train_mixgan_two_by_two():
    kw = dict(steps=4, log_every=2, snapshot_every=2, r1=0.1, seed=0, **TINY)
    run = mixgan.train_mixgan(two_blobs(), 2, 2, entropy_weight=0.1, **kw)
    assert isinstance(run, GANResult)
    assert isinstance(run.generator, mixgan.MixtureGenerator)
    assert isinstance(run.discriminator, mixgan.MixtureDiscriminator)
    assert run.z_dim == GANConfig().z_dim + 1
    assert run.sample(7, seed=0).shape == (7, 2)
    for weights in (run.generator.weights, run.discriminator.weights):
        assert weights.shape == (2,) and weights.sum().item() == pytest.approx(1.0)
    assert run.history["step"] == [1, 3, 4]
    assert all(len(w) == 2 for w in run.history["g_weights"] + run.history["d_weights"])
    assert [s for s, _ in run.snapshots] == [2, 4]
    again = mixgan.train_mixgan(two_blobs(), 2, 2, entropy_weight=0.1, **kw)
    assert again.history == run.history  # reproducible


def test_train_mixgan_with_one_discriminator_trains_the_weights():
    run = mixgan.train_mixgan(
        two_blobs(),
        n_generators=3,
        n_discriminators=1,
        entropy_weight=0.0,
        steps=3,
        lr=0.1,
        seed=0,
        **TINY,
    )
    w = run.generator.weights
    assert w.shape == (3,) and not torch.allclose(w, torch.full((3,), 1 / 3))
    assert run.discriminator.weights.tolist() == [1.0]


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"method": "wgan-gp"}, ValueError, "needs method='gan' and pack_size=1"),
        ({"pack_size": 2}, ValueError, "needs method='gan' and pack_size=1"),
        ({"n_generators": 0}, ValueError, "n_generators must be >= 1"),
        ({"n_discriminators": 1.5}, TypeError, "n_discriminators must be an integer"),
        ({"entropy_weight": -1.0}, ValueError, "entropy_weight must be >= 0"),
        ({"steps": 0}, ValueError, "steps must be >= 1"),
        ({"wings": 2}, TypeError, "unknown keyword argument"),
    ],
)
def test_train_mixgan_rejects_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        mixgan.train_mixgan(two_blobs(16), **{**TINY, "steps": 2, **kwargs})
