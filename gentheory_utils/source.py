"""Show the code that runs, without keeping a second copy of it in a chapter."""
from __future__ import annotations

import inspect

from IPython.display import Code

__all__ = ["show_source"]


def show_source(obj) -> Code:
    """Return the source of a function, class or method as highlighted code.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    As the last expression of a cell it renders in the notebook and in the
    book, so the reader sees exactly the code the chapter calls.

    Raises
    ------
    TypeError
        If ``obj`` is not a function, method or class, or its source is not
        available (for example a built-in).
    """
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        raise TypeError(f"show_source needs a function, method or class, got {type(obj).__name__}")
    try:
        text = inspect.getsource(obj)
    except (OSError, TypeError) as exc:
        raise TypeError(f"no source available for {obj!r}: {exc}") from exc
    return Code(inspect.cleandoc("\n" + text) if text.startswith((" ", "\t")) else text, language="python")
