"""Slides (tools/make_slides.py): a deck per chapter that stands alone.

That the decks fit their 1280x720 slides, open offline with every formula
rendered and print one PDF page per slide is checked in the browser
(`make test-browser`, tools/check_slides.py; its guards are in
tests/guards/test_browser_guards.py); here the deck is built from a small
executed notebook and from the chapters' sources, in pure Python.
"""

from __future__ import annotations

import base64
import io
import json
import re

import nbformat
import pytest

from conftest import CHAPTERS, ROOT, load_tool

make_slides = load_tool("make_slides")
check_slides = load_tool("check_slides")


def png(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


LONG = " ".join(
    f"Sentence number {i} of a long section says one more thing about $x_{i}$."
    for i in range(60)
)
SOURCE_20 = "def long():\n" + "".join(f"    x{i} = {i}\n" for i in range(20))


def code_cell(source: str, **metadata) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(metadata)
    return cell


@pytest.fixture
def executed(tmp_path):
    nb = nbformat.v4.new_notebook()
    figure = code_cell("plt.show()", mystnb={"image": {"alt": "A curve that rises."}})
    figure.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": png(1000, 300)})
    ]
    shown = code_cell("show_source(helper)")
    shown.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={
                "text/markdown": "```python\ndef helper(x):\n    return 2 * x\n```\n",
                "text/plain": "<Source>",
            },
            execution_count=1,
        )
    ]
    nb.cells = [
        nbformat.v4.new_markdown_cell("macros"),
        nbformat.v4.new_markdown_cell(
            "# A chapter\n\n## Overview\n\nWe meet $\\E[x]$ and the {term}`score "
            "<score>` {cite}`song2021score`.\n\nSecond paragraph, shown too, as "
            "{cite:t}`goodfellow2014gan` and {cite}`rezende2014stochastic,"
            "kingma2014autoencoding` say.\n\n"
            "## The idea\n\nThe value is {glue:text}`answer:.2f`; see "
            "{ref}`ex-a`.\n\n$$\na^2 + b^2\n$$"
            "\n\n```{prf:theorem} Big result\n:label: thm-big\n\nAll $x$ are "
            "fine.\n```\n\n```{prf:proof}\nObvious.\n```"
        ),
        figure,
        nbformat.v4.new_markdown_cell("The helper the chapter uses:"),
        shown,
        nbformat.v4.new_markdown_cell("Here is the loop:"),
        code_cell("for i in range(3):\n    print(i)"),
        code_cell("assert True  # a check, not announced"),
        nbformat.v4.new_markdown_cell("A long listing follows:"),
        code_cell(SOURCE_20),
        nbformat.v4.new_markdown_cell(f"## Long\n\n{LONG}"),
        code_cell("pass", tags=["remove-cell"]),
        nbformat.v4.new_markdown_cell(
            "Skipped text.", metadata={"slideshow": {"slide_type": "skip"}}
        ),
        nbformat.v4.new_markdown_cell(
            "After a break.", metadata={"slides": {"break": True}}
        ),
        nbformat.v4.new_markdown_cell(
            "## Exercises\n\n````{exercise-start}\n:label: ex-a\n````\n\n"
            "**First one.** *(★, proof)* Prove it.\n\n````{exercise-end}\n````\n\n"
            "````{solution-start} ex-a\n:class: dropdown\n````\n\nThe secret "
            "solution {cite}`ho2020denoising`."
        ),
        code_cell("print('solution code')"),
        nbformat.v4.new_markdown_cell("````{solution-end}\n````"),
    ]
    path = tmp_path / "99_test.ipynb"
    nbformat.write(nb, path)
    glue = {"answer": {"data": {"text/plain": "3.14159"}}}
    (tmp_path / "99_test.glue.json").write_text(json.dumps(glue))
    return path


def sections(text: str) -> list[str]:
    return re.findall(r"<section[^>]*>.*?</section>", text, re.S)


def title(section: str) -> str:
    match = re.search(r"<h\d>(.*?)</h\d>", section, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def visible(section: str) -> str:
    return re.sub(r"<aside class=\"notes\">.*?</aside>", "", section, flags=re.S)


def notes(section: str) -> str:
    match = re.search(r'<aside class="notes">(.*?)</aside>', section, re.S)
    return match.group(1) if match else ""


def test_deck_has_every_part_of_the_chapter(executed):
    text, n = make_slides.build_deck(executed)
    slides = sections(text)
    assert n == len(slides)
    titles = [title(s) for s in slides]
    assert titles[0].startswith("Chapter 99")  # the title slide
    assert titles[1] == "Overview"
    assert titles[2].startswith("The idea")
    assert "Theorem: Big result" in titles
    assert titles.count("The idea") >= 1  # the figure, under its section
    assert titles[-2] == "Exercises" and titles[-1] == "References"
    assert [t for t in titles if t.startswith("Long")] == [
        "Long (1/4)",
        "Long (2/4)",
        "Long (3/4)",
        "Long (4/4)",
    ]


def test_title_slide_names_book_chapter_version_licence_and_link(executed):
    text, _ = make_slides.build_deck(executed)
    first = sections(text)[0]
    assert "gentheory: the theory of deep generative models" in first
    assert "Chapter 99" in first and "A chapter" in first
    assert f"Version {make_slides.book_version()}" in first
    assert "CC BY 4.0" in first and "code MIT" in first
    assert 'href="../chapters/99_test.html"' in first


def test_whole_sections_roles_filled_and_citations_author_year(executed):
    text, _ = make_slides.build_deck(executed)
    shown = "".join(visible(s) for s in sections(text))
    assert '<span class="math">\\(\\E[x]\\)</span>' in text  # for MathJax
    assert '<div class="math">\\[\na^2 + b^2\n\\]</div>' in text
    assert "Second paragraph, shown too" in shown  # the whole section
    assert "3.14" in shown and "glue" not in text  # glued value filled in
    assert "the score (Song et al. 2021)" in shown
    assert "as Goodfellow et al. (2014) and" in shown  # {cite:t}
    assert "(Rezende et al. 2014; Kingma and Welling 2014)" in shown
    assert "see Exercise 99.1" in shown  # {ref} to an exercise, by number
    assert check_slides.raw_markup(re.sub(r"<[^>]+>", " ", text)) == []
    assert "Obvious" not in shown and "Obvious" in text  # the proof: notes only
    assert "After a break." in shown and "Skipped text." not in text
    assert "secret" not in text and "solution code" not in text
    references = visible(sections(text)[-1])
    assert references.index("Song") < references.index("Goodfellow")  # cited order
    assert "Generative Adversarial Nets" in references
    assert "Ho" not in references  # cited only in a solution


def test_every_slide_has_notes_with_its_sections_text(executed):
    text, _ = make_slides.build_deck(executed)
    for section in sections(text):
        assert len(re.sub(r"<[^>]+>", "", notes(section)).strip()) > 40, section
    overview = next(s for s in sections(text) if title(s) == "Overview")
    assert "Second paragraph" in notes(overview)
    figure = next(s for s in sections(text) if 'class="figure"' in s)
    assert "A curve that rises." in notes(figure)
    assert "The value is 3.14" in notes(figure)  # the section's text too


def test_announced_code_and_show_source_are_shown(executed):
    text, _ = make_slides.build_deck(executed)
    shown = "".join(visible(s) for s in sections(text))
    assert shown.count('<pre class="code">') == 3
    assert "helper" in shown and "range" in shown
    assert "a check, not announced" not in shown
    assert "Excerpt: the first 14 of 21 lines" in shown
    assert "x19 = 19" not in shown and "x19 = 19" in text  # the notes have it all
    # The announcing sentence sits on the slide of its code.
    slide = next(s for s in sections(text) if "range" in visible(s))
    assert "Here is the loop:" in visible(slide)


def test_figures_are_scaled_to_the_slide(executed):
    text, _ = make_slides.build_deck(executed)
    width, height = map(
        int,
        re.search(r'class="figure"[^>]* width="(\d+)" height="(\d+)"', text).groups(),
    )
    assert width == make_slides.CONTENT_W  # a wide figure fills the width
    assert abs(width / height - 1000 / 300) < 0.01
    item = make_slides.Chapter(make_slides.Context()).figure_item(png(500, 500), "x")
    w, h = map(int, re.search(r'width="(\d+)" height="(\d+)"', item.html).groups())
    # A square figure stands beside its caption, the full height of the slide.
    assert h == make_slides.CONTENT_H and w == h and item.title == "x"


def test_deck_is_offline_with_the_book_macros(executed):
    text, _ = make_slides.build_deck(executed)
    head = text.split("</head>")[0]
    assert '<script src="mathjax/tex-svg.js"></script>' in head
    assert '"mathjax": "../_static/mathjax"' in head
    assert '"E": "\\\\mathbb{E}"' in head
    assert '<script src="reveal/reveal.js"></script>' in text
    assert '"width": 1280' in text and '"height": 720' in text
    assert "http" not in re.sub(r'(alt|href)="[^"]*"', "", head)


def test_code_listing_keeps_short_code_and_marks_excerpts():
    assert make_slides.code_listing("x = 1\ny = 2\n") == ("x = 1\ny = 2", "")
    documented = (
        'def f(x):\n    """One line.\n\n' + "    More.\n" * 20 + '    """\n'
        "    return x\n"
    )
    listing, note = make_slides.code_listing(documented)
    assert listing == 'def f(x):\n    """One line."""\n    return x'
    assert note.startswith("Excerpt")
    listing, note = make_slides.code_listing(SOURCE_20)
    assert len(listing.split("\n")) == make_slides.CODE_LINES
    assert listing.endswith("    ...") and "14 of 21" in note


def test_bibliography_labels():
    works = make_slides.read_bib(ROOT / "references.bib")
    assert works["goodfellow2014gan"].label == "Goodfellow et al. 2014"
    assert works["kingma2014autoencoding"].label == "Kingma and Welling 2014"
    assert works["efron2011tweedie"].label == "Efron 2011"
    assert works["kynkaanniemi2019improved"].label.startswith("Kynkäänniemi")
    assert works["vonneumann1928theorie"].label == "von Neumann 1928"
    assert all("{" not in w.entry() and "\\" not in w.entry() for w in works.values())


def test_book_version_is_read_without_importing_the_package():
    text = (ROOT / "gentheory_utils" / "__init__.py").read_text(encoding="utf-8")
    assert f'__version__ = "{make_slides.book_version()}"' in text


def test_slide_break_metadata():
    plain = nbformat.v4.new_markdown_cell("x")
    assert make_slides.cell_break(plain) is False
    plain.metadata["slides"] = {"break": True}
    assert make_slides.cell_break(plain) is True
    plain.metadata = {"slideshow": {"slide_type": "subslide"}}
    assert make_slides.cell_break(plain) is True
    plain.metadata = {"slideshow": {"slide_type": "skip"}}
    assert make_slides.cell_break(plain) is None


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_decks_have_no_raw_markup(chapter):
    """Every chapter's deck, built from its (unexecuted) source, fills every role."""
    text, n = make_slides.build_deck(chapter)
    assert n > 10
    plain = html_text(text.split("</head>")[1])
    assert check_slides.raw_markup(plain) == []
    assert "unknown reference" not in plain
    for section in sections(text):
        assert len(re.sub(r"<[^>]+>", "", notes(section)).strip()) > 40


def html_text(markup: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def test_raw_markup_is_found():
    found = check_slides.raw_markup(
        "see {cite}`x` and [goodfellow2014gan], {glue:text}`a`, MATHPLACEHOLDER0X"
    )
    assert [f.split(":")[0] for f in found] == [
        "role",
        "role",
        "citation key",
        "math placeholder",
    ]
    assert (
        check_slides.raw_markup("an interval [0, 1] and (Goodfellow et al. 2014)") == []
    )
    prose = r"binomial, $K \sim \mathrm{Bin}(M, \rho)$ here"
    assert [f.split(":")[0] for f in check_slides.raw_markup("", prose)] == [
        "TeX in dollars",
        "TeX command",
        "TeX command",
        "TeX command",
    ]
    # Code keeps its dollars: only the prose (code aside) is searched for TeX.
    assert check_slides.raw_markup(r'ax.set_xlabel(r"noise $\sigma$")', "") == []


def test_pdf_page_count():
    pdf = (
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [3 0 R 4 0 R] /Count 2>> endobj\n"
        b"3 0 obj <</Type /Page /Parent 2 0 R>> endobj\n"
        b"4 0 obj <</Type /Page /Parent 2 0 R>> endobj\n"
    )
    assert check_slides.pdf_page_count(pdf) == 2
    assert check_slides.pdf_page_count(pdf.replace(b"/Count 2", b"")) == 2


def test_make_slides_needs_the_built_book(tmp_path, capsys):
    assert make_slides.main(["--html", str(tmp_path / "html")]) == 1
    assert "make book" in capsys.readouterr().err


def test_course_guide_links_every_deck():
    text = (ROOT / "course.md").read_text(encoding="utf-8")
    assert set(re.findall(r'href="slides/(\w+)\.html"', text)) == {
        p.stem for p in CHAPTERS
    }


def test_book_css_for_the_page_width_is_linked():
    """_ext/static/gentheory.css (code that fits at 1280 px) reaches every page."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config["sphinx"]["config"]
    assert "gentheory.css" in sphinx["html_css_files"]
    css = [
        ROOT / folder / "gentheory.css"
        for folder in sphinx["html_static_path"]
        if (ROOT / folder / "gentheory.css").is_file()
    ]
    assert css, "gentheory.css is in none of html_static_path"
    text = css[0].read_text(encoding="utf-8")
    sizes = [float(s) * 16 for s in re.findall(r"font-size:\s*([\d.]+)rem", text)]
    assert sizes and min(sizes) >= 12.5  # code type stays readable


def test_outputs_come_from_the_execution_cache_when_the_copy_has_none(tmp_path):
    """A rebuild that takes a chapter from jupyter-cache writes it without outputs."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    nb = nbformat.v4.new_notebook()
    cell = code_cell("print(1)")
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), cell]
    executed = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    cache = get_cache(tmp_path / "_build" / ".jupyter_cache")
    cache.cache_notebook_bundle(
        CacheBundleIn(executed, uri=str(tmp_path / "x.ipynb")), check_validity=False
    )
    copy = tmp_path / "_build" / "jupyter_execute" / "chapters" / "99_t.ipynb"
    copy.parent.mkdir(parents=True)
    nbformat.write(nb, copy)  # no outputs, as myst-nb writes it
    assert make_slides.read_executed(copy).cells[1].outputs[0]["text"] == "1\n"
