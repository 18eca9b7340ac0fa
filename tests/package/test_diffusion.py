"""diffusion: exact scores, the empirical denoiser and the samplers."""

from __future__ import annotations

import math

import pytest
import torch

from gentheory_utils import data, diffusion


def _weighted_mixture() -> data.Mixture:
    centers = torch.tensor([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5], [-1.5, 1.0, 2.0]])
    return data.Mixture(centers, 0.3, weights=[0.5, 0.3, 0.2])


@pytest.mark.parametrize("sigma", [0.0, 0.1, 1.0, 5.0])
@pytest.mark.parametrize("make", [data.ring, data.grid, _weighted_mixture])
def test_mixture_score_is_the_gradient_of_the_smoothed_log_density(make, sigma):
    mix = make()
    x = mix.sample(200, seed=1).double() + 0.5 * torch.randn(
        200, mix.dim, generator=torch.Generator().manual_seed(2), dtype=torch.float64
    )
    smoothed = data.Mixture(
        mix.centers, math.sqrt(mix.std**2 + sigma**2), mix.weights.numpy()
    )
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(smoothed.log_prob(x).sum(), x)
    score = diffusion.mixture_score(x.detach(), sigma, mix)
    torch.testing.assert_close(score, grad, rtol=1e-5, atol=1e-6)
    if sigma > 0:  # the clean mixture's score (noise forgotten) is visibly off
        wrong = diffusion.mixture_score(x.detach(), 0.0, mix)
        assert (wrong - grad).abs().max() > 1e-2


def test_mixture_score_explicit_form_equals_mixture_form():
    mix = _weighted_mixture()
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    a = diffusion.mixture_score(x, 0.4, mix)
    b = diffusion.mixture_score(
        x, 0.4, centers=mix.centers, std=mix.std, weights=mix.weights.numpy()
    )
    torch.testing.assert_close(a, b)
    assert a.shape == (50, 3) and a.dtype == torch.float64


def test_tweedie_denoiser_by_monte_carlo():
    # E[x0 | x_sigma] = x_sigma + sigma^2 score, checked on draws binned by the
    # noisy point's nearest centre: the posterior mean of x0 given x_sigma.
    mix = data.ring()
    gen = torch.Generator().manual_seed(3)
    x0 = mix.sample(200_000, seed=gen).double()
    sigma = 0.3
    xs = x0 + sigma * torch.randn(x0.shape, generator=gen, dtype=torch.float64)
    denoised = xs + sigma**2 * diffusion.mixture_score(xs, sigma, mix)
    # E[x0 - denoised(x_sigma)] = 0 on any set defined by x_sigma
    region = xs[:, 0] > 0.5
    gap = (x0[region] - denoised[region]).mean(0)
    se = (x0[region] - denoised[region]).std(0) / math.sqrt(int(region.sum()))
    assert bool((gap.abs() < 4 * se).all()), (gap, se)
    # the identity "denoiser" fails the same test by far
    naive = (x0[region] - xs[region]).mean(0)
    assert bool((naive.abs() > 10 * se).any())


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(mixture="ring"), TypeError, "data.Mixture"),
        (dict(), ValueError, "give a mixture"),
        (dict(mixture=data.ring(), std=0.1), ValueError, "not both"),
        (dict(mixture=data.ring(), sigma=-1.0), ValueError, "sigma"),
        (dict(mixture=data.grid(), x=torch.zeros(3, 3)), ValueError, "columns"),
    ],
)
def test_mixture_score_bad_input(kwargs, exc, match):
    args = dict(x=torch.zeros(3, 2), sigma=0.1) | kwargs
    with pytest.raises(exc, match=match):
        diffusion.mixture_score(**args)


def test_empirical_denoiser_is_tweedie_for_the_empirical_law():
    gen = torch.Generator().manual_seed(4)
    train = torch.rand(30, 5, generator=gen, dtype=torch.float64)
    x = torch.randn(40, 5, generator=gen, dtype=torch.float64)
    sigma = 0.2
    den = diffusion.empirical_denoiser(x, sigma, train)
    # the empirical law convolved with N(0, sigma^2 I) is a mixture of std sigma
    score = diffusion.mixture_score(x, 0.0, centers=train, std=sigma)
    torch.testing.assert_close(den, x + sigma**2 * score, rtol=1e-5, atol=1e-6)


def test_empirical_denoiser_limits():
    gen = torch.Generator().manual_seed(5)
    train = torch.rand(20, 3, generator=gen, dtype=torch.float64)
    x = train[[3, 7]] + 1e-3 * torch.randn(2, 3, generator=gen, dtype=torch.float64)
    small = diffusion.empirical_denoiser(x, 1e-3, train)  # the nearest point
    torch.testing.assert_close(small, train[[3, 7]], rtol=0, atol=1e-9)
    large = diffusion.empirical_denoiser(x, 1e4, train)  # the mean
    torch.testing.assert_close(large, train.mean(0).expand(2, 3), rtol=0, atol=1e-6)
    many = torch.randn(5000, 3, generator=gen, dtype=torch.float64)
    out = diffusion.empirical_denoiser(many, 0.5, train)
    assert out.shape == (5000, 3)
    lo, hi = train.min(0).values, train.max(0).values
    assert bool(((out >= lo - 1e-12) & (out <= hi + 1e-12)).all())  # convex hull


def test_empirical_denoiser_bad_input():
    with pytest.raises(ValueError, match="columns"):
        diffusion.empirical_denoiser(torch.zeros(2, 3), 0.1, torch.zeros(4, 2))
    with pytest.raises(ValueError, match="sigma"):
        diffusion.empirical_denoiser(torch.zeros(2, 3), 0.0, torch.zeros(4, 3))


def test_noise_levels():
    s = diffusion.noise_levels(10, 0.01, 10.0)
    assert s.shape == (11,) and s.dtype == torch.float64
    assert float(s[0]) == pytest.approx(10.0) and float(s[-2]) == pytest.approx(0.01)
    assert float(s[-1]) == 0.0 and bool((s[1:] < s[:-1]).all())
    ratios = s[1:-1] / s[:-2]
    torch.testing.assert_close(ratios, ratios[0].expand_as(ratios))  # geometric
    with pytest.raises(ValueError, match="sigma_max"):
        diffusion.noise_levels(5, 1.0, 0.5)
    with pytest.raises(ValueError, match="n_steps"):
        diffusion.noise_levels(0, 0.1, 1.0)
    # one step has one positive level: it cannot honour both ends
    with pytest.raises(ValueError, match="sigma_min == sigma_max"):
        diffusion.noise_levels(1, 0.1, 1.0)
    torch.testing.assert_close(
        diffusion.noise_levels(1, 0.5, 0.5), torch.tensor([0.5, 0.0]).double()
    )


@pytest.mark.parametrize("run", [diffusion.sample_ode, diffusion.sample_sde])
def test_a_schedule_of_one_level_returns_the_start(run):
    start = run(lambda x, s: -x, 50, 2, [3.0, 1.0, 0.0], seed=4)
    none = run(lambda x, s: -x, 50, 2, [3.0], seed=4)
    g = torch.Generator().manual_seed(4)
    expected = 3.0 * torch.randn(50, 2, generator=g, dtype=torch.float64)
    torch.testing.assert_close(none, expected.float())
    assert not torch.equal(none, start)  # steps change it


@pytest.mark.parametrize("sampler", ["ode", "sde"])
def test_samplers_reproduce_a_gaussian(sampler):
    # data N(mu, s^2 I): the noisy law is N(mu, (s^2 + sigma^2) I), exact score
    mu, s = torch.tensor([1.0, -2.0], dtype=torch.float64), 0.5

    def score(x, sigma):
        return (mu - x) / (s**2 + sigma**2)

    # start N(0, 200^2 I) vs the true N(mu, (s^2 + 200^2) I): a bias of mu s / 200
    sigmas = diffusion.noise_levels(200, 1e-3, 200.0)
    run = diffusion.sample_ode if sampler == "ode" else diffusion.sample_sde
    x = run(score, 20_000, 2, sigmas, seed=6)
    assert x.shape == (20_000, 2) and x.dtype == torch.float32
    x = x.double()
    torch.testing.assert_close(x.mean(0), mu, rtol=0, atol=0.03)
    torch.testing.assert_close(
        x.std(0), torch.full((2,), s, dtype=x.dtype), rtol=0.05, atol=0
    )


def test_exact_empirical_score_returns_training_points():
    # the memorisation lemma: sampling with the exact empirical score ends on
    # training points as sigma_min -> 0
    gen = torch.Generator().manual_seed(7)
    train = torch.rand(25, 4, generator=gen, dtype=torch.float64)

    def score(x, sigma):
        return (diffusion.empirical_denoiser(x, sigma, train) - x) / sigma**2

    sigmas = diffusion.noise_levels(100, 1e-3, 5.0)
    for run in (diffusion.sample_ode, diffusion.sample_sde):
        x = run(score, 500, 4, sigmas, seed=8).double()
        nearest = torch.cdist(x, train).min(1).values
        assert float(nearest.max()) < 1e-6


def test_samplers_are_reproducible_and_check_their_input():
    mix = data.ring()

    def score(x, sigma):
        return diffusion.mixture_score(x, sigma, mix)

    sigmas = diffusion.noise_levels(20, 0.01, 3.0)
    a = diffusion.sample_ode(score, 10, 2, sigmas, seed=1)
    b = diffusion.sample_ode(score, 10, 2, sigmas, seed=1)
    assert torch.equal(a, b)
    with pytest.raises(TypeError, match="callable"):
        diffusion.sample_ode("score", 10, 2, sigmas)
    with pytest.raises(ValueError, match="decrease"):
        diffusion.sample_sde(score, 10, 2, sigmas.flip(0))
    with pytest.raises(ValueError, match="shape"):
        diffusion.sample_ode(lambda x, s: x[:, :1], 10, 2, sigmas)


def test_score_sampler_follows_the_sampling_protocol():
    mix = data.grid()
    model = diffusion.ScoreSampler(
        lambda x, s: diffusion.mixture_score(x, s, mix),
        2,
        diffusion.noise_levels(30, 0.01, 10.0),
    )
    assert isinstance(model, data.Sampler)
    x = model.sample(64, seed=3)
    assert x.shape == (64, 2) and x.dtype == torch.float32
    assert torch.equal(x, model.sample(64, seed=3))
    with pytest.raises(ValueError, match="method"):
        diffusion.ScoreSampler(lambda x, s: x, 2, [1.0, 0.0], method="langevin")


# --------------------------------------------------------------------------- learning


def test_score_net_preconditioning_and_score():
    torch.manual_seed(0)
    net = diffusion.ScoreNet(3, hidden=(16,), sigma_data=0.5)
    x = torch.randn(10, 3)
    # at a tiny level the denoiser is the identity up to O(sigma)
    small = net(x, 1e-6)
    torch.testing.assert_close(small, x, rtol=0, atol=1e-4)
    # a per-row level and a shared one agree
    torch.testing.assert_close(net(x, torch.full((10,), 0.3)), net(x, 0.3))
    # the score is (D - x) / sigma^2 (Tweedie), in float64
    score = net.score(x, 0.3)
    assert score.dtype == torch.float64 and score.shape == (10, 3)
    expected = (net(x, 0.3).double() - x.double()) / 0.09
    torch.testing.assert_close(score, expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="sigma"):
        net.score(x, 0.0)
    with pytest.raises(ValueError, match="sigma_data"):
        diffusion.ScoreNet(3, sigma_data=0.0)
    with pytest.raises(ValueError, match="dim"):
        diffusion.ScoreNet(0)
    with pytest.raises(ValueError, match="mean"):
        diffusion.ScoreNet(3, mean=torch.zeros(2))


def test_score_net_works_on_centred_data():
    torch.manual_seed(0)
    mean = torch.tensor([5.0, -3.0])
    net = diffusion.ScoreNet(2, hidden=(8,), sigma_data=0.5, mean=mean)
    twin = diffusion.ScoreNet(2, hidden=(8,), sigma_data=0.5)
    twin.load_state_dict({**net.state_dict(), "mean": torch.zeros(2)})
    x = torch.randn(6, 2)
    # D(x + mu) = mu + D_0(x): the network sees the centred point
    torch.testing.assert_close(net(x + mean, 0.7), mean + twin(x, 0.7))


def test_train_score_net_centres_and_scales_the_data():
    x = torch.tensor([[10.0, 0.0], [12.0, 0.0], [10.0, 4.0], [12.0, 4.0]])
    res = diffusion.train_score_net(x, steps=1, hidden=(4,), progress=False)
    torch.testing.assert_close(res.model.mean, torch.tensor([11.0, 2.0]))
    # E|x - mu|^2 / d = (1 + 4) / 2
    assert res.model.sigma_data == pytest.approx(math.sqrt(2.5))


def test_denoising_loss_is_the_weighted_denoising_error():
    torch.manual_seed(1)
    net = diffusion.ScoreNet(2, hidden=(8,), sigma_data=1.0)
    x0, z = torch.randn(6, 2), torch.randn(6, 2)
    sigma = torch.tensor([0.1, 0.5, 1.0, 2.0, 0.3, 0.7])
    loss = diffusion.denoising_loss(net, x0, sigma, z).detach()
    manual = 0.0
    for i in range(6):
        s = float(sigma[i])
        d = net(x0[i : i + 1] + s * z[i : i + 1], s).detach()
        # lambda = 1 / c_out^2 with sigma_data = 1
        manual += (s**2 + 1) / s**2 * float((d - x0[i : i + 1]).square().sum())
    assert float(loss) == pytest.approx(manual / 6, rel=1e-5)


def test_train_score_net_learns_a_two_point_law():
    x = torch.tensor([[-1.0], [1.0]]).repeat(64, 1)
    res = diffusion.train_score_net(
        x, 600, hidden=(32, 32), batch_size=64, seed=0, progress=False
    )
    assert res.history["step"][-1] == 600 and len(res.history["loss"]) > 2
    assert res.seconds > 0
    samples = res.sample(400, seed=1)
    assert samples.shape == (400, 1) and samples.dtype == torch.float32
    # most samples land near one of the two points, on both sides
    near = (samples.abs() - 1).abs() < 0.2
    assert float(near.float().mean()) > 0.8
    assert 0.2 < float((samples > 0).float().mean()) < 0.8
    # same seed, same model
    again = diffusion.train_score_net(
        x, 600, hidden=(32, 32), batch_size=64, seed=0, progress=False
    )
    assert torch.equal(samples, again.sample(400, seed=1))


def test_train_score_net_checks_its_input():
    x = torch.randn(8, 2)
    with pytest.raises(ValueError, match="steps"):
        diffusion.train_score_net(x, 0, progress=False)
    with pytest.raises(ValueError, match="lr"):
        diffusion.train_score_net(x, 1, lr=0.0, progress=False)
    with pytest.raises(ValueError, match="constant"):
        diffusion.train_score_net(torch.ones(8, 2), 1, progress=False)
    with pytest.raises(ValueError, match="x_train"):
        diffusion.train_score_net(torch.ones(1, 2), 1, progress=False)


def test_recipes_are_valid_arguments():
    import inspect

    params = inspect.signature(diffusion.train_score_net).parameters
    for name, recipe in diffusion.RECIPES.items():
        assert set(recipe) <= set(params), name


def test_sample_ode_from_given_starts_is_a_deterministic_map():
    mix = data.ring()

    def score(x, sigma):
        return diffusion.mixture_score(x, sigma, mix)

    sigmas = diffusion.noise_levels(20, 0.01, 3.0)
    drawn = diffusion.sample_ode(score, 10, 2, sigmas, seed=4)
    # the sampler's own draw with that seed
    start = 3.0 * torch.randn(
        10, 2, generator=torch.Generator().manual_seed(4), dtype=torch.float64
    )
    given = diffusion.sample_ode(score, 10, 2, sigmas, start=start)
    assert torch.equal(drawn, given)
    with pytest.raises(ValueError, match="start must have shape"):
        diffusion.sample_ode(score, 10, 2, sigmas, start=start[:5])
    with pytest.raises(ValueError, match="start"):
        diffusion.sample_ode(score, 1, 2, sigmas, start=torch.full((1, 2), math.nan))
