"""One figure style for the whole book, with a colour-blind-safe palette.

The palette is Okabe and Ito's eight colours, distinguishable under the
common forms of colour blindness. :func:`use_style` installs it as the
default colour cycle; :func:`label` enforces the book's rule that every axes
has a title saying what to see and labelled axes.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ._validate import check_int

__all__ = ["PALETTE", "use_style", "label", "palette_cmap", "export_figures"]

#: The environment variable that names the folder :func:`export_figures` writes
#: to; the book build sets it (``_ext/figure_pack.py``), and
#: :func:`~gentheory_utils.seeding.setup` reads it.
FIGURE_DIR_VARIABLE = "GENTHEORY_FIGURE_DIR"
#: The key of the record :func:`export_figures` adds to a figure output's metadata.
FIGURE_KEY = "application/vnd.gentheory.figure+json"
#: Resolution of the exported PNG files, in dots per inch.
EXPORT_DPI = 300

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


def _figure_title(fig: Figure) -> str:
    """The figure's suptitle, else its first non-empty axes title, else ``""``."""
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        return suptitle.get_text().strip()
    for ax in fig.axes:
        if ax.get_title().strip():
            return ax.get_title().strip()
    return ""


def _save_figure(fig: Figure, directory: Path) -> dict:
    """Save ``fig`` as ``<id>.svg`` and a 300-dpi ``<id>.png``; return the record."""
    key = uuid.uuid4().hex
    # A fixed hash salt makes the SVG's element ids the same from build to build.
    with mpl.rc_context({"svg.hashsalt": "gentheory", "svg.fonttype": "path"}):
        fig.savefig(
            directory / f"{key}.svg",
            format="svg",
            bbox_inches="tight",
            metadata={"Date": None},
        )
        fig.savefig(
            directory / f"{key}.png", format="png", dpi=EXPORT_DPI, bbox_inches="tight"
        )
    return {"id": key, "title": _figure_title(fig)}


def export_figures(directory: str | os.PathLike) -> bool:
    """Also save every figure the notebook displays, as SVG and as a 300-dpi PNG.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    The book build turns this on (through ``GENTHEORY_FIGURE_DIR``, read by
    :func:`~gentheory_utils.seeding.setup`) to publish every figure as a file. Each
    displayed figure (``plt.show``, the end of a cell, ``display(fig)``, the
    default state of :func:`gentheory_utils.widgets.interactive_figure`) is
    written as ``<id>.svg`` and ``<id>.png`` in ``directory``, and the output's
    metadata gains a record ``{"id": <id>, "title": ...}`` under the key
    ``application/vnd.gentheory.figure+json``, which the book build
    (``tools/export_figures.py``) turns into
    ``figures/<chapter>/<name>.{svg,png}``. The output's data (what a notebook
    or the book shows) is unchanged.

    Parameters
    ----------
    directory : str or path-like
        Absolute path of the folder to write to (created if missing).

    Returns
    -------
    bool
        ``True`` when the hook is installed, ``False`` outside IPython (a plain
        script has no display to hook; nothing is saved).

    Raises
    ------
    TypeError
        If ``directory`` is not a string or path.
    ValueError
        If ``directory`` is empty or not absolute (a kernel's working directory
        is the notebook's folder, so a relative path would scatter the files).
    """
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(
            f"directory must be a str or path, got {type(directory).__name__}"
        )
    if not str(directory).strip():
        raise ValueError("directory must be a non-empty path")
    path = Path(directory)
    if not path.is_absolute():
        raise ValueError(f"directory must be an absolute path, got {str(path)!r}")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks
        return False
    shell = get_ipython()
    if shell is None:
        return False
    path.mkdir(parents=True, exist_ok=True)
    from IPython.core.formatters import JSONFormatter

    class FigureRecordFormatter(JSONFormatter):
        """Saves each displayed figure; its record goes to the output's metadata."""

        format_type = FIGURE_KEY
        print_method = "_repr_gentheory_figure_"

        # Not a ``for_type`` registration: matplotlib's inline backend removes
        # every formatter's ``Figure`` entry when it activates (on the first
        # figure) or when the figure formats change. Errors are not caught, so
        # a figure that cannot be saved fails its cell, and the build.
        # ``(None, record)``: no data of this type (a front end would not know
        # how to show it), only metadata.
        def __call__(self, obj):
            if not isinstance(obj, Figure):
                return None
            return None, _save_figure(obj, path)

    shell.display_formatter.formatters[FIGURE_KEY] = FigureRecordFormatter(
        parent=shell.display_formatter
    )
    return True
