"""Unit tests for gentheory_utils.source (show_source)."""

from __future__ import annotations

import ast

import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter
from IPython.display import Code

from gentheory_utils import data, manifold, metrics, vae
from gentheory_utils.seeding import seed_everything
from gentheory_utils.source import OMITTED, _shorten_docstrings, show_source


def _sample_function(a, b=2):
    """Add."""
    return a + b


def _documented(x, scale=2.0):
    """Scale ``x``.

    Parameters
    ----------
    x : float
        The value.
    scale : float
        The factor.
    """
    # a comment the reader must keep
    return scale * x


def _long_summary(x):
    """A summary that runs on
    to a second line.

    More text.
    """
    return x


def _raw_docstring(x):
    r"""The map $x \mapsto 2x$.

    Notes with \alpha.
    """
    return 2 * x


def _no_docstring(x):
    return x + 1


class _SampleClass:
    def method(self, x):
        return x * 2


class _DocumentedClass:
    """A class.

    Longer description.
    """

    def method(self, x):
        """Twice ``x``.

        Details.
        """
        return x * 2

    def plain(self):
        """Only a summary."""
        return 0


# --- what is shown -----------------------------------------------------------


def test_show_source_of_function_contains_its_def_line():
    code = show_source(_sample_function)
    assert isinstance(code, Code)
    assert code.language == "python"
    assert code.data.startswith("def _sample_function(a, b=2):")
    assert "return a + b" in code.data


def test_summary_only_docstring_is_kept_as_it_is():
    assert OMITTED not in show_source(_sample_function).data
    assert '"""Add."""' in show_source(_sample_function).data


def test_docstring_is_cut_to_its_summary_with_a_marker():
    text = show_source(_documented).data
    assert text.splitlines() == [
        "def _documented(x, scale=2.0):",
        '    """Scale ``x``."""',
        f"    {OMITTED}",
        "    # a comment the reader must keep",
        "    return scale * x",
    ]
    ast.parse(text)  # still valid Python


def test_full_docstring_keeps_everything():
    text = show_source(_documented, full_docstring=True).data
    assert "Parameters" in text and "The factor." in text
    assert OMITTED not in text


def test_multi_line_summary_and_raw_prefix_survive():
    text = show_source(_long_summary).data
    assert '"""A summary that runs on\n    to a second line."""' in text
    assert "More text" not in text
    raw = show_source(_raw_docstring).data
    assert 'r"""The map $x \\mapsto 2x$."""' in raw
    assert "alpha" not in raw
    ast.parse(text)
    ast.parse(raw)


def test_function_without_docstring_is_unchanged():
    text = show_source(_no_docstring).data
    assert text == "def _no_docstring(x):\n    return x + 1\n"


def test_show_source_of_method_is_dedented():
    for obj in (_SampleClass.method, _SampleClass().method):
        code = show_source(obj)
        assert code.data.startswith("def method(self, x):")
        assert "\n    return x * 2" in code.data


def test_class_shows_summary_and_methods_with_short_docstrings():
    text = show_source(_DocumentedClass).data
    assert text.startswith('class _DocumentedClass:\n    """A class."""\n')
    assert "Longer description" not in text and "Details" not in text
    assert '        """Twice ``x``."""\n' in text
    assert '        """Only a summary."""\n' in text
    assert text.count(OMITTED) == 2  # the class and ``method``, not ``plain``
    assert "return x * 2" in text and "return 0" in text
    ast.parse(text)


def test_show_source_of_class_and_package_function():
    assert show_source(_SampleClass).data.startswith("class _SampleClass:")
    assert show_source(data.ring).data.startswith("def ring(n_modes: int")


@pytest.mark.parametrize(
    "obj", [manifold.twonn_dimension, metrics.mode_coverage, vae.elbo, vae.VAE]
)
def test_package_helpers_lose_all_but_the_summary(obj):
    short = show_source(obj).data
    full = show_source(obj, full_docstring=True).data
    assert "Taught in Chapter" in full and "Taught in Chapter" not in short
    assert len(short.splitlines()) < len(full.splitlines())
    # the code itself is all there: the statements are the same
    strip = _strip_docstrings
    assert strip(ast.parse(short)) == strip(ast.parse(full))


def _strip_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and (
            node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        ):
            node.body = node.body[1:]
    return ast.dump(tree)


def test_shorten_leaves_unparsable_source_and_shared_lines_alone():
    assert _shorten_docstrings("def broken(:\n") == "def broken(:\n"
    one_line = 'def f(): """Summary.\n\n    More.\n    """; return 1\n'
    assert _shorten_docstrings(one_line) == one_line


def test_show_source_offers_markdown_and_no_latex():
    bundle, _ = DisplayFormatter().format(show_source(seed_everything))
    assert "text/latex" not in bundle  # the PDF would put it inside a math environment
    assert bundle["text/markdown"].startswith("```python\ndef seed_everything(")
    assert bundle["text/markdown"].rstrip().endswith("```")
    assert OMITTED in bundle["text/markdown"]  # the PDF gets the short form too
    assert "text/html" in bundle


# --- error paths -------------------------------------------------------------


@pytest.mark.parametrize("obj", [len, print, 3, "def f(): pass", None, np.add])
def test_show_source_rejects_builtins_and_non_functions(obj):
    with pytest.raises(
        TypeError, match=r"show_source needs a function, method or class"
    ):
        show_source(obj)


def test_show_source_rejects_function_without_source():
    namespace = {}
    exec("def made_at_runtime():\n    return 1\n", namespace)
    with pytest.raises(TypeError, match=r"no source available for"):
        show_source(namespace["made_at_runtime"])


@pytest.mark.parametrize("bad", [1, None, "yes"])
def test_show_source_rejects_non_bool_full_docstring(bad):
    with pytest.raises(TypeError, match=r"full_docstring must be a bool, got"):
        show_source(_documented, full_docstring=bad)
