"""The set-up call every chapter makes first: seed, threads, plot style.

A chapter starts with ``SEED = setup()``. Every random draw in the chapter then
derives from ``SEED`` (``SEED + k`` for its k-th independent stream, or a
helper's ``seed=`` argument), so one environment variable,
``GENTHEORY_SEED``, reruns the whole book with another seed.

**Thread policy.** Each kernel computes with **one** math thread unless
``GENTHEORY_THREADS`` says otherwise. That is what a Colab reader gets (two
vCPUs are one physical core), it makes the numbers on the page the numbers
the tests saw, and two kernels running side by side (nbval with two workers,
a book build next to another job) never fight over the cores.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._validate import check_int

__all__ = [
    "setup",
    "seed_everything",
    "get_device",
    "env_seed",
    "env_threads",
    "cpu_model",
]

SEED_VARIABLE = "GENTHEORY_SEED"
THREADS_VARIABLE = "GENTHEORY_THREADS"


def _env_int(variable: str, default: int, minimum: int) -> int:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"the environment variable {variable} must be an integer, got {raw!r}"
        ) from None
    if value < minimum:
        raise ValueError(f"{variable} must be >= {minimum}, got {value}")
    return value


def env_seed() -> int:
    """The book's seed: ``GENTHEORY_SEED`` from the environment, 0 when unset.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Raises
    ------
    ValueError
        When the variable is set to something other than a non-negative integer.
    """
    return _env_int(SEED_VARIABLE, 0, 0)


def env_threads() -> int:
    """Math threads per kernel: ``GENTHEORY_THREADS``, 1 when unset.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.
    """
    return _env_int(THREADS_VARIABLE, 1, 1)


def seed_everything(seed: int = 0, deterministic: bool = True) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    seed : int
        Non-negative seed, below ``2**32``.
    deterministic : bool
        Ask torch for deterministic kernels where it has them (no error where
        it has none), so that re-running gives the same numbers on the same
        machine.
    """
    seed = check_int(seed, "seed", minimum=0, maximum=2**32 - 1)
    if not isinstance(deterministic, bool):
        raise TypeError(
            f"deterministic must be a bool, got {type(deterministic).__name__}"
        )
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)


def setup(
    seed: int | None = None,
    threads: int | None = None,
    style: bool = True,
    quiet: bool = False,
) -> int:
    """Prepare a chapter: seed everything, set the threads and the plot style.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    seed : int or None
        The seed; ``None`` reads ``GENTHEORY_SEED`` (default 0).
    threads : int or None
        Math threads for torch; ``None`` reads ``GENTHEORY_THREADS`` (default 1,
        see the module's thread policy).
    style : bool
        Apply the book's figure style (:func:`gentheory_utils.plotting.use_style`).
    quiet : bool
        Do not print the one-line summary.

    Returns
    -------
    int
        The seed, for the chapter's ``SEED``.
    """
    seed = env_seed() if seed is None else check_int(seed, "seed", 0, 2**32 - 1)
    threads = env_threads() if threads is None else check_int(threads, "threads", 1)
    if not isinstance(style, bool) or not isinstance(quiet, bool):
        raise TypeError("style and quiet must be bools")
    torch.set_num_threads(threads)
    try:  # NumPy's BLAS too (threadpoolctl comes with scikit-learn)
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)
    except ImportError:  # pragma: no cover - scikit-learn always brings it
        pass
    seed_everything(seed)
    if style:
        from .plotting import use_style

        use_style()
    figure_dir = os.environ.get("GENTHEORY_FIGURE_DIR", "").strip()
    if figure_dir:  # the book build: every displayed figure also goes to a file
        from .plotting import export_figures

        export_figures(figure_dir)
    if not quiet:
        capability = torch.backends.cpu.get_cpu_capability()
        print(
            f"seed {seed} | torch {torch.__version__} | {torch.get_num_threads()} "
            f"thread(s) | CPU capability {capability}"
        )
    return seed


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
    mps = getattr(torch.backends, "mps", None)
    if prefer_gpu and mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cpu_model() -> str:
    """The CPU's model name, as benchmarks and the robustness sweep record it.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Read from ``/proc/cpuinfo`` on Linux, from ``platform.processor()``
    elsewhere; ``"unknown CPU"`` when neither says.
    """
    import platform
    from pathlib import Path

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
