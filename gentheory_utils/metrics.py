"""Sample-quality metrics: mode coverage (chapter 3), precision and recall.

:func:`mode_coverage` follows the evaluation protocol of PacGAN (Lin et al.,
2018), also used by VEEGAN: each sample is assigned to its nearest mode centre;
it is *high quality* when it lies within three standard deviations of that
centre; a mode is *captured* when it is the nearest centre of at least one
high-quality sample; and the *reverse KL* compares the histogram of the
high-quality samples over the modes with the uniform distribution over modes.

:func:`coverage_by_steps` applies the protocol to an ODE sampler at several
step counts (chapters 7 and 8). :func:`precision_recall` needs no mixture: it
compares two samples by k-NN balls (Kynkäänniemi et al., 2019; chapter 7).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._validate import Seed, as_points, check_float, check_int
from .data import Mixture

__all__ = ["mode_coverage", "coverage_by_steps", "STEP_SWEEP", "precision_recall"]

#: Sampler step counts that ``make bench-diffusion`` and ``make bench-flows`` try
#: (chapters 7 and 8 read the fewest that reach a target coverage from them).
STEP_SWEEP = (2, 4, 8, 16, 32)


def mode_coverage(
    samples, mixture, std: float | None = None, hq_threshold: float = 3.0
) -> dict:
    """Modes captured, fraction of high-quality samples and reverse KL.

    Taught in Chapter 3, *GANs and mode collapse*.

    Parameters
    ----------
    samples : array or tensor, shape (n, d)
        Generated samples.
    mixture : Mixture, or array or tensor of shape (K, d)
        The target mixture (:class:`gentheory_utils.data.Mixture`, e.g.
        ``data.ring()``), or explicit mode centres together with ``std``.
    std : float, optional
        Standard deviation of each (isotropic) mode, in the units of
        ``samples``; taken from ``mixture`` when it is a ``Mixture`` (then it
        must be omitted).
    hq_threshold : float
        A sample is high quality when its distance to the nearest centre is
        below ``hq_threshold * std`` (3 in the protocol).

    Returns
    -------
    dict
        ``modes`` (int, 0..K): modes that are the nearest centre of at least
        one high-quality sample; ``hq_fraction`` (float in [0, 1]): fraction of
        samples that are high quality; ``reverse_kl`` (float, nats, >= 0):
        ``sum_i p_i log(K p_i)`` where ``p`` is the histogram of high-quality
        samples over modes (``0 log 0 = 0``; ``log K`` when all sit in one mode;
        ``nan`` when there is no high-quality sample); ``counts``: the
        histogram as a list of K ints.
    """
    x = as_points(samples, "samples", min_rows=1)
    if isinstance(mixture, Mixture):
        if std is not None:
            raise ValueError(
                "std comes from the mixture: omit it when passing a Mixture"
            )
        mixture, std = mixture.centers, mixture.std
    elif std is None:
        raise ValueError("std is required when mixture is given as explicit centres")
    c = as_points(mixture, "mixture", min_rows=1)
    if x.shape[1] != c.shape[1]:
        raise ValueError(
            "samples and the mixture must have the same number of columns, "
            f"got {x.shape[1]} and {c.shape[1]}"
        )
    std = check_float(std, "std", low=0.0, low_inclusive=False)
    hq_threshold = check_float(
        hq_threshold, "hq_threshold", low=0.0, low_inclusive=False
    )
    dist = torch.cdist(torch.from_numpy(x), torch.from_numpy(c))  # (n, K), float64
    nearest_dist, nearest = dist.min(dim=1)
    hq = (nearest_dist < hq_threshold * std).numpy()
    counts = np.bincount(nearest.numpy()[hq], minlength=len(c))
    total = counts.sum()
    if total == 0:
        reverse_kl = math.nan
    else:
        p = counts[counts > 0] / total
        reverse_kl = float(np.sum(p * np.log(p * len(c))))
    return {
        "modes": int(np.count_nonzero(counts)),
        "hq_fraction": float(hq.mean()),
        "reverse_kl": reverse_kl,
        "counts": counts.tolist(),
    }


def _covered(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """Fraction of ``points`` inside at least one ball ``(centres, radii)``."""
    inside = torch.zeros(len(points), dtype=torch.bool)
    rows = max(1, 2**22 // len(centres))  # about 32 MB of distances at a time
    for a in range(0, len(points), rows):
        dist = torch.cdist(points[a : a + rows], centres)
        inside[a : a + rows] = (dist <= radii).any(dim=1)
    return float(inside.double().mean())


def _knn_radii(x: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row of ``x`` to its k-th nearest other row, shape (1, n)."""
    radii = torch.empty(len(x), dtype=x.dtype)
    rows = max(1, 2**22 // len(x))
    for a in range(0, len(x), rows):
        dist = torch.cdist(x[a : a + rows], x)
        # the k+1 smallest include the point itself at distance 0
        radii[a : a + rows] = dist.topk(k + 1, dim=1, largest=False).values[:, k]
    return radii.reshape(1, -1)


def coverage_by_steps(
    model, mixture: Mixture, steps, n_samples: int = 2500, seed: Seed = 0
) -> list[dict]:
    """Mode coverage of an ODE sampler's samples at several step counts.

    Taught in Chapter 8, *Normalizing flows and flow matching*.

    Parameters
    ----------
    model : object
        Has ``sample(n, seed=..., steps=...)`` returning ``(n, d)`` samples
        (:class:`~gentheory_utils.diffusion.ScoreNet`,
        :class:`~gentheory_utils.flows.VelocityNet`).
    mixture : data.Mixture
        The target mixture.
    steps : sequence of int
        Step counts to try (each >= 1, as the model's sampler allows).
    n_samples : int
        Samples per step count (the protocol uses 2,500).
    seed : int, torch.Generator or None
        Seed of the starts; an ``int`` gives the same starts to every step
        count.

    Returns
    -------
    list of dict
        One ``{"steps", "modes", "hq_fraction"}`` per step count, in order.
    """
    if not hasattr(model, "sample"):
        raise TypeError("model must have a sample(n, seed=..., steps=...) method")
    if not isinstance(mixture, Mixture):
        raise TypeError(f"mixture must be a data.Mixture, got {type(mixture).__name__}")
    steps = [check_int(s, "steps", minimum=1) for s in steps]
    if not steps:
        raise ValueError("steps must not be empty")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    out = []
    for s in steps:
        cov = mode_coverage(model.sample(n_samples, seed=seed, steps=s), mixture)
        out.append(
            {"steps": s, "modes": cov["modes"], "hq_fraction": cov["hq_fraction"]}
        )
    return out


def precision_recall(real, fake, k: int = 3) -> dict:
    """Improved precision and recall of ``fake`` against ``real`` (k-NN balls).

    Taught in Chapter 7, *Diffusion and score-based models*.

    Each point of a set gets a ball reaching its ``k``-th nearest neighbour in
    the same set; the union of the balls estimates that set's support
    (Kynkäänniemi et al., 2019). *Precision* is the fraction of fake points
    inside the real support (are the samples realistic?), *recall* the
    fraction of real points inside the fake support (is the data covered?).

    Parameters
    ----------
    real, fake : array or tensor, shapes (n, d) and (m, d)
        Features of real and generated samples (finite), more than ``k`` rows
        each; the same feature map for both.
    k : int
        Neighbour whose distance sets a ball's radius (>= 1; 3 in the paper).

    Returns
    -------
    dict
        ``precision`` and ``recall``, floats in [0, 1].
    """
    k = check_int(k, "k", minimum=1)
    real_x = torch.from_numpy(as_points(real, "real", min_rows=k + 1))
    fake_x = torch.from_numpy(as_points(fake, "fake", min_rows=k + 1))
    if real_x.shape[1] != fake_x.shape[1]:
        raise ValueError(
            "real and fake must have the same number of columns, "
            f"got {real_x.shape[1]} and {fake_x.shape[1]}"
        )
    return {
        "precision": _covered(fake_x, real_x, _knn_radii(real_x, k)),
        "recall": _covered(real_x, fake_x, _knn_radii(fake_x, k)),
    }
