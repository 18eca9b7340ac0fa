"""Data sets shared by the chapters.

Every sampler takes the number of points ``n`` and a ``seed`` and returns a
``torch.float32`` tensor, so a chapter gets the same points each time it runs.
Nothing here downloads anything: the toys are generated, and the digits are the
8x8 images that ship inside scikit-learn.

Introduced in chapter 1 (manifolds: :func:`helix`, :func:`swiss_roll`,
:func:`sphere`, :func:`digits`); the mixtures :func:`ring` and :func:`grid`
follow the PacGAN protocol used in the GAN chapters, and :class:`KnownSupport`
serves the birthday-paradox audits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ._validate import check_float, check_int

__all__ = [
    "RING_STD",
    "GRID_STD",
    "ring_centers",
    "grid_centers",
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

#: Standard deviation of each ring mode in the PacGAN protocol (Lin et al., 2018).
RING_STD: float = 0.01
#: Standard deviation of each grid mode in the PacGAN protocol.
GRID_STD: float = 0.05


def _generator(seed: int) -> torch.Generator:
    seed = check_int(seed, "seed", minimum=0)
    return torch.Generator().manual_seed(seed)


def ring_centers(n_modes: int = 8, radius: float = 1.0) -> torch.Tensor:
    """Centres of a ring of Gaussians: ``radius * (cos 2πi/K, sin 2πi/K)``.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    n_modes : int
        Number of modes ``K`` (at least 1). The angles are ``2πi/K`` for
        ``i = 0..K-1``, so the ``K`` centres are distinct.
    radius : float
        Radius of the ring (> 0).

    Returns
    -------
    torch.Tensor
        Shape ``(K, 2)``, float32.
    """
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    radius = check_float(radius, "radius", low=0.0, low_inclusive=False)
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes
    return (radius * torch.stack([angles.cos(), angles.sin()], dim=1)).float()


def grid_centers(side: int = 5, spacing: float = 2.0) -> torch.Tensor:
    """Centres of a ``side x side`` grid of Gaussians, centred at the origin.

    Taught in Chapter 3, *GANs and mode collapse*.

    With the defaults these are ``{-4, -2, 0, 2, 4}²`` (PacGAN protocol).

    Returns
    -------
    torch.Tensor
        Shape ``(side**2, 2)``, float32.
    """
    side = check_int(side, "side", minimum=1)
    spacing = check_float(spacing, "spacing", low=0.0, low_inclusive=False)
    ticks = (torch.arange(side, dtype=torch.float64) - (side - 1) / 2) * spacing
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1).float()


def _mixture(n: int, centers: torch.Tensor, std: float, seed: int) -> torch.Tensor:
    n = check_int(n, "n", minimum=1)
    std = check_float(std, "std", low=0.0, low_inclusive=False)
    gen = _generator(seed)
    idx = torch.randint(len(centers), (n,), generator=gen)
    noise = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    return (centers.double()[idx] + std * noise).float()


def ring(n: int, seed: int = 0, n_modes: int = 8, radius: float = 1.0, std: float = RING_STD) -> torch.Tensor:
    """Sample an equal-weight mixture of Gaussians on a ring.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    n : int
        Number of points.
    seed : int
        Seed of the private random generator (the global torch seed is untouched).
    n_modes, radius : see :func:`ring_centers`.
    std : float
        Standard deviation of each (isotropic) mode; ``RING_STD`` by default.

    Returns
    -------
    torch.Tensor
        Shape ``(n, 2)``, float32.
    """
    return _mixture(n, ring_centers(n_modes, radius), std, seed)


def grid(n: int, seed: int = 0, side: int = 5, spacing: float = 2.0, std: float = GRID_STD) -> torch.Tensor:
    """Sample an equal-weight mixture of Gaussians on a square grid.

    Taught in Chapter 3, *GANs and mode collapse*.

    Returns
    -------
    torch.Tensor
        Shape ``(n, 2)``, float32. Centres from :func:`grid_centers`.
    """
    return _mixture(n, grid_centers(side, spacing), std, seed)


def random_rotation(dim: int, seed: int = 0) -> torch.Tensor:
    """A random orthogonal matrix, uniform (Haar) over the orthogonal group.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Returns
    -------
    torch.Tensor
        Shape ``(dim, dim)``, float64, with ``Q @ Q.T = I``.
    """
    dim = check_int(dim, "dim", minimum=1)
    gen = _generator(seed)
    a = torch.randn(dim, dim, generator=gen, dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    return q * torch.sign(torch.diagonal(r)).unsqueeze(0)


def _embed(points: torch.Tensor, ambient_dim: int, noise: float, seed: int, gen: torch.Generator) -> torch.Tensor:
    """Pad ``points`` with zeros to ``ambient_dim`` columns, rotate, add noise."""
    k = points.shape[1]
    ambient_dim = check_int(ambient_dim, "ambient_dim", minimum=k)
    noise = check_float(noise, "noise", low=0.0)
    padded = torch.zeros(points.shape[0], ambient_dim, dtype=torch.float64)
    padded[:, :k] = points
    if ambient_dim > k:
        # Only rotate when there is room to: keeps low-D pictures recognisable.
        padded = padded @ random_rotation(ambient_dim, seed + 1).T
    if noise > 0:
        padded = padded + noise * torch.randn(padded.shape, generator=gen, dtype=torch.float64)
    return padded.float()


def helix(n: int, seed: int = 0, ambient_dim: int = 3, turns: float = 2.0, noise: float = 0.0) -> torch.Tensor:
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
    gen = _generator(seed)
    t = 2 * math.pi * turns * torch.rand(n, generator=gen, dtype=torch.float64)
    pts = torch.stack([t.cos(), t.sin(), t / (2 * math.pi)], dim=1)
    return _embed(pts, ambient_dim, noise, seed, gen)


def swiss_roll(n: int, seed: int = 0, ambient_dim: int = 3, noise: float = 0.0) -> torch.Tensor:
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
    gen = _generator(seed)
    theta = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=gen, dtype=torch.float64))
    h = 2 * torch.rand(n, generator=gen, dtype=torch.float64) - 1
    pts = torch.stack([theta * theta.cos(), math.pi * h, theta * theta.sin()], dim=1) / math.pi
    return _embed(pts, ambient_dim, noise, seed, gen)


def sphere(n: int, seed: int = 0, k: int = 2, ambient_dim: int = 10, noise: float = 0.0) -> torch.Tensor:
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
    gen = _generator(seed)
    g = torch.randn(n, k + 1, generator=gen, dtype=torch.float64)
    pts = g / g.norm(dim=1, keepdim=True)
    return _embed(pts, ambient_dim, noise, seed, gen)


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


def digits(test_fraction: float = 0.2, seed: int = 0) -> DigitsSplit:
    """Load the bundled digits (1,797 images) with a fixed, stratified split.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    test_fraction : float
        Fraction of images held out, in ``(0, 1)``.
    seed : int
        Seed of the split; the default gives the book's fixed split.

    Returns
    -------
    DigitsSplit
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = check_float(test_fraction, "test_fraction", 0.0, 1.0, False, False)
    seed = check_int(seed, "seed", minimum=0)
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_fraction, random_state=seed, stratify=y)
    return DigitsSplit(torch.from_numpy(x_tr), torch.from_numpy(y_tr), torch.from_numpy(x_te), torch.from_numpy(y_te))


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
    seed : int
        Seed of the templates, which are drawn uniformly from ``[0, 1]^dim``.

    Attributes
    ----------
    templates : torch.Tensor
        Shape ``(N, dim)``, float32.
    weights : torch.Tensor
        Shape ``(N,)``, float64, summing to 1.
    """

    def __init__(self, n_templates: int, dim: int, noise: float = 0.0, weights=None, seed: int = 0) -> None:
        self.n_templates = check_int(n_templates, "n_templates", minimum=1)
        self.dim = check_int(dim, "dim", minimum=1)
        self.noise = check_float(noise, "noise", low=0.0)
        gen = _generator(seed)
        self.templates = torch.rand(self.n_templates, self.dim, generator=gen)
        if weights is None:
            w = torch.full((self.n_templates,), 1.0 / self.n_templates, dtype=torch.float64)
        else:
            try:
                w = torch.as_tensor(np.asarray(weights, dtype=np.float64))
            except (TypeError, ValueError) as exc:
                raise TypeError(f"weights must be an array of probabilities: {exc}") from exc
            if w.shape != (self.n_templates,):
                raise ValueError(f"weights must have shape ({self.n_templates},), got {tuple(w.shape)}")
            if not torch.all(torch.isfinite(w)) or torch.any(w < 0):
                raise ValueError("weights must be finite and non-negative")
            if abs(float(w.sum()) - 1.0) > 1e-6:
                raise ValueError(f"weights must sum to 1, got {float(w.sum()):.6g}")
        self.weights = w

    def sample(self, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` points.

        Returns
        -------
        x : torch.Tensor
            Shape ``(n, dim)``, float32.
        index : torch.Tensor
            Shape ``(n,)``, int64: which template each point came from.
        """
        n = check_int(n, "n", minimum=1)
        gen = _generator(seed)
        index = torch.multinomial(self.weights, n, replacement=True, generator=gen)
        x = self.templates[index] + self.noise * torch.randn(n, self.dim, generator=gen)
        return x, index

    def __repr__(self) -> str:
        return f"KnownSupport(n_templates={self.n_templates}, dim={self.dim}, noise={self.noise})"
