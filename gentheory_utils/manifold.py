"""Intrinsic-dimension estimators (chapter 1).

Three estimators of the dimension of the manifold that data lie on:

* :func:`pca_dimension` counts principal components (globally, or locally in
  neighbourhoods when ``n_neighbors`` is given);
* :func:`mle_dimension` is the nearest-neighbour maximum-likelihood estimator
  of Levina and Bickel (2004);
* :func:`twonn_dimension` is TwoNN (Facco et al., 2017), which uses only the
  ratio of the second to the first neighbour distance.

All take ``x`` of shape ``(n, D)`` (NumPy array or torch tensor) and reject
NaN/inf, wrong shapes, too few points and duplicate rows (the last two make
the neighbour-distance logarithms undefined).
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._validate import as_points, check_float, check_int

__all__ = ["neighbor_distances", "pca_dimension", "mle_dimension", "twonn_dimension"]


def neighbor_distances(x, k: int) -> np.ndarray:
    """Distances from each point to its ``k`` nearest other points.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    x : array or tensor, shape (n, D)
    k : int
        Number of neighbours, ``1 <= k < n``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)``, ascending along each row, in the units of ``x``.

    Raises
    ------
    ValueError
        If two rows of ``x`` coincide (a zero neighbour distance).
    """
    k = check_int(k, "k", minimum=1)
    pts = as_points(x, "x", min_rows=k + 1)
    nn = NearestNeighbors(n_neighbors=k + 1).fit(pts)
    dist, _ = nn.kneighbors(pts)
    dist = dist[:, 1:]  # drop each point itself
    if np.any(dist[:, 0] <= 0):
        raise ValueError(
            "x has duplicate rows (zero nearest-neighbour distance); remove them first"
        )
    return dist


def pca_dimension(x, variance: float = 0.95, n_neighbors: int | None = None) -> int:
    """Number of principal components that explain a fraction ``variance``.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    x : array or tensor, shape (n, D)
    variance : float
        Target fraction of the variance, in ``(0, 1]``.
    n_neighbors : int or None
        ``None`` for global PCA. Otherwise local PCA: the count is computed in
        the neighbourhood of ``n_neighbors`` points around each point (itself
        included) and the median over points, rounded, is returned. Local PCA
        sees the tangent space, so it suits curved manifolds that global PCA
        over-counts.

    Returns
    -------
    int
        Between 1 and ``D``.
    """
    variance = check_float(variance, "variance", 0.0, 1.0, low_inclusive=False)
    pts = as_points(x, "x", min_rows=2)

    def count(block: np.ndarray) -> int:
        centred = block - block.mean(axis=0)
        s = np.linalg.svd(centred, compute_uv=False) ** 2
        if s.sum() <= 0:
            raise ValueError("x has zero variance; its dimension is undefined")
        frac = np.cumsum(s) / s.sum()
        return int(min(np.searchsorted(frac, variance - 1e-12) + 1, block.shape[1]))

    if n_neighbors is None:
        return count(pts)
    n_neighbors = check_int(n_neighbors, "n_neighbors", minimum=3, maximum=pts.shape[0])
    _, idx = NearestNeighbors(n_neighbors=n_neighbors).fit(pts).kneighbors(pts)
    local = [count(pts[row]) for row in idx]
    return int(np.round(np.median(local)))


def mle_dimension(x, k: int = 10) -> float:
    """Levina–Bickel maximum-likelihood estimate of intrinsic dimension.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    For point ``i`` with neighbour distances ``T_1 <= ... <= T_k``, the local
    estimate of ``1/d`` is ``(1/(k-1)) Σ_{j<k} log(T_k / T_j)``; the global
    estimate inverts the mean of these over points (the averaging suggested by
    MacKay and Ghahramani, less biased than averaging the local ``d``).

    Parameters
    ----------
    x : array or tensor, shape (n, D)
    k : int
        Neighbourhood size, ``2 <= k < n``. Small ``k`` sees fine scales (and
        noise), large ``k`` sees curvature.

    Returns
    -------
    float
    """
    k = check_int(k, "k", minimum=2)
    dist = neighbor_distances(x, k)
    log_ratio = np.log(dist[:, -1:] / dist[:, :-1])  # (n, k-1)
    inv_d = log_ratio.mean(axis=1)
    mean_inv = inv_d.mean()
    if mean_inv <= 0:
        raise ValueError("all neighbour distances are equal; the estimate is undefined")
    return float(1.0 / mean_inv)


def twonn_dimension(x, discard_fraction: float = 0.1) -> float:
    """TwoNN estimate of intrinsic dimension (Facco et al., 2017).

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    With ``μ_i = r_2 / r_1`` the ratio of second to first neighbour distance,
    ``μ`` follows a Pareto law ``F(μ) = 1 - μ^(-d)`` when the density is
    locally constant, so ``-log(1 - F(μ)) = d log μ``: ``d`` is the slope of a
    line through the origin fitted to the empirical CDF, after discarding the
    largest ``discard_fraction`` of the ratios (they are the noisiest).

    Parameters
    ----------
    x : array or tensor, shape (n, D), with n >= 3
    discard_fraction : float
        In ``[0, 1)``.

    Returns
    -------
    float
    """
    discard_fraction = check_float(
        discard_fraction, "discard_fraction", 0.0, 1.0, high_inclusive=False
    )
    dist = neighbor_distances(x, 2)
    mu = np.sort(dist[:, 1] / dist[:, 0])
    n = len(mu)
    # The largest ratio has empirical CDF 1, where -log(1 - F) is infinite:
    # always drop it.
    keep = min(int(np.floor(n * (1 - discard_fraction))), n - 1)
    if keep < 2:
        raise ValueError("too few points left after discarding; pass more points")
    ecdf = np.arange(1, n + 1) / n
    xs = np.log(mu[:keep])
    ys = -np.log1p(-ecdf[:keep])
    denom = float(np.dot(xs, xs))
    if denom <= 0:
        raise ValueError("all neighbour ratios equal 1; the estimate is undefined")
    return float(np.dot(xs, ys) / denom)
