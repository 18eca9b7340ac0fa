"""One ODE integrator for every sampler of the book (chapters 7 and 8).

A diffusion model's probability-flow ODE (chapter 7, with the noise level as
the clock) and a flow-matching model's ODE (chapter 8, with time from 0 to 1)
are both ``dx/dt = velocity(x, t)`` on a grid of times. :func:`integrate` steps
any such field with Euler's method or Heun's (explicit trapezoid) method, in
float64, so both chapters share one definition of a step and one count of
velocity evaluations.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._validate import check_tensor

__all__ = ["integrate", "evaluations"]

Velocity = Callable[[torch.Tensor, float], torch.Tensor]


def _velocity(velocity: Velocity, x: torch.Tensor, t: float) -> torch.Tensor:
    out = torch.as_tensor(velocity(x, t)).double()
    if out.shape != x.shape:
        raise ValueError(
            f"velocity returned shape {tuple(out.shape)}, expected {tuple(x.shape)}"
        )
    return out


def check_times(times, name: str = "times", min_levels: int = 2) -> torch.Tensor:
    """``times`` as a strictly monotone float64 vector with at least ``min_levels``."""
    if isinstance(times, list | tuple):
        times = torch.tensor(times, dtype=torch.float64)
    times = check_tensor(times, name, ndim=1, min_rows=min_levels).double()
    steps = times[1:] - times[:-1]
    if len(steps) and not (bool((steps > 0).all()) or bool((steps < 0).all())):
        raise ValueError(f"{name} must increase strictly or decrease strictly")
    return times


def integrate(
    velocity: Velocity,
    x,
    times,
    *,
    heun: bool = True,
    euler_last: bool = False,
) -> torch.Tensor:
    """Integrate ``dx/dt = velocity(x, t)`` from ``times[0]`` to ``times[-1]``.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Chapter 8's flows are integrated with it too.

    Euler's step is ``x + h v(x, t)``; Heun's adds a second evaluation at the
    Euler point and averages the two slopes,
    ``x + h (v(x, t) + v(x + h v(x, t), t + h)) / 2``: second order, at two
    evaluations per step.

    Parameters
    ----------
    velocity : callable
        ``velocity(x, t) -> Tensor (n, d)`` for ``x`` of shape ``(n, d)``
        (float64) and a float ``t``.
    x : array or tensor, shape (n, d)
        State at ``times[0]``.
    times : sequence, array or tensor, shape (S + 1,)
        Strictly increasing or strictly decreasing times; ``S >= 0`` steps
        (one time returns ``x`` unchanged).
    heun : bool
        Heun's method if True, Euler's otherwise.
    euler_last : bool
        Make the last step an Euler step (one evaluation): for a field that is
        not defined at ``times[-1]``, such as a score at noise level 0.

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``, float64: the state at ``times[-1]``.
    """
    if not callable(velocity):
        raise TypeError(f"velocity must be callable, got {type(velocity).__name__}")
    x = check_tensor(x, "x").double()
    times = check_times(times, min_levels=1).tolist()
    for k, (t, t_next) in enumerate(zip(times[:-1], times[1:], strict=True)):
        h = t_next - t
        slope = _velocity(velocity, x, t)
        x_euler = x + h * slope
        if heun and not (euler_last and k == len(times) - 2):
            x = x + h * (slope + _velocity(velocity, x_euler, t_next)) / 2
        else:
            x = x_euler
    return x


def evaluations(steps: int, heun: bool = True, euler_last: bool = False) -> int:
    """Velocity evaluations that :func:`integrate` makes for ``steps`` steps.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Parameters
    ----------
    steps : int
        Number of steps (>= 0).
    heun, euler_last : bool
        As in :func:`integrate`.

    Returns
    -------
    int
        ``steps`` for Euler; ``2 steps`` for Heun, less one if the last step
        is an Euler step.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    if not heun:
        return steps
    return max(0, 2 * steps - (1 if euler_last and steps > 0 else 0))
