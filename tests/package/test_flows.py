"""flows: coupling flows, exact velocities, divergences and flow matching."""

from __future__ import annotations

import math

import pytest
import torch

from gentheory_utils import data, diffusion, flows, metrics


def _random_flow(seed: int = 0) -> flows.CouplingFlow:
    torch.manual_seed(seed)
    flow = flows.CouplingFlow(3, n_layers=4, hidden=(16,)).double()
    with torch.no_grad():
        for p in flow.parameters():
            p.normal_(0, 0.3)
    return flow


def test_coupling_logdet_is_the_jacobian_log_determinant():
    flow = _random_flow()
    z = torch.randn(6, 3, dtype=torch.float64)
    x, logdet = flow(z)
    for i in range(6):
        jac = torch.autograd.functional.jacobian(lambda v: flow(v[None])[0][0], z[i])
        assert (
            abs(torch.linalg.slogdet(jac).logabsdet.item() - logdet[i].item()) < 1e-10
        )
    z_back, logdet_back = flow.inverse(x)
    torch.testing.assert_close(z_back, z, rtol=0, atol=1e-12)
    torch.testing.assert_close(logdet_back, -logdet, rtol=0, atol=1e-12)


def test_coupling_flow_starts_at_the_gaussian_of_the_data():
    mean = torch.tensor([1.0, -2.0])
    flow = flows.CouplingFlow(2, n_layers=3, hidden=(8,), mean=mean, scale=0.5)
    x = torch.randn(5, 2)
    expected = data.Mixture(mean[None], 0.5).log_prob(x)
    torch.testing.assert_close(
        flow.log_prob(x).double(), expected, rtol=1e-5, atol=1e-5
    )
    s = flow.sample(4000, seed=1)
    assert s.dtype == torch.float32 and s.shape == (4000, 2)
    torch.testing.assert_close(s.mean(0), mean, rtol=0, atol=0.05)


def test_train_flow_lowers_the_negative_log_likelihood():
    x = data.Mixture(torch.tensor([[-2.0, 0.0], [2.0, 0.0]]), 0.5).sample(4000, seed=0)
    run = flows.train_flow(
        x, steps=150, n_layers=4, hidden=(32,), seed=0, progress=False
    )
    losses = run.history["loss"]
    assert losses[-1] < losses[0] - 0.2
    assert isinstance(run.model, flows.CouplingFlow)


def test_coupling_flow_rejects_bad_input():
    with pytest.raises(ValueError, match="dim"):
        flows.CouplingFlow(1)
    with pytest.raises(ValueError, match="n_layers"):
        flows.CouplingFlow(2, n_layers=0)
    with pytest.raises(ValueError, match="scale"):
        flows.CouplingFlow(2, scale=0.0)
    with pytest.raises(ValueError, match="mean"):
        flows.CouplingFlow(2, mean=torch.zeros(3))
    with pytest.raises(ValueError, match="columns"):
        flows.CouplingFlow(2).log_prob(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="constant"):
        flows.train_flow(torch.ones(10, 2), steps=1, progress=False)


@pytest.mark.parametrize("t", [0.0, 0.2, 0.6, 0.95, 1.0])
def test_mixture_velocity_matches_the_score_identity_and_its_ends(t):
    grid = data.grid()
    x = torch.randn(50, 2, dtype=torch.float64) * 3
    u = flows.mixture_velocity(x, t, grid)
    assert u.shape == (50, 2) and u.dtype == torch.float64
    if t == 0.0:  # u_0(x) = E[x1] - x
        torch.testing.assert_close(u, grid.centers.double().mean(0) - x)
    elif t == 1.0:  # u_1(x) = x
        torch.testing.assert_close(u, x)
    else:
        sigma = (1 - t) / t
        score = diffusion.mixture_score(x / t, sigma, grid) / t
        torch.testing.assert_close(u, (x + (1 - t) * score) / t, rtol=1e-10, atol=1e-10)


def test_mixture_velocity_rejects_bad_input():
    ring = data.ring()
    with pytest.raises(ValueError, match="t"):
        flows.mixture_velocity(torch.zeros(2, 2), 1.5, ring)
    with pytest.raises(ValueError, match="columns"):
        flows.mixture_velocity(torch.zeros(2, 3), 0.5, ring)
    with pytest.raises(ValueError, match="NaN"):
        flows.mixture_velocity(torch.full((2, 2), math.nan), 0.5, ring)
    with pytest.raises(TypeError, match="mixture"):
        flows.mixture_velocity(torch.zeros(2, 2), 0.5, "ring")


def test_empirical_velocity_is_the_denoiser_form_and_ends_on_training_points():
    train = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]], dtype=torch.float64)
    x = torch.tensor([[0.5, 0.2]], dtype=torch.float64)
    u0 = flows.empirical_velocity(x, 0.0, train)
    torch.testing.assert_close(u0, train.mean(0) - x)
    t = 0.99
    u = flows.empirical_velocity(x, t, train)
    x1_hat = x + (1 - t) * u  # the last Euler step is the denoiser
    torch.testing.assert_close(x1_hat, train[:1], rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="below 1"):
        flows.empirical_velocity(x, 1.0, train)


def test_divergence_and_hutchinson_on_a_linear_field():
    a = torch.tensor([[1.0, 2.0], [-3.0, 0.5]], dtype=torch.float64)

    def field(x, t):
        return x @ a.T

    x = torch.randn(4, 2, dtype=torch.float64)
    div = flows.divergence(field, x, 0.0)
    torch.testing.assert_close(div, torch.full((4,), 1.5, dtype=torch.float64))
    est = flows.hutchinson(field, x, 0.0, n_probes=3000, kind="gaussian", seed=0)
    assert est.shape == (3000, 4)
    assert abs(est.mean().item() - 1.5) < 5 * est.std().item() / math.sqrt(est.numel())
    rad = flows.hutchinson(field, x, 0.0, n_probes=50, seed=0)
    # Rademacher: M = (A + A^T)/2 has off-diagonal -0.5, variance 2 * 2 * 0.25 = 1
    assert abs(rad.var().item() - 1.0) < 0.5
    with pytest.raises(ValueError, match="kind"):
        flows.hutchinson(field, x, 0.0, kind="cauchy")
    with pytest.raises(ValueError, match="velocity returned"):
        flows.divergence(lambda y, t: y[:, :1], x, 0.0)
    with pytest.raises(TypeError, match="velocity"):
        flows.divergence(3, x, 0.0)


def test_time_grid():
    g = flows.time_grid(4)
    torch.testing.assert_close(g, torch.tensor([0, 0.25, 0.5, 0.75, 1.0]).double())
    lad = flows.time_grid(10, "ladder", scale=2.0)
    assert lad.shape == (11,) and float(lad[-1]) == 1.0 and bool((lad.diff() > 0).all())
    # chapter 7's levels, seen in flow-matching time
    sigmas = diffusion.noise_levels(10, 2e-3 * 2.0, 20 * 2.0)
    torch.testing.assert_close(lad, 1 / (1 + sigmas))
    with pytest.raises(ValueError, match="kind"):
        flows.time_grid(4, "cosine")
    with pytest.raises(ValueError, match="steps"):
        flows.time_grid(1, "ladder")
    with pytest.raises(ValueError, match="scale"):
        flows.time_grid(4, "ladder", scale=0.0)


def test_ladder_sampling_starts_from_the_noise_part_at_its_first_time():
    lad = flows.time_grid(5, "ladder")
    out = flows.sample_flow(lambda x, t: torch.zeros_like(x), 50, 2, times=lad, seed=2)
    g = torch.Generator().manual_seed(2)
    expected = (1 - float(lad[0])) * torch.randn(
        50, 2, generator=g, dtype=torch.float64
    )
    torch.testing.assert_close(out, expected.float())


def test_log_prob_ode_recovers_a_gaussian_density():
    one = data.Mixture(torch.tensor([[1.0, -1.0]]), 0.5)
    x = one.sample(20, seed=0).double()
    lp = flows.log_prob_ode(x, lambda y, t: flows.mixture_velocity(y, t, one), steps=60)
    torch.testing.assert_close(lp, one.log_prob(x), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="times"):
        flows.log_prob_ode(x, lambda y, t: y, times=[0.0, 0.5])
    with pytest.raises(ValueError, match="steps"):
        flows.log_prob_ode(x, lambda y, t: y, steps=0)
    with pytest.raises(ValueError, match="method"):
        flows.log_prob_ode(x, lambda y, t: y, steps=2, method="rk45")


def test_sample_flow_follows_the_protocol_and_is_a_map_from_its_starts():
    one = data.Mixture(torch.tensor([[2.0, 0.0]]), 0.5)

    def v(y, t):
        return flows.mixture_velocity(y, t, one)

    a = flows.sample_flow(v, 100, 2, 20, seed=3)
    b = flows.sample_flow(v, 100, 2, 20, seed=3)
    assert a.dtype == torch.float32 and torch.equal(a, b)
    z = torch.randn(10, 2)
    ends = flows.sample_flow(v, 10, 2, 200, start=z)
    torch.testing.assert_close(
        ends, (2.0 * torch.tensor([1.0, 0.0]) + 0.5 * z), atol=1e-3, rtol=0
    )
    with pytest.raises(ValueError, match="start"):
        flows.sample_flow(v, 10, 2, 5, start=torch.zeros(3, 2))
    with pytest.raises(ValueError, match="times"):
        flows.sample_flow(v, 10, 2, times=[0.0, 0.7])
    with pytest.raises(ValueError, match="times"):
        flows.log_prob_ode(torch.zeros(2, 2), v, times=[0.2, 1.0])


def test_ot_pairs_is_the_cheapest_assignment():
    g = torch.Generator().manual_seed(0)
    x0, x1 = torch.randn(6, 2, generator=g), torch.randn(6, 2, generator=g) + 3
    paired = flows.ot_pairs(x0, x1)
    best = (paired - x1).square().sum()
    import itertools

    brute = min(
        (x0[list(p)] - x1).square().sum() for p in itertools.permutations(range(6))
    )
    assert abs(best.item() - brute.item()) < 1e-5
    assert sorted(paired.sum(1).tolist()) == pytest.approx(sorted(x0.sum(1).tolist()))
    with pytest.raises(ValueError, match="same shape"):
        flows.ot_pairs(x0, x1[:3])


def test_train_velocity_net_learns_a_shift_and_checks_input():
    x = data.Mixture(torch.tensor([[3.0, 0.0]]), 0.3).sample(2000, seed=0)
    for coupling in ("independent", "ot"):
        run = flows.train_velocity_net(
            x,
            steps=300,
            hidden=(32, 32),
            coupling=coupling,
            ot_pool=512,
            seed=0,
            progress=False,
        )
        s = run.model.sample(500, seed=1)
        assert abs(s[:, 0].mean().item() - 3.0) < 0.3
        assert isinstance(run.model, flows.VelocityNet)
    pairs = (torch.randn(100, 2), x[:100])
    run = flows.train_velocity_net(
        x, steps=5, pairs=pairs, time_sampling="levels", progress=False
    )
    assert run.history["step"][-1] == 5
    with pytest.raises(ValueError, match="coupling"):
        flows.train_velocity_net(x, steps=1, coupling="sinkhorn", progress=False)
    with pytest.raises(ValueError, match="time_sampling"):
        flows.train_velocity_net(x, steps=1, time_sampling="cosine", progress=False)
    with pytest.raises(ValueError, match="pairs"):
        flows.train_velocity_net(x, steps=1, pairs=(x[:5],), progress=False)
    with pytest.raises(ValueError, match="pairs"):
        flows.train_velocity_net(x, steps=1, pairs=(x[:5], x[:4]), progress=False)


def test_velocity_net_and_coverage_by_steps():
    net = flows.VelocityNet(2, hidden=(8,), scale=2.0)
    x = torch.randn(5, 2)
    assert net(x, 0.3).shape == (5, 2)
    torch.testing.assert_close(net(x, torch.full((5,), 0.3)), net(x, 0.3))
    assert net.velocity(x, 0.3).dtype == torch.float64
    res = metrics.coverage_by_steps(net, data.ring(), [2, 4], n_samples=50, seed=0)
    assert [r["steps"] for r in res] == [2, 4] and all("modes" in r for r in res)
    with pytest.raises(TypeError, match="sample"):
        metrics.coverage_by_steps(object(), data.ring(), [1])
    with pytest.raises(ValueError, match="steps"):
        metrics.coverage_by_steps(net, data.ring(), [])
    with pytest.raises(ValueError, match="mean"):
        flows.VelocityNet(2, mean=torch.zeros(3))


def test_recipes_are_valid_arguments():
    x = data.ring().sample(500, seed=0)
    flows.train_flow(x, **{**flows.RECIPES["coupling"], "steps": 1}, progress=False)
    for name in ("paths", "2-D", "digits"):
        flows.train_velocity_net(
            x, **{**flows.RECIPES[name], "steps": 1}, progress=False
        )
