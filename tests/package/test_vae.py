"""Unit tests for :mod:`gentheory_utils.vae`."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.distributions import Normal, kl_divergence

from gentheory_utils.runs import TrainResult
from gentheory_utils.vae import VAE, elbo, gaussian_kl, iw_log_likelihood, train_vae

D = 16  # pixels per observation of the synthetic data set
LATENT = 2


def binary_templates(n: int = 200, flip: float = 0.05, seed: int = 0) -> torch.Tensor:
    """``n`` rows of 16 binary pixels: one of 4 templates with a few pixels flipped."""
    g = torch.Generator().manual_seed(seed)
    templates = torch.tensor(
        [
            [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
        ],
        dtype=torch.float32,
    )
    labels = torch.randint(0, 4, (n,), generator=g)
    x = templates[labels]
    flips = (torch.rand(n, D, generator=g) < flip).float()
    return (x + flips) % 2


def small_vae(seed: int = 0, **kwargs) -> VAE:
    torch.manual_seed(seed)
    return VAE(
        kwargs.pop("data_dim", D),
        kwargs.pop("latent_dim", LATENT),
        hidden=kwargs.pop("hidden", (32,)),
        **kwargs,
    )


def z_independent_vae(likelihood: str = "bernoulli") -> VAE:
    """A VAE whose encoder outputs the prior (mu=0, logvar=0), decoder ignoring z."""
    # decoder_std = 1 keeps log P(x|z) near -20 nats, where float32 resolves 1e-5.
    model = small_vae(seed=3, likelihood=likelihood, decoder_std=1.0)
    with torch.no_grad():
        last = model.encoder[-1]
        last.weight.zero_()
        last.bias.zero_()
        model.decoder[0].weight.zero_()
    return model


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    """Run this module's tiny networks on one thread.

    Intra-op threading gains nothing at these sizes and, on a busy 2-core machine,
    spinning worker threads make the module ten times slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data() -> torch.Tensor:
    return binary_templates()


@pytest.fixture(scope="module")
def trained(data):
    """A small VAE trained on the template data, with its training history."""
    model = small_vae(seed=1)
    result = train_vae(
        model, data, epochs=40, batch_size=50, lr=1e-2, seed=0, progress=False
    )
    return model, result.history


# ------------------------------------------------------------------------ gaussian_kl


def test_gaussian_kl_is_zero_for_standard_normal():
    kl = gaussian_kl(torch.zeros(5, 3), torch.zeros(5, 3))
    assert kl.shape == (5,)
    assert torch.equal(kl, torch.zeros(5))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_gaussian_kl_matches_torch_distributions(seed):
    g = torch.Generator().manual_seed(seed)
    mu = 2 * torch.randn(7, 4, generator=g)
    logvar = 1.5 * torch.randn(7, 4, generator=g)
    expected = kl_divergence(
        Normal(mu, (0.5 * logvar).exp()), Normal(torch.zeros(7, 4), torch.ones(7, 4))
    ).sum(1)
    got = gaussian_kl(mu, logvar)
    assert got.shape == (7,)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_gaussian_kl_known_value():
    # One coordinate: 0.5 * (e^1 + 2^2 - 1 - 1) = 0.5 * (e + 2).
    kl = gaussian_kl(torch.tensor([[2.0]]), torch.tensor([[1.0]]))
    assert kl.item() == pytest.approx(0.5 * (math.e + 2.0), rel=1e-6)


def test_gaussian_kl_is_non_negative_and_positive_away_from_prior():
    g = torch.Generator().manual_seed(0)
    mu = 3 * torch.randn(500, 3, generator=g)
    logvar = 3 * torch.randn(500, 3, generator=g)
    kl = gaussian_kl(mu, logvar)
    assert kl.shape == (500,)
    assert kl.min().item() >= 0.0
    assert (kl > 0).all()


@pytest.mark.parametrize(
    "mu, logvar, exc, match",
    [
        (torch.zeros(1, 2), 0.0, TypeError, "logvar must be a torch.Tensor"),
        (
            torch.zeros(1, 2, dtype=torch.int64),
            torch.zeros(1, 2),
            TypeError,
            "mu must be a floating-point",
        ),
        (
            torch.zeros(1, 2),
            torch.zeros(1, 2, dtype=torch.int32),
            TypeError,
            "logvar must be a floating-point",
        ),
        (
            torch.zeros(2, 3),
            torch.zeros(2, 2),
            ValueError,
            "mu and logvar must have the same shape",
        ),
        (
            torch.zeros(2, 3),
            torch.zeros(3, 3),
            ValueError,
            "mu and logvar must have the same shape",
        ),
    ],
)
def test_gaussian_kl_rejects_bad_input(mu, logvar, exc, match):
    with pytest.raises(exc, match=match):
        gaussian_kl(mu, logvar)


# --------------------------------------------------------------------------- VAE


def test_vae_encode_returns_mu_and_logvar_of_latent_dim():
    model = small_vae(latent_dim=3)
    mu, logvar = model.encode(torch.rand(6, D))
    assert mu.shape == (6, 3)
    assert logvar.shape == (6, 3)
    # They are the two halves of the encoder output.
    raw = model.encoder(torch.rand(6, D))
    assert raw.shape == (6, 6)


def test_vae_encode_clamps_logvar():
    model = small_vae()
    with torch.no_grad():
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.copy_(torch.tensor([0.0, 0.0, 100.0, -100.0]))
    mu, logvar = model.encode(torch.rand(2, D))
    assert torch.equal(mu, torch.zeros(2, 2))
    assert torch.equal(logvar, torch.tensor([[8.0, -12.0], [8.0, -12.0]]))


def test_vae_decode_and_mean_shapes_and_bernoulli_range():
    model = small_vae()
    z = 10 * torch.randn(50, LATENT)
    out = model.decode(z)
    assert out.shape == (50, D)
    p = model.mean(z)
    assert p.shape == (50, D)
    assert p.min().item() >= 0.0
    assert p.max().item() <= 1.0
    torch.testing.assert_close(p, torch.sigmoid(out))
    # Gaussian: the mean is the raw decoder output, not squashed.
    gauss = small_vae(likelihood="gaussian")
    torch.testing.assert_close(gauss.mean(z), gauss.decode(z))
    assert gauss.mean(z).abs().max().item() > 1.0


def test_bernoulli_log_likelihood_matches_hand_formula():
    model = small_vae()
    g = torch.Generator().manual_seed(0)
    x = torch.rand(8, D, generator=g)
    x[:4] = (x[:4] > 0.5).float()  # binary rows and fractional rows
    logits = 3 * torch.randn(8, D, generator=g)
    p = torch.sigmoid(logits)
    expected = (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)
    got = model.log_likelihood(x, logits)
    assert got.shape == (8,)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-5)


def test_bernoulli_log_likelihood_known_value():
    model = small_vae(data_dim=2)
    # logits 0 -> p = 1/2 per pixel: log P = 2 log(1/2).
    got = model.log_likelihood(torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2))
    assert got.item() == pytest.approx(2 * math.log(0.5), rel=1e-6)


@pytest.mark.parametrize("std", [0.1, 0.5, 2.0])
def test_gaussian_log_likelihood_matches_normal_log_prob(std):
    model = small_vae(likelihood="gaussian", decoder_std=std)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(8, D, generator=g)
    out = x + std * torch.randn(8, D, generator=g)
    expected = Normal(out, std).log_prob(x).sum(-1)
    got = model.log_likelihood(x, out)
    assert got.shape == (8,)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_log_likelihood_broadcasts_x_against_samples(likelihood):
    model = small_vae(likelihood=likelihood, decoder_std=0.5)
    g = torch.Generator().manual_seed(2)
    x = (torch.rand(5, D, generator=g) > 0.5).float()
    out = torch.randn(3, 5, D, generator=g)
    got = model.log_likelihood(x, out)
    assert got.shape == (3, 5)
    for s in range(3):
        torch.testing.assert_close(got[s], model.log_likelihood(x, out[s]))


def test_sample_is_the_decoder_mean_at_prior_draws_from_the_seed():
    model = small_vae()
    a = model.sample(7, seed=0)
    assert a.min().item() >= 0.0 and a.max().item() <= 1.0  # Bernoulli means
    z = torch.randn(7, LATENT, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(a, model.mean(z))
    gauss = small_vae(likelihood="gaussian")
    torch.testing.assert_close(gauss.sample(7, seed=0), gauss.mean(z))


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"likelihood": "poisson"}, ValueError, "likelihood must be one of"),
        ({"data_dim": 0}, ValueError, "data_dim must be >= 1"),
        ({"latent_dim": 0}, ValueError, "latent_dim must be >= 1"),
        ({"data_dim": 2.5}, TypeError, "data_dim must be an integer"),
        ({"decoder_std": 0.0}, ValueError, "decoder_std must be > 0"),
        ({"decoder_std": -1.0}, ValueError, "decoder_std must be > 0"),
    ],
)
def test_vae_rejects_bad_construction(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        small_vae(**kwargs)


def test_vae_encode_rejects_wrong_columns_and_bad_input():
    model = small_vae()
    with pytest.raises(ValueError, match=f"x must have {D} columns, got {D + 1}"):
        model.encode(torch.zeros(3, D + 1))
    with pytest.raises(TypeError, match="x must be a floating-point"):
        model.encode(torch.zeros(3, D, dtype=torch.int64))


# --------------------------------------------------------------------------- elbo


def test_elbo_shape():
    model = small_vae()
    x = binary_templates(9)
    assert elbo(model, x).shape == (9,)
    assert elbo(model, x, n_samples=5).shape == (9,)


def test_elbo_matches_hand_computed_monte_carlo():
    model = small_vae(seed=4)
    x = binary_templates(6, seed=1)
    s = 4000
    torch.manual_seed(10)
    with torch.no_grad():
        got = elbo(model, x, n_samples=s)
        mu, logvar = model.encode(x)
        std = (0.5 * logvar).exp()
        torch.manual_seed(11)  # independent noise for the reference
        z = mu + std * torch.randn(s, *mu.shape)
        p = torch.sigmoid(model.decode(z))
        log_px = (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)  # (s, batch)
        kl = kl_divergence(
            Normal(mu, std), Normal(torch.zeros_like(mu), torch.ones_like(mu))
        ).sum(1)
        expected = log_px.mean(0) - kl
        se = log_px.std(0) / math.sqrt(s)
    assert got.shape == (6,)
    # Two independent estimates: their difference has standard error sqrt(2) * se.
    assert (se > 0).all()
    assert ((got - expected).abs() <= 5 * math.sqrt(2) * se + 1e-4).all(), (
        got,
        expected,
        se,
    )
    # The tolerance is tight next to the spread across rows: the check has teeth.
    assert (5 * math.sqrt(2) * se).max().item() < 0.2


def test_elbo_beta_zero_is_reconstruction_and_difference_is_kl():
    model = small_vae(seed=5)
    x = binary_templates(10, seed=2)
    with torch.no_grad():
        torch.manual_seed(7)
        e0 = elbo(model, x, beta=0.0)
        torch.manual_seed(7)
        e1 = elbo(model, x, beta=1.0)
        torch.manual_seed(7)
        e2 = elbo(model, x, beta=2.5)
        kl = gaussian_kl(*model.encode(x))
    assert (kl > 0).all()
    torch.testing.assert_close(e0 - e1, kl, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(e0 - e2, 2.5 * kl, atol=1e-4, rtol=1e-5)


def test_elbo_gradients_reach_encoder_through_reparameterization():
    model = small_vae(seed=6)
    x = binary_templates(20, seed=3)
    torch.manual_seed(0)
    # beta = 0: the encoder only gets gradient through z = mu + sigma * eps.
    elbo(model, x, beta=0.0).mean().backward()
    for name, p in model.encoder.named_parameters():
        assert p.grad is not None, name
        assert p.grad.abs().sum().item() > 0.0, name
    last = model.encoder[-1].weight.grad  # rows 0..k-1: mu, rows k..2k-1: logvar
    assert last[:LATENT].abs().sum().item() > 0.0
    assert last[LATENT:].abs().sum().item() > 0.0
    for name, p in model.decoder.named_parameters():
        assert p.grad is not None and p.grad.abs().sum().item() > 0.0, name


@pytest.mark.parametrize(
    "model, kwargs, exc, match",
    [
        (nn.Linear(D, D), {}, TypeError, "model must be a VAE, got Linear"),
        (None, {"n_samples": 0}, ValueError, "n_samples must be >= 1"),
        (None, {"n_samples": 1.5}, TypeError, "n_samples must be an integer"),
        (None, {"beta": -0.1}, ValueError, "beta must be >= 0"),
        (None, {"beta": float("nan")}, ValueError, "beta must be finite"),
    ],
)
def test_elbo_rejects_bad_arguments(model, kwargs, exc, match):
    model = small_vae() if model is None else model
    with pytest.raises(exc, match=match):
        elbo(model, binary_templates(4), **kwargs)


def test_elbo_rejects_wrong_columns():
    with pytest.raises(ValueError, match=f"x must have {D} columns"):
        elbo(small_vae(), torch.zeros(4, D - 1))


# --------------------------------------------------------------------------- train_vae


def test_train_vae_improves_training_elbo(trained):
    _, history = trained
    train = history["train"]
    assert len(train) == 40
    assert history["test"] == []
    assert all(math.isfinite(v) for v in train)
    # 16 Bernoulli pixels at p = 1/2 cost 16 log 2 ~ 11.1 nats; training does better.
    assert train[-1] > train[0] + 2.0, (train[0], train[-1])
    assert train[-1] > -8.0


def test_train_vae_returns_a_train_result(data):
    model = small_vae(seed=2)
    result = train_vae(
        model,
        data[:150],
        x_test=data[150:],
        epochs=3,
        batch_size=64,
        seed=1,
        progress=False,
    )
    assert isinstance(result, TrainResult)
    assert result.model is model
    assert result.seconds > 0
    history = result.history
    assert set(history) == {"train", "test"}
    assert len(history["train"]) == 3
    assert len(history["test"]) == 3
    assert all(math.isfinite(v) for v in history["train"] + history["test"])
    assert not model.training  # left in eval mode
    # The result samples like the model it holds.
    assert torch.equal(result.sample(5, seed=3), model.sample(5, seed=3))


def test_train_vae_is_deterministic_given_seed(data):
    def history(seed):
        return train_vae(
            small_vae(seed=2), data, epochs=3, batch_size=64, seed=seed, progress=False
        ).history

    h1, h2, h3 = history(5), history(5), history(6)
    assert h1 == h2
    assert h1["train"] != h3["train"]


@pytest.mark.parametrize(
    "model, x, kwargs, exc, match",
    [
        (None, None, {"epochs": 0}, ValueError, "epochs must be >= 1"),
        (None, None, {"lr": 0.0}, ValueError, "lr must be > 0"),
        (None, None, {"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        (
            None,
            torch.zeros(10, D + 2),
            {},
            ValueError,
            f"x_train must have {D} columns",
        ),
        (
            None,
            None,
            {"x_test": torch.zeros(5, D - 1)},
            ValueError,
            f"x_test must have {D} columns",
        ),
        (nn.Linear(D, D), None, {}, TypeError, "model must be a VAE, got Linear"),
        (None, None, {"progress": "yes"}, TypeError, "progress must be a bool"),
        (None, None, {"progress": 1}, TypeError, "progress must be a bool"),
    ],
)
def test_train_vae_rejects_bad_arguments(model, x, kwargs, exc, match):
    model = small_vae() if model is None else model
    x = binary_templates(10) if x is None else x
    with pytest.raises(exc, match=match):
        train_vae(model, x, epochs=kwargs.pop("epochs", 1), **kwargs)


# ------------------------------------------------------------------ iw_log_likelihood


def test_iw_log_likelihood_shape():
    model = small_vae()
    x = binary_templates(11)
    assert iw_log_likelihood(model, x, k=3).shape == (11,)
    assert iw_log_likelihood(model, x, k=3, batch_size=4).shape == (11,)


def test_iw_with_k1_has_the_elbo_as_expectation(trained, data):
    model, _ = trained
    x = data.repeat(10, 1)  # 2000 rows
    torch.manual_seed(0)
    iw1 = iw_log_likelihood(model, x, k=1)
    with torch.no_grad():
        e = elbo(model, x, n_samples=1)
    diff = iw1 - e
    se = diff.std().item() / math.sqrt(len(diff))
    assert 0 < se < 0.1
    assert abs(diff.mean().item()) < 4 * se, (diff.mean().item(), se)


def test_iw_bounds_elbo_and_increases_with_k(trained, data):
    model, _ = trained
    x = data.repeat(5, 1)  # 1000 rows
    torch.manual_seed(1)
    with torch.no_grad():
        e = elbo(model, x, n_samples=50)
    iw1 = iw_log_likelihood(model, x, k=1)
    iw50 = iw_log_likelihood(model, x, k=50)
    gain = iw50 - iw1
    se = gain.std().item() / math.sqrt(len(gain))
    assert gain.mean().item() > 5 * se, (gain.mean().item(), se)
    assert gain.mean().item() > 0.1
    assert iw50.mean().item() > e.mean().item()
    # log P(x) <= 0 for binary data, so every estimate is non-positive.
    assert iw50.max().item() <= 0.0


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("k", [1, 7, 200])
def test_iw_equals_log_likelihood_when_decoder_ignores_z(likelihood, k):
    model = z_independent_vae(likelihood)
    x = binary_templates(12, seed=4)
    mu, logvar = model.encode(x)
    assert torch.equal(mu, torch.zeros_like(mu)) and torch.equal(
        logvar, torch.zeros_like(logvar)
    )
    with torch.no_grad():
        exact = model.log_likelihood(x, model.decode(torch.zeros(12, LATENT)))
    torch.manual_seed(k)
    got = iw_log_likelihood(model, x, k=k)
    torch.testing.assert_close(got, exact, atol=1e-5, rtol=0)
    # The ELBO is exact too: Q equals the prior, so the KL is 0.
    with torch.no_grad():
        torch.testing.assert_close(
            elbo(model, x, n_samples=3), exact, atol=1e-5, rtol=0
        )


def test_iw_batch_size_does_not_change_deterministic_result():
    model = z_independent_vae()
    x = binary_templates(30, seed=5)
    torch.manual_seed(0)
    full = iw_log_likelihood(model, x, k=20, batch_size=256)
    torch.manual_seed(0)
    split = iw_log_likelihood(model, x, k=20, batch_size=7)
    torch.testing.assert_close(split, full, atol=1e-5, rtol=0)


def test_iw_batch_size_agrees_within_monte_carlo_spread(trained, data):
    model, _ = trained
    x = data[:60]
    k = 2000
    torch.manual_seed(0)
    full_a = iw_log_likelihood(model, x, k=k)
    torch.manual_seed(1)
    full_b = iw_log_likelihood(model, x, k=k)
    torch.manual_seed(0)
    split = iw_log_likelihood(
        model, x, k=k, batch_size=16
    )  # 4 batches, the last one short
    assert split.shape == full_a.shape == (60,)
    # Spread between two independent full-batch runs (the weights are heavy-tailed,
    # so compare mean absolute differences rather than a Gaussian standard error).
    spread = (full_a - full_b).abs().mean().item()
    assert 0 < spread < 0.2
    assert (split - full_a).abs().mean().item() < 2.5 * spread
    # The tolerance is far below the difference between rows: misaligned rows fail.
    assert (split - full_a.roll(1)).abs().mean().item() > 10 * spread


@pytest.mark.parametrize(
    "model, x, kwargs, exc, match",
    [
        (None, None, {"k": 0}, ValueError, "k must be >= 1"),
        (None, None, {"k": 2.0}, TypeError, "k must be an integer"),
        (None, None, {"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        (nn.Linear(D, D), None, {}, TypeError, "model must be a VAE, got Linear"),
        (
            None,
            torch.zeros(4, D + 1),
            {},
            ValueError,
            f"x must have {D} columns, got {D + 1}",
        ),
    ],
)
def test_iw_rejects_bad_arguments(model, x, kwargs, exc, match):
    model = small_vae() if model is None else model
    x = binary_templates(4) if x is None else x
    with pytest.raises(exc, match=match):
        iw_log_likelihood(model, x, **kwargs)
