"""Show the code that runs, without keeping a second copy of it in a chapter."""

from __future__ import annotations

import inspect
import re

from IPython.display import Code

__all__ = ["show_source"]


class _Source(Code):
    """Highlighted code for HTML, and a fenced Markdown block instead of LaTeX.

    IPython's ``Code`` offers a ``text/latex`` form; the PDF build would set it
    inside a math environment (where a ``Verbatim`` block cannot go), so the
    LaTeX form is withdrawn and a Markdown code block serves the PDF instead.
    """

    _repr_latex_ = None

    def _repr_markdown_(self) -> str:
        longest = max((len(run) for run in re.findall(r"`+", self.data)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}python\n{self.data.rstrip()}\n{fence}\n"


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
        raise TypeError(
            f"show_source needs a function, method or class, got {type(obj).__name__}"
        )
    try:
        text = inspect.getsource(obj)
    except (OSError, TypeError) as exc:
        raise TypeError(f"no source available for {obj!r}: {exc}") from exc
    return _Source(
        inspect.cleandoc("\n" + text) if text.startswith((" ", "\t")) else text,
        language="python",
    )
