"""Unit tests for :mod:`gentheory_utils.nets`."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gentheory_utils import nets
from gentheory_utils.nets import ACTIVATIONS, count_parameters, mlp


@pytest.mark.parametrize(
    "in_dim, out_dim, hidden",
    [(2, 1, (64, 64)), (5, 3, ()), (8, 8, [16]), (1, 10, (4, 7, 3))],
)
def test_mlp_maps_batch_by_in_dim_to_batch_by_out_dim(in_dim, out_dim, hidden):
    torch.manual_seed(0)
    net = mlp(in_dim, out_dim, hidden=hidden)
    y = net(torch.randn(6, in_dim))
    assert y.shape == (6, out_dim)
    assert y.dtype == torch.float32


def test_mlp_default_structure_is_linear_relu_blocks_and_linear_head():
    net = mlp(3, 2)
    assert isinstance(net, nn.Sequential)
    kinds = [type(m) for m in net]
    assert kinds == [nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]
    assert (net[0].in_features, net[0].out_features) == (3, 64)
    assert (net[2].in_features, net[2].out_features) == (64, 64)
    assert (net[4].in_features, net[4].out_features) == (64, 2)


def test_mlp_without_hidden_layers_is_one_linear_map():
    net = mlp(4, 2, hidden=())
    assert len(net) == 1
    assert isinstance(net[0], nn.Linear)
    assert (net[0].in_features, net[0].out_features) == (4, 2)


def test_mlp_with_batch_norm_inserts_batchnorm_after_each_hidden_linear():
    net = mlp(4, 2, hidden=(8, 16), activation="tanh", batch_norm=True)
    kinds = [type(m) for m in net]
    assert kinds == [
        nn.Linear,
        nn.BatchNorm1d,
        nn.Tanh,
        nn.Linear,
        nn.BatchNorm1d,
        nn.Tanh,
        nn.Linear,
    ]
    assert net[1].num_features == 8
    assert net[4].num_features == 16
    y = net(torch.randn(5, 4))
    assert y.shape == (5, 2)


def test_mlp_out_activation_sigmoid_bounds_output_in_unit_interval():
    torch.manual_seed(0)
    net = mlp(3, 4, hidden=(16,), out_activation="sigmoid")
    assert isinstance(net[-1], nn.Sigmoid)
    y = net(100 * torch.randn(200, 3))
    assert y.min().item() >= 0.0
    assert y.max().item() <= 1.0
    # Without out_activation the head is linear and the output is unbounded.
    plain = mlp(3, 4, hidden=(16,))
    assert isinstance(plain[-1], nn.Linear)
    assert plain(100 * torch.randn(200, 3)).abs().max().item() > 1.0


def test_mlp_leaky_relu_uses_slope_0_2():
    net = mlp(2, 1, hidden=(3,), activation="leaky_relu")
    assert isinstance(net[1], nn.LeakyReLU)
    assert net[1].negative_slope == pytest.approx(0.2)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_mlp_accepts_every_listed_activation(name):
    net = mlp(2, 2, hidden=(4,), activation=name, out_activation=name)
    assert net(torch.randn(3, 2)).shape == (3, 2)
    assert len(net) == 4


def test_count_parameters_exact_for_small_net():
    # Linear(2,3): 2*3 + 3 = 9; Linear(3,1): 3 + 1 = 4.
    assert count_parameters(mlp(2, 1, hidden=(3,))) == 13
    # BatchNorm1d(3) adds 3 weights and 3 biases (running stats are buffers).
    assert count_parameters(mlp(2, 1, hidden=(3,), batch_norm=True)) == 19
    # Linear(4,5)=25, Linear(5,6)=36, Linear(6,2)=14.
    assert count_parameters(mlp(4, 2, hidden=(5, 6))) == 75


def test_count_parameters_skips_frozen_parameters():
    net = mlp(2, 1, hidden=(3,))
    for p in net[0].parameters():
        p.requires_grad_(False)
    assert count_parameters(net) == 4


# ---------------------------------------------------------------------------
# Error paths
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["swish", "ReLU", ""])
def test_mlp_rejects_unknown_activation_name(bad):
    with pytest.raises(ValueError, match=r"activation must be one of"):
        mlp(2, 1, activation=bad)


def test_mlp_rejects_unknown_out_activation_name():
    with pytest.raises(ValueError, match=r"out_activation must be one of"):
        mlp(2, 1, out_activation="softmax")


def test_mlp_rejects_activation_none():
    with pytest.raises(ValueError, match=r"activation must be one of"):
        mlp(2, 1, activation=None)


@pytest.mark.parametrize("hidden", ["64", b"64", 64, {64, 32}, None])
def test_mlp_rejects_hidden_that_is_not_a_sequence_of_ints(hidden):
    with pytest.raises(TypeError, match=r"hidden must be a sequence of ints"):
        mlp(2, 1, hidden=hidden)


@pytest.mark.parametrize(
    "hidden, exc", [((64, 0), ValueError), ((32.0,), TypeError), ((True,), TypeError)]
)
def test_mlp_rejects_bad_hidden_widths(hidden, exc):
    with pytest.raises(exc, match=r"hidden\[i\] must be"):
        mlp(2, 1, hidden=hidden)


@pytest.mark.parametrize("name", ["in_dim", "out_dim"])
def test_mlp_rejects_zero_width(name):
    kwargs = {"in_dim": 2, "out_dim": 1, name: 0}
    with pytest.raises(ValueError, match=rf"{name} must be >= 1, got 0"):
        mlp(**kwargs)


@pytest.mark.parametrize("bad", [2.0, True, "2"])
def test_mlp_rejects_non_integer_in_dim(bad):
    with pytest.raises(TypeError, match=r"in_dim must be an integer"):
        mlp(bad, 1)


@pytest.mark.parametrize("bad", [None, [nn.Linear(2, 2)], nn.Linear, "net"])
def test_count_parameters_rejects_non_module(bad):
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module"):
        count_parameters(bad)


def test_fast_adam_makes_adams_update():
    torch.manual_seed(0)
    a = torch.nn.Linear(3, 2).double()
    b = torch.nn.Linear(3, 2).double()
    b.load_state_dict(a.state_dict())
    x = torch.randn(5, 3, dtype=torch.float64)
    opt_a = nets.fast_adam(a.parameters(), 0.1)
    opt_b = torch.optim.Adam(b.parameters(), lr=0.1)
    for _ in range(3):
        for net, opt in ((a, opt_a), (b, opt_b)):
            opt.zero_grad()
            net(x).square().sum().backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-12)  # float64: same steps


def test_fast_adam_rejects_bad_input():
    with pytest.raises(ValueError, match="params"):
        nets.fast_adam([], 0.1)
    with pytest.raises(ValueError, match="lr"):
        nets.fast_adam(torch.nn.Linear(2, 2).parameters(), 0.0)
