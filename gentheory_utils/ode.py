"""One ODE integrator for every sampler of the book (chapters 7 and 8).

A diffusion model's probability-flow ODE (chapter 7, with the noise level as
the clock) and a flow-matching model's ODE (chapter 8, with time from 0 to 1)
are both ``dx/dt = velocity(x, t)`` on a grid of times. :func:`integrate` steps
any such field with Euler's method, Heun's (explicit trapezoid) method or the
classical Runge-Kutta method, in float64, so both chapters share one
definition of a step and one count of velocity evaluations
(:func:`evaluations`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._validate import check_tensor

__all__ = ["integrate", "evaluations", "METHODS"]

#: Velocity evaluations per step of each method, and its order of accuracy.
METHODS = {"euler": (1, 1), "heun": (2, 2), "rk4": (4, 4)}

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
    method: str = "heun",
    euler_last: bool = False,
) -> torch.Tensor:
    """Integrate ``dx/dt = velocity(x, t)`` from ``times[0]`` to ``times[-1]``.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Chapter 8's flows are integrated with it too.

    Euler's step is ``x + h v(x, t)``: first order. Heun's adds a second
    evaluation at the Euler point and averages the two slopes,
    ``x + h (v(x, t) + v(x + h v(x, t), t + h)) / 2``: second order, at two
    evaluations per step. The classical Runge-Kutta step (``"rk4"``) combines
    four evaluations, ``x + h (k1 + 2 k2 + 2 k3 + k4) / 6``: fourth order.

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
    method : {"euler", "heun", "rk4"}
        The one-step method (see :data:`METHODS`).
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
    _check_method(method)
    x = check_tensor(x, "x").double()
    times = check_times(times, min_levels=1).tolist()
    for k, (t, t_next) in enumerate(zip(times[:-1], times[1:], strict=True)):
        h = t_next - t
        k1 = _velocity(velocity, x, t)
        if method == "euler" or (euler_last and k == len(times) - 2):
            x = x + h * k1
        elif method == "heun":
            x = x + h * (k1 + _velocity(velocity, x + h * k1, t_next)) / 2
        else:
            k2 = _velocity(velocity, x + h / 2 * k1, t + h / 2)
            k3 = _velocity(velocity, x + h / 2 * k2, t + h / 2)
            k4 = _velocity(velocity, x + h * k3, t_next)
            x = x + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    return x


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")


def evaluations(steps: int, method: str = "heun", euler_last: bool = False) -> int:
    """Velocity evaluations that :func:`integrate` makes for ``steps`` steps.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Parameters
    ----------
    steps : int
        Number of steps (>= 0).
    method : {"euler", "heun", "rk4"}
    euler_last : bool
        As in :func:`integrate`.

    Returns
    -------
    int
        ``steps`` times the method's evaluations per step, less the ones the
        last step saves if it is an Euler step.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    _check_method(method)
    per_step = METHODS[method][0]
    if steps == 0:
        return 0
    return per_step * steps - ((per_step - 1) if euler_last else 0)
