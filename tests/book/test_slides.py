"""Slides (tools/make_slides.py): a deck per chapter, built from the chapter itself.

That the decks open offline with every formula rendered is checked in the
browser (`make test-browser`, tools/check_html.py, which also fails when a
chapter has no deck); here the deck is built from a small executed notebook.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from conftest import CHAPTERS, ROOT, load_tool

make_slides = load_tool("make_slides")

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awA"
    "AAABJRU5ErkJggg=="
)


@pytest.fixture
def executed(tmp_path):
    nb = nbformat.v4.new_notebook()
    figure = nbformat.v4.new_code_cell("plt.show()")
    figure.metadata["mystnb"] = {"image": {"alt": "A curve that rises."}}
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG})]
    nb.cells = [
        nbformat.v4.new_markdown_cell("macros"),
        nbformat.v4.new_markdown_cell(
            "# A chapter\n\n## Overview\n\nWe meet $\\E[x]$ and the {term}`score "
            "<score>` {cite}`song2021score`.\n\nSecond paragraph, not shown.\n\n"
            "## The idea\n\nThe value is {glue:text}`answer:.2f`.\n\n$$\na^2 + b^2\n$$"
            "\n\n```{prf:theorem} Big result\n:label: thm-big\n\nAll $x$ are "
            "fine.\n```\n\n```{prf:proof}\nObvious.\n```"
        ),
        figure,
        nbformat.v4.new_markdown_cell(
            "## Exercises\n\n````{exercise-start}\n:label: ex-a\n````\n\n"
            "**First one.** *(★, proof)* Prove it.\n\n````{exercise-end}\n````"
        ),
    ]
    path = tmp_path / "99_test.ipynb"
    nbformat.write(nb, path)
    glue = {"answer": {"data": {"text/plain": "3.14159"}}}
    (tmp_path / "99_test.glue.json").write_text(json.dumps(glue))
    return path


def test_deck_has_sections_theorems_figures_and_exercises(executed):
    text, n = make_slides.build_deck(executed)
    slides = re.findall(r"<section>.*?</section>", text, re.S)
    titles = [
        re.sub(r"<[^>]+>", "", re.search(r"<h\d>(.*?)</h\d>", s).group(1))
        for s in slides
    ]
    assert titles == [
        "A chapter",  # the title page
        "A chapter",
        "Overview",
        "The idea",
        "Theorem: Big result",
        "The idea",  # the figure, under the heading it belongs to
        "Exercises",
    ]
    assert n == len(slides) - 1
    assert '<span class="math">\\(\\E[x]\\)</span>' in text  # for MathJax
    assert '<div class="math">\\[\na^2 + b^2\n\\]</div>' in text
    assert "Second paragraph" not in text  # the first paragraph only
    assert "3.14" in text and "glue" not in text  # glued value filled in
    assert "the score [song2021score]" in text  # roles become plain text
    assert "Obvious" not in text  # proofs stay in the book
    assert 'alt="A curve that rises."' in text and "data:image/png;base64" in text
    assert "<li>First one.</li>" in text
    assert "http" not in re.sub(r'alt="[^"]*"', "", text).split("</head>")[0]


def test_deck_loads_local_mathjax_with_the_book_macros(executed):
    text, _ = make_slides.build_deck(executed)
    assert '<script src="../_static/mathjax/tex-mml-chtml.js"></script>' in text
    assert '"E": "\\\\mathbb{E}"' in text
    assert '<script src="reveal/reveal.js"></script>' in text


def test_make_slides_needs_the_built_book(tmp_path, capsys):
    assert make_slides.main(["--html", str(tmp_path / "html")]) == 1
    assert "make book" in capsys.readouterr().err


def test_course_guide_links_every_deck():
    text = (ROOT / "course.md").read_text(encoding="utf-8")
    assert set(re.findall(r'href="slides/(\w+)\.html"', text)) == {
        p.stem for p in CHAPTERS
    }
