"""Data sets shared by the chapters, and the sampling protocol they all follow.

Every data source, like every generative model of the book, follows one
**sampling protocol**: ``sample(n, seed=None) -> Tensor`` of shape ``(n, d)``.
``seed`` is the book's one seed convention (``None``, an ``int`` or a
``torch.Generator``, see ``gentheory_utils._validate.check_seed``), so the
metrics and the audits accept any model or data source directly.

Nothing here downloads anything: the toys are generated, and the digits are the
8x8 images that ship inside scikit-learn.

Introduced in chapter 1 (manifolds: :func:`helix`, :func:`swiss_roll`,
:func:`sphere`, :func:`digits`); the mixtures :func:`ring` and :func:`grid`
(:class:`Mixture`) follow the PacGAN protocol used in the GAN chapters, and
:class:`KnownSupport` serves the birthday-paradox audits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from ._validate import (
    Seed,
    check_float,
    check_int,
    check_probabilities,
    check_seed,
    check_tensor,
    seed_int,
)

__all__ = [
    "Sampler",
    "Mixture",
    "ring",
    "grid",
    "random_rotation",
    "helix",
    "swiss_roll",
    "sphere",
    "DigitsSplit",
    "digits",
    "KnownSupport",
]


@runtime_checkable
class Sampler(Protocol):
    """The sampling protocol: anything with ``sample(n, seed=None) -> Tensor (n, d)``.

    Taught in Chapter 3, *GANs and mode collapse*.
    """

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor: ...


class Mixture:
    """An isotropic Gaussian mixture: ``sum_k w_k N(centers_k, std^2 I)``.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    centers : array or tensor, shape (K, d)
        Mode centres.
    std : float
        Standard deviation of every mode (> 0), in the units of ``centers``.
    weights : array-like of shape (K,), optional
        Mode probabilities; equal weights when omitted.
    name : str
        A label for tables and titles.

    Attributes
    ----------
    centers : torch.Tensor
        Shape ``(K, d)``, float32.
    std : float
    weights : torch.Tensor
        Shape ``(K,)``, float64, summing to 1.
    """

    def __init__(
        self, centers, std: float, weights=None, name: str = "mixture"
    ) -> None:
        self.centers = check_tensor(centers, "centers").float()
        self.std = check_float(std, "std", low=0.0, low_inclusive=False)
        k = len(self.centers)
        if weights is None:
            self.weights = torch.full((k,), 1.0 / k, dtype=torch.float64)
        else:
            self.weights = torch.from_numpy(check_probabilities(weights, "weights", k))
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        self.name = name

    @property
    def dim(self) -> int:
        """Dimension ``d`` of the points."""
        return self.centers.shape[1]

    @property
    def n_modes(self) -> int:
        """Number of modes ``K``."""
        return self.centers.shape[0]

    def limits(self, margin: float = 0.2) -> tuple[float, float]:
        """Square plot limits ``(low, high)`` that hold every mode, with a margin.

        ``margin`` is a fraction of the spread of the centres (or of ``std``
        for a single mode).
        """
        margin = check_float(margin, "margin", low=0.0)
        lo, hi = self.centers.min().item(), self.centers.max().item()
        pad = margin * max(hi - lo, 10 * self.std) + 3 * self.std
        return lo - pad, hi + pad

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """Draw ``n`` points, shape ``(n, d)``, float32."""
        return self.sample_with_modes(n, seed)[0]

    def sample_with_modes(
        self, n: int, seed: Seed = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` points and the mode each came from (int64, shape ``(n,)``)."""
        n = check_int(n, "n", minimum=1)
        gen = check_seed(seed)
        idx = torch.multinomial(self.weights, n, replacement=True, generator=gen)
        noise = torch.randn(n, self.dim, generator=gen, dtype=torch.float64)
        return (self.centers.double()[idx] + self.std * noise).float(), idx

    def log_prob(self, x) -> torch.Tensor:
        """Log-density at each row of ``x`` ``(n, d)``: shape ``(n,)``, float64."""
        x = check_tensor(x, "x").double()
        if x.shape[1] != self.dim:
            raise ValueError(f"x must have {self.dim} columns, got {x.shape[1]}")
        sq = torch.cdist(x, self.centers.double()).pow(2)  # (n, K)
        log_norm = -0.5 * self.dim * math.log(2 * math.pi * self.std**2)
        log_comp = log_norm - sq / (2 * self.std**2) + self.weights.log()
        return torch.logsumexp(log_comp, dim=1)

    def __repr__(self) -> str:
        return f"Mixture({self.name!r}, K={self.n_modes}, d={self.dim}, std={self.std})"


def ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> Mixture:
    """Equal-weight Gaussians on a ring: centres ``radius (cos 2πi/K, sin 2πi/K)``.

    Taught in Chapter 3, *GANs and mode collapse*.

    The defaults are the PacGAN protocol's ring (Lin et al., 2018): 8 modes,
    radius 1, standard deviation 0.01. Sample with ``ring().sample(n, seed)``.
    """
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    radius = check_float(radius, "radius", low=0.0, low_inclusive=False)
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes
    centers = radius * torch.stack([angles.cos(), angles.sin()], dim=1)
    return Mixture(centers, std, name="ring")


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """Equal-weight Gaussians on a ``side x side`` grid centred at the origin.

    Taught in Chapter 3, *GANs and mode collapse*.

    The defaults are the PacGAN protocol's grid: centres ``{-4, -2, 0, 2, 4}²``,
    standard deviation 0.05. Sample with ``grid().sample(n, seed)``.
    """
    side = check_int(side, "side", minimum=1)
    spacing = check_float(spacing, "spacing", low=0.0, low_inclusive=False)
    ticks = (torch.arange(side, dtype=torch.float64) - (side - 1) / 2) * spacing
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    centers = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    return Mixture(centers, std, name="grid")


def random_rotation(dim: int, seed: Seed = None) -> torch.Tensor:
    """A random orthogonal matrix, uniform (Haar) over the orthogonal group.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Returns
    -------
    torch.Tensor
        Shape ``(dim, dim)``, float64, with ``Q @ Q.T = I``.
    """
    dim = check_int(dim, "dim", minimum=1)
    gen = check_seed(seed)
    a = torch.randn(dim, dim, generator=gen, dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    return q * torch.sign(torch.diagonal(r)).unsqueeze(0)


def _embed(
    points: torch.Tensor, ambient_dim: int, noise: float, gen: torch.Generator
) -> torch.Tensor:
    """Pad ``points`` with zeros to ``ambient_dim`` columns, rotate, add noise."""
    k = points.shape[1]
    ambient_dim = check_int(ambient_dim, "ambient_dim", minimum=k)
    noise = check_float(noise, "noise", low=0.0)
    padded = torch.zeros(points.shape[0], ambient_dim, dtype=torch.float64)
    padded[:, :k] = points
    if ambient_dim > k:
        # Only rotate when there is room to: keeps low-D pictures recognisable.
        padded = padded @ random_rotation(ambient_dim, gen).T
    if noise > 0:
        padded = padded + noise * torch.randn(
            padded.shape, generator=gen, dtype=torch.float64
        )
    return padded.float()


def helix(
    n: int,
    seed: Seed = None,
    ambient_dim: int = 3,
    turns: float = 2.0,
    noise: float = 0.0,
) -> torch.Tensor:
    """Sample a helix, a 1-manifold, embedded in ``R^ambient_dim``.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    The curve ``t -> (cos t, sin t, t / (2π))`` for ``t`` uniform on
    ``[0, 2π·turns]``, padded with zeros and rotated by a random rotation when
    ``ambient_dim > 3``, plus optional isotropic Gaussian ``noise`` in all
    coordinates.

    Returns
    -------
    torch.Tensor
        Shape ``(n, ambient_dim)``, float32. Intrinsic dimension 1.
    """
    n = check_int(n, "n", minimum=1)
    turns = check_float(turns, "turns", low=0.0, low_inclusive=False)
    gen = check_seed(seed)
    t = 2 * math.pi * turns * torch.rand(n, generator=gen, dtype=torch.float64)
    pts = torch.stack([t.cos(), t.sin(), t / (2 * math.pi)], dim=1)
    return _embed(pts, ambient_dim, noise, gen)


def swiss_roll(
    n: int, seed: Seed = None, ambient_dim: int = 3, noise: float = 0.0
) -> torch.Tensor:
    """Sample a swiss roll, a 2-manifold, embedded in ``R^ambient_dim``.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    With ``s`` uniform on ``[0, 1]`` and ``h`` uniform on ``[-1, 1]``, the
    angle is ``θ = 1.5π(1 + 2s)`` and the point is ``(θ cos θ, h·π, θ sin θ) / π``
    (about unit scale), then embedded as in :func:`helix`.

    Returns
    -------
    torch.Tensor
        Shape ``(n, ambient_dim)``, float32. Intrinsic dimension 2.
    """
    n = check_int(n, "n", minimum=1)
    gen = check_seed(seed)
    theta = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=gen, dtype=torch.float64))
    h = 2 * torch.rand(n, generator=gen, dtype=torch.float64) - 1
    pts = (
        torch.stack([theta * theta.cos(), math.pi * h, theta * theta.sin()], dim=1)
        / math.pi
    )
    return _embed(pts, ambient_dim, noise, gen)


def sphere(
    n: int, seed: Seed = None, k: int = 2, ambient_dim: int = 10, noise: float = 0.0
) -> torch.Tensor:
    """Sample the unit sphere ``S^k`` uniformly, embedded in ``R^ambient_dim``.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    ``S^k`` sits in ``R^(k+1)`` (normalised Gaussian vectors), then is padded
    and randomly rotated into ``R^ambient_dim`` (``ambient_dim >= k + 1``).

    Returns
    -------
    torch.Tensor
        Shape ``(n, ambient_dim)``, float32. Intrinsic dimension ``k``.
    """
    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=1)
    gen = check_seed(seed)
    g = torch.randn(n, k + 1, generator=gen, dtype=torch.float64)
    pts = g / g.norm(dim=1, keepdim=True)
    return _embed(pts, ambient_dim, noise, gen)


@dataclass(frozen=True)
class DigitsSplit:
    """scikit-learn's 8x8 digits, scaled to ``[0, 1]`` and split once.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Attributes
    ----------
    x_train, x_test : torch.Tensor
        Shapes ``(n_train, 64)`` and ``(n_test, 64)``, float32 in ``[0, 1]``
        (pixel intensity / 16). Reshape a row to ``(8, 8)`` to view it.
    y_train, y_test : torch.Tensor
        Digit labels 0..9, int64.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def digits(test_fraction: float = 0.2, seed: Seed = 0) -> DigitsSplit:
    """Load the bundled digits (1,797 images) with a fixed, stratified split.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    test_fraction : float
        Fraction of images held out, in ``(0, 1)``.
    seed : int, torch.Generator or None
        Seed of the split (the book's seed convention); 0 gives the book's
        default split.

    Returns
    -------
    DigitsSplit
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = check_float(test_fraction, "test_fraction", 0.0, 1.0, False, False)
    seed = seed_int(seed) % 2**32
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return DigitsSplit(
        torch.from_numpy(x_tr),
        torch.from_numpy(y_tr),
        torch.from_numpy(x_te),
        torch.from_numpy(y_te),
    )


class KnownSupport:
    """A distribution with a known, finite support: templates plus small noise.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    A sample picks template ``i`` with probability ``weights[i]`` and adds
    isotropic Gaussian noise of standard deviation ``noise``. With small noise
    the support size is ``n_templates``, which makes it the ground truth for
    the birthday-paradox audits.

    Parameters
    ----------
    n_templates : int
        Number of templates ``N`` (>= 1).
    dim : int
        Dimension of each template (>= 1).
    noise : float
        Standard deviation of the added noise (>= 0).
    weights : array-like of shape (N,), optional
        Probabilities of the templates (non-negative, summing to 1); uniform
        when omitted.
    seed : int, torch.Generator or None
        Seed of the templates, which are drawn uniformly from ``[0, 1]^dim``.

    Attributes
    ----------
    templates : torch.Tensor
        Shape ``(N, dim)``, float32.
    weights : torch.Tensor
        Shape ``(N,)``, float64, summing to 1.
    """

    def __init__(
        self,
        n_templates: int,
        dim: int,
        noise: float = 0.0,
        weights=None,
        seed: Seed = None,
    ) -> None:
        self.n_templates = check_int(n_templates, "n_templates", minimum=1)
        self.dim = check_int(dim, "dim", minimum=1)
        self.noise = check_float(noise, "noise", low=0.0)
        gen = check_seed(seed)
        self.templates = torch.rand(self.n_templates, self.dim, generator=gen)
        if weights is None:
            w = np.full(self.n_templates, 1.0 / self.n_templates)
        else:
            w = check_probabilities(weights, "weights", self.n_templates)
        self.weights = torch.from_numpy(w)

    def sample(self, n: int, seed: Seed = None) -> torch.Tensor:
        """Draw ``n`` points, shape ``(n, dim)``, float32 (the sampling protocol)."""
        return self.sample_with_index(n, seed)[0]

    def sample_with_index(
        self, n: int, seed: Seed = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` points and the template each came from.

        Returns
        -------
        x : torch.Tensor
            Shape ``(n, dim)``, float32.
        index : torch.Tensor
            Shape ``(n,)``, int64: which template each point came from.
        """
        n = check_int(n, "n", minimum=1)
        gen = check_seed(seed)
        index = torch.multinomial(self.weights, n, replacement=True, generator=gen)
        x = self.templates[index] + self.noise * torch.randn(n, self.dim, generator=gen)
        return x, index

    def __repr__(self) -> str:
        return (
            f"KnownSupport(n_templates={self.n_templates}, dim={self.dim}, "
            f"noise={self.noise})"
        )
