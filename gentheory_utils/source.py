"""Show the code that runs, without keeping a second copy of it in a chapter.

:func:`show_source` shows a helper's signature, the summary line of its
docstring and its code: the rest of a numpydoc docstring (parameters, shapes,
errors) is left to the API page, so the lesson's code is what the reader sees.
"""

from __future__ import annotations

import ast
import inspect
import re

from IPython.display import Code

__all__ = ["show_source"]

#: The comment that stands in for the part of a docstring that is left out.
OMITTED = "# full docstring: API page or help()"

# A string literal's prefix and opening quotes (raw and unicode prefixes only:
# a docstring cannot be a bytes or f-string).
_OPENING = re.compile(r"([rRuU]{0,2})(\"\"\"|'''|\"|')")


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


def _summary_only(literal: str, indent: str) -> list[str] | None:
    """The docstring ``literal`` cut to its summary, as source lines.

    ``literal`` is the docstring exactly as written (prefix and quotes
    included). Returns ``None`` when nothing would be left out (the docstring is
    its summary) or the literal has a form this does not rewrite.
    """
    match = _OPENING.match(literal)
    if match is None or not literal.endswith(match.group(2)):
        return None
    prefix, quote = match.groups()
    body = literal[match.end() : len(literal) - len(quote)]
    lines = body.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    summary: list[str] = []
    for line in lines:
        if not line.strip():
            break
        summary.append(line)
    rest = lines[len(summary) :]
    if not summary or not any(line.strip() for line in rest):
        return None
    closing = [*summary[1:-1], summary[-1].rstrip() + quote] if summary[1:] else []
    first = f"{indent}{prefix}{quote}{summary[0].strip()}"
    return [first + quote] if not closing else [first, *closing]


def _shorten_docstrings(code: str) -> str:
    """Cut every docstring in ``code`` to its summary, marking what was left out.

    Parameters
    ----------
    code : str
        Python source of one or more functions or classes, not indented.

    Returns
    -------
    str
        The same source, byte for byte, except that each function's, class's
        and method's docstring keeps only its first paragraph (the summary) and
        is followed by the comment :data:`OMITTED`. Docstrings that are only a
        summary are kept as they are. Source that does not parse is returned
        unchanged.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.split("\n")
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        first = node.body[0] if node.body else None
        if not (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            continue
        start, end = first.lineno - 1, first.end_lineno - 1
        head, tail = lines[start], lines[end]
        if head[: first.col_offset].strip() or tail[first.end_col_offset :].strip():
            continue  # shares its lines with other code: leave it alone
        literal = "\n".join(lines[start : end + 1])[first.col_offset :]
        literal = literal[: len(literal) - (len(tail) - first.end_col_offset)]
        indent = head[: first.col_offset]
        shortened = _summary_only(literal, indent)
        if shortened is not None:
            edits.append((start, end, [*shortened, f"{indent}{OMITTED}"]))
    for start, end, replacement in sorted(edits, reverse=True):
        lines[start : end + 1] = replacement
    return "\n".join(lines)


def show_source(obj, full_docstring: bool = False) -> Code:
    """Show a function's, class's or method's signature, docstring summary and code.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    As the last expression of a cell it renders in the notebook and in the
    book (a Markdown code block in the PDF), so the reader sees exactly the
    code the chapter calls.

    Parameters
    ----------
    obj : function, method or class
        What to show. For a class: its ``class`` line, its docstring's summary
        and the code of its methods, each with its docstring shortened alike.
    full_docstring : bool
        Keep the docstrings whole. By default each keeps only its summary (the
        first paragraph), followed by the comment
        ``# full docstring: API page or help()``; the parameters, shapes and
        errors are on the API page.

    Returns
    -------
    IPython.display.Code
        The highlighted source (``.data`` is the text).

    Raises
    ------
    TypeError
        If ``obj`` is not a function, method or class, its source is not
        available (for example a built-in), or ``full_docstring`` is not a bool.
    """
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        raise TypeError(
            f"show_source needs a function, method or class, got {type(obj).__name__}"
        )
    if not isinstance(full_docstring, bool):
        raise TypeError(
            f"full_docstring must be a bool, got {type(full_docstring).__name__}"
        )
    try:
        text = inspect.getsource(obj)
    except (OSError, TypeError) as exc:
        raise TypeError(f"no source available for {obj!r}: {exc}") from exc
    text = inspect.cleandoc("\n" + text) if text.startswith((" ", "\t")) else text
    if not full_docstring:
        text = _shorten_docstrings(text)
    return _Source(text, language="python")
