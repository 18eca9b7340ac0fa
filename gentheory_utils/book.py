"""Put computed numbers and tables into the page, in the book and on Colab.

Numbers quoted in a chapter's prose come from executed cells. :func:`glue`
hands a value to myst-nb's ``{glue}`` role when myst-nb is installed (the book
build) and simply shows it otherwise (Colab, plain Jupyter).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from IPython.display import Markdown, display

__all__ = ["glue", "markdown_table"]


def glue(name: str, value, display_value: bool = False) -> None:
    """Store ``value`` under ``name`` for ``{glue}`` roles in the chapter's text.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    name : str
        Key used in the text, e.g. ``{glue:text}`mle_digits:.1f```.
    value : object
        What to show (a number, a string, a figure).
    display_value : bool
        Also show the value in the cell's output.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python-identifier-like string, got {name!r}")
    # NumPy and torch scalars display as 'np.float64(...)', which the {glue:text} role
    # cannot format: hand over plain Python numbers.
    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, torch.Tensor) and value.ndim == 0:
        value = value.item()
    try:
        from myst_nb import glue as _glue
    except ImportError:  # Colab or plain Jupyter: nothing to glue into
        if display_value:
            display(value)
        return
    _glue(name, value, display=display_value)


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence], floatfmt: str = ".3g"
) -> Markdown:
    """A Markdown table of ``rows`` (floats formatted with ``floatfmt``).

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Every row must have one entry per header; a ``|`` inside a header or cell is
    escaped so it cannot split the cell.
    """

    def cell(v) -> str:  # a literal | would end the cell: escape it
        return (format(v, floatfmt) if isinstance(v, float) else str(v)).replace(
            "|", "\\|"
        )

    headers = [cell(h) for h in headers]
    if not headers:
        raise ValueError("headers must not be empty")
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"row {i} has {len(row)} entries, expected {len(headers)}")
        cells = [cell(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return Markdown("\n".join(lines))
