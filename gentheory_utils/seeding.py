"""Seeds and device choice: every chapter calls these in its first cells."""
from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._validate import check_int

__all__ = ["seed_everything", "get_device"]


def seed_everything(seed: int = 0, deterministic: bool = True) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    seed : int
        Non-negative seed.
    deterministic : bool
        Ask torch for deterministic kernels where it has them (no error where
        it has none), so that re-running gives the same numbers on the same
        machine.
    """
    seed = check_int(seed, "seed", minimum=0, maximum=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)


def get_device(prefer_gpu: bool = True) -> torch.device:
    """The device to compute on: a CUDA GPU (or Apple MPS) when present, else the CPU.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    The same notebook therefore scales up on Colab's GPU runtime and still
    runs on a laptop.
    """
    if not isinstance(prefer_gpu, bool):
        raise TypeError(f"prefer_gpu must be a bool, got {type(prefer_gpu).__name__}")
    if prefer_gpu and torch.cuda.is_available():
        return torch.device("cuda")
    if prefer_gpu and getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
