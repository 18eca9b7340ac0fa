"""Small multilayer perceptrons, the only network shape the book needs.

Introduced in chapter 1 (a Lipschitz generator pushing Gaussian noise forward);
the VAE and GAN chapters build their encoders, decoders, generators and
discriminators with :func:`mlp`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

from ._validate import check_float, check_int

__all__ = ["ACTIVATIONS", "mlp", "count_parameters", "fast_adam"]

#: Names accepted for ``activation`` and ``out_activation``.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}


def mlp(
    in_dim: int,
    out_dim: int,
    hidden: Sequence[int] = (64, 64),
    activation: str = "relu",
    out_activation: str | None = None,
    batch_norm: bool = False,
) -> nn.Sequential:
    """Build ``Linear -> [BatchNorm] -> activation`` blocks and a linear head.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    in_dim, out_dim : int
        Input and output widths (>= 1). The network maps ``(batch, in_dim)``
        to ``(batch, out_dim)``.
    hidden : sequence of int
        Widths of the hidden layers; empty for a single linear map.
    activation : str
        One of :data:`ACTIVATIONS`, used after every hidden layer.
    out_activation : str or None
        Optional activation on the output (for example ``"sigmoid"`` for
        pixel intensities in ``[0, 1]``).
    batch_norm : bool
        Insert ``BatchNorm1d`` after each hidden linear layer.

    Returns
    -------
    torch.nn.Sequential
    """
    in_dim = check_int(in_dim, "in_dim", minimum=1)
    out_dim = check_int(out_dim, "out_dim", minimum=1)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(
            f"hidden must be a sequence of ints, got {type(hidden).__name__}"
        )
    widths = [check_int(h, "hidden[i]", minimum=1) for h in hidden]
    for name, value in (("activation", activation), ("out_activation", out_activation)):
        if value is not None and value not in ACTIVATIONS:
            raise ValueError(
                f"{name} must be one of {sorted(ACTIVATIONS)}, got {value!r}"
            )
    if activation is None:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got None")
    layers: list[nn.Module] = []
    prev = in_dim
    for width in widths:
        layers.append(nn.Linear(prev, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(ACTIVATIONS[activation]())
        prev = width
    layers.append(nn.Linear(prev, out_dim))
    if out_activation is not None:
        layers.append(ACTIVATIONS[out_activation]())
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model``.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def fast_adam(params: Iterable[torch.nn.Parameter], lr: float) -> torch.optim.Optimizer:
    """Adam with its fused kernel where this torch has one, plain Adam elsewhere.

    Taught in Chapter 7, *Diffusion and score-based models*.

    The fused kernel (torch 2.4 and later, on the CPU as on the GPU) makes one
    update for all parameters at once instead of a loop of small operations;
    for the small networks of chapters 7 and 8 that is about 15 % of a training
    step. The update is Adam's, with default betas; its rounding differs from
    the unfused loop's in the last bits.

    Parameters
    ----------
    params : iterable of torch.nn.Parameter
        The parameters to optimise (all on one device, floating point).
    lr : float
        Learning rate (> 0).

    Returns
    -------
    torch.optim.Adam
    """
    params = list(params)
    if not params:
        raise ValueError("params must not be empty")
    lr = check_float(lr, "lr", low=0.0, low_inclusive=False)
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (TypeError, RuntimeError):  # an older torch, or an unsupported device
        return torch.optim.Adam(params, lr=lr)
