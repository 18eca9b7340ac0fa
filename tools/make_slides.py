"""Turn each executed chapter into an offline reveal.js deck that stands alone.

A deck is built from the chapter itself, as `make book` executed it
(``<build>/jupyter_execute/chapters/NN_name.ipynb``), for a 1280x720 slide:

* a **title slide**: the book's name, the chapter's number and title, the
  version (``gentheory_utils.__version__``, read from the package's
  ``__init__.py`` without importing it), the licence and a link to the
  chapter's page in the book;
* every heading starts a **section**, and the section's whole text is shown,
  on as many slides as it needs (``Title (2/3)``): paragraphs, lists and
  displayed formulas in order, packed by an estimate of their height; a
  paragraph taller than a slide is split between sentences. A cell whose
  metadata says ``"slides": {"break": true}`` (or Jupyter's own
  ``"slideshow": {"slide_type": "slide"}`` or ``"subslide"``) starts a new
  slide; ``"slide_type": "skip"`` leaves the cell out;
* **code** is shown where the chapter shows it: the output of a
  ``show_source(...)`` cell, and a code cell announced by prose that ends
  with a colon. At most ``CODE_LINES`` lines: a longer listing loses its
  docstring first, then is cut, and the slide says it is an excerpt;
* every theorem, lemma or definition gets a slide with its statement (the
  proof goes into the notes); every figure gets a slide of its own, scaled
  to fill the slide, with the cell's alt text in the notes;
* the exercises become slides of their titles (statements in the notes), and
  a **references** slide lists the works the chapter cites;
* every slide carries **speaker notes** (``<aside class="notes">``) with its
  section's full text, so a lecturer can present from the deck alone.

MyST roles are filled in: citations as author and year from
``references.bib`` (``Goodfellow et al. 2014``), glossary terms as their text,
glued numbers from the executed chapter, and cross-references with the text the
book gives them (read from the chapter's built page). Math is typeset by MathJax
(its SVG output, so formulas in the speaker notes render too) with the book's
macros; reveal.js comes from ``web/node_modules`` (pinned in
``web/package-lock.json``) and figures are embedded, so a deck needs no
network. ``tools/check_slides.py`` opens every deck in Chromium, checks that it
fits, and prints it to PDF.

Usage: ``python tools/make_slides.py [--html _build/html] [chapters ...]``
(``make slides``, after ``make book``). Writes ``<html>/slides/NN_name.html``.
"""

from __future__ import annotations

import argparse
import ast
import base64
import codecs
import html
import json
import math
import re
import shutil
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
import nbformat
import yaml
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "web" / "node_modules"
REVEAL = NODE / "reveal.js"
MATHJAX_SVG = NODE / "mathjax" / "es5" / "tex-svg.js"
MD = MarkdownIt("commonmark").enable("table")
LICENCE = (
    'text and figures <a href="https://creativecommons.org/licenses/by/4.0/">'
    "CC BY 4.0</a>, code MIT"
)

# The slide and the estimates the packing uses (pixels of the 1280x720 slide;
# the CSS in ``page`` sets the same sizes). tools/check_slides.py measures the
# real layout in Chromium and fails on any overflow, so these only need to be
# a little conservative.
SLIDE_W, SLIDE_H = 1280, 720
PAD_X, PAD_TOP, PAD_BOTTOM = 48, 22, 34
CONTENT_W = SLIDE_W - 2 * PAD_X
CONTENT_H = SLIDE_H - PAD_TOP - PAD_BOTTOM
HEADING_H = 58  # an <h3> of one line and its margin
FIGURE_HEADING_H = 46  # the smaller <h4> above a figure
LINE_H = 32  # body text: 23 px font, line height 1.38
CHARS_PER_LINE = 110  # 1184 px of Source Sans Pro at 23 px: ~123, less a margin
BLOCK_GAP = 12
CODE_LINE_H = 22  # 17 px monospace, line height 1.3
CODE_LINES = 15
BODY_H = CONTENT_H - HEADING_H
SIDE_LAYOUT = 0.75  # a figure narrower than this under a heading goes to the side
CAPTION_W = 300  # the caption column beside such a figure, its gap included

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
# $...$ on one line or across a line break (never across a blank line).
INLINE_MATH = re.compile(r"(?<![\\$])\$((?:[^$\n]|\n(?![ \t]*\n))+?)\$")
HEADING = re.compile(r"^(#{1,3}) (.+)$", re.M)
FENCE = re.compile(r"^(`{3,})\{([\w:-]+)\}([^\n]*)\n(.*?)^\1\s*$", re.S | re.M)
STATEMENTS = ("prf:theorem", "prf:lemma", "prf:definition", "prf:corollary")
PLACEHOLDER = re.compile(r"MATHPLACEHOLDER(\d+)X")
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])")


# --------------------------------------------------------------------------
# The book's metadata: version, bibliography, cross-reference texts.


def book_version(root: Path = ROOT) -> str:
    """``gentheory_utils.__version__``, read from the source (no torch import)."""
    text = (root / "gentheory_utils" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
    if not match:
        raise ValueError("no __version__ in gentheory_utils/__init__.py")
    return match.group(1)


def latex_text(text: str) -> str:
    """Plain Unicode for a BibTeX field: accents decoded, braces and ties removed."""
    text = codecs.decode(text, "ulatex")
    text = re.sub(r"`([^`']*)'", "\u2018\\1\u2019", text)  # `quoted' (single quotes)
    return re.sub(r"[{}]", "", text).replace("~", "\u00a0").replace("--", "\u2013")


@dataclass
class Work:
    """One entry of references.bib, as the slides show it."""

    key: str
    surnames: list[str]
    year: str
    title: str
    venue: str

    @property
    def label(self) -> str:
        """Author and year: ``Goodfellow et al. 2014``."""
        names = self.surnames
        if len(names) >= 3:
            who = f"{names[0]} et al."
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = names[0] if names else self.key
        return f"{who} {self.year}"

    def entry(self) -> str:
        """The reference as HTML: authors (year). Title. Venue."""
        names = self.surnames
        who = ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")
        venue = f" <em>{html.escape(self.venue)}</em>." if self.venue else ""
        return f"{html.escape(who)} ({self.year}). {html.escape(self.title)}.{venue}"


def read_bib(path: Path) -> dict[str, Work]:
    """The works of a BibTeX file by key (pybtex, as sphinxcontrib-bibtex uses)."""
    from pybtex.database import parse_file

    works = {}
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        surnames = [
            latex_text(" ".join(p.prelast_names + p.last_names)) for p in people
        ]
        fields = entry.fields
        venue = next(
            (
                fields[f]
                for f in ("journal", "booktitle", "publisher", "howpublished")
                if f in fields
            ),
            "",
        )
        if not venue and "eprint" in fields:
            venue = f"arXiv:{fields['eprint']}"
        works[key] = Work(
            key,
            surnames,
            fields.get("year", "n.d."),
            latex_text(fields.get("title", "")).rstrip("."),
            latex_text(venue),
        )
    return works


def reference_texts(page: Path) -> dict[str, str]:
    """Cross-reference targets of a built page and the text the book shows for them.

    ``{ref}``, ``{prf:ref}`` and ``{doc}`` become links in the built chapter;
    this maps each link's target (the label after ``#``, or the page's name for
    a link to a whole page) to its text, so a slide says what the book says.
    """
    if not page.is_file():
        return {}
    text = page.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for href, inner in re.findall(
        r'<a class="reference internal" href="([^"]*)"[^>]*>(.*?)</a>', text, re.S
    ):
        shown = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        shown = re.sub(r"\s+", " ", shown)
        if not shown:
            continue
        path, _, anchor = href.partition("#")
        key = anchor or Path(path).stem
        found.setdefault(key, shown)
    return found


@dataclass
class Context:
    """What the roles of one chapter are filled in from."""

    glue: dict[str, str] = field(default_factory=dict)
    works: dict[str, Work] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    exercises: dict[str, str] = field(default_factory=dict)  # label -> "Exercise 3.1"
    cited: list[str] = field(default_factory=list)  # keys, in order of citation

    def cite(self, keys: str, textual: bool = False) -> str:
        labels = []
        for key in (k.strip() for k in keys.split(",") if k.strip()):
            work = self.works.get(key)
            if key not in self.cited:
                self.cited.append(key)
            if work is None:  # the book build fails on a missing key; say so here
                labels.append(f"(unknown reference {key})")
            elif textual:
                labels.append(f"{work.label.rsplit(' ', 1)[0]} ({work.year})")
            else:
                labels.append(work.label)
        return "; ".join(labels) if textual else "(" + "; ".join(labels) + ")"


def glue_values(executed: Path) -> dict[str, str]:
    """The chapter's glued values as text, from myst-nb's ``NN_name.glue.json``."""
    path = executed.with_suffix(".glue.json")
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v.get("data", {}).get("text/plain", "") for k, v in data.items()}


def fill_role(match: re.Match, ctx: Context) -> str:
    """Text for a MyST role: a citation, a term, a glued number, a cross-reference."""
    role, body = match.group(1), match.group(2)
    if role.startswith("glue"):
        name, _, spec = body.partition(":")
        raw = ctx.glue.get(name, "")
        try:
            return format(float(raw), spec) if spec else raw.strip("'\"")
        except ValueError:
            return raw.strip("'\"")
    if role.startswith("cite"):
        return ctx.cite(body, textual=role in ("cite:t", "cite:ts"))
    shown = re.match(r"(.*?)\s*<([^>]*)>$", body, re.S)  # {role}`text <target>`
    if shown:
        return shown.group(1)
    if role in ("ref", "prf:ref", "numref", "doc", "eq", "download"):
        target = body.strip()
        key = target.rsplit("/", 1)[-1] if role == "doc" else target
        if key in ctx.refs:
            return ctx.refs[key]
        if key in ctx.exercises:
            return ctx.exercises[key]
        return key.replace("-", " ")
    return body


def fill_roles(text: str, ctx: Context) -> str:
    return ROLE.sub(lambda m: fill_role(m, ctx), text)


# --------------------------------------------------------------------------
# Markdown to HTML, block by block, with an estimate of each block's height.


def to_html(text: str, ctx: Context) -> str:
    """Markdown with MyST roles and TeX math to HTML; math kept for MathJax."""
    text = fill_roles(text, ctx)
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
    out = re.sub(r"<p>(MATHPLACEHOLDER\d+X)</p>", r"\1", out)  # a lone formula
    return PLACEHOLDER.sub(lambda m: maths[int(m.group(1))], out)


def inline_html(text: str, ctx: Context) -> str:
    """One line of Markdown (a heading, a title) as inline HTML."""
    return re.sub(r"^<p>|</p>\s*$", "", to_html(text, ctx).strip())


def markdown_blocks(text: str) -> list[str]:
    """The top-level blocks of a Markdown text (paragraphs, lists, formulas, tables)."""
    protected = DISPLAY_MATH.sub(
        lambda m: "$$" + m.group(1).replace("\n", "\0") + "$$", text
    )
    lines = protected.split("\n")
    blocks = []
    for token in MD.parse(protected):
        if token.level == 0 and token.map and token.nesting in (0, 1):
            start, end = token.map
            chunk = "\n".join(lines[start:end]).replace("\0", "\n").strip()
            if chunk:
                blocks.append(chunk)
    return blocks


def text_lines(text: str, width: int = CHARS_PER_LINE) -> int:
    """Lines a paragraph of prose takes on a slide (inline math counted short)."""
    plain = INLINE_MATH.sub(lambda m: "x" * max(2, len(m.group(1)) // 2), text)
    plain = re.sub(r"[*_`]", "", ROLE.sub(lambda m: m.group(2), plain))
    plain = re.sub(r"\s+", " ", plain).strip()
    return max(1, math.ceil(len(plain) / width))


def formula_height(tex: str) -> float:
    """Height of a displayed formula: its rows, taller when they hold fractions."""
    rows = re.split(r"\\\\", tex)
    height = 0.0
    for row in rows:
        tall = re.search(r"\\(frac|dfrac|sum|prod|int|binom|begin|sqrt|Big|bigg)", row)
        height += 64 if tall else 42
    return height + 2 * BLOCK_GAP


def block_height(block: str) -> float:
    """Estimated height of one Markdown block on a slide, in pixels."""
    if block.startswith("$$"):
        return formula_height(block)
    items = re.split(r"\n(?=\s{0,3}(?:[-*+]|\d+[.)])\s)", block)
    if len(items) > 1 or re.match(r"\s{0,3}(?:[-*+]|\d+[.)])\s", block):
        # A list: each item indented by the marker, with a small gap.
        height = sum(text_lines(i, CHARS_PER_LINE - 5) * LINE_H + 4 for i in items)
        maths = DISPLAY_MATH.findall(block)
        return height + sum(formula_height(m) for m in maths) + BLOCK_GAP
    if block.lstrip().startswith("|"):  # a table
        return 40 * block.count("\n") + 40 + BLOCK_GAP
    maths = DISPLAY_MATH.findall(block)
    prose = DISPLAY_MATH.sub(" ", block)
    return (
        text_lines(prose) * LINE_H + sum(formula_height(m) for m in maths) + BLOCK_GAP
    )


def split_sentences(block: str, budget: float) -> list[str]:
    """A paragraph too tall for one slide, cut between sentences into parts that fit."""
    maths: list[str] = []

    def keep(m: re.Match) -> str:
        maths.append(m.group(0))
        return f"MATHPLACEHOLDER{len(maths) - 1}X"

    protected = INLINE_MATH.sub(keep, DISPLAY_MATH.sub(keep, block))
    sentences = SENTENCE_END.split(protected)
    parts, current = [], ""
    for sentence in sentences:
        trial = f"{current} {sentence}".strip()
        restored = PLACEHOLDER.sub(lambda m: maths[int(m.group(1))], trial)
        if current and block_height(restored) > budget:
            parts.append(current)
            current = sentence
        else:
            current = trial
    parts.append(current)
    return [PLACEHOLDER.sub(lambda m: maths[int(m.group(1))], p) for p in parts]


# --------------------------------------------------------------------------
# Code: the listing a slide shows, at most CODE_LINES lines.


def strip_docstrings(source: str) -> str:
    """The source with each docstring cut to its first line (for a short listing)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.split("\n")
    cuts = []
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
        ):
            body = getattr(node, "body", [])
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                doc = body[0]
                if doc.end_lineno > doc.lineno:
                    cuts.append((doc.lineno, doc.end_lineno, doc.col_offset))
    for start, end, col in sorted(cuts, reverse=True):
        first = lines[start - 1].strip()
        quote = first[:3] if first[:3] in ('"""', "'''") else '"""'
        summary = first.strip("\"'rb ") or lines[start].strip()
        lines[start - 1 : end] = [" " * col + f"{quote}{summary}{quote}"]
    return "\n".join(lines)


def code_listing(source: str, limit: int = CODE_LINES) -> tuple[str, str]:
    """The code a slide shows and a note: ``""`` when whole, else why it is cut."""
    source = source.strip("\n")
    total = len(source.split("\n"))
    if total <= limit:
        return source, ""
    short = strip_docstrings(source)
    if len(short.split("\n")) <= limit:
        return short, "Excerpt: the docstring shortened to its first line."
    kept = short.split("\n")[: limit - 1]
    indent = re.match(r"\s*", kept[-1]).group(0) if kept else ""
    kept.append(f"{indent}...")
    return "\n".join(kept), (
        f"Excerpt: the first {limit - 1} of {total} lines"
        + (" (docstring shortened)" if short != source else "")
        + "; the whole code is in the chapter and in the notes."
    )


def highlight_code(source: str) -> str:
    """Python source as highlighted HTML (Pygments classes, styled in the deck)."""
    body = highlight(source, PythonLexer(), HtmlFormatter(nowrap=True))
    return f'<pre class="code"><code>{body.rstrip()}</code></pre>'


def show_source_text(cell) -> str | None:
    """The code a ``show_source(...)`` cell displays, from its output."""
    if not re.match(r"\s*show_source\(", cell.source):
        return None
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "text/markdown" in data:
            match = re.search(
                r"^(`{3,})\w*\n(.*?)\n\1\s*$", data["text/markdown"], re.S | re.M
            )
            if match:
                return match.group(2)
        if "text/plain" in data and "def " in data["text/plain"]:
            return data["text/plain"]
        if "text/html" in data:
            return html.unescape(re.sub(r"<[^>]+>", "", data["text/html"]))
    return None


def png_size(png: str) -> tuple[int, int]:
    """Width and height of a base64 PNG, from its header."""
    head = base64.b64decode(png[:44] + "=" * (-len(png[:44]) % 4))
    return struct.unpack(">II", head[16:24])


# --------------------------------------------------------------------------
# Sections and slides.


@dataclass
class Item:
    """One piece of a section, in the order of the chapter."""

    kind: str  # "md", "code", "figure", "statement"
    html: str
    height: float
    notes: str = ""  # extra notes for the slide that shows it
    break_before: bool = False
    keep_with_next: bool = False
    title: str = ""  # a statement's slide title; a side figure's caption


@dataclass
class Section:
    title: str
    level: int
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the section's full text, as HTML


class Chapter:
    """Reads one executed chapter into sections; ``slides()`` lays them out."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.title = ""
        self.sections: list[Section] = []
        self.exercises: list[tuple[str, str, str]] = []  # label, title, full text
        self.in_solution = False
        self.announce = False  # the last prose ended with a colon
        self.pending_break = False

    @property
    def section(self) -> Section:
        if not self.sections:
            self.sections.append(Section(self.title or "Introduction", 2))
        return self.sections[-1]

    def add(self, item: Item) -> None:
        if self.pending_break:
            item.break_before, self.pending_break = True, False
        self.section.items.append(item)

    # -- Markdown cells
    def markdown(self, source: str) -> None:
        events = self._events(source)
        pos = 0
        for m in [*events, None]:
            end = m.start() if m is not None else len(source)
            self.prose(source[pos:end])
            if m is None:
                break
            pos = m.end()
            if m.re is HEADING:
                level, title = len(m.group(1)), m.group(2).strip()
                if level == 1:
                    self.title = title
                self.sections.append(Section(title, level))
                self.announce = False
            else:
                self.directive(m.group(2), m.group(3).strip(), m.group(4))

    def _events(self, source: str) -> list[re.Match]:
        fences = list(FENCE.finditer(source))
        headings = [
            m
            for m in HEADING.finditer(source)
            if not any(f.start() <= m.start() < f.end() for f in fences)
        ]
        return sorted(fences + headings, key=lambda m: m.start())

    def prose(self, text: str) -> None:
        if self.in_solution or not text.strip():
            return
        if self.exercises and self.exercises[-1][0].startswith("open:"):
            label, title, body = self.exercises[-1]
            self.exercises[-1] = (label, title, body + "\n\n" + text.strip())
            return
        for block in markdown_blocks(text):
            rendered = to_html(block, self.ctx)
            self.section.notes.append(rendered)
            height = block_height(block)
            if height > BODY_H * 0.92 and not block.startswith("$$"):
                for part in split_sentences(block, BODY_H * 0.85):
                    self.add(Item("md", to_html(part, self.ctx), block_height(part)))
            else:
                self.add(Item("md", rendered, height))
        self.announce = text.rstrip().endswith(":")
        if self.announce and self.section.items:
            self.section.items[-1].keep_with_next = True

    def directive(self, name: str, title: str, body: str) -> None:
        label = re.search(r"^:label:\s*(\S+)", body, re.M)
        body = re.sub(r"^:[\w-]+:.*$", "", body, flags=re.M).strip()
        if name == "exercise-start":
            key = label.group(1) if label else f"exercise-{len(self.exercises) + 1}"
            self.exercises.append((f"open:{key}", "", ""))
        elif name == "exercise-end" and self.exercises:
            key, _, text = self.exercises[-1]
            key = key.removeprefix("open:")
            head = re.match(r"\s*\*\*(.+?)\*\*\s*(\*\([^)]*\)\*)?", text)
            short = (
                (head.group(1) + " " + (head.group(2) or "")).strip() if head else ""
            )
            self.exercises[-1] = (key, short or text[:80], text)
        elif name == "solution-start":
            self.in_solution = True
        elif name == "solution-end":
            self.in_solution = False
        elif name in STATEMENTS:
            kind = name.split(":")[1].capitalize()
            heading = f"{kind}: {title}" if title else kind
            rendered = to_html(body, self.ctx)
            self.section.notes.append(
                f"<p><strong>{inline_html(heading, self.ctx)}.</strong></p>{rendered}"
            )
            height = sum(block_height(b) for b in markdown_blocks(body))
            self.add(Item("statement", rendered, height, title=heading))
        elif name == "prf:proof":
            self.section.notes.append(
                "<p><strong>Proof.</strong></p>" + to_html(body, self.ctx)
            )
        elif not self.in_solution:  # an admonition or another directive: its text
            self.prose(body)

    # -- code cells
    def code(self, cell) -> None:
        if self.in_solution:
            return
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        shown = show_source_text(cell)
        hidden = "hide-input" in cell.metadata.get("tags", [])
        if shown is not None:
            self.add_code(shown)
        elif self.announce and not hidden and cell.source.strip():
            self.add_code(cell.source)
        self.announce = False  # a colon announces the next code cell only
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png and alt:
                png = png.replace("\n", "")
                self.add(self.figure_item(png, alt))

    def add_code(self, source: str) -> None:
        listing, cut = code_listing(source)
        note = f'<p class="excerpt">{html.escape(cut)}</p>' if cut else ""
        lines = listing.count("\n") + 1
        full = f"<p>Code shown:</p><pre>{html.escape(source.strip())}</pre>"
        self.add(
            Item(
                "code",
                highlight_code(listing) + note,
                lines * CODE_LINE_H + 24 + (LINE_H if cut else 0) + BLOCK_GAP,
                notes=full,
            )
        )

    def figure_item(self, png: str, alt: str) -> Item:
        """A figure scaled to fill the slide, keeping its shape.

        A wide figure goes under the heading, as wide as the slide. A figure
        that the slide's height limits to less than ``SIDE_LAYOUT`` of the width
        (a square one, say) stands at the left, the full height of the slide,
        with the heading and its alt text as a caption beside it.
        """
        width, height = png_size(png)
        avail_h = CONTENT_H - FIGURE_HEADING_H - 4
        scale = min(CONTENT_W / width, avail_h / height)
        side = width * scale < SIDE_LAYOUT * CONTENT_W
        if side:
            scale = min((CONTENT_W - CAPTION_W) / width, CONTENT_H / height)
        w, h = int(width * scale), int(height * scale)
        img = (
            f'<img class="figure" src="data:image/png;base64,{png}" '
            f'alt="{html.escape(alt)}" width="{w}" height="{h}">'
        )
        notes = f"<p><strong>Figure.</strong> {html.escape(alt)}</p>"
        item = Item("figure", img, h, notes=notes)
        item.title = html.escape(alt) if side else ""  # the caption beside it
        return item

    # -- layout
    def slides(self) -> list[str]:
        """Every slide of the chapter after its title slide, as HTML sections."""
        out = []
        for section in self.sections:
            if section.title.lower() == "exercises":
                continue
            out += self.section_slides(section)
        out += self.exercise_slides()
        out += self.reference_slides()
        return out

    def section_slides(self, section: Section) -> list[str]:
        if not section.items:  # a title with nothing under it before a subsection
            return []
        notes = "\n".join(section.notes)
        title = inline_html(section.title, self.ctx)
        pages: list[tuple[str, list[Item]]] = []  # (kind, items)
        current: list[Item] = []
        used = 0.0
        items = section.items
        for i, item in enumerate(items):
            if item.kind in ("figure", "statement"):
                if current:
                    pages.append(("text", current))
                    current, used = [], 0.0
                pages.append((item.kind, [item]))
                continue
            need = item.height
            if (
                item.keep_with_next
                and i + 1 < len(items)
                and items[i + 1].kind == "code"
            ):
                need += items[i + 1].height
            if current and (item.break_before or used + need > BODY_H):
                pages.append(("text", current))
                current, used = [], 0.0
            current.append(item)
            used += item.height
        if current or not pages:
            pages.append(("text", current))
        text_pages = [p for p in pages if p[0] == "text"]
        out = []
        n_text = 0
        for kind, page_items in pages:
            extra = "\n".join(i.notes for i in page_items if i.notes)
            if kind == "figure" and page_items[0].title:
                head = ""
                body = (
                    f'<div class="figure-side">{page_items[0].html}'
                    f'<div class="caption"><h4>{title}</h4>'
                    f"<p>{page_items[0].title}</p></div></div>"
                )
                cls = "figure-slide"
            elif kind == "figure":
                head = f"<h4>{title}</h4>"
                body = page_items[0].html
                cls = "figure-slide"
            elif kind == "statement":
                head = f"<h3>{inline_html(page_items[0].title, self.ctx)}</h3>"
                body = f'<div class="statement">{page_items[0].html}</div>'
                cls = "statement-slide"
            else:
                n_text += 1
                suffix = (
                    f" <small>({n_text}/{len(text_pages)})</small>"
                    if len(text_pages) > 1
                    else ""
                )
                head = f"<h3>{title}{suffix}</h3>"
                body = "\n".join(i.html for i in page_items)
                cls = "text-slide"
            estimate = sum(i.height for i in page_items)
            out.append(slide(cls, head, body, extra + "\n" + notes, estimate))
        return out

    def exercise_slides(self) -> list[str]:
        if not self.exercises:
            return []
        items = [
            f"<li>{inline_html(title, self.ctx)}</li>" for _, title, _ in self.exercises
        ]
        notes = "\n".join(
            f"<p><strong>{self.ctx.exercises.get(key, key)}.</strong></p>"
            + to_html(text, self.ctx)
            for key, _, text in self.exercises
        )
        per_slide = 9
        chunks = [items[i : i + per_slide] for i in range(0, len(items), per_slide)]
        out = []
        for n, chunk in enumerate(chunks, 1):
            suffix = f" <small>({n}/{len(chunks)})</small>" if len(chunks) > 1 else ""
            start = (n - 1) * per_slide + 1
            body = f'<ol start="{start}">' + "".join(chunk) + "</ol>"
            body += "<p>Statements in the notes; worked solutions in the chapter.</p>"
            out.append(slide("text-slide", f"<h3>Exercises{suffix}</h3>", body, notes))
        return out

    def reference_slides(self) -> list[str]:
        works = [self.ctx.works[k] for k in self.ctx.cited if k in self.ctx.works]
        if not works:
            return []
        entries = [f"<li>{w.entry()}</li>" for w in works]
        notes = (
            "<p>The works this chapter cites, in the order it cites them; the "
            "book's references page has them all.</p><ul>" + "".join(entries) + "</ul>"
        )
        per_slide = 11
        chunks = [entries[i : i + per_slide] for i in range(0, len(entries), per_slide)]
        out = []
        for n, chunk in enumerate(chunks, 1):
            suffix = f" <small>({n}/{len(chunks)})</small>" if len(chunks) > 1 else ""
            body = '<ul class="references">' + "".join(chunk) + "</ul>"
            out.append(slide("text-slide", f"<h3>References{suffix}</h3>", body, notes))
        return out


def slide(cls: str, head: str, body: str, notes: str, estimate: float = 0) -> str:
    """One slide; ``estimate`` is the body's estimated height, kept for calibration."""
    return (
        f'<section class="{cls}" data-estimate="{estimate:.0f}">\n'
        f'<div class="frame">\n{head}\n{body}\n</div>\n'
        f'<aside class="notes">\n{notes.strip()}\n</aside>\n</section>'
    )


def exercise_numbers(nb, chapter: int) -> dict[str, str]:
    """``{label: "Exercise 3.1"}`` in the order the chapter states them."""
    labels = re.findall(
        r"\{exercise-start\}\s*\n:label:\s*(\S+)",
        "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"),
    )
    return {label: f"Exercise {chapter}.{i}" for i, label in enumerate(labels, 1)}


def read_executed(path: Path):
    """The executed chapter; its outputs from the build's execution cache if need be.

    When a rebuild takes a chapter from jupyter-cache, myst-nb writes the copy in
    ``jupyter_execute/`` without outputs; the cache (``<build>/.jupyter_cache``)
    still has them.
    """
    nb = nbformat.read(path, as_version=4)
    if any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        return nb
    cache = path.parent.parent.parent / ".jupyter_cache"
    if cache.is_dir():
        from jupyter_cache import get_cache

        try:
            _, nb = get_cache(cache).merge_match_into_notebook(nb)
        except KeyError:  # not in the cache: the chapter as it is
            pass
    return nb


def cell_break(cell) -> bool | None:
    """True: the cell starts a new slide; None: leave it out; False: neither."""
    slideshow = cell.metadata.get("slideshow", {}).get("slide_type")
    if slideshow == "skip":
        return None
    return bool(
        cell.metadata.get("slides", {}).get("break")
        or slideshow in ("slide", "subslide")
    )


def build_deck(
    executed: Path,
    bib: Path = ROOT / "references.bib",
    page_html: Path | None = None,
) -> tuple[str, int]:
    """The HTML of one chapter's deck, and its number of slides (title included).

    ``page_html`` is the chapter's built page, for the text of its
    cross-references; without it a reference shows its exercise number or label.
    """
    nb = read_executed(executed)
    number = (
        int(re.match(r"(\d+)", executed.stem).group(1))
        if executed.stem[:1].isdigit()
        else 0
    )
    ctx = Context(
        glue=glue_values(executed),
        works=read_bib(bib) if bib.is_file() else {},
        refs=reference_texts(page_html) if page_html else {},
        exercises=exercise_numbers(nb, number),
    )
    chapter = Chapter(ctx)
    for cell in nb.cells[1:]:  # cell 0 holds the notation macros
        if "remove-cell" in cell.metadata.get("tags", []):
            continue
        brk = cell_break(cell)
        if brk is None:
            continue
        chapter.pending_break = chapter.pending_break or brk
        if cell.cell_type == "markdown":
            chapter.markdown(cell.source)
        elif cell.cell_type == "code":
            chapter.code(cell)
    slides = chapter.slides()
    title = title_slide(chapter, number, executed.stem)
    return page(chapter.title, [title, *slides]), len(slides) + 1


def title_slide(chapter: Chapter, number: int, stem: str) -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    book = config.get("title", "gentheory")
    version = book_version()
    title = inline_html(chapter.title, chapter.ctx)
    link = f"../chapters/{stem}.html"
    agenda = "".join(
        f"<li>{inline_html(s.title, chapter.ctx)}</li>"
        for s in chapter.sections
        if s.level == 2
    )
    body = (
        f'<p class="book">{html.escape(book)}</p>\n'
        f'<h2><span class="chapter-number">Chapter {number}</span><br>{title}</h2>\n'
        f'<p class="meta">Version {html.escape(version)} · {LICENCE}</p>\n'
        f'<p class="meta">The chapter in the book: <a href="{link}">'
        f"chapters/{stem}.html</a> (its notebook runs on Colab from there)</p>"
    )
    notes = (
        f"<p>Chapter {number} of {html.escape(book)}: {title}. Version "
        f"{html.escape(version)}; {LICENCE}. The slides follow the chapter's "
        f"sections:</p><ol>{agenda}</ol>"
    )
    return slide("title-slide", "", body, notes)


STYLE = """
:root { --r-main-font-size: 23px; --r-main-line-height: 1.38;
  --r-heading-text-transform: none; --r-heading-line-height: 1.2;
  --r-heading-margin: 0 0 12px 0; --r-heading2-size: 46px;
  --r-heading3-size: 34px; --r-heading4-size: 28px; --r-block-margin: 12px;
  --r-code-font: "DejaVu Sans Mono", "Menlo", "Consolas", monospace; }
.reveal .slides { text-align: left; }
.reveal .slides section { box-sizing: border-box; width: %(w)dpx;
  height: %(h)dpx; padding: 0; }
.reveal .slides section > .frame { box-sizing: border-box; height: 100%%;
  padding: %(pt)dpx %(px)dpx %(pb)dpx; }
.reveal h2, .reveal h3, .reveal h4 { text-align: left; }
.reveal h3 small, .reveal h4 small { font-size: 0.6em; color: #666; }
.reveal p, .reveal ul, .reveal ol { margin: 0 0 12px 0; }
.reveal ul, .reveal ol { margin-left: 1.3em; }
.reveal li { margin-bottom: 4px; }
.reveal .math { margin: 0; }
.reveal div.math { margin: 6px 0 12px 0; }
.reveal pre.code { width: 100%%; margin: 0 0 10px 0; box-shadow: none;
  font-size: 17px; line-height: 1.3; max-height: none; overflow: auto;
  background: #f6f6f6; border-left: 4px solid #2a76dd; padding: 8px 12px;
  box-sizing: border-box; white-space: pre; }
.reveal pre.code code { max-height: none; padding: 0; overflow: visible;
  font-family: var(--r-code-font); }
.reveal code { font-family: var(--r-code-font); font-size: 0.92em; }
.reveal p.excerpt { font-size: 0.8em; color: #555; font-style: italic; }
.reveal img.figure { display: block; margin: 0 auto; border: 0;
  box-shadow: none; max-width: none; max-height: none; }
.reveal .figure-slide h4 { margin-bottom: 8px; }
.reveal .figure-side { display: flex; gap: 28px; align-items: flex-start; }
.reveal .figure-side img.figure { margin: 0; flex: none; }
.reveal .figure-side .caption { font-size: 0.8em; color: #444; }
.reveal .figure-side .caption h4 { font-size: 1.35em; color: #222; }
.reveal .statement { border-left: 4px solid #2a76dd; padding: 4px 16px;
  background: #f4f8fd; }
.reveal .slides section.title-slide > .frame { padding-top: 120px; }
.reveal .title-slide h2 { margin: 18px 0 28px 0; }
.reveal .title-slide .book { font-size: 0.95em; color: #555; }
.reveal .title-slide .chapter-number { font-size: 0.6em; color: #2a76dd; }
.reveal .title-slide .meta { font-size: 0.8em; }
.reveal .references li { font-size: 0.85em; }
.reveal.measuring .slides > section { display: block !important;
  visibility: hidden !important; }
.reveal table { font-size: 0.85em; }
"""


def page(title: str, slides: list[str]) -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    macros = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    mathjax = {
        "loader": {"paths": {"mathjax": "../_static/mathjax"}},
        "tex": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "macros": macros,
        },
        "svg": {"fontCache": "local"},
        "options": {"processHtmlClass": "math", "ignoreHtmlClass": "slides"},
    }
    style = STYLE % {
        "w": SLIDE_W,
        "h": SLIDE_H,
        "pt": PAD_TOP,
        "px": PAD_X,
        "pb": PAD_BOTTOM,
    }
    pygments_css = HtmlFormatter(style="default").get_style_defs(".reveal pre.code")
    reveal = {
        "hash": True,
        "slideNumber": "c/t",
        "width": SLIDE_W,
        "height": SLIDE_H,
        "margin": 0,
        "center": False,
        "transition": "none",
        "pdfMaxPagesPerSlide": 4,
    }
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}: slides</title>
<link rel="stylesheet" href="reveal/reset.css">
<link rel="stylesheet" href="reveal/reveal.css">
<link rel="stylesheet" href="reveal/theme/white.css">
<style>{style}
{pygments_css}</style>
<script>window.MathJax = {json.dumps(mathjax)};</script>
<script src="mathjax/tex-svg.js"></script>
</head>
<body>
<div class="reveal"><div class="slides">
{chr(10).join(slides)}
</div></div>
<script src="reveal/reveal.js"></script>
<script src="reveal/plugin/notes/notes.js"></script>
<script>
// Shrink a displayed formula wider than the slide (never below 60 %), then start
// reveal.js once MathJax has typeset every formula, so the layout (and the
// print-pdf pages) are measured with the formulas in place.
function fitFormulas() {{
  const deck = document.querySelector('.reveal');
  deck.classList.add('measuring');
  for (const box of document.querySelectorAll('mjx-container[display="true"]')) {{
    if (box.closest('aside')) continue;
    const need = box.scrollWidth, have = box.clientWidth;
    if (have > 0 && need > have) {{
      box.style.fontSize = Math.max(60, Math.floor(100 * have / need)) + '%';
    }}
  }}
  // An inline formula's box can end before its ink (MathJax draws a closing
  // superscript, as in exp(-r^2/(2 sigma^2)), a few px past it), so the browser
  // may end a line with ink beyond the paragraph. Widen such a box by its overhang
  // so that line breaking sees the whole formula.
  for (const box of document.querySelectorAll('mjx-container:not([display="true"])')) {{
    if (box.closest('aside') || box.offsetWidth === 0) continue;
    const r = box.getBoundingClientRect();
    let right = r.right;
    for (const part of box.querySelectorAll('*')) {{
      right = Math.max(right, part.getBoundingClientRect().right);
    }}
    const scale = r.width / box.offsetWidth;
    const over = (right - r.right) / scale;
    if (over > 0.5) {{
      const em = parseFloat(getComputedStyle(box).fontSize);
      // On the rendered element (MathJax's <svg>): a margin on the inline
      // container itself is not seen by Chromium's line breaking.
      (box.firstElementChild || box).style.marginRight = (over / em).toFixed(3) + 'em';
    }}
  }}
  deck.classList.remove('measuring');
}}
function start() {{
  Reveal.initialize(Object.assign({json.dumps(reveal)}, {{plugins: [RevealNotes]}}));
}}
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {{
  // After the page's fonts too: a formula's size follows the text's ex-height.
  MathJax.startup.promise.then(() => document.fonts.ready).then(fitFormulas)
    .then(start, start);
}} else {{
  start();
}}
</script>
</body>
</html>
"""


def copy_assets(out: Path) -> None:
    """reveal.js (theme fonts and notes plugin included) and MathJax's SVG output."""
    dist = REVEAL / "dist"
    (out / "reveal" / "plugin" / "notes").mkdir(parents=True)
    for name in ("reveal.js", "reveal.css", "reset.css"):
        shutil.copy(dist / name, out / "reveal" / name)
    shutil.copytree(dist / "theme", out / "reveal" / "theme")
    shutil.copy(
        REVEAL / "plugin" / "notes" / "notes.js", out / "reveal" / "plugin" / "notes"
    )
    (out / "mathjax").mkdir()
    shutil.copy(MATHJAX_SVG, out / "mathjax" / "tex-svg.js")


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
    missing = [
        p
        for p in (
            REVEAL / "dist" / "reveal.js",
            REVEAL / "plugin" / "notes" / "notes.js",
            MATHJAX_SVG,
        )
        if not p.is_file()
    ]
    if missing:
        print(f"{missing[0]} is missing: run `npm ci --prefix web`", file=sys.stderr)
        return 1
    out = args.html / "slides"
    shutil.rmtree(out, ignore_errors=True)
    copy_assets(out)
    chapters = [Path(c).stem for c in args.chapters] or sorted(
        p.stem for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")
    )
    for stem in chapters:
        executed = executed_dir / f"{stem}.ipynb"
        if not executed.is_file():
            print(f"{executed} is missing: run `make book` first", file=sys.stderr)
            return 1
        text, n = build_deck(
            executed, page_html=args.html / "chapters" / f"{stem}.html"
        )
        (out / f"{stem}.html").write_text(text, encoding="utf-8")
        print(f"{stem}: {n} slides -> {out / (stem + '.html')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
