"""Turn each executed chapter into an offline reveal.js deck; nothing is written twice.

A deck is built from the chapter itself, as `make book` executed it
(``_build/jupyter_execute/chapters/NN_name.ipynb``): every heading starts a
slide that shows the heading, the first paragraph or list under it and its
first displayed formula; every theorem or lemma gets a slide with its
statement; every figure a slide of its own, with the cell's alt text; the
exercises become one slide of their titles. Math is typeset by the book's own
MathJax (``_build/html/_static/mathjax``) with the book's macros, reveal.js
comes from ``web/node_modules`` (pinned in ``web/package-lock.json``), and
figures are embedded, so a deck needs no network. Numbers glued into the text
are filled in from the executed chapter.

Usage: ``python tools/make_slides.py [--html _build/html] [chapters ...]``
(``make slides``, after ``make book``). Writes ``<html>/slides/NN_name.html``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import yaml
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
REVEAL = ROOT / "web" / "node_modules" / "reveal.js" / "dist"
MD = MarkdownIt("commonmark").enable("table")

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")
HEADING = re.compile(r"^(#{1,3}) (.+)$", re.M)
FENCE = re.compile(r"^(`{3,})\{([\w:-]+)\}([^\n]*)\n(.*?)^\1\s*$", re.S | re.M)
STATEMENTS = ("prf:theorem", "prf:lemma", "prf:definition", "prf:corollary")


def glue_values(executed: Path) -> dict[str, str]:
    """The chapter's glued values as text, from myst-nb's ``NN_name.glue.json``."""
    path = executed.with_suffix(".glue.json")
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v.get("data", {}).get("text/plain", "") for k, v in data.items()}


def fill_role(match: re.Match, glue: dict[str, str]) -> str:
    """Plain text for a MyST role: a term's text, a citation's keys, a glued number."""
    role, body = match.group(1), match.group(2)
    if role.startswith("glue"):
        name, _, spec = body.partition(":")
        raw = glue.get(name, "")
        try:
            return format(float(raw), spec) if spec else raw
        except ValueError:
            return raw.strip("'\"")
    if role == "cite":
        return "[" + body.replace(",", ", ") + "]"
    shown = re.match(r"(.*?)\s*<[^>]*>$", body)  # {term}`text <target>`
    return shown.group(1) if shown else body


def to_html(text: str, glue: dict[str, str]) -> str:
    """Markdown with MyST roles and TeX math to HTML; math kept for MathJax."""
    text = ROLE.sub(lambda m: fill_role(m, glue), text)
    maths: list[str] = []

    def keep(markup: str) -> str:
        maths.append(markup)
        return f"MATHPLACEHOLDER{len(maths) - 1}X"

    text = DISPLAY_MATH.sub(
        lambda m: keep(f'<div class="math">\\[{html.escape(m.group(1))}\\]</div>'),
        text,
    )
    text = INLINE_MATH.sub(
        lambda m: keep(f'<span class="math">\\({html.escape(m.group(1))}\\)</span>'),
        text,
    )
    out = MD.render(text)
    return re.sub(r"MATHPLACEHOLDER(\d+)X", lambda m: maths[int(m.group(1))], out)


def first_block(text: str) -> str:
    """The first paragraph or list of a section, and its first displayed formula."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    prose = next((b for b in blocks if not b.lstrip().startswith("$$")), "")
    formula = next((b for b in blocks if b.lstrip().startswith("$$")), "")
    return "\n\n".join(b for b in (prose, formula) if b)


class Deck:
    def __init__(self, glue: dict[str, str]) -> None:
        self.glue, self.slides, self.title = glue, [], ""
        self.exercises: list[str] = []
        self.heading = ""  # the section a figure belongs to

    def add(self, heading: str, body_md: str = "", extra_html: str = "") -> None:
        body = to_html(body_md, self.glue) if body_md.strip() else ""
        head = to_html(heading, self.glue).strip()
        head = re.sub(r"^<p>|</p>$", "", head)
        self.slides.append(f"<section>\n<h3>{head}</h3>\n{body}{extra_html}</section>")

    def markdown(self, source: str) -> None:
        exercises = re.findall(r":label: [\w-]+\n````\n\n\*\*([^*]+)\*\*", source)
        self.exercises += exercises  # one slide of their titles, at the end
        # Headings and directives in the order they come: a heading's slide
        # shows the prose before the next heading or directive.
        fences = list(FENCE.finditer(source))
        headings = [
            m
            for m in HEADING.finditer(source)
            if not any(f.start() <= m.start() < f.end() for f in fences)
        ]
        events = sorted(fences + headings, key=lambda m: m.start())
        heading, body_start = None, 0
        for m in [*events, None]:
            end = m.start() if m is not None else len(source)
            if heading is not None:
                self.section(heading, source[body_start:end])
                heading = None
            if m is None:
                break
            if m.re is FENCE and m.group(2) in STATEMENTS:
                body = re.sub(r"^:[\w-]+:.*$", "", m.group(4), flags=re.M)
                name = m.group(2).split(":")[1].capitalize()
                title = m.group(3).strip()
                self.add(f"{name}: {title}" if title else name, body.strip())
            elif m.re is HEADING:
                heading, body_start = m, m.end()

    def section(self, match: re.Match, body: str) -> None:
        level, heading = match.group(1), match.group(2).strip()
        self.heading = heading
        if level == "#":
            self.title = heading
        if heading.lower() == "exercises":
            return
        self.add(
            heading, body.strip() if heading.lower() == "summary" else first_block(body)
        )

    def figure(self, png: str, alt: str) -> None:
        heading = re.sub(r"^<p>|</p>\s*$", "", to_html(self.heading, self.glue))
        img = (
            f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}" '
            'style="max-height: 70vh">'
        )
        self.slides.append(f"<section>\n<h4>{heading}</h4>\n{img}\n</section>")


def build_deck(executed: Path) -> tuple[str, int]:
    """The HTML of one chapter's deck, and its number of slides."""
    nb = nbformat.read(executed, as_version=4)
    deck = Deck(glue_values(executed))
    for cell in nb.cells[1:]:  # cell 0 holds the notation macros
        if "remove-cell" in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            deck.markdown(cell.source)
        elif cell.cell_type == "code":
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            for out in cell.get("outputs", []):
                png = out.get("data", {}).get("image/png")
                if png and alt:
                    deck.figure(png.replace("\n", ""), alt)
    if deck.exercises:
        deck.add("Exercises", "\n".join(f"- {t}" for t in deck.exercises))
    return page(deck.title, deck.slides), len(deck.slides)


def page(title: str, slides: list[str]) -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    macros = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    mathjax = {
        "tex": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "macros": macros,
        },
        "options": {"processHtmlClass": "math", "ignoreHtmlClass": "slides"},
    }
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}: slides</title>
<link rel="stylesheet" href="reveal/reset.css">
<link rel="stylesheet" href="reveal/reveal.css">
<link rel="stylesheet" href="reveal/theme/white.css">
<style>.reveal section {{ font-size: 0.62em; text-align: left; }}
.reveal h3, .reveal h4 {{ text-align: left; }}</style>
<script>window.MathJax = {json.dumps(mathjax)};</script>
<script src="../_static/mathjax/tex-mml-chtml.js"></script>
</head>
<body>
<div class="reveal"><div class="slides">
<section><h2>{html.escape(title)}</h2><p>gentheory, slides generated from the
chapter</p></section>
{chr(10).join(slides)}
</div></div>
<script src="reveal/reveal.js"></script>
<script>Reveal.initialize({{hash: true, slideNumber: true}});</script>
</body>
</html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    executed_dir = args.html.parent / "jupyter_execute" / "chapters"
    if not (args.html / "_static" / "mathjax" / "tex-mml-chtml.js").is_file():
        print(
            "no local MathJax in the built book: run `make book` first", file=sys.stderr
        )
        return 1
    if not (REVEAL / "reveal.js").is_file():
        print("reveal.js is missing: run `npm ci --prefix web`", file=sys.stderr)
        return 1
    out = args.html / "slides"
    shutil.rmtree(out, ignore_errors=True)
    (out / "reveal").mkdir(parents=True)
    for name in ("reveal.js", "reveal.css", "reset.css"):
        shutil.copy(REVEAL / name, out / "reveal" / name)
    shutil.copytree(REVEAL / "theme", out / "reveal" / "theme")
    chapters = [Path(c).stem for c in args.chapters] or sorted(
        p.stem for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")
    )
    for stem in chapters:
        executed = executed_dir / f"{stem}.ipynb"
        if not executed.is_file():
            print(f"{executed} is missing: run `make book` first", file=sys.stderr)
            return 1
        text, n = build_deck(executed)
        (out / f"{stem}.html").write_text(text, encoding="utf-8")
        print(f"{stem}: {n} slides -> {out / (stem + '.html')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
