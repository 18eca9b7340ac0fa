"""Diffusion and score-based models: noising, exact scores and samplers (chapter 7).

The forward process adds Gaussian noise, ``x_sigma = x_0 + sigma z``, so the
noisy law is the data law convolved with ``N(0, sigma² I)``. For the book's
Gaussian mixtures (:class:`~gentheory_utils.data.Mixture`) and for the
empirical law of a training set, its score ``∇ log p_sigma`` has a closed form;
the samplers here run the reverse process with any score function
``score(x, sigma) -> Tensor (n, d)``:

* :func:`mixture_score`: the exact score of a mixture convolved with noise;
* :func:`empirical_denoiser`: the optimal denoiser ``E[x_0 | x_sigma]`` of an
  empirical law, a softmax-weighted average of the training points;
* :func:`noise_levels`: a decreasing geometric schedule ending at 0;
* :func:`sample_ode`, :func:`sample_sde`: the probability-flow ODE (Euler or
  Heun) and the reverse-time SDE (Euler–Maruyama);
* :class:`ScoreSampler`: a score and a schedule as a model with the book's
  sampling protocol ``sample(n, seed=None) -> Tensor (n, d)``;
* :class:`ScoreNet`, :func:`denoising_loss`, :func:`train_score_net` and
  :data:`RECIPES`: a learned noise-conditional denoiser, its loss and its
  training loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import torch
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
from .nets import fast_adam, mlp
from .ode import check_times, integrate
from .progress import progress_range
from .runs import TrainResult

__all__ = [
    "mixture_score",
    "empirical_denoiser",
    "noise_levels",
    "sample_ode",
    "sample_sde",
    "ScoreSampler",
    "RECIPES",
    "ScoreNet",
    "denoising_loss",
    "train_score_net",
]

ScoreFn = Callable[[torch.Tensor, float], torch.Tensor]


def _mixture_parts(mixture, centers, std, weights):
    """(centers (K, d) float64, std, weights (K,) float64) from either form."""
    if mixture is not None:
        if not isinstance(mixture, Mixture):
            raise TypeError(
                f"mixture must be a data.Mixture, got {type(mixture).__name__}"
            )
        if centers is not None or std is not None or weights is not None:
            raise ValueError("give either mixture or centers/std/weights, not both")
        return mixture.centers.double(), mixture.std, mixture.weights.double()
    if centers is None or std is None:
        raise ValueError("give a mixture, or centers and std (weights optional)")
    checked = Mixture(centers, std, weights)  # validates all three
    # Explicit centres keep their precision (a Mixture stores float32 centres).
    return check_tensor(centers, "centers").double(), checked.std, checked.weights


def mixture_score(
    x,
    sigma: float,
    mixture: Mixture | None = None,
    *,
    centers=None,
    std=None,
    weights=None,
) -> torch.Tensor:
    """Score ``∇_x log p_sigma(x)`` of a Gaussian mixture convolved with noise.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Each component ``N(c_k, std² I)`` convolved with ``N(0, sigma² I)`` is
    ``N(c_k, v I)`` with ``v = std² + sigma²``, so the score is
    ``sum_k gamma_k(x) (c_k - x) / v`` with the responsibilities
    ``gamma_k ∝ w_k exp(-|x - c_k|² / (2 v))``.

    Parameters
    ----------
    x : array or tensor, shape (n, d)
        Points, in data units.
    sigma : float
        Noise level (>= 0), in data units.
    mixture : data.Mixture, optional
        The mixture (for example ``data.ring()``); or give the explicit form:
    centers : array or tensor, shape (K, d)
        Used in float64 as given (a ``Mixture`` rounds its centres to float32).
    std : float
        Standard deviation of every component (> 0).
    weights : array-like, shape (K,), optional
        Component probabilities; equal when omitted.

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``, float64, in inverse data units.
    """
    centers, std, weights = _mixture_parts(mixture, centers, std, weights)
    x = check_tensor(x, "x").double()
    if x.shape[1] != centers.shape[1]:
        raise ValueError(f"x must have {centers.shape[1]} columns, got {x.shape[1]}")
    sigma = check_float(sigma, "sigma", low=0.0)
    var = std**2 + sigma**2
    logits = weights.log() - torch.cdist(x, centers).square() / (2 * var)
    resp = torch.softmax(logits, dim=1)  # (n, K)
    return (resp @ centers - x) / var


def empirical_denoiser(x, sigma: float, train) -> torch.Tensor:
    """Optimal denoiser ``E[x_0 | x_sigma = x]`` when ``x_0`` is a training point.

    Taught in Chapter 7, *Diffusion and score-based models*.

    For the empirical law of ``m`` points ``t_i`` the posterior over which point
    was noised is ``softmax_i(-|x - t_i|² / (2 sigma²))``, so the denoiser is
    the softmax-weighted average of the training points and the score is
    ``(denoiser - x) / sigma²`` (Tweedie's formula).

    Parameters
    ----------
    x : array or tensor, shape (n, d)
        Noisy points, in data units.
    sigma : float
        Noise level (> 0), in data units.
    train : array or tensor, shape (m, d)
        The training points.

    Returns
    -------
    torch.Tensor
        Shape ``(n, d)``, float64: points in the convex hull of ``train``.
    """
    x = check_tensor(x, "x").double()
    train = check_tensor(train, "train").double()
    if x.shape[1] != train.shape[1]:
        raise ValueError(
            f"x and train must have the same number of columns, got {x.shape[1]} "
            f"and {train.shape[1]}"
        )
    sigma = check_float(sigma, "sigma", low=0.0, low_inclusive=False)
    out = torch.empty_like(x)
    rows = max(1, 2**22 // max(1, len(train)))  # about 32 MB of weights at a time
    for a in range(0, len(x), rows):
        logits = -torch.cdist(x[a : a + rows], train).square() / (2 * sigma**2)
        out[a : a + rows] = torch.softmax(logits, dim=1) @ train
    return out


def noise_levels(n_steps: int, sigma_min: float, sigma_max: float) -> torch.Tensor:
    """A geometric schedule from ``sigma_max`` down to ``sigma_min``, then 0.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Parameters
    ----------
    n_steps : int
        Number of sampler steps (>= 1): the schedule has ``n_steps + 1`` levels,
        ``n_steps`` of them positive, so one step needs ``sigma_min == sigma_max``.
    sigma_min, sigma_max : float
        Smallest and largest positive level, ``0 < sigma_min <= sigma_max``.

    Returns
    -------
    torch.Tensor
        Shape ``(n_steps + 1,)``, float64, decreasing, last entry 0.
    """
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    sigma_min = check_float(sigma_min, "sigma_min", low=0.0, low_inclusive=False)
    sigma_max = check_float(sigma_max, "sigma_max", low=sigma_min)
    if n_steps == 1 and sigma_min != sigma_max:
        raise ValueError(
            "one step has one positive level, so it cannot reach both sigma_max and "
            f"sigma_min: give n_steps >= 2 or sigma_min == sigma_max (got "
            f"{sigma_min} and {sigma_max})"
        )
    ratio = torch.linspace(0.0, 1.0, n_steps, dtype=torch.float64)
    levels = sigma_max * (sigma_min / sigma_max) ** ratio
    return torch.cat([levels, torch.zeros(1, dtype=torch.float64)])


def _check_run(score, n, dim, sigmas, min_levels: int = 2):
    if not callable(score):
        raise TypeError(f"score must be callable, got {type(score).__name__}")
    n = check_int(n, "n", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    sigmas = check_times(sigmas, "sigmas", min_levels=min_levels)
    if not bool((sigmas[1:] < sigmas[:-1]).all()) or float(sigmas[-1]) < 0:
        raise ValueError("sigmas must decrease strictly and end at a level >= 0")
    return n, dim, sigmas


def _score(score: ScoreFn, x: torch.Tensor, sigma: float) -> torch.Tensor:
    out = torch.as_tensor(score(x, sigma)).double()
    if out.shape != x.shape:
        raise ValueError(
            f"score returned shape {tuple(out.shape)}, expected {tuple(x.shape)}"
        )
    return out


def sample_ode(
    score: ScoreFn,
    n: int,
    dim: int,
    sigmas,
    seed: Seed = None,
    heun: bool = True,
    start=None,
) -> torch.Tensor:
    """Samples by the probability-flow ODE ``dx/dsigma = -sigma score(x, sigma)``.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Starts from ``N(0, sigmas[0]² I)`` and integrates down the levels with
    :func:`gentheory_utils.ode.integrate`: Euler steps, or Heun steps (a second
    score evaluation, except on the last step when it ends at 0, where the
    score is not defined; that Euler step is Tweedie's denoiser). The only
    randomness is the start.

    Parameters
    ----------
    score : callable
        ``score(x, sigma) -> Tensor (n, d)``, the score of the noisy law.
    n, dim : int
        Number of samples and their dimension.
    sigmas : sequence, array or tensor, shape (S + 1,)
        Strictly decreasing levels, for example :func:`noise_levels`; one level
        (``S = 0``) returns the start.
    seed : int, torch.Generator or None
        Randomness of the start.
    heun : bool
        Heun (second order) if True, Euler otherwise.
    start : array or tensor, shape (n, dim), optional
        Starting points at level ``sigmas[0]`` instead of random draws (then
        ``seed`` is not used): the ODE is then a deterministic map.

    Returns
    -------
    torch.Tensor
        Shape ``(n, dim)``, float32 (the sampling protocol); the integration
        itself runs in float64.
    """
    n, dim, sigmas = _check_run(score, n, dim, sigmas, min_levels=1)
    gen = check_seed(seed)
    if start is None:
        x = float(sigmas[0]) * torch.randn(n, dim, generator=gen, dtype=torch.float64)
    else:
        x = check_tensor(start, "start").double()
        if x.shape != (n, dim):
            raise ValueError(
                f"start must have shape ({n}, {dim}), got {tuple(x.shape)}"
            )
    x = integrate(
        lambda y, s: -s * _score(score, y, s),
        x,
        sigmas,
        method="heun" if heun else "euler",
        euler_last=float(sigmas[-1]) == 0.0,
    )
    return x.float()


def sample_sde(
    score: ScoreFn, n: int, dim: int, sigmas, seed: Seed = None
) -> torch.Tensor:
    """Samples by the reverse-time SDE, with Euler–Maruyama steps.

    Taught in Chapter 7, *Diffusion and score-based models*.

    From level ``s`` to ``s' < s``:
    ``x <- x + (s² - s'²) score(x, s) + sqrt(s² - s'²) z``; the last step, to a
    level of 0, adds no noise, so it is Tweedie's denoiser ``x + s² score``.

    Parameters
    ----------
    score : callable
        ``score(x, sigma) -> Tensor (n, d)``.
    n, dim : int
        Number of samples and their dimension.
    sigmas : sequence, array or tensor, shape (S + 1,)
        Strictly decreasing levels, for example :func:`noise_levels`; one level
        (``S = 0``) returns the start.
    seed : int, torch.Generator or None
        Randomness of the start and of every step.

    Returns
    -------
    torch.Tensor
        Shape ``(n, dim)``, float32 (the sampling protocol); the integration
        itself runs in float64.
    """
    n, dim, sigmas = _check_run(score, n, dim, sigmas, min_levels=1)
    gen = check_seed(seed)
    x = float(sigmas[0]) * torch.randn(n, dim, generator=gen, dtype=torch.float64)
    for s, s_next in zip(sigmas[:-1].tolist(), sigmas[1:].tolist(), strict=True):
        step = s**2 - s_next**2
        x = x + step * _score(score, x, s)
        if s_next > 0:
            x = x + math.sqrt(step) * torch.randn(
                n, dim, generator=gen, dtype=torch.float64
            )
    return x.float()


class ScoreSampler:
    """A score function and a schedule, as a model with ``sample(n, seed)``.

    Taught in Chapter 7, *Diffusion and score-based models*.

    Parameters
    ----------
    score : callable
        ``score(x, sigma) -> Tensor (n, d)``.
    dim : int
        Dimension of the samples.
    sigmas : sequence, array or tensor, shape (S + 1,)
        Strictly decreasing levels.
    method : {"ode", "sde"}
        Probability-flow ODE (Heun) or reverse SDE (Euler–Maruyama).
    """

    def __init__(self, score: ScoreFn, dim: int, sigmas, method: str = "ode"):
        if method not in ("ode", "sde"):
            raise ValueError(f"method must be 'ode' or 'sde', got {method!r}")
        _, self.dim, self.sigmas = _check_run(score, 1, dim, sigmas)
        self.score, self.method = score, method

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """``n`` samples, shape ``(n, dim)``, float32."""
        run = sample_ode if self.method == "ode" else sample_sde
        return run(self.score, n, self.dim, self.sigmas, seed=seed)


# --------------------------------------------------------------------------- learning

#: Training settings of chapter 7 and ``benchmarks/diffusion_coverage.py``:
#: keyword arguments of :func:`train_score_net`, for the 2-D mixtures and the digits.
RECIPES: dict[str, dict] = {
    "2-D": dict(
        steps=5000, hidden=(256, 128, 128), batch_size=256, lr=3e-3, log_sigma_mean=-2.0
    ),
    "digits": dict(
        steps=1000,
        hidden=(512, 512),
        batch_size=128,
        lr=2e-3,
        log_sigma_mean=0.0,
        sampler_steps=24,
    ),
}


class ScoreNet(nn.Module):
    """A noise-conditional denoiser ``D(x, sigma) ≈ E[x_0 | x_sigma = x]``.

    Taught in Chapter 7, *Diffusion and score-based models*.

    An MLP ``F`` with the preconditioning of Karras et al. (2022), applied to
    the centred data ``x - mu``: with ``s = sigma_data``,
    ``D(x, sigma) = mu + c_skip (x - mu) + c_out F(c_in (x - mu), c_noise)``,
    where ``c_skip = s² / (sigma² + s²)``, ``c_out = sigma s / sqrt(sigma² + s²)``,
    ``c_in = 1 / sqrt(sigma² + s²)`` and ``c_noise = log(sigma) / 4``. When the
    data have mean ``mu`` and ``E|x - mu|² = d s²``, the network's input and its
    regression target have unit scale at every level, and at small ``sigma``
    the denoiser is close to the identity plus a correction of size ``sigma``.
    The score follows by Tweedie's formula, ``(D(x, sigma) - x) / sigma²``.

    Parameters
    ----------
    dim : int
        Data dimension ``d``.
    hidden : sequence of int
        Hidden widths of the MLP (SiLU activations).
    sigma_data : float
        Standard deviation of the data per coordinate (> 0), in data units:
        ``sqrt(E|x - mu|² / d)``.
    mean : array or tensor, shape (d,), optional
        The data's mean ``mu`` (zero when omitted).
    sigmas : sequence, array or tensor, shape (S + 1,), optional
        Schedule used by :meth:`sample`; by default
        ``noise_levels(40, 0.002 sigma_data, 20 sigma_data)``
        (:func:`train_score_net` uses ``sampler_steps`` levels on that range).
    """

    def __init__(
        self,
        dim: int,
        hidden: Sequence[int] = (128, 128, 128),
        sigma_data: float = 1.0,
        sigmas=None,
        mean=None,
    ) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", minimum=1)
        self.sigma_data = check_float(
            sigma_data, "sigma_data", low=0.0, low_inclusive=False
        )
        if mean is None:
            mean = torch.zeros(self.dim)
        mean = check_tensor(mean, "mean", ndim=1).float()
        if mean.shape != (self.dim,):
            raise ValueError(
                f"mean must have shape ({self.dim},), got {tuple(mean.shape)}"
            )
        self.register_buffer("mean", mean)
        self.net = mlp(dim + 1, dim, hidden, activation="silu")
        if sigmas is None:
            sigmas = noise_levels(40, 2e-3 * self.sigma_data, 20 * self.sigma_data)
        self.sigmas = _check_run(lambda x, s: x, 1, dim, sigmas)[2]

    def forward(self, x: torch.Tensor, sigma) -> torch.Tensor:
        """The denoiser ``D(x, sigma)``: shape ``(n, d)`` like ``x``.

        ``sigma`` is a positive float or a tensor of shape ``(n,)`` or ``(n, 1)``.
        """
        sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).reshape(-1, 1)
        sigma = sigma.expand(len(x), 1)
        s2 = self.sigma_data**2
        c_skip = s2 / (sigma**2 + s2)
        c_out = sigma * self.sigma_data / (sigma**2 + s2).sqrt()
        c_in = 1 / (sigma**2 + s2).sqrt()
        c_noise = sigma.log() / 4
        centred = x - self.mean.to(x.dtype)
        out = c_skip * centred + c_out * self.net(
            torch.cat([c_in * centred, c_noise], 1)
        )
        return self.mean.to(x.dtype) + out

    @torch.no_grad()
    def score(self, x, sigma: float) -> torch.Tensor:
        """The learned score ``(D(x, sigma) - x) / sigma²``: shape (n, d), float64."""
        x = check_tensor(x, "x").double()
        sigma = check_float(sigma, "sigma", low=0.0, low_inclusive=False)
        p = next(self.parameters())
        out = self(x.to(p.device, p.dtype), sigma).double().cpu()
        return (out - x) / sigma**2

    def sample(
        self, n: int, seed: Seed = None, steps: int | None = None
    ) -> torch.Tensor:
        """``n`` samples by the probability-flow ODE (Heun): shape (n, d), float32.

        ``steps`` (>= 2) replaces the model's schedule by one of that many steps
        over the same range of levels.
        """
        sigmas = self.sigmas
        if steps is not None:
            steps = check_int(steps, "steps", minimum=2)
            sigmas = noise_levels(steps, float(sigmas[-2]), float(sigmas[0]))
        return sample_ode(self.score, n, self.dim, sigmas, seed=seed)


def denoising_loss(
    model: ScoreNet, x0: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    """Denoising score matching, in denoiser form, weighted to unit scale.

    Taught in Chapter 7, *Diffusion and score-based models*.

    ``mean_i lambda(sigma_i) |D(x0_i + sigma_i z_i, sigma_i) - x0_i|²`` with
    ``lambda = 1 / c_out²``, so every level contributes on the same scale:
    since ``lambda c_out² = 1``, the loss is ``|F - F_target|²`` for the
    network's own output, with target
    ``F_target = (x0 - mu - c_skip (x - mu)) / c_out``. Since
    ``D = x + sigma² s``, it is also ``sigma⁴ lambda |s(x_sigma) + z / sigma|²``:
    Vincent's denoising score matching, weighted.

    Parameters
    ----------
    model : ScoreNet
    x0 : torch.Tensor, shape (n, d)
        Clean data.
    sigma : torch.Tensor, shape (n,)
        Noise level of each row (> 0).
    noise : torch.Tensor, shape (n, d)
        Standard normal draws ``z``.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    sigma = sigma.reshape(-1, 1)
    denoised = model(x0 + sigma * noise, sigma)
    s2 = model.sigma_data**2
    weight = (sigma**2 + s2) / (sigma * model.sigma_data) ** 2
    return (weight * (denoised - x0).square()).sum(1).mean()


def train_score_net(
    x_train,
    steps: int = 2000,
    *,
    hidden: Sequence[int] = (256, 128, 128),
    batch_size: int = 256,
    lr: float = 3e-3,
    log_sigma_mean: float = -2.0,
    log_sigma_std: float = 1.2,
    sampler_steps: int = 40,
    seed: Seed = None,
    log_every: int = 50,
    progress: bool = True,
) -> TrainResult:
    """Fit a :class:`ScoreNet` to ``x_train`` by denoising score matching.

    Taught in Chapter 7, *Diffusion and score-based models*.

    The data's mean ``mu`` and scale ``sigma_data = sqrt(E|x - mu|² / d)`` set
    the preconditioning. Each Adam step draws a batch (with replacement), levels
    ``sigma = sigma_data exp(N(log_sigma_mean, log_sigma_std²))`` and noise, and
    minimises :func:`denoising_loss`; the learning rate decays to 0 on a
    cosine. The model samples with ``sampler_steps`` Heun steps from
    ``20 sigma_data`` down to ``0.002 sigma_data``.

    Parameters
    ----------
    x_train : array or tensor, shape (m, d)
        Training points (finite); their mean and per-coordinate standard
        deviation precondition the network.
    steps, batch_size : int
        Adam steps and rows per step.
    hidden : sequence of int
        Hidden widths of the MLP.
    lr : float
        Initial learning rate (> 0).
    log_sigma_mean, log_sigma_std : float
        Where training levels concentrate, relative to ``sigma_data``.
    sampler_steps : int
        Steps of the model's sampler.
    seed : int, torch.Generator or None
        Seeds torch's global generator (weights, batches, levels, noise).
    log_every : int
        Record the loss every this many steps.
    progress : bool
        Show a progress bar.

    Returns
    -------
    TrainResult
        ``model`` is the :class:`ScoreNet`; ``history`` holds ``step`` and ``loss``.
    """
    x_train = check_tensor(x_train, "x_train", min_rows=2).float()
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_float(lr, "lr", low=0.0, low_inclusive=False)
    log_sigma_mean = check_float(log_sigma_mean, "log_sigma_mean")
    log_sigma_std = check_float(log_sigma_std, "log_sigma_std", low=0.0)
    sampler_steps = check_int(sampler_steps, "sampler_steps", minimum=1)
    log_every = check_int(log_every, "log_every", minimum=1)
    torch.manual_seed(seed_int(seed))
    mean = x_train.mean(0)
    sigma_data = float((x_train - mean).square().mean().sqrt())
    if sigma_data <= 0:
        raise ValueError("x_train must not be constant")
    sigmas = noise_levels(sampler_steps, 2e-3 * sigma_data, 20 * sigma_data)
    model = ScoreNet(x_train.shape[1], hidden, sigma_data, sigmas, mean.cpu())
    model = model.to(x_train.device)
    opt = fast_adam(model.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history: dict[str, list] = {"step": [], "loss": []}
    start = time.perf_counter()
    for step in progress_range(steps, progress=progress, desc="training score net"):
        x0 = x_train[torch.randint(len(x_train), (batch_size,))]
        log_sigma = log_sigma_mean + log_sigma_std * torch.randn(batch_size)
        sigma = sigma_data * log_sigma.exp().to(x0.device)
        loss = denoising_loss(model, x0, sigma, torch.randn_like(x0))
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
