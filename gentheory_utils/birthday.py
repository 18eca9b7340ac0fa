"""Birthday-paradox audits of a generator's support size (chapter 6).

If a distribution is uniform on ``N`` points, a batch of ``s`` samples contains a
repeated point with probability about ``1 - exp(-s(s-1)/(2N))``, which reaches
1/2 at ``s ≈ sqrt(2 N ln 2) ≈ 1.18 sqrt(N)``. Arora and Zhang (2017) turned this
around: find the batch size at which a generator's samples start to contain
near-duplicates, and read off an estimate of its support size,
``N ≈ s² / (2 ln 2)``.

* :func:`closest_pairs`: the ``k`` closest pairs in a batch, exact, in
  ``O(chunk · s)`` memory, on the GPU when the data are there;
* :func:`collision_probability`: exact and approximate collision probabilities,
  uniform or with given weights;
* :func:`repeat_probability_mixture`: the exact repeat probability when only
  part of the mass sits on ``N`` atoms, next to the source notes' claimed bound
  (:func:`notes_repeat_bound`) and the approximation with ``rho²``
  (:func:`rho_squared_approx`);
* :func:`notes_support_bound`: the notes' support "bound", an estimate under
  near-uniformity, kept to show where it fails;
* :func:`suggest_threshold`: a duplicate threshold from reference data;
* :func:`estimate_support`: the whole audit, with confidence intervals;
* :func:`pair_montage`: the closest pairs as images, for a person to judge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from scipy import stats

from ._validate import (
    Seed,
    check_float,
    check_int,
    check_probabilities,
    check_sampler,
    check_seed,
)
from .data import Sampler

__all__ = [
    "closest_pairs",
    "collision_probability",
    "smallest_batch",
    "repeat_probability_mixture",
    "notes_repeat_bound",
    "rho_squared_approx",
    "notes_support_bound",
    "suggest_threshold",
    "estimate_support",
    "pair_montage",
]


def _as_tensor(x, name: str = "x") -> torch.Tensor:
    if isinstance(x, np.ndarray):
        if not (
            np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)
        ):
            raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a numpy array or torch tensor, got {type(x).__name__}"
        )
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(
            f"{name} must be 2-D with shape (s, d), got shape {tuple(x.shape)}"
        )
    if not torch.is_floating_point(x):
        x = x.double()
    elif x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()  # squared norms overflow in half precision
    if x.numel():
        lo, hi = torch.aminmax(
            x
        )  # NaN propagates; no s x d temporary, unlike isfinite(x)
        if not bool(torch.isfinite(lo) & torch.isfinite(hi)):
            raise ValueError(f"{name} contains NaN or inf")
    return x


def _fast_formula_slack(x: torch.Tensor, sq: torch.Tensor, centred: bool):
    """Error bounds of the fast formula on ``x`` (float32 or float64), or None.

    Returns ``(err2, shift)``: ``|D~ - D'| <= err2`` for the computed squared
    distance ``D~`` of two rows and the exact squared distance ``D'`` of the
    stored (possibly centred) rows, and ``|r' - r| <= shift`` between the
    distance of the stored rows and that of the input rows. ``None`` when the
    bound is too weak to be useful (then the direct method is used).
    """
    u = torch.finfo(x.dtype).eps / 2  # unit roundoff
    if x.is_cuda and x.dtype == torch.float32 and torch.backends.cuda.matmul.allow_tf32:
        u = 2.0**-11  # TF32 products keep 10 mantissa bits
    n_ops = x.shape[1] + 6  # the dot product, the norms and the two additions
    if n_ops * u > 0.01:
        return None
    gamma = n_ops * u / (1 - n_ops * u)  # Higham's gamma_n, any summation order
    big = float(sq.max())
    # |D~ - D'| <= gamma (|a|^2 + |b|^2 + 2|a||b|) <= 4 gamma max|a|^2, 1 % slack
    err2 = 1.01 * gamma * 4 * big
    # rounding in x - mean moves each row by at most u |row|
    shift = 2.02 * u * math.sqrt(big) if centred else 0.0
    return err2, shift


def _closest_pairs_direct(x: torch.Tensor, k: int, chunk_size: int):
    """The exact method: distances from direct float64 differences, in blocks."""
    x64 = x.double()
    s = x64.shape[0]
    pool_d = torch.empty(0, device=x.device, dtype=torch.float64)
    pool_i = torch.empty(0, device=x.device, dtype=torch.long)
    pool_j = torch.empty(0, device=x.device, dtype=torch.long)
    for a in range(0, s - 1, chunk_size):
        b = min(a + chunk_size, s - 1)
        dist = torch.cdist(
            x64[a:b], x64[a:], compute_mode="donot_use_mm_for_euclid_dist"
        )
        dist.masked_fill_(
            torch.ones_like(dist, dtype=torch.bool).tril_(), float("inf")
        )  # only pairs i < j
        vals, cols = torch.topk(dist, min(k, dist.shape[1]), dim=1, largest=False)
        rows = torch.arange(b - a, device=x.device)[:, None].expand_as(cols)
        ok = torch.isfinite(vals)
        pool_d = torch.cat([pool_d, vals[ok]])
        pool_i = torch.cat([pool_i, a + rows[ok]])
        pool_j = torch.cat([pool_j, a + cols[ok]])
        if len(pool_d) > k:
            pool_d, order = torch.topk(pool_d, k, largest=False)
            pool_i, pool_j = pool_i[order], pool_j[order]
    return pool_i, pool_j


def closest_pairs(
    x, k: int = 20, chunk_size: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The ``k`` closest pairs (Euclidean) among the rows of ``x``, exactly.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    Squared distances come from ``||a||² + ||b||² - 2 a·b`` on blocks of
    ``chunk_size`` rows against the rows after them (each pair once), so the work
    is half of one ``s x s x d`` matrix product and the memory
    ``O(chunk_size · s)``. That formula loses digits to rounding, worst for
    near-duplicates, so the search keeps every pair whose computed value lies
    within a proven rounding bound (Higham's ``gamma_n`` for the dot product
    and the norms) of the ``k``-th best so far; a block row that cannot reach
    that level is skipped after one pass. The kept pairs are then ranked by
    distances computed directly in float64. The answer is therefore the exact
    ``k`` closest pairs for float16, float32, float64 and integer input. When
    the rounding bound is too weak (huge ``d``, or more kept candidates than the
    bound can separate), the function falls back to direct float64 distances in
    blocks (slower, same answer). Data whose mean is large next to its spread
    is centred first (a copy), which keeps the bound small.

    Parameters
    ----------
    x : array or tensor, shape (s, d)
        The batch; stays on its device (CUDA works; TF32 matrix products are
        allowed for in the rounding bound).
    k : int
        Number of pairs, ``1 <= k <= s(s-1)/2``.
    chunk_size : int or None
        Rows per block; by default about ``2**26 / s`` (256 MB of float32 distances).

    Returns
    -------
    i, j : torch.Tensor
        Shape ``(k,)``, int64, with ``i < j``.
    dist : torch.Tensor
        Shape ``(k,)``, float64, ascending: the direct norms of the differences.
    """
    x = _as_tensor(x)  # float32 or float64; half precision is widened exactly
    s = x.shape[0]
    if s < 2:
        raise ValueError(f"x must have at least 2 rows to form a pair, got {s}")
    n_pairs = s * (s - 1) // 2
    k = check_int(k, "k", minimum=1, maximum=n_pairs)
    if chunk_size is None:
        chunk_size = max(1, min(s, 2**26 // s))
    chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    pool_i, pool_j = _closest_pairs_fast(x, k, chunk_size)
    exact = (x[pool_i].double() - x[pool_j].double()).norm(dim=1)
    exact, order = torch.sort(exact, stable=True)
    order = order[:k]
    return pool_i[order], pool_j[order], exact[:k]


def _closest_pairs_fast(x: torch.Tensor, k: int, chunk_size: int):
    """Candidate pairs that provably contain the ``k`` closest (indices i, j)."""
    s = x.shape[0]
    n_pairs = s * (s - 1) // 2
    keep = min(4 * k + 64, n_pairs)  # candidates taken per row before the bound
    cap = max(64 * k, 1 << 16)  # more kept candidates: the direct method instead
    sq = torch.linalg.vector_norm(
        x, dim=1
    ).square()  # no s x d temporary (x * x would double the memory)
    mean = x.mean(0)
    xc, centred = x, False
    if float(mean @ mean) > 1e-2 * float(sq.mean()):
        xc, centred = x - mean, True
        sq = torch.linalg.vector_norm(xc, dim=1).square()
    slack = _fast_formula_slack(xc, sq, centred)
    if slack is None:
        return _closest_pairs_direct(x, k, chunk_size)
    err2, shift = slack

    def level(values: torch.Tensor) -> float:
        """Largest computed value a pair among the k closest can have."""
        if len(values) < k:
            return math.inf
        kth = float(torch.kthvalue(values.double().cpu(), k).values)
        # the k-th true distance is at most sqrt(kth + err2) + shift; a pair that
        # close is computed at most (that + shift)^2 + err2
        reach = math.sqrt(max(kth, 0.0) + err2) + 2 * shift
        return reach * reach + err2

    inf = math.inf
    tri = torch.ones(
        min(chunk_size, s), min(chunk_size, s), dtype=torch.bool, device=x.device
    ).tril_()
    pool_d = torch.empty(0, device=x.device, dtype=x.dtype)
    pool_i = torch.empty(0, device=x.device, dtype=torch.long)
    pool_j = torch.empty(0, device=x.device, dtype=torch.long)
    tau = inf
    block = sub = None
    for a in range(0, s - 1, chunk_size):
        b = min(a + chunk_size, s - 1)
        h = b - a
        block = sub = None  # free the last block before making the next
        block = torch.addmm(sq[None, a:], xc[a:b], xc[a:].T, beta=1, alpha=-2)
        block[:, :h].masked_fill_(tri[:h, :h], inf)
        rows_sq = sq[a:b]
        if tau < inf:
            # rounding is monotone, so min(fl(v + c)) = fl(min(v) + c): no row is lost
            rows = (block.amin(1) + rows_sq <= tau).nonzero(as_tuple=True)[0]
            if len(rows) == 0:
                continue  # usually few rows can still reach the level
            sub = block[rows]
        else:
            rows = torch.arange(h, device=x.device)
            sub = block
        width = min(keep, sub.shape[1])
        vals, cols = torch.topk(sub, width, dim=1, largest=False, sorted=False)
        vals = vals + rows_sq[rows, None]
        new_tau = level(torch.cat([pool_d, vals[torch.isfinite(vals)]]))
        full = torch.empty(0, dtype=torch.long, device=x.device)
        if width < sub.shape[1] and new_tau < inf:
            full = (vals.amax(1) <= new_tau).nonzero(as_tuple=True)[0]
        part = torch.ones(len(rows), dtype=torch.bool, device=x.device)
        part[full] = False
        ii = rows[part, None].expand(-1, width).reshape(-1)
        vals, jj = vals[part].reshape(-1), cols[part].reshape(-1)
        if len(full):
            # a row whose width-th value is within the level may hide more
            # candidates: take all of its entries within the level instead
            full_d = sub[full] + rows_sq[rows[full], None]
            hit_r, hit_c = (full_d <= new_tau).nonzero(as_tuple=True)
            vals = torch.cat([vals, full_d[hit_r, hit_c]])
            ii = torch.cat([ii, rows[full][hit_r]])
            jj = torch.cat([jj, hit_c])
        ok = vals <= new_tau if new_tau < inf else torch.isfinite(vals)
        pool_d = torch.cat([pool_d, vals[ok]])
        pool_i = torch.cat([pool_i, a + ii[ok]])
        pool_j = torch.cat([pool_j, a + jj[ok]])
        tau = level(pool_d)
        if tau < inf:
            ok = pool_d <= tau
            pool_d, pool_i, pool_j = pool_d[ok], pool_i[ok], pool_j[ok]
        if len(pool_d) > cap:
            return _closest_pairs_direct(x, k, chunk_size)
    return pool_i, pool_j


def collision_probability(n_support: int, batch_size: int, weights=None) -> dict:
    """Probability that ``batch_size`` i.i.d. draws contain a repeated point.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    Parameters
    ----------
    n_support : int
        Support size ``N`` (>= 1).
    batch_size : int
        Number of draws ``M`` (>= 0).
    weights : array-like of shape (N,), optional
        Point probabilities (non-negative, summing to 1). Uniform when omitted.

    Returns
    -------
    dict
        ``exact``: the exact probability, or ``None`` when ``N * M`` is too large
        for the weighted computation (> 2e8); ``approx``: ``1 - exp(-C(M, 2) Σ p_i²)``,
        which is ``1 - exp(-M(M-1)/(2N))`` for the uniform case.

    Notes
    -----
    Uniform: ``1 - prod_{i<M} (1 - i/N)``, as ``-expm1(sum log1p(-i/N))`` so that
    tiny probabilities keep their precision.
    Weighted: ``1 - M! e_M(p)`` with ``e_M`` the elementary symmetric polynomial,
    by the recursion ``g_j <- g_j + j p g_{j-1}`` on ``g_j = j! e_j`` (the
    probability that ``j`` draws are distinct), ``O(N M)`` time.
    """
    n_support = check_int(n_support, "n_support", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=0)
    M = batch_size
    pairs = M * (M - 1) / 2
    if weights is None:
        approx = -math.expm1(-pairs / n_support)
        if M > n_support:
            exact = 1.0
        elif M <= 10_000_000:
            log_distinct = float(
                np.log1p(-np.arange(M, dtype=np.float64) / n_support).sum()
            )
            exact = -math.expm1(log_distinct)
        else:  # very large batches: lgamma is accurate when the probability is not tiny
            log_distinct = (
                math.lgamma(n_support + 1)
                - math.lgamma(n_support - M + 1)
                - M * math.log(n_support)
            )
            exact = -math.expm1(log_distinct)
        return {"exact": exact, "approx": approx}
    w = check_probabilities(weights, "weights", n_support)
    approx = -math.expm1(-pairs * float(np.sum(w * w)))
    if M > np.count_nonzero(w):
        return {"exact": 1.0, "approx": approx}
    if n_support * M > 2e8:
        return {"exact": None, "approx": approx}
    g = np.zeros(M + 1)
    g[0] = 1.0
    j = np.arange(1, M + 1)
    for p in w:
        if p > 0:
            g[1:] = g[1:] + j * p * g[:-1]
    return {"exact": float(1.0 - g[M]), "approx": approx}


def smallest_batch(n_support: int, probability: float = 0.5) -> int:
    """The smallest batch size whose exact repeat probability reaches ``probability``.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    Bisection on the uniform product formula of :func:`collision_probability`
    (which increases with the batch size), so ``O(log N)`` evaluations.

    Parameters
    ----------
    n_support : int
        Number ``N`` of equally likely outcomes (>= 1).
    probability : float
        Target in ``(0, 1]``; ``0.5`` gives the birthday number (23 for ``N = 365``).

    Returns
    -------
    int
        Smallest ``M`` with ``P_N(M) >= probability``; at most ``N + 1``.
    """
    n_support = check_int(n_support, "n_support", minimum=1)
    probability = check_float(probability, "probability", 0.0, 1.0, False, True)
    lo, hi = 2, n_support + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if collision_probability(n_support, mid)["exact"] >= probability:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _check_pmr(n_support, batch_size, rho) -> tuple[int, int, float]:
    """``n_support``, ``batch_size`` and ``rho`` checked (shared by the next three)."""
    return (
        check_int(n_support, "n_support", minimum=1),
        check_int(batch_size, "batch_size", minimum=0),
        check_float(rho, "rho", 0.0, 1.0),
    )


def repeat_probability_mixture(n_support: int, batch_size: int, rho: float) -> float:
    """Exact repeat probability when mass ``rho`` sits on ``N`` atoms, the rest diffuse.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    Each of ``N`` atoms has mass ``rho / N``; the remaining mass ``1 - rho`` is
    spread continuously, where no two draws ever coincide. The number ``K`` of
    the ``M`` draws that land on the atoms is ``Bin(M, rho)``, and given ``K``
    they are uniform on the atoms, so

    ``P(repeat) = sum_k C(M, k) rho^k (1 - rho)^(M - k) P_N(k)``

    with ``P_N(k) = 1 - prod_{i<k} (1 - i/N)`` the uniform birthday probability
    (:func:`collision_probability`). Repeats need two draws on the atoms, which
    is why ``rho²``, not ``rho``, governs them (:func:`rho_squared_approx`).

    Parameters
    ----------
    n_support : int
        Number of atoms ``N`` (>= 1).
    batch_size : int
        Number of draws ``M`` (>= 0).
    rho : float
        Probability mass on the atoms, in ``[0, 1]``.

    Returns
    -------
    float
        The probability of at least one repeat, in ``[0, 1]``; ``O(M)`` time.
    """
    n_support, batch_size, rho = _check_pmr(n_support, batch_size, rho)
    k = np.arange(batch_size + 1)
    p_k = stats.binom.pmf(k, batch_size, rho)  # P(K = k), shape (M + 1,)
    i = np.arange(batch_size, dtype=np.float64)
    steps = np.full(batch_size, -np.inf)  # log(1 - i/N); -inf once i >= N
    steps[i < n_support] = np.log1p(-i[i < n_support] / n_support)
    log_distinct = np.concatenate([[0.0], np.cumsum(steps)])  # log(1 - P_N(k))
    return float(np.clip(np.sum(p_k * -np.expm1(log_distinct)), 0.0, 1.0))


def notes_repeat_bound(n_support: int, batch_size: int, rho: float) -> float:
    """The notes' claimed lower bound ``1 - exp(-(M² - M) rho / (2N))`` (false).

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    The notes claim that if some set of ``N`` outcomes carries mass at least
    ``rho``, then ``M`` draws contain a repeat with at least this probability.
    It holds at ``rho = 1`` (it is then ``1 - exp(-M(M-1)/(2N))``, below the
    exact uniform probability) but not for ``rho < 1``: compare with
    :func:`repeat_probability_mixture`. Kept to show it failing.

    Parameters
    ----------
    n_support : int
        Size ``N`` of the heavy set (>= 1).
    batch_size : int
        Number of draws ``M`` (>= 0).
    rho : float
        Mass of the set, in ``[0, 1]``.

    Returns
    -------
    float
        The claimed probability, in ``[0, 1)``.
    """
    n, m, rho = _check_pmr(n_support, batch_size, rho)
    return -math.expm1(-(m * m - m) * rho / (2 * n))


def rho_squared_approx(n_support: int, batch_size: int, rho: float) -> float:
    """Poisson approximation ``1 - exp(-(M² - M) rho² / (2N))`` of the repeat chance.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    With mass ``rho`` spread evenly on ``N`` atoms, a pair of draws matches
    with probability ``sum_i p_i² = rho² / N``, so ``C(M, 2) rho² / N`` pairs
    match on average. This is the notes' bound (:func:`notes_repeat_bound`)
    with ``rho²`` in place of ``rho``: a close approximation of
    :func:`repeat_probability_mixture`, not a bound (the exponential of an
    average is not the average of exponentials), and exact as a lower bound
    only at ``rho = 1``.

    Parameters
    ----------
    n_support : int
        Number of atoms ``N`` (>= 1).
    batch_size : int
        Number of draws ``M`` (>= 0).
    rho : float
        Mass on the atoms, in ``[0, 1]``.

    Returns
    -------
    float
        The approximate probability, in ``[0, 1)``.
    """
    n, m, rho = _check_pmr(n_support, batch_size, rho)
    return -math.expm1(-(m * m - m) * rho**2 / (2 * n))


def notes_support_bound(batch_size: int, gamma: float, rho: float = 1.0) -> float:
    """The source notes' support "bound" from a repeat probability (not a bound).

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    The notes claim that if batches of ``M`` repeat with probability ``gamma``
    and some ``N``-outcome set carries mass ``rho``, then

    ``N <= 2 M rho² / (S - 2 M (1 - rho)²)``, with
    ``S = -3 + sqrt(9 + (24 / M) log(1 / (1 - gamma)))``.

    At ``rho = 1`` the right side is the ``N`` that solves
    ``L = M² / (2N) + M³ / (6N²)`` with ``L = log(1 / (1 - gamma))``: a
    truncated expansion of ``-log P(no repeat)``. For equal weights it
    over-estimates ``N`` only while ``M`` is below about ``1.8 N^(2/3)``
    (where ``gamma`` is not near 1); beyond that it falls below ``N`` (``N =
    9, M = 8`` gives 8.74), and a heavy atom with a long tail breaks it by
    orders of magnitude. Read it as an estimate under near-uniformity.

    Parameters
    ----------
    batch_size : int
        Batch size ``M`` (>= 1).
    gamma : float
        Observed repeat probability, in ``(0, 1)``.
    rho : float
        Mass of the set, in ``(0, 1]``.

    Returns
    -------
    float
        The claimed upper limit on ``N`` (a number of outcomes); ``inf`` when
        the denominator is not positive (the formula then bounds nothing).
    """
    m = check_int(batch_size, "batch_size", minimum=1)
    gamma = check_float(gamma, "gamma", 0.0, 1.0, False, False)
    rho = check_float(rho, "rho", 0.0, 1.0, low_inclusive=False)
    big_l = -math.log1p(-gamma)  # log(1 / (1 - gamma))
    denominator = (-3 + math.sqrt(9 + 24 / m * big_l)) - 2 * m * (1 - rho) ** 2
    return 2 * m * rho**2 / denominator if denominator > 0 else math.inf


def suggest_threshold(
    reference, quantile: float = 0.01, chunk_size: int | None = None
) -> float:
    """A duplicate threshold: a low quantile of nearest-neighbour distances.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    Distinct real images are rarely closer to each other than this, so two
    generated samples closer than it are suspiciously alike.

    Parameters
    ----------
    reference : array or tensor, shape (n, d)
        For example the training set (n >= 2).
    quantile : float
        In ``(0, 1)``.
    """
    x = _as_tensor(reference, "reference")
    if x.shape[0] < 2:
        raise ValueError("reference must have at least 2 rows")
    quantile = check_float(quantile, "quantile", 0.0, 1.0, False, False)
    n = x.shape[0]
    if chunk_size is None:
        chunk_size = max(1, min(n, 2**26 // n))
    chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    x = x - x.mean(0)
    sq = (x * x).sum(1)
    nearest = []
    for a in range(0, n, chunk_size):
        b = min(a + chunk_size, n)
        block = (sq[a:b, None] + sq[None, :] - 2 * (x[a:b] @ x.T)).clamp(min=0)
        block[torch.arange(b - a), torch.arange(a, b)] = float("inf")
        nearest.append(block.min(1).values.sqrt())
    return float(torch.quantile(torch.cat(nearest).double().cpu(), quantile))


def _wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def estimate_support(
    source: Sampler | Callable[[int, Seed], torch.Tensor],
    threshold: float,
    batch_sizes: Sequence[int],
    trials: int = 20,
    seed: Seed = None,
) -> dict:
    """Birthday-paradox estimate of the support size of ``source``'s distribution.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    For each batch size ``s``, draws ``trials`` batches ``source.sample(s, seed_t)`` and
    counts those whose closest pair is closer than ``threshold``. The support
    ``N`` is fitted by maximum likelihood to all counts under
    ``P(duplicate in a batch of s) = 1 - exp(-s(s-1)/(2N))``, with a 95 %
    likelihood-ratio interval; the batch size with 50 % duplicates is then
    ``s50 = (1 + sqrt(1 + 8 N ln 2)) / 2`` and ``N ≈ s50² / (2 ln 2)``.

    Parameters
    ----------
    source : model or data source, or callable
        Anything that follows the sampling protocol, ``sample(n, seed) ->
        tensor (n, d)`` (a trained VAE or GAN, a mixture, ``KnownSupport``), or
        a callable ``(n, seed) -> tensor (n, d)``.
    threshold : float
        Distance below which two samples count as duplicates (> 0).
    batch_sizes : sequence of int
        Batch sizes to try (each >= 2).
    trials : int
        Batches per size (>= 1).
    seed : int, torch.Generator or None
        The book's seed convention; each batch gets its own integer seed drawn
        from it.

    Returns
    -------
    dict
        ``batch_sizes``, ``hits``, ``trials``, ``p_hat`` and Wilson 95 % intervals
        ``p_low``/``p_high`` per size; ``support`` and ``support_ci`` (``inf`` when
        no duplicate was ever seen: the support is then beyond what these batch
        sizes can measure); ``s50`` and ``s50_ci``.
    """
    sample = check_sampler(source, "source")
    threshold = check_float(threshold, "threshold", low=0.0, low_inclusive=False)
    sizes = [check_int(s, "batch_sizes[i]", minimum=2) for s in batch_sizes]
    if not sizes:
        raise ValueError("batch_sizes must not be empty")
    trials = check_int(trials, "trials", minimum=1)
    # One independent integer seed per batch, drawn from the seed's generator:
    # audits run with seeds k and k + 1 share no batch.
    batch_seeds = torch.randint(2**62, (len(sizes), trials), generator=check_seed(seed))
    hits = []
    for idx, s in enumerate(sizes):
        count = 0
        for t in range(trials):
            batch = sample(s, int(batch_seeds[idx, t]))
            _, _, dist = closest_pairs(batch, k=1)
            count += int(dist[0] < threshold)
        hits.append(count)
    pairs = np.array([s * (s - 1) / 2 for s in sizes], dtype=np.float64)
    h = np.array(hits, dtype=np.float64)
    m = float(trials)

    def loglik(log_n: np.ndarray) -> np.ndarray:
        lam = pairs[None, :] / np.exp(log_n)[:, None]  # (grid, sizes)
        p = -np.expm1(-lam)
        return (h * np.log(np.clip(p, 1e-300, None)) + (m - h) * (-lam)).sum(1)

    grid = np.linspace(math.log(1.0), math.log(1e12), 20001)
    ll = loglik(grid)
    best = int(np.argmax(ll))
    inside = grid[ll >= ll[best] - 1.92]  # chi-square(1) 95 % / 2
    if h.sum() == 0:
        support, lo, hi = math.inf, float(np.exp(inside.min())), math.inf
    else:
        support = float(np.exp(grid[best]))
        lo = float(np.exp(inside.min()))
        hi = float(np.exp(inside.max())) if inside.max() < grid[-1] else math.inf

    def s50(n_: float) -> float:
        if not math.isfinite(n_):
            return math.inf
        return (1 + math.sqrt(1 + 8 * n_ * math.log(2))) / 2

    intervals = [
        (min(lo_, c / trials), max(hi_, c / trials))
        for c, (lo_, hi_) in zip(hits, (_wilson(c, trials) for c in hits), strict=True)
    ]
    return {
        "batch_sizes": sizes,
        "hits": hits,
        "trials": trials,
        "p_hat": [c / trials for c in hits],
        "p_low": [a for a, _ in intervals],
        "p_high": [b for _, b in intervals],
        "support": support,
        "support_ci": (lo, hi),
        "s50": s50(support),
        "s50_ci": (s50(lo), s50(hi)),
    }


def pair_montage(
    images,
    i,
    j,
    image_shape: tuple[int, int],
    n: int = 20,
    title: str = "Closest pairs",
    dist=None,
    threshold: float | None = None,
):
    """The first ``n`` pairs ``(images[i], images[j])`` side by side, to judge.

    Taught in Chapter 6, *Birthday-paradox audits of a generator's support*.

    Parameters
    ----------
    images : array or tensor, shape (s, h*w)
    i, j : index tensors from :func:`closest_pairs`
    image_shape : (h, w)
    n : int
        Pairs to show (at most ``len(i)``).
    title : str
    dist : tensor of shape (>= n,), optional
        The pairs' distances, printed above each pair.
    threshold : float, optional
        With ``dist``: pairs closer than this are marked "dup" and framed in
        orange, as the automated test would count them (> 0).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    x = _as_tensor(images, "images").detach().cpu().double()
    h, w = (check_int(v, "image_shape[i]", minimum=1) for v in image_shape)
    if x.shape[1] != h * w:
        raise ValueError(
            f"images have {x.shape[1]} columns, image_shape {image_shape} needs {h * w}"
        )
    n = check_int(n, "n", minimum=1, maximum=len(i))
    if len(j) != len(i):
        raise ValueError(
            f"i and j must have the same length, got {len(i)} and {len(j)}"
        )
    if dist is not None:
        dist = torch.as_tensor(dist).detach().cpu().double().reshape(-1)
        if len(dist) < n:
            raise ValueError(f"dist needs at least n = {n} entries, got {len(dist)}")
    if threshold is not None:
        if dist is None:
            raise ValueError("threshold needs dist")
        threshold = check_float(threshold, "threshold", low=0.0, low_inclusive=False)
    ncol = min(n, 10)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(
        2 * nrow, ncol, figsize=(1.1 * ncol, 2.3 * nrow), squeeze=False
    )
    lo, hi = float(x.min()), float(x.max())
    for ax in axes.ravel():
        ax.set_axis_off()
    for t in range(n):
        r, c = divmod(t, ncol)
        for row, idx in ((2 * r, int(i[t])), (2 * r + 1, int(j[t]))):
            axes[row, c].imshow(
                x[idx].reshape(h, w).numpy(), cmap="gray_r", vmin=lo, vmax=hi
            )
        name = f"pair {t + 1}" if dist is None else f"{t + 1}: {float(dist[t]):.2f}"
        duplicate = threshold is not None and float(dist[t]) < threshold
        axes[2 * r, c].set_title(
            name + (" dup" if duplicate else ""),
            fontsize=7,
            color="#D55E00" if duplicate else "black",
        )
        if duplicate:
            for row in (2 * r, 2 * r + 1):
                axes[row, c].set_axis_on()
                axes[row, c].set_xticks([])
                axes[row, c].set_yticks([])
                for spine in axes[row, c].spines.values():
                    spine.set_edgecolor("#D55E00")
                    spine.set_linewidth(2)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
