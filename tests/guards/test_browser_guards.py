"""The browser checks (tools/check_html.py) must fail on the faults they exist for.

Each test writes a tiny HTML page next to a copy of the book's local MathJax
(``_webassets/``, filled by ``make assets``) and runs the checker on it in
headless Chromium: a page with an external asset, unrendered math, a TeX error
(an undefined macro), an image without alt text, a JavaScript error, a widget
drawn in the wrong state or a code or output block that scrolls sideways must
fail; a clean page must pass.

The slide check (tools/check_slides.py) runs on the guard decks of
``tests/guards/slide_guards/``: each breaks one rule (a slide that overflows,
code that scrolls sideways, raw markup, a small figure, a slide without notes,
a PDF with more pages than slides), names in its first line the message it must
fail with, and must fail with that message and no other; the control deck must
pass.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, load_tool

ASSETS = ROOT / "_webassets"

needs_browser = pytest.mark.skipif(
    shutil.which("chromium") is None
    or not (ASSETS / "mathjax" / "tex-mml-chtml.js").is_file(),
    reason="needs Chromium (make browser-deps) and _webassets/ "
    "(make assets, which needs npm)",
)


def checker():
    return load_tool("check_html")


SLIDE_GUARDS = ROOT / "tests" / "guards" / "slide_guards"
REVEAL = ROOT / "web" / "node_modules" / "reveal.js"
# The message each kind of slide fault prints; a guard must print its own only.
SLIDE_REASONS = [
    "outside the 1280x720 slide",
    "scrolls sideways",
    "raw markup",
    "small figure",
    "no speaker notes",
    "pages for",
]
# A slide taller than 720 px on screen is taller than its page in print too, so
# the overflow guard may also fail the PDF's page count; the PDF guard fails the
# page count alone (it overflows only in print).
SLIDE_CONSEQUENCES = {"outside the 1280x720 slide": {"pages for"}}

needs_slides = pytest.mark.skipif(
    shutil.which("chromium") is None
    or not (ASSETS / "mathjax" / "tex-mml-chtml.js").is_file()
    or not (REVEAL / "dist" / "reveal.js").is_file(),
    reason="needs Chromium (make browser-deps), _webassets/ and web/node_modules "
    "(make assets, which needs npm)",
)


MATHJAX = (
    '<script>window.MathJax = {tex: {macros: {R: "\\\\mathbb{R}"}}};</script>'
    '<script defer src="_webassets/mathjax/tex-mml-chtml.js"></script>'
)


def page(tmp_path: Path, body: str, head: str = MATHJAX) -> Path:
    html = tmp_path / "html"
    html.mkdir(exist_ok=True)
    if not (html / "_webassets").exists():
        (html / "_webassets").symlink_to(ASSETS, target_is_directory=True)
    path = html / "page.html"
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head>"
        f"<body><main>{body}</main></body></html>",
        encoding="utf-8",
    )
    return html


def run(tmp_path: Path, body: str, head: str = MATHJAX, capsys=None) -> tuple[int, str]:
    html = page(tmp_path, body, head)
    code = checker().main(
        [
            "--html",
            str(html),
            "--screenshots",
            str(tmp_path / "shots"),
            "--pages",
            "page.html",
        ]
    )
    out = capsys.readouterr().out if capsys else ""
    return code, out


GOOD = (
    '<p>A formula: <span class="math">\\(x \\in \\R^2\\)</span></p>'
    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="a pixel">'
)


@needs_browser
def test_a_clean_page_passes(tmp_path, capsys):
    code, out = run(tmp_path, GOOD + NARROW_CODE, capsys=capsys)
    assert code == 0, out


# Part of a chapter page: a code cell and its output, in a 400 px column.
NARROW_CODE = (
    '<div style="width: 400px"><div class="cell"><div class="cell_input">'
    '<div class="highlight"><pre>x = 1</pre></div></div>'
    '<div class="cell_output"><div class="output"><pre>1</pre></div></div></div></div>'
)
WIDE_LINE = "y = " + " + ".join(f"value_{i}" for i in range(20))


@needs_browser
@pytest.mark.parametrize(
    ("body", "head", "message"),
    [
        (
            GOOD + '<img src="https://example.org/x.png" alt="remote">',
            MATHJAX,
            "external request",
        ),
        (
            GOOD,
            MATHJAX + '<script src="https://cdn.example.org/lib.js"></script>',
            "external request",
        ),
        ('<span class="math">\\(x^2\\)</span>', "", "formula not rendered"),
        ('<span class="math">\\(\\notdefined{x}\\)</span>', MATHJAX, "TeX error"),
        (
            GOOD + '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
            MATHJAX,
            "without alt text",
        ),
        (GOOD + "<script>undefinedFunction();</script>", MATHJAX, "JavaScript error"),
        (
            GOOD + NARROW_CODE.replace("x = 1", WIDE_LINE),
            MATHJAX,
            "code or output block scrolls sideways",
        ),
        (
            GOOD + NARROW_CODE.replace("<pre>1</pre>", f"<pre>{WIDE_LINE}</pre>"),
            MATHJAX,
            "code or output block scrolls sideways",
        ),
        (  # code made to fit by unreadably small type
            GOOD + NARROW_CODE.replace("<pre>x = 1", '<pre style="font-size: 10px">x'),
            MATHJAX,
            "below 12.5 px",
        ),
    ],
)
def test_faults_fail_the_page(tmp_path, capsys, body, head, message):
    code, out = run(tmp_path, body, head, capsys=capsys)
    assert code == 1 and message in out, out


def test_widget_defaults_are_compared_with_the_state():
    module = checker()
    state = {
        "state": {
            "a": {"model_name": "IntSliderModel", "state": {"value": 256}},
            "b": {
                "model_name": "DropdownModel",
                "state": {"_options_labels": ["x", "y"], "index": 1},
            },
            "c": {"model_name": "LayoutModel", "state": {}},
        }
    }
    assert module.expected_widget_values(state) == ([256], ["y"])
    assert module.expected_widget_values(None) == ([], [])
    assert module._same_number("256", 256) and module._same_number("0.10", 0.1)
    assert not module._same_number("255", 256) and not module._same_number("n/a", 1)


def test_allow_list_entries_have_reasons(monkeypatch):
    module = checker()
    for pattern, reason in module.ALLOWED_CONSOLE:
        assert pattern and len(reason) > 20, "every allowed message needs its reason"
    assert not module.allowed("Uncaught ReferenceError: foo is not defined")
    monkeypatch.setattr(
        module,
        "ALLOWED_CONSOLE",
        [(r"^harmless: ", "a message this test declares harmless")],
    )
    assert module.allowed("harmless: yes") and not module.allowed("real error")


def test_transparent_figures_are_found(tmp_path):
    from PIL import Image

    images = tmp_path / "_images"
    images.mkdir()
    Image.new("RGB", (4, 4), "white").save(images / "opaque.png")
    Image.new("RGBA", (4, 4), (255, 255, 255, 255)).save(images / "opaque_rgba.png")
    see_through = Image.new("RGBA", (4, 4), (255, 255, 255, 255))
    see_through.putpixel((1, 1), (0, 0, 0, 0))
    see_through.save(images / "transparent.png")
    assert checker().transparent_figures(tmp_path) == ["transparent.png"]


def test_book_style_saves_opaque_figures(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gentheory_utils.plotting import use_style

    use_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    (tmp_path / "_images").mkdir()
    fig.savefig(tmp_path / "_images" / "fig.png")
    plt.close(fig)
    assert checker().transparent_figures(tmp_path) == []


def pdf_checker():
    return load_tool("check_pdf")


def test_pdf_log_parsing():
    log = (
        "(./gentheory.toc)\n"
        "Missing character: There is no ᵀ (U+1D40) in font FreeMono\n"
        "Output written on gentheory.pdf (212 pages, 3000000 bytes).\n"
    )
    assert pdf_checker().inspect_log(log) == (212, [], ["ᵀ"])
    pages, errors, _ = pdf_checker().inspect_log(
        "! Undefined control sequence.\nl.12 \\foo\n"
    )
    assert pages is None and errors == ["! Undefined control sequence."]


def test_pdf_log_unresolved_references_survive_line_wrapping():
    log = (
        "LaTeX Warning: Hyper reference "
        "`api:gentheory_utils.source.show_source' on page\n"
        " 12 undefined on input line 3413.\n"
        "LaTeX Warning: Reference `chapters/07_diffusion:ch7-ex-dsm' "
        "on page 200 undef\n"
        "ined on input line 9.\n"
        "LaTeX Warning: Citation `kynkaanniemi2019improved' "
        "on page 201 undefined on i\n"
        "nput line 10.\n"
    )
    assert pdf_checker().unresolved(log) == [
        "citation: kynkaanniemi2019improved",
        "hyper reference: api:gentheory_utils.source.show_source",
        "reference: chapters/07_diffusion:ch7-ex-dsm",
    ]
    assert pdf_checker().unresolved("LaTeX Warning: Label(s) may have changed.") == []


@pytest.mark.parametrize(
    ("log", "pages", "expected"),
    [
        ("Output written on gentheory.pdf (212 pages, 1 bytes).", 150, 0),
        ("Output written on gentheory.pdf (12 pages, 1 bytes).", 150, 1),
        (
            "! LaTeX Error: File `bbm.sty' not found.\n"
            "Output written on gentheory.pdf (212 pages, 1 bytes).",
            150,
            1,
        ),
        (  # a dangling link, wrapped by TeX at 79 characters as in a real log
            "LaTeX Warning: Hyper reference `chapters/02_vae:ch2-ex-beta' "
            "on page 12 und\n"
            "efined on input line 3413.\n"
            "Output written on gentheory.pdf (212 pages, 1 bytes).",
            150,
            1,
        ),
        (
            "LaTeX Warning: Citation `vincent2011connection' "
            "on page 3 undefined on inpu\n"
            "t line 7.\nOutput written on gentheory.pdf (212 pages, 1 bytes).",
            150,
            1,
        ),
    ],
)
def test_pdf_check_fails_on_errors_or_few_pages(tmp_path, log, pages, expected):
    (tmp_path / "gentheory.pdf").write_bytes(b"%PDF-1.5")
    (tmp_path / "gentheory.log").write_text(log, encoding="utf-8")
    assert (
        pdf_checker().main(["--latex", str(tmp_path), "--min-pages", str(pages)])
        == expected
    )


def wide_png() -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1000, 300), (200, 220, 255)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def slide_guard(tmp_path: Path, name: str) -> tuple[Path, str]:
    """The guard deck ``name`` written as make_slides writes a deck; its expectation."""
    make_slides = load_tool("make_slides")
    html = tmp_path / "html"
    slides = html / "slides"
    make_slides.copy_assets(slides)
    (html / "_static").mkdir()
    (html / "_static" / "mathjax").symlink_to(
        ASSETS / "mathjax", target_is_directory=True
    )
    fragment = (SLIDE_GUARDS / f"{name}.html").read_text(encoding="utf-8")
    expected = re.match(r"<!-- expect: (.*?)\.", fragment).group(1)
    fragment = fragment.replace("{PNG}", wide_png())
    (slides / f"{name}.html").write_text(
        make_slides.page(name, [fragment]), encoding="utf-8"
    )
    return html, expected


@needs_slides
@pytest.mark.parametrize(
    "guard", sorted(p.stem for p in SLIDE_GUARDS.glob("*.html")), ids=str
)
def test_slide_guards_fail_each_for_its_own_reason(tmp_path, capsys, guard):
    html, expected = slide_guard(tmp_path, guard)
    code = load_tool("check_slides").main(
        ["--html", str(html), "--screenshots", str(tmp_path / "shots"), guard]
    )
    out = capsys.readouterr().out
    if expected == "nothing":
        assert code == 0, out
        assert (html / "slides" / f"{guard}.pdf").is_file()
        assert len(list((tmp_path / "shots" / guard).glob("*.png"))) == 2
    else:
        assert code == 1 and expected in out, out
        also = SLIDE_CONSEQUENCES.get(expected, set())
        others = [
            r for r in SLIDE_REASONS if r != expected and r not in also and r in out
        ]
        assert not others, f"{guard} also failed for {others}:\n{out}"


def test_every_slide_rule_has_a_guard():
    expectations = {
        re.match(r"<!-- expect: (.*?)\.", p.read_text(encoding="utf-8")).group(1)
        for p in SLIDE_GUARDS.glob("*.html")
    }
    assert expectations == {"nothing", *SLIDE_REASONS}
