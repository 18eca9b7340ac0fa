"""Finite two-player zero-sum games (chapter 5).

The row player picks a row ``i`` with probability ``p_i`` and receives
``A[i, j]`` from the column player, who picks column ``j`` with probability
``q_j``. :func:`solve_zero_sum` finds optimal mixed strategies by linear
programming; von Neumann's minimax theorem says the two players' guarantees
meet at the value of the game.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from ._validate import check_probabilities

__all__ = ["pure_maxmin", "pure_minmax", "solve_zero_sum", "exploitability"]


def _payoff(A) -> np.ndarray:
    arr = (
        np.asarray(A, dtype=np.float64)
        if not hasattr(A, "detach")
        else A.detach().cpu().double().numpy()
    )
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(
            f"A must be a non-empty 2-D payoff matrix, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("A contains NaN or inf")
    return arr


def pure_maxmin(A) -> float:
    """``max_i min_j A[i, j]``: what the row player can guarantee with a pure strategy.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.
    """
    return float(_payoff(A).min(axis=1).max())


def pure_minmax(A) -> float:
    """``min_j max_i A[i, j]``: what the column player can hold the row to, purely.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.
    """
    return float(_payoff(A).max(axis=0).min())


def solve_zero_sum(A) -> tuple[float, np.ndarray, np.ndarray]:
    """Value and optimal mixed strategies of the zero-sum game ``A`` (paid to rows).

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    Solves ``max_p min_j (p^T A)_j`` and ``min_q max_i (Aq)_i`` as two linear programs
    (HiGHS, through ``scipy.optimize.linprog``).

    Parameters
    ----------
    A : array-like, shape (n_rows, n_cols)
        Finite payoffs to the row player.

    Returns
    -------
    value : float
        The row player's optimal guarantee (equal, up to solver tolerance, to
        the column player's).
    p : numpy.ndarray, shape (n_rows,)
        Optimal row strategy (non-negative, sums to 1).
    q : numpy.ndarray, shape (n_cols,)
        Optimal column strategy.
    """
    A = _payoff(A)
    n, m = A.shape
    # Row player: variables (p, v); maximise v
    # s.t.  v - (A^T p)_j <= 0,  sum p = 1,  p >= 0.
    c = np.zeros(n + 1)
    c[-1] = -1.0
    res_p = linprog(
        c,
        A_ub=np.hstack([-A.T, np.ones((m, 1))]),
        b_ub=np.zeros(m),
        A_eq=np.hstack([np.ones((1, n)), np.zeros((1, 1))]),
        b_eq=[1.0],
        bounds=[(0, None)] * n + [(None, None)],
        method="highs",
    )
    # Column player: variables (q, w); minimise w
    # s.t.  (A q)_i - w <= 0,  sum q = 1,  q >= 0.
    c = np.zeros(m + 1)
    c[-1] = 1.0
    res_q = linprog(
        c,
        A_ub=np.hstack([A, -np.ones((n, 1))]),
        b_ub=np.zeros(n),
        A_eq=np.hstack([np.ones((1, m)), np.zeros((1, 1))]),
        b_eq=[1.0],
        bounds=[(0, None)] * m + [(None, None)],
        method="highs",
    )
    if not (
        res_p.success and res_q.success
    ):  # pragma: no cover - HiGHS solves every finite game
        raise RuntimeError(f"linear program failed: {res_p.message} / {res_q.message}")
    p = np.clip(res_p.x[:n], 0, None)
    p /= p.sum()
    q = np.clip(res_q.x[:m], 0, None)
    q /= q.sum()
    return float(res_p.x[-1]), p, q


def exploitability(A, p, q=None) -> float:
    """How far ``(p, q)`` is from equilibrium.

    Taught in Chapter 5, *Equilibrium: pure, mixed and approximate*.

    ``p`` and ``q`` must be finite probability vectors (entries >= 0, summing
    to 1 within 1e-6, so float32 softmax outputs are accepted).

    With ``q`` given: ``max_i (Aq)_i - min_j (p^T A)_j`` (0 exactly at an
    equilibrium). With ``q`` omitted: ``value - min_j (p^T A)_j``, the row
    player's shortfall from the game's value.
    """
    A = _payoff(A)
    p = check_probabilities(p, "p", A.shape[0])
    worst_for_row = float((p @ A).min())
    if q is None:
        return solve_zero_sum(A)[0] - worst_for_row
    q = check_probabilities(q, "q", A.shape[1])
    return float((A @ q).max()) - worst_for_row
