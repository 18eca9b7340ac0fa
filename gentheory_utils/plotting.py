"""One figure style for the whole book, with a colour-blind-safe palette.

The palette is Okabe and Ito's eight colours, distinguishable under the
common forms of colour blindness. :func:`use_style` installs it as the
default colour cycle; :func:`label` enforces the book's rule that every axes
has a title saying what to see and labelled axes.
"""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from ._validate import check_int

__all__ = ["PALETTE", "use_style", "label", "palette_cmap"]

#: The Okabe–Ito palette, distinguishable with any common colour-vision
#: deficiency. In order: black, orange, sky blue, bluish green, yellow, blue,
#: vermillion and reddish purple.
PALETTE: list[str] = [
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
]


def use_style(dpi: int = 90) -> None:
    """Set the book's matplotlib defaults (palette, grid, sizes).

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Sequential colour maps default to ``viridis``, which is perceptually
    uniform and colour-blind safe; figures get an opaque white background so
    that they stay legible in the book's dark mode.
    """
    dpi = check_int(dpi, "dpi", minimum=30)
    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=PALETTE[1:] + PALETTE[:1]),
            "figure.dpi": dpi,
            "figure.figsize": (6.0, 4.0),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "axes.titlesize": 11,
            "legend.frameon": False,
            "image.cmap": "viridis",
            # Opaque white figures stay legible when the book is read in dark mode.
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "axes.facecolor": "white",
        }
    )


def palette_cmap(n: int) -> ListedColormap:
    """A qualitative colour map with the first ``n`` (<= 8) palette colours.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.
    """
    n = check_int(n, "n", minimum=1, maximum=len(PALETTE))
    return ListedColormap(PALETTE[:n])


def label(ax: Axes, title: str, xlabel: str, ylabel: str) -> Axes:
    """Give ``ax`` a title and axis labels; all three must be non-empty strings.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be a non-empty string, got {text!r}")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
