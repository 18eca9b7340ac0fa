"""Generalization of GANs: how many samples a neural-net distance needs (chapter 4).

Chapter 4 proves (after Arora et al., 2017) that the neural-net distance
between a distribution and the empirical distribution of ``m`` of its samples
is small, uniformly over a discriminator family with ``p`` parameters, once
``m`` is of order ``p log(LR/eps) / eps²``. The appendix on the source notes
uses the same count to show what their ``m = p log p`` drops.

* :func:`sample_complexity`: the theorem's sample size, with all its constants.
"""

from __future__ import annotations

import math

from ._validate import check_float, check_int

__all__ = ["sample_complexity"]


def sample_complexity(
    p: int, eps: float, L: float, Delta: float, delta: float, R: float = 1.0
) -> int:
    """The smallest sample size ``m`` of the generalization theorem.

    Taught in Chapter 4, *Generalization of GANs depends on the discriminator*.

    For discriminators ``D_v`` with parameters ``v`` in a ball of radius ``R``
    in ``R^p``, outputs in ``[-Delta, Delta]`` and ``L``-Lipschitz in ``v``,

    ``m >= (32 Delta² / eps²) (p log(1 + 8 L R / eps) + log(2 / delta))``

    samples make ``sup_v |E_mu D_v - E_mu_hat D_v| <= 3 eps / 4`` with
    probability at least ``1 - delta``: Hoeffding's inequality at ``eps / 4``
    for one discriminator, a union bound over an ``eps / (4L)``-net of the
    parameter ball (at most ``(1 + 8LR/eps)^p`` points), and the Lipschitz
    step from the net to every ``v``.

    Parameters
    ----------
    p : int
        Number of discriminator parameters (>= 1).
    eps : float
        Accuracy, in the units of the discriminator's output (> 0).
    L : float
        Lipschitz constant of ``D_v(x)`` in ``v``, output units per unit of
        parameter norm (> 0).
    Delta : float
        Bound on ``|D_v(x)|``, output units (> 0).
    delta : float
        Failure probability, in ``(0, 1)``.
    R : float
        Radius of the parameter ball, parameter units (> 0).

    Returns
    -------
    int
        The right-hand side rounded up: a number of samples.

    Raises
    ------
    TypeError
        If ``p`` is not an integer or another argument is not a real number.
    ValueError
        If an argument is outside its range.
    """
    p = check_int(p, "p", minimum=1)
    eps = check_float(eps, "eps", low=0.0, low_inclusive=False)
    L = check_float(L, "L", low=0.0, low_inclusive=False)
    Delta = check_float(Delta, "Delta", low=0.0, low_inclusive=False)
    delta = check_float(delta, "delta", 0.0, 1.0, False, False)
    R = check_float(R, "R", low=0.0, low_inclusive=False)
    net_log_size = p * math.log(1 + 8 * L * R / eps)  # log of the eps/(4L)-net's size
    return math.ceil(32 * Delta**2 / eps**2 * (net_log_size + math.log(2 / delta)))
