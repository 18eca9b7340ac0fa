"""Progress bars for long loops, silenced with ``progress=False``.

Any loop of the book that can take more than about two seconds goes through
:func:`progress_range` or :func:`progress_bar`; ``tqdm.auto`` picks a widget bar
in Jupyter and a text bar elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from tqdm.auto import tqdm

from ._validate import check_int

__all__ = ["progress_bar", "progress_range"]


def progress_bar(
    iterable: Iterable,
    progress: bool = True,
    desc: str | None = None,
    total: int | None = None,
) -> tqdm:
    """Wrap ``iterable`` in a ``tqdm.auto`` bar (silent when ``progress`` is False).

    Taught in Chapter 4, *Generalization of GANs depends on the discriminator*.
    """
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")
    # At most one redraw a second: every redraw of a notebook bar is a message to the
    # front end, and a long cell that floods the kernel's output channel (1,000
    # messages are buffered) can lose its final messages, which hangs nbval.
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        disable=not progress,
        leave=False,
        mininterval=1.0,
    )


def progress_range(n: int, progress: bool = True, desc: str | None = None) -> tqdm:
    """``range(n)`` with a progress bar (see :func:`progress_bar`).

    Taught in Chapter 4, *Generalization of GANs depends on the discriminator*.
    """
    n = check_int(n, "n", minimum=0)
    return progress_bar(range(n), progress=progress, desc=desc, total=n)
