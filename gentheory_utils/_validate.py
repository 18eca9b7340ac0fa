"""Input checks shared by the public helpers.

Every public function of :mod:`gentheory_utils` validates its arguments at the
boundary and raises a :class:`TypeError` or :class:`ValueError` that names the
argument and says what was expected. The checks live here so each module stays
short.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, Union

import numpy as np
import torch

#: The book's one seed convention: ``None``, a non-negative ``int`` or a
#: ``torch.Generator`` (see :func:`check_seed`).
Seed = Union[int, torch.Generator, None]


def check_int(
    value: Any, name: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as an ``int`` after checking its type and range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_float(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite ``float`` in ``[low, high]`` (bounds optional)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def as_points(x: Any, name: str = "x", min_rows: int = 1) -> np.ndarray:
    """Return ``x`` as a finite float64 array of shape ``(n, D)``.

    Accepts a NumPy array or a torch tensor (on any device). Raises
    ``TypeError`` for other types or non-numeric data and ``ValueError`` for a
    wrong number of dimensions, too few rows, or NaN/inf entries.
    """
    if isinstance(x, torch.Tensor):
        if x.is_complex() or x.dtype == torch.bool:
            raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
        arr = x.detach().cpu().to(torch.float64).numpy()
    elif isinstance(x, np.ndarray):
        if not (
            np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)
        ):
            raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
        arr = x.astype(np.float64, copy=False)
    else:
        raise TypeError(
            f"{name} must be a numpy array or torch tensor, got {type(x).__name__}"
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with shape (n, D), got shape {tuple(arr.shape)}"
        )
    if arr.shape[1] < 1:
        raise ValueError(
            f"{name} must have at least one column, got shape {tuple(arr.shape)}"
        )
    if arr.shape[0] < min_rows:
        raise ValueError(
            f"{name} must have at least {min_rows} rows, got {arr.shape[0]}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def check_seed(seed: Any, name: str = "seed") -> torch.Generator:
    """Turn ``seed`` into a :class:`torch.Generator` (the book's one seed convention).

    Like scikit-learn's ``check_random_state``:

    * ``None``: a generator seeded from torch's global generator, so a notebook
      seeded once by :func:`gentheory_utils.seeding.setup` stays reproducible;
    * a non-negative ``int``: a fresh generator seeded with it;
    * a ``torch.Generator``: returned as it is (draws advance it).

    Raises
    ------
    TypeError
        For any other type (``bool`` and ``float`` included).
    ValueError
        For a negative integer or one of ``2**63`` or more.
    """
    if seed is None:
        return torch.Generator().manual_seed(int(torch.randint(2**62, (1,)).item()))
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be None, a non-negative int or a torch.Generator, "
            f"got {type(seed).__name__}"
        )
    return torch.Generator().manual_seed(check_int(seed, name, 0, 2**63 - 1))


def seed_int(seed: Any, name: str = "seed") -> int:
    """A non-negative ``int`` drawn from ``seed`` (see :func:`check_seed`).

    For code that needs an integer seed (NumPy, scikit-learn): an ``int`` is
    returned unchanged, a generator or ``None`` gives one draw.
    """
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return check_int(seed, name, 0, 2**63 - 1)
    gen = check_seed(seed, name)
    return int(torch.randint(2**31 - 1, (1,), generator=gen).item())


def check_probabilities(p: Any, name: str = "p", size: int | None = None) -> np.ndarray:
    """Return ``p`` as a float64 probability vector after checking it.

    Accepts a sequence, NumPy array or torch tensor of shape ``(size,)``:
    finite entries, none below ``-1e-12``, summing to 1 within ``1e-6`` (so
    float32 softmax outputs pass). Tiny negative round-off is clipped to 0.
    """
    if isinstance(p, torch.Tensor):
        p = p.detach().cpu().double().numpy()
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of probabilities: {exc}") from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D vector, got shape {arr.shape}"
        )
    if size is not None and arr.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < -1e-12):
        raise ValueError(f"{name} must be finite and non-negative")
    if abs(arr.sum() - 1.0) > 1e-6:
        raise ValueError(f"{name} must sum to 1, got {arr.sum():.6g}")
    return np.clip(arr, 0.0, None)


def check_tensor(
    x: Any, name: str = "x", ndim: int | None = 2, min_rows: int = 1
) -> torch.Tensor:
    """Return ``x`` as a finite floating-point tensor (NumPy arrays are converted).

    Integer input becomes float32; ``ndim`` (2 by default: shape ``(n, d)``)
    and ``min_rows`` are checked, and NaN or inf raise ``ValueError``.
    """
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
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if not torch.is_floating_point(x):
        x = x.float()
    if ndim is not None and x.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions, got shape {tuple(x.shape)}"
        )
    if x.ndim >= 1 and x.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows, got {x.shape[0]}")
    if x.ndim == 2 and x.shape[1] < 1:
        raise ValueError(f"{name} must have at least one column, got {tuple(x.shape)}")
    if x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or inf")
    return x


def check_sampler(
    source: Any, name: str = "source"
) -> Callable[[int, Any], torch.Tensor]:
    """Return ``(n, seed) -> Tensor`` for anything that follows the sampling protocol.

    The protocol: an object with ``sample(n, seed=None) -> Tensor`` of shape
    ``(n, d)`` (a mixture, a trained VAE or GAN, ``KnownSupport``, a diffusion
    sampler), or a plain callable ``(n, seed) -> Tensor``.
    """
    sample = getattr(source, "sample", None)
    if callable(sample):
        return lambda n, seed=None: sample(n, seed=seed)
    if callable(source):
        return source
    raise TypeError(
        f"{name} must have a sample(n, seed) method or be a callable (n, seed), "
        f"got {type(source).__name__}"
    )
