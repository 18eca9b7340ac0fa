"""Normalizing flows and flow matching (chapter 8).

Two ways to turn ``N(0, I)`` into data with an invertible map, so that the
model's density is known exactly:

* a *discrete* flow, a stack of affine coupling layers (RealNVP), whose
  log-determinant is a sum: :class:`CouplingFlow` and :func:`train_flow`;
* a *continuous* flow, the ODE ``dx/dt = u_t(x)`` from ``t = 0`` (noise) to
  ``t = 1`` (data), whose log-density obeys ``d log p / dt = -div u``:
  :func:`divergence` (exact, by autograd), :func:`hutchinson` (its unbiased
  estimate), :func:`log_prob_ode` and :func:`sample_flow`.

Flow matching fits ``u_t`` by regression along the straight path
``x_t = (1 - t) x_0 + t x_1`` with ``x_0 ~ N(0, I)`` and ``x_1`` a data point:

* :func:`mixture_velocity`: the exact marginal velocity
  ``E[x_1 - x_0 | x_t = x]`` of a :class:`~gentheory_utils.data.Mixture`;
* :func:`empirical_velocity`: the same for a finite training set;
* :class:`VelocityNet`, :func:`flow_matching_loss`, :func:`ot_pairs` (minibatch
  optimal-transport pairing), :func:`train_velocity_net` and :data:`RECIPES`.

Times run from 0 (noise) to 1 (data) throughout; :func:`time_grid` gives the
grids the samplers use, and the integration itself is
:func:`gentheory_utils.ode.integrate`, shared with chapter 7.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import nn

from ._validate import (
    Seed,
    check_float,
    check_int,
    check_seed,
    check_tensor,
    seed_int,
)
from .data import Mixture
from .diffusion import empirical_denoiser, noise_levels
from .nets import fast_adam, mlp
from .ode import check_times, integrate
from .progress import progress_range
from .runs import TrainResult

__all__ = [
    "CouplingFlow",
    "train_flow",
    "mixture_velocity",
    "empirical_velocity",
    "divergence",
    "hutchinson",
    "time_grid",
    "sample_flow",
    "log_prob_ode",
    "VelocityNet",
    "flow_matching_loss",
    "ot_pairs",
    "train_velocity_net",
    "RECIPES",
]

Velocity = Callable[[torch.Tensor, float], torch.Tensor]
LOG_2PI = math.log(2 * math.pi)


def _standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) per row: shape ``(n,)``."""
    return -0.5 * (z.square().sum(1) + z.shape[1] * LOG_2PI)


# ------------------------------------------------------------------ discrete flows


class CouplingFlow(nn.Module):
    """A RealNVP-style flow: affine coupling layers with alternating masks.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    The map from noise ``z`` to data ``x`` is
    ``x = mean + scale * (g_L o ... o g_1)(z)``. Layer ``l`` first turns its
    input by a fixed rotation ``Q_l`` (drawn once, ``|det Q_l| = 1``, so it adds
    nothing to the log-determinant; without it an affine coupling cannot make
    a product of multimodal coordinates, such as the grid), then keeps the
    coordinates where its mask ``m`` is 1 and moves the others:
    ``g(y) = m y + (1 - m) (y exp(s(m y)) + t(m y))``, with ``s`` and ``t`` from
    one small MLP (``s`` bounded by ``tanh``). Its Jacobian is triangular, so
    ``log |det| = sum_j (1 - m_j) s_j(m y)``: a sum, not a determinant.

    Parameters
    ----------
    dim : int
        Data dimension ``d`` (>= 2).
    n_layers : int
        Number of coupling layers (>= 1); the masks alternate between the even
        and the odd coordinates.
    hidden : sequence of int
        Hidden widths of each layer's MLP (SiLU).
    mean : array or tensor, shape (d,), optional
        Data mean (zero when omitted).
    scale : float
        The data's scale (> 0): the flow works on ``(x - mean) / scale``.
    """

    def __init__(
        self,
        dim: int,
        n_layers: int = 8,
        hidden: Sequence[int] = (64, 64),
        mean=None,
        scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", minimum=2)
        n_layers = check_int(n_layers, "n_layers", minimum=1)
        scale = check_float(scale, "scale", low=0.0, low_inclusive=False)
        if mean is None:
            mean = torch.zeros(self.dim)
        mean = check_tensor(mean, "mean", ndim=1).float()
        if mean.shape != (self.dim,):
            raise ValueError(
                f"mean must have shape ({self.dim},), got {tuple(mean.shape)}"
            )
        self.register_buffer("mean", mean)
        self.register_buffer("scale", torch.tensor(scale))
        parity = torch.arange(self.dim) % 2
        masks = torch.stack([(parity == (k % 2)).float() for k in range(n_layers)])
        self.register_buffer("masks", masks)  # (L, d), 1 = kept
        # Fixed rotations, from their own generator (model weights are untouched).
        # Drawn in float64, so that a float64 flow's rotations are orthogonal to
        # rounding and add nothing to its log-determinant.
        gen = torch.Generator().manual_seed(12345)
        a = torch.randn(
            n_layers, self.dim, self.dim, generator=gen, dtype=torch.float64
        )
        self.register_buffer("rotations", torch.linalg.qr(a).Q)  # (L, d, d)
        self.nets = nn.ModuleList(
            mlp(self.dim, 2 * self.dim, hidden, activation="silu")
            for _ in range(n_layers)
        )
        for net in self.nets:  # start at the identity map
            nn.init.zeros_(net[-1].weight)
            nn.init.zeros_(net[-1].bias)

    def _shift_scale(self, k: int, y: torch.Tensor):
        m = self.masks[k].to(y.dtype)
        s, t = self.nets[k](m * y).chunk(2, dim=1)
        return m, (1 - m) * torch.tanh(s), (1 - m) * t

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Noise to data: ``(x, log |det dx/dz|)``, shapes ``(n, d)`` and ``(n,)``."""
        y, logdet = z, z.new_zeros(len(z))
        for k in range(len(self.nets)):
            y = y @ self.rotations[k].to(y.dtype)
            m, s, t = self._shift_scale(k, y)
            y = m * y + (1 - m) * (y * s.exp() + t)
            logdet = logdet + s.sum(1)
        scale = self.scale.to(z.dtype)
        x = self.mean.to(z.dtype) + scale * y
        return x, logdet + self.dim * scale.log()

    def inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Data to noise: ``(z, log |det dz/dx|)``, shapes ``(n, d)`` and ``(n,)``."""
        scale = self.scale.to(x.dtype)
        y = (x - self.mean.to(x.dtype)) / scale
        logdet = x.new_zeros(len(x)) - self.dim * scale.log()
        for k in reversed(range(len(self.nets))):
            m, s, t = self._shift_scale(k, y)
            y = m * y + (1 - m) * (y - t) * (-s).exp()
            logdet = logdet - s.sum(1)
            y = y @ self.rotations[k].to(y.dtype).T
        return y, logdet

    def log_prob(self, x) -> torch.Tensor:
        """Exact log-density ``log N(z) + log |det dz/dx|`` at the rows of ``x``.

        ``x`` of shape ``(n, d)`` in, shape ``(n,)`` out, in the parameters' dtype.
        """
        x = check_tensor(x, "x")
        if x.shape[1] != self.dim:
            raise ValueError(f"x must have {self.dim} columns, got {x.shape[1]}")
        p = next(self.parameters())
        z, logdet = self.inverse(x.to(p.device, p.dtype))
        return _standard_normal_log_prob(z) + logdet

    @torch.no_grad()
    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """``n`` samples ``x = f(z)``: shape ``(n, d)``, float32 (the protocol)."""
        n = check_int(n, "n", minimum=1)
        z = torch.randn(n, self.dim, generator=check_seed(seed))
        p = next(self.parameters())
        return self(z.to(p.device, p.dtype))[0].float().cpu()


def train_flow(
    x_train,
    steps: int = 2000,
    *,
    n_layers: int = 8,
    hidden: Sequence[int] = (64, 64),
    batch_size: int = 256,
    lr: float = 2e-3,
    seed: Seed = None,
    log_every: int = 50,
    progress: bool = True,
) -> TrainResult:
    """Fit a :class:`CouplingFlow` to ``x_train`` by maximum likelihood.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    Each Adam step draws a batch (with replacement) and minimises the negative
    mean log-likelihood; the learning rate decays to 0 on a cosine. The flow is
    built on the data's mean and scale ``sqrt(E|x - mean|² / d)``.

    Parameters
    ----------
    x_train : array or tensor, shape (m, d)
        Training points (finite, ``d >= 2``).
    steps, batch_size : int
        Adam steps and rows per step.
    n_layers : int
        Coupling layers.
    hidden : sequence of int
        Hidden widths of each layer's MLP.
    lr : float
        Initial learning rate (> 0).
    seed : int, torch.Generator or None
        Seeds torch's global generator (weights, batches).
    log_every : int
        Record the loss (nats per point) every this many steps.
    progress : bool
        Show a progress bar.

    Returns
    -------
    TrainResult
        ``model`` is the :class:`CouplingFlow`; ``history`` holds ``step`` and
        ``loss``.
    """
    x_train = check_tensor(x_train, "x_train", min_rows=2).float()
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_float(lr, "lr", low=0.0, low_inclusive=False)
    log_every = check_int(log_every, "log_every", minimum=1)
    torch.manual_seed(seed_int(seed))
    mean = x_train.mean(0)
    scale = float((x_train - mean).square().mean().sqrt())
    if scale <= 0:
        raise ValueError("x_train must not be constant")
    model = CouplingFlow(x_train.shape[1], n_layers, hidden, mean.cpu(), scale)
    model = model.to(x_train.device)
    opt = fast_adam(model.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history: dict[str, list] = {"step": [], "loss": []}
    start = time.perf_counter()
    for step in progress_range(steps, progress=progress, desc="training flow"):
        batch = x_train[torch.randint(len(x_train), (batch_size,))]
        z, logdet = model.inverse(batch)
        loss = -(_standard_normal_log_prob(z) + logdet).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % log_every == 0 or step == steps - 1:
            history["step"].append(step + 1)
            history["loss"].append(loss.item())
    model.eval()
    return TrainResult(
        model=model, history=history, seconds=time.perf_counter() - start
    )


# ------------------------------------------------------------- exact velocities


def _check_t(t) -> float:
    return check_float(t, "t", low=0.0, high=1.0)


def mixture_velocity(x, t: float, mixture: Mixture) -> torch.Tensor:
    """Marginal velocity ``E[x_1 - x_0 | x_t = x]`` of the straight path.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    With ``x_0 ~ N(0, I)`` and ``x_1`` from the mixture
    ``sum_k pi_k N(c_k, s² I)``, given the component ``k`` the pair
    ``(x_t, x_1)`` is Gaussian: ``x_t ~ N(t c_k, v I)`` with
    ``v = (1 - t)² + t² s²``, and linear regression gives
    ``E[x_1 - x_0 | x_t = x, k] = c_k + (t s² - (1 - t)) (x - t c_k) / v``.
    The marginal velocity averages these with the responsibilities
    ``gamma_k(x) ∝ pi_k N(x; t c_k, v I)``. (No score is used: chapter 8 checks
    this formula against the score of chapter 7.)

    Parameters
    ----------
    x : array or tensor, shape (n, d)
        Points, in data units.
    t : float
        Time in ``[0, 1]``: 0 is the noise, 1 the data.
    mixture : data.Mixture
        The data law.

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``, float64, in data units per unit time.
    """
    if not isinstance(mixture, Mixture):
        raise TypeError(f"mixture must be a data.Mixture, got {type(mixture).__name__}")
    x = check_tensor(x, "x").double()
    if x.shape[1] != mixture.dim:
        raise ValueError(f"x must have {mixture.dim} columns, got {x.shape[1]}")
    t = _check_t(t)
    centers = mixture.centers.double()
    var = (1 - t) ** 2 + t**2 * mixture.std**2
    logits = mixture.weights.double().log() - torch.cdist(x, t * centers).square() / (
        2 * var
    )
    resp = torch.softmax(logits, dim=1)  # (n, K)
    gain = (t * mixture.std**2 - (1 - t)) / var
    # sum_k gamma_k [c_k + gain (x - t c_k)] = (1 - gain t) E_gamma[c] + gain x
    mean_c = resp @ centers
    return (1 - gain * t) * mean_c + gain * x


def empirical_velocity(x, t: float, train) -> torch.Tensor:
    """Marginal velocity of the straight path when ``x_1`` is a training point.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    Writing ``x_t = t (x_1 + sigma x_0)`` with ``sigma = (1 - t) / t`` shows
    that ``E[x_1 | x_t = x]`` is chapter 7's empirical denoiser at the point
    ``x / t`` and level ``sigma``; then
    ``u_t(x) = (E[x_1 | x_t = x] - x) / (1 - t)``.

    Parameters
    ----------
    x : array or tensor, shape (n, d)
        Points, in data units.
    t : float
        Time in ``[0, 1)``: at 0 the velocity is ``mean(train) - x``; at 1 it
        is not defined (a sampler ends with an Euler step instead).
    train : array or tensor, shape (m, d)
        The training points.

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``, float64.
    """
    x = check_tensor(x, "x").double()
    t = check_float(t, "t", low=0.0, high=1.0)
    if t >= 1.0:
        raise ValueError("t must be below 1 (the velocity blows up at the data)")
    if t == 0.0:
        train = check_tensor(train, "train").double()
        if x.shape[1] != train.shape[1]:
            raise ValueError("x and train must have the same number of columns")
        return train.mean(0) - x
    sigma = (1 - t) / t
    x1_hat = empirical_denoiser(x / t, sigma, train)
    return (x1_hat - x) / (1 - t)


# ------------------------------------------------------------ continuous flows


def _checked_velocity(velocity: Velocity, x: torch.Tensor, t: float) -> torch.Tensor:
    out = velocity(x, t)
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out)
        raise ValueError(f"velocity returned {shape}, expected {tuple(x.shape)}")
    return out


def divergence(velocity: Velocity, x, t: float) -> torch.Tensor:
    """Exact divergence ``sum_j d u_j / d x_j`` by autograd, one pass per dimension.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    Parameters
    ----------
    velocity : callable
        ``velocity(x, t) -> Tensor (n, d)``, differentiable in ``x``.
    x : array or tensor, shape (n, d)
    t : float

    Returns
    -------
    torch.Tensor
        Shape ``(n,)``, float64.
    """
    if not callable(velocity):
        raise TypeError(f"velocity must be callable, got {type(velocity).__name__}")
    x = check_tensor(x, "x").double().detach().requires_grad_(True)
    with torch.enable_grad():
        u = _checked_velocity(velocity, x, t)
        div = torch.zeros(len(x), dtype=torch.float64)
        for j in range(x.shape[1]):
            (g,) = torch.autograd.grad(u[:, j].sum(), x, retain_graph=True)
            div = div + g[:, j].double()
    return div.detach()


def hutchinson(
    velocity: Velocity,
    x,
    t: float,
    n_probes: int = 1,
    kind: str = "rademacher",
    seed: Seed = None,
) -> torch.Tensor:
    """Hutchinson's estimates ``e^T (du/dx) e`` of the divergence, one per probe.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    For probes with ``E[e e^T] = I`` the estimate is unbiased; it needs one
    vector-Jacobian product per probe instead of ``d`` (FFJORD).

    Parameters
    ----------
    velocity : callable
        ``velocity(x, t) -> Tensor (n, d)``, differentiable in ``x``.
    x : array or tensor, shape (n, d)
    t : float
    n_probes : int
        Probes per point (>= 1).
    kind : {"rademacher", "gaussian"}
        Signs with probability 1/2 each, or standard normal entries.
    seed : int, torch.Generator or None
        Randomness of the probes.

    Returns
    -------
    torch.Tensor
        Shape ``(n_probes, n)``, float64.
    """
    if not callable(velocity):
        raise TypeError(f"velocity must be callable, got {type(velocity).__name__}")
    if kind not in ("rademacher", "gaussian"):
        raise ValueError(f"kind must be 'rademacher' or 'gaussian', got {kind!r}")
    n_probes = check_int(n_probes, "n_probes", minimum=1)
    gen = check_seed(seed)
    x = check_tensor(x, "x").double().detach().requires_grad_(True)
    out = torch.empty(n_probes, len(x), dtype=torch.float64)
    with torch.enable_grad():
        u = _checked_velocity(velocity, x, t)
        for k in range(n_probes):
            if kind == "gaussian":
                e = torch.randn(x.shape, generator=gen, dtype=torch.float64)
            else:
                e = 2.0 * torch.randint(0, 2, x.shape, generator=gen).double() - 1.0
            (g,) = torch.autograd.grad(u, x, grad_outputs=e, retain_graph=True)
            out[k] = (g * e).sum(1)
    return out


def time_grid(steps: int, kind: str = "uniform", scale: float = 1.0) -> torch.Tensor:
    """Times for ``steps`` ODE steps of a flow, ending at 1 (the data).

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    ``"uniform"``: equal steps from 0 to 1. ``"ladder"``: chapter 7's noise
    ladder seen in flow-matching time, ``t = 1 / (1 + sigma)`` (the velocity is
    a rescaled score, chapter 8): ``sigma`` from ``20 scale`` down to
    ``0.002 scale`` geometrically, then 0, the levels that
    :func:`gentheory_utils.diffusion.train_score_net`'s models sample with. It
    starts at ``t = 1 / (1 + 20 scale)``, not 0, and its steps are small near
    ``t = 1``, where the velocity of narrow modes is steep; with it, a flow and
    a score model take their steps at the same noise levels.

    Parameters
    ----------
    steps : int
        Number of steps (>= 1; >= 2 for ``"ladder"``).
    kind : {"uniform", "ladder"}
    scale : float
        The data's scale, for ``"ladder"`` (> 0).

    Returns
    -------
    torch.Tensor
        Shape ``(steps + 1,)``, float64, increasing, ending at 1.
    """
    steps = check_int(steps, "steps", minimum=1)
    scale = check_float(scale, "scale", low=0.0, low_inclusive=False)
    if kind == "uniform":
        return torch.linspace(0.0, 1.0, steps + 1, dtype=torch.float64)
    if kind != "ladder":
        raise ValueError(f"kind must be 'uniform' or 'ladder', got {kind!r}")
    if steps < 2:
        raise ValueError("the ladder needs steps >= 2")
    return 1 / (1 + noise_levels(steps, 2e-3 * scale, 20 * scale))


def sample_flow(
    velocity: Velocity,
    n: int,
    dim: int,
    steps: int = 40,
    seed: Seed = None,
    heun: bool = True,
    start=None,
    times=None,
    euler_last: bool = False,
) -> torch.Tensor:
    """Samples by the flow ODE ``dx/dt = velocity(x, t)`` from ``N(0, I)`` at 0.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    A grid that starts at ``t0 > 0`` (:func:`time_grid` with ``"ladder"``)
    starts from ``(1 - t0) z``, the path's noise part at ``t0``: its data part
    ``t0 x_1`` is left out, as chapter 7's sampler leaves the data out of its
    start ``N(0, sigma_max² I)``; the two starts are the same point.

    Parameters
    ----------
    velocity : callable
        ``velocity(x, t) -> Tensor (n, d)``.
    n, dim : int
        Number of samples and their dimension.
    steps : int
        Number of steps (>= 1) on the uniform grid, unless ``times`` is given.
    seed : int, torch.Generator or None
        Randomness of the start.
    heun : bool
        Heun's method (two evaluations per step) if True, Euler's otherwise.
    start : array or tensor, shape (n, dim), optional
        Starting points at ``t = 0`` instead of random draws (then ``seed`` is
        not used): the flow is then a deterministic map.
    times : sequence, array or tensor, optional
        An increasing grid ending at 1 in place of the uniform one.
    euler_last : bool
        End with an Euler step, for a velocity that is not defined at ``t = 1``
        (:func:`empirical_velocity`).

    Returns
    -------
    torch.Tensor
        Shape ``(n, dim)``, float32 (the sampling protocol); the integration
        runs in float64.
    """
    if not callable(velocity):
        raise TypeError(f"velocity must be callable, got {type(velocity).__name__}")
    n = check_int(n, "n", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    times = time_grid(steps) if times is None else _check_grid(times)
    if start is None:
        x = torch.randn(n, dim, generator=check_seed(seed), dtype=torch.float64)
        x = (1 - float(times[0])) * x
    else:
        x = check_tensor(start, "start").double()
        if x.shape != (n, dim):
            raise ValueError(
                f"start must have shape ({n}, {dim}), got {tuple(x.shape)}"
            )
    method = "heun" if heun else "euler"
    return integrate(velocity, x, times, method=method, euler_last=euler_last).float()


def _check_grid(times, from_zero: bool = False) -> torch.Tensor:
    times = check_times(times, "times")
    first = float(times[0])
    starts_ok = first == 0.0 if from_zero else 0.0 <= first < 1.0
    if not starts_ok or float(times[-1]) != 1.0 or times[1] < times[0]:
        where = "from 0 to 1" if from_zero else "to 1, from a start in [0, 1)"
        raise ValueError(f"times must increase {where}")
    return times


def log_prob_ode(
    x, velocity: Velocity, steps: int = 200, times=None, method: str = "rk4"
) -> torch.Tensor:
    """Log-density at ``x`` of ``N(0, I)`` carried from ``t = 0`` to 1 by the flow.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    Integrates backwards from ``x`` at ``t = 1`` to ``z`` at ``t = 0`` together
    with ``ell(t) = log p_t(x_t)``, which obeys ``d ell / dt = -div u_t(x_t)``
    (the instantaneous change of variables), and returns
    ``log N(z) - integral_0^1 div u_t(x_t) dt``. The divergence is exact
    (:func:`divergence`).

    Parameters
    ----------
    x : array or tensor, shape (n, d)
        Points at which to evaluate the density.
    velocity : callable
        ``velocity(x, t) -> Tensor (n, d)``, differentiable in ``x``, taking an
        ``(n, d)`` float64 tensor and a float.
    steps : int
        Number of steps (>= 1) on the uniform grid, unless ``times`` is given.
    times : sequence, array or tensor, optional
        An increasing grid from 0 to 1 in place of the uniform one.
    method : {"rk4", "heun", "euler"}
        The one-step method of :func:`gentheory_utils.ode.integrate`; the
        fourth-order default reaches about 1e-5 with 200 steps on the grid of
        chapter 8.

    Returns
    -------
    torch.Tensor
        Shape ``(n,)``, float64.
    """
    if not callable(velocity):
        raise TypeError(f"velocity must be callable, got {type(velocity).__name__}")
    x = check_tensor(x, "x").double()
    d = x.shape[1]
    times = time_grid(steps) if times is None else _check_grid(times, True)

    def augmented(state: torch.Tensor, t: float) -> torch.Tensor:
        y = state[:, :d]
        with torch.enable_grad():
            y_req = y.detach().requires_grad_(True)
            u = _checked_velocity(velocity, y_req, t)
            div = torch.zeros(len(y), dtype=torch.float64)
            for j in range(d):
                (g,) = torch.autograd.grad(u[:, j].sum(), y_req, retain_graph=j < d - 1)
                div = div + g[:, j].double()
        return torch.cat([u.detach().double(), -div[:, None].detach()], 1)

    start = torch.cat([x, torch.zeros(len(x), 1, dtype=torch.float64)], 1)
    end = integrate(augmented, start, times.flip(0), method=method)
    z, change = end[:, :d], end[:, d]
    # change = ell(0) - ell(1) accumulated backwards = integral_0^1 div dt
    return _standard_normal_log_prob(z) - change


# -------------------------------------------------------------------- learning

#: Training settings of chapter 8 and ``benchmarks/flow_coverage.py``: keyword
#: arguments of :func:`train_flow` (``"coupling"``) and of
#: :func:`train_velocity_net` (the wide ring of the paths section, the 2-D
#: mixtures, the digits).
RECIPES: dict[str, dict] = {
    "coupling": dict(steps=400, n_layers=6, hidden=(48, 48), lr=3e-3),
    "paths": dict(steps=1000, hidden=(128, 128), batch_size=256, lr=3e-3),
    # the network and budget of chapter 7's score model (diffusion.RECIPES["2-D"])
    "2-D": dict(steps=5000, hidden=(256, 128, 128), batch_size=256, lr=3e-3),
    "digits": dict(steps=1000, hidden=(512, 512), batch_size=128, lr=2e-3),
}


class VelocityNet(nn.Module):
    """A time-dependent velocity field ``u_theta(x, t)``: an MLP on ``(x, t)``.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    The network sees the standardised point ``(x - mean) / scale`` and ``t``
    and returns ``scale`` times its output, so that both its input and its
    target have unit scale. It samples like chapter 7's score model: Heun steps
    on the same noise levels (:func:`time_grid` with ``"ladder"``).

    Parameters
    ----------
    dim : int
        Data dimension.
    hidden : sequence of int
        Hidden widths (SiLU).
    mean : array or tensor, shape (d,), optional
        Data mean (zero when omitted).
    scale : float
        The data's scale, ``sqrt(E|x - mean|² / d)`` (> 0).
    steps : int
        Heun steps of :meth:`sample`.
    """

    def __init__(
        self,
        dim: int,
        hidden: Sequence[int] = (256, 256, 256),
        mean=None,
        scale: float = 1.0,
        steps: int = 40,
    ) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", minimum=1)
        scale = check_float(scale, "scale", low=0.0, low_inclusive=False)
        self.steps = check_int(steps, "steps", minimum=1)
        if mean is None:
            mean = torch.zeros(self.dim)
        mean = check_tensor(mean, "mean", ndim=1).float()
        if mean.shape != (self.dim,):
            raise ValueError(
                f"mean must have shape ({self.dim},), got {tuple(mean.shape)}"
            )
        self.register_buffer("mean", mean)
        self.register_buffer("scale", torch.tensor(scale))
        self.net = mlp(self.dim + 1, self.dim, hidden, activation="silu")

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        """``u_theta(x, t)``: shape ``(n, d)``; ``t`` a float or shape ``(n,)``."""
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device).reshape(-1, 1)
        t = t.expand(len(x), 1)
        scale = self.scale.to(x.dtype)
        centred = (x - self.mean.to(x.dtype)) / scale
        return scale * self.net(torch.cat([centred, t], 1))

    def velocity(self, x, t: float) -> torch.Tensor:
        """The field as the samplers call it: float64 ``(n, d)`` in and out."""
        x = check_tensor(x, "x").double()
        p = next(self.parameters())
        with torch.no_grad():
            return self(x.to(p.device, p.dtype), float(t)).double().cpu()

    def sample(
        self, n: int, seed: Seed = None, steps: int | None = None, grid: str = "ladder"
    ) -> torch.Tensor:
        """``n`` samples by Heun's method: shape ``(n, d)``, float32.

        ``grid`` is a :func:`time_grid` kind: ``"ladder"`` (chapter 7's noise
        levels, in the model's scale) or ``"uniform"``.
        """
        steps = self.steps if steps is None else steps
        times = time_grid(steps, grid, float(self.scale))
        return sample_flow(self.velocity, n, self.dim, times=times, seed=seed)


def flow_matching_loss(
    model: VelocityNet, x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    """Conditional flow matching: ``mean |u_theta(x_t, t) - (x_1 - x_0)|²``.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    Parameters
    ----------
    model : VelocityNet
    x0, x1 : torch.Tensor, shape (n, d)
        Noise and data, paired row by row.
    t : torch.Tensor, shape (n,)
        Times in ``[0, 1]``.

    Returns
    -------
    torch.Tensor
        A scalar: the per-point squared error, summed over coordinates.
    """
    t = t.reshape(-1, 1)
    xt = (1 - t) * x0 + t * x1
    return (model(xt, t[:, 0]) - (x1 - x0)).square().sum(1).mean()


def ot_pairs(x0, x1) -> torch.Tensor:
    """Reorder ``x0`` to pair it with ``x1`` at least total squared distance.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    The exact assignment of chapter 4 (the Hungarian method) on the cost
    ``|x0_i - x1_j|²``: minibatch optimal-transport pairing.

    Parameters
    ----------
    x0, x1 : array or tensor, shape (n, d)

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``: the rows of ``x0``, permuted so that row ``j`` is paired
        with ``x1[j]``; same dtype as ``x0``.
    """
    x0 = check_tensor(x0, "x0")
    x1 = check_tensor(x1, "x1")
    if x0.shape != x1.shape:
        raise ValueError(
            f"x0 and x1 must have the same shape, got {tuple(x0.shape)} and "
            f"{tuple(x1.shape)}"
        )
    cost = torch.cdist(x1.double(), x0.double()).square().cpu().numpy()
    _, cols = linear_sum_assignment(cost)
    return x0[torch.from_numpy(np.asarray(cols)).to(x0.device)]


def train_velocity_net(
    x_train,
    steps: int = 4000,
    *,
    hidden: Sequence[int] = (256, 256, 256),
    batch_size: int = 256,
    lr: float = 3e-3,
    coupling: str = "independent",
    time_sampling: str = "uniform",
    ot_pool: int = 20_480,
    pairs: tuple | None = None,
    sampler_steps: int = 40,
    seed: Seed = None,
    log_every: int = 50,
    progress: bool = True,
) -> TrainResult:
    """Fit a :class:`VelocityNet` by conditional flow matching.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    Each Adam step draws a batch of data ``x_1`` (with replacement), noise
    ``x_0`` and times ``t ~ U(0, 1)``, pairs them (independently, or by
    minibatch optimal transport), and minimises :func:`flow_matching_loss`;
    the learning rate decays to 0 on a cosine. With ``pairs=(x0, x1)`` the
    batches are drawn from fixed pairs instead (rectified flow's *reflow*).

    Parameters
    ----------
    x_train : array or tensor, shape (m, d)
        Training points (finite); their mean and scale standardise the network.
    steps, batch_size : int
        Adam steps and rows per step.
    hidden : sequence of int
        Hidden widths.
    lr : float
        Initial learning rate (> 0).
    coupling : {"independent", "ot"}
        How noise and data are paired: independently in every batch, or by
        minibatch optimal transport: :func:`ot_pairs` within minibatches of
        ``batch_size``, done once for a pool of ``ot_pool`` draws; training
        batches are then drawn from those pairs (a batch mixes pairs of
        several minibatches, each pair drawn from the minibatch-OT coupling).
    time_sampling : {"uniform", "levels"}
        Training times: ``t ~ U(0, 1)`` (flow matching's usual choice), or
        chapter 7's noise levels seen in flow-matching time,
        ``t = 1 / (1 + sigma)`` with ``ln(sigma / scale) ~ N(-2, 1.2²)``.
    ot_pool : int
        Size of that pool (a multiple of ``batch_size`` is used).
    pairs : tuple of two tensors, shape (p, d) each, optional
        Fixed noise-data pairs to train on (``coupling`` is then ignored).
    sampler_steps : int
        Heun steps of the model's sampler (chapter 7's score model takes 40).
    seed : int, torch.Generator or None
        Seeds torch's global generator (weights, batches, noise, times).
    log_every : int
        Record the loss every this many steps.
    progress : bool
        Show a progress bar.

    Returns
    -------
    TrainResult
        ``model`` is the :class:`VelocityNet`; ``history`` holds ``step`` and
        ``loss``.
    """
    x_train = check_tensor(x_train, "x_train", min_rows=2).float()
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_float(lr, "lr", low=0.0, low_inclusive=False)
    sampler_steps = check_int(sampler_steps, "sampler_steps", minimum=1)
    log_every = check_int(log_every, "log_every", minimum=1)
    if coupling not in ("independent", "ot"):
        raise ValueError(f"coupling must be 'independent' or 'ot', got {coupling!r}")
    if time_sampling not in ("uniform", "levels"):
        raise ValueError(
            f"time_sampling must be 'uniform' or 'levels', got {time_sampling!r}"
        )
    if pairs is not None:
        if not isinstance(pairs, tuple | list) or len(pairs) != 2:
            raise ValueError("pairs must be a tuple (x0, x1) of two tensors")
        p0 = check_tensor(pairs[0], "pairs[0]").float()
        p1 = check_tensor(pairs[1], "pairs[1]").float()
        if p0.shape != p1.shape or p0.shape[1] != x_train.shape[1]:
            raise ValueError(
                "pairs[0] and pairs[1] must have the same shape, with as many "
                "columns as x_train"
            )
    ot_pool = check_int(ot_pool, "ot_pool", minimum=1)
    torch.manual_seed(seed_int(seed))
    mean = x_train.mean(0)
    scale = float((x_train - mean).square().mean().sqrt())
    if scale <= 0:
        raise ValueError("x_train must not be constant")
    if pairs is None and coupling == "ot":
        chunks = max(1, ot_pool // batch_size)
        x1_pool = x_train[torch.randint(len(x_train), (chunks * batch_size,))]
        x0_pool = torch.randn_like(x1_pool)
        for c in range(chunks):
            rows = slice(c * batch_size, (c + 1) * batch_size)
            x0_pool[rows] = ot_pairs(x0_pool[rows], x1_pool[rows])
        p0, p1, pairs = x0_pool, x1_pool, (x0_pool, x1_pool)
    model = VelocityNet(x_train.shape[1], hidden, mean.cpu(), scale, sampler_steps)
    model = model.to(x_train.device)
    opt = fast_adam(model.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history: dict[str, list] = {"step": [], "loss": []}
    start = time.perf_counter()
    for step in progress_range(steps, progress=progress, desc="flow matching"):
        if pairs is None:
            x1 = x_train[torch.randint(len(x_train), (batch_size,))]
            x0 = torch.randn_like(x1)
        else:
            idx = torch.randint(len(p0), (batch_size,))
            x0, x1 = p0[idx].to(x_train.device), p1[idx].to(x_train.device)
        if time_sampling == "uniform":
            t = torch.rand(batch_size, device=x_train.device)
        else:
            sigma = scale * torch.exp(-2.0 + 1.2 * torch.randn(batch_size))
            t = (1 / (1 + sigma)).to(x_train.device)
        loss = flow_matching_loss(model, x0, x1, t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % log_every == 0 or step == steps - 1:
            history["step"].append(step + 1)
            history["loss"].append(loss.item())
    model.eval()
    return TrainResult(
        model=model, history=history, seconds=time.perf_counter() - start
    )
