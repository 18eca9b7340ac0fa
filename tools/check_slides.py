"""Open every slide deck in headless Chromium at 1280x720, check it, print it to PDF.

The decks are those ``tools/make_slides.py`` writes (``<html>/slides/NN_name.html``).
Each deck is opened from disk as a reader would, and every slide is shown in
turn and measured:

* **it fits**: no element of the slide (speaker notes aside) reaches outside the
  1280x720 slide, the slide's content is no taller than the slide, and no code
  block, table or formula scrolls sideways (``scrollWidth > clientWidth``);
* **no raw markup**: neither the slide nor its notes show MyST roles
  (``{cite}``, ``{term}``, ``{ref}``, ``{glue:text}``...), a citation key in
  brackets (``[goodfellow2014gan]``), a math placeholder, or, outside code
  blocks, TeX that MathJax did not typeset (``$...$``, ``\\mathrm{...}``);
* **figures fill the slide**: every figure is at least ``MIN_FIGURE_WIDTH`` of
  the content width; a figure whose shape makes that impossible at this height
  must fill the height below its heading (at least ``MIN_FIGURE_HEIGHT``); no
  figure is distorted or fails to load;
* **speaker notes**: every slide has an ``<aside class="notes">`` with at least
  ``MIN_NOTES`` characters of text;
* **math**: every formula is typeset by MathJax, without a TeX error;
* **no request leaves the book**, and no JavaScript error.

Then the deck is printed with reveal.js's print mode (``?print-pdf``) to
``<html>/slides/NN_name.pdf`` at 1280x720 px, and the PDF must have one page per
slide (a slide that overflows in print spills onto a second page).
A screenshot of every slide goes to ``<screenshots>/NN_name/SS.png``.

Exit status 1 when any deck fails, or when a chapter has no deck. Usage:
``python tools/check_slides.py [--html _build/html]
[--screenshots _build/screenshots/slides] [--json FILE] [decks ...]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_html import allowed, find_browser  # noqa: E402

WIDTH, HEIGHT = 1280, 720
MIN_FIGURE_WIDTH = 0.60  # of the slide's content width
MIN_FIGURE_HEIGHT = 0.90  # of the height below the heading, for a tall figure
MIN_NOTES = 40  # characters of text in a slide's speaker notes
TOLERANCE = 1.0  # px

# Text that must never reach a reader: a MyST role left unfilled, a citation
# key in brackets, the generator's own math placeholder.
RAW_MARKUP = [
    (re.compile(r"\{(?:cite|term|ref|doc|numref|eq|prf:ref|glue)[\w:-]*\}"), "role"),
    (re.compile(r"\[[A-Za-z][\w-]*\d{4}[\w-]*(?:,\s*[\w-]+)*\]"), "citation key"),
    (re.compile(r"MATHPLACEHOLDER"), "math placeholder"),
]
# TeX that MathJax never saw: a $...$ pair or a TeX command in the prose (code
# blocks aside: a plot label may hold $\sigma$).
RAW_TEX = [
    (re.compile(r"\$[^$\s][^$]{0,300}?\$"), "TeX in dollars"),
    (re.compile(r"\\[A-Za-z]{2,}"), "TeX command"),
]

READY_JS = """
() => !!(window.Reveal && Reveal.isReady && Reveal.isReady())
"""

SLIDE_JS = """
(limits) => {
  const slide = Reveal.getCurrentSlide();
  const area = document.querySelector('.reveal .slides').getBoundingClientRect();
  const scale = Reveal.getScale();
  const tol = limits.tolerance;
  const out = {problems: [], figures: [], used: 0};
  const heading = slide.querySelector('h1, h2, h3, h4');
  out.title = heading ? heading.textContent.trim() : '';
  out.estimate = parseFloat(slide.dataset.estimate || '0');
  const headingBottom = heading ? heading.getBoundingClientRect().bottom : area.top;
  out.body_top = (headingBottom - area.top) / scale;
  const inNotes = (el) => !!el.closest('aside.notes');
  const describe = (el) => {
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    return el.tagName.toLowerCase() + (text ? ' "' + text + '"' : '');
  };
  // 1. Nothing reaches outside the slide.
  if (slide.scrollHeight > slide.clientHeight + tol) {
    out.problems.push('overflow: content ' + slide.scrollHeight + ' px tall, slide '
      + slide.clientHeight + ' px');
  }
  const outside = [];
  for (const el of [slide, ...slide.querySelectorAll('*')]) {
    if (inNotes(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (el !== slide) out.used = Math.max(out.used, (r.bottom - area.top) / scale);
    if (r.right > area.right + tol || r.bottom > area.bottom + tol
        || r.left < area.left - tol || r.top < area.top - tol) {
      outside.push(describe(el));
    }
  }
  if (outside.length) {
    out.problems.push('overflow: ' + outside.length + ' element(s) outside the '
      + limits.width + 'x' + limits.height + ' slide, first ' + outside[0]);
  }
  const blocks = 'pre, table, mjx-container[display="true"], p, li, div, figure';
  for (const el of slide.querySelectorAll(blocks)) {
    if (inNotes(el) || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + tol) {
      out.problems.push('overflow: ' + describe(el) + ' scrolls sideways ('
        + el.scrollWidth + ' px in ' + el.clientWidth + ' px)');
    }
  }
  // 2. Figures fill the content area.
  // The content area: the slide's frame (make_slides wraps each slide's content
  // in a padded div.frame) less its padding, or the slide itself.
  const frame = slide.querySelector(':scope > .frame') || slide;
  const cs = getComputedStyle(frame);
  const padL = parseFloat(cs.paddingLeft), padR = parseFloat(cs.paddingRight);
  const padB = parseFloat(cs.paddingBottom);
  const contentW = frame.clientWidth - padL - padR;
  const frameTop = frame.getBoundingClientRect().top;
  const contentBottom = frameTop + (frame.clientHeight - padB) * scale;
  for (const img of slide.querySelectorAll('img')) {
    if (inNotes(img)) continue;
    if (!img.complete || img.naturalWidth === 0) {
      out.problems.push('figure did not load: ' + (img.alt || '').slice(0, 60));
      continue;
    }
    const w = img.clientWidth, h = img.clientHeight;
    const shape = (img.naturalWidth / img.naturalHeight) / (w / h);
    const below = (contentBottom - img.getBoundingClientRect().top) / scale;
    const fig = {width: w / contentW, height: h / below, shape: shape};
    out.figures.push(fig);
    if (Math.abs(shape - 1) > 0.02) {
      out.problems.push('figure distorted: shown at ' + w + 'x' + h + ', drawn '
        + img.naturalWidth + 'x' + img.naturalHeight);
    }
    // Could the figure, kept in shape, be 60 % of the width within that height?
    const widest = below * img.naturalWidth / img.naturalHeight;
    const possible = widest >= limits.minWidth * contentW;
    if (fig.width < limits.minWidth
        && (possible || fig.height < limits.minHeight)) {
      out.problems.push('small figure: ' + Math.round(100 * fig.width)
        + ' % of the content width' + (possible ? '' : ', '
        + Math.round(100 * fig.height) + ' % of the height below the heading'));
    }
  }
  // 3. Speaker notes, and the text a reader sees.
  const notes = slide.querySelector(':scope > aside.notes');
  out.notes = notes ? notes.textContent.replace(/\\s+/g, ' ').trim() : '';
  out.text = slide.innerText;
  // The same without code, and without MathJax's output (its assistive MathML).
  const prose = (root) => {
    if (!root) return '';
    const copy = root.cloneNode(true);
    copy.querySelectorAll('pre, code, mjx-container, aside.notes')
      .forEach((e) => e.remove());
    return copy.textContent.replace(/\\s+/g, ' ');
  };
  out.prose = prose(slide);
  out.notes_prose = prose(notes);
  // 4. Math typeset, without TeX errors.
  out.unrendered = Array.from(slide.querySelectorAll('.math'))
    .filter((m) => !m.querySelector('mjx-container'))
    .map((m) => m.textContent.slice(0, 60));
  out.math_errors = Array.from(slide.querySelectorAll(
      'mjx-merror, [data-mml-node="merror"]'))
    .map((m) => m.getAttribute('data-mjx-error') || m.textContent.slice(0, 60));
  return out;
}
"""


def raw_markup(text: str, prose: str = "") -> list[str]:
    """Raw MyST markup or citation keys in ``text``, raw TeX in ``prose``.

    ``text`` is everything a reader sees; ``prose`` the same without code
    blocks and typeset formulas. Returns ``kind: match`` for each find.
    """
    found = [(kind, m) for rx, kind in RAW_MARKUP for m in rx.finditer(text)]
    found += [(kind, m) for rx, kind in RAW_TEX for m in rx.finditer(prose)]
    return [f"{kind}: {m.group(0)[:60]}" for kind, m in found]


def pdf_page_count(data: bytes) -> int:
    """Pages of a PDF, counted from its page objects (Chromium writes them plainly)."""
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)
    if counts:
        return max(int(c) for c in counts)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def slide_problems(info: dict) -> list[str]:
    """Every rule a measured slide breaks (``info`` from ``SLIDE_JS``)."""
    problems = list(info["problems"])
    if len(info["notes"]) < MIN_NOTES:
        problems.append(
            f"no speaker notes (aside.notes with {len(info['notes'])} characters)"
        )
    shown = raw_markup(info["text"], info["prose"])
    noted = raw_markup(info["notes"], info["notes_prose"])
    problems += [f"raw markup on the slide: {m}" for m in shown[:5]]
    problems += [f"raw markup in the notes: {m}" for m in noted[:5]]
    problems += [f"formula not rendered: {t!r}" for t in info["unrendered"][:3]]
    problems += [f"TeX error in a formula: {t!r}" for t in info["math_errors"][:3]]
    return problems


def check_deck(context, deck: Path, shots: Path | None, pdf: Path | None) -> dict:
    """Every slide of one deck measured, its screenshots and its PDF."""
    page = context.new_page()
    external: list[str] = []
    console: list[str] = []

    def on_route(route):
        url = route.request.url
        if url.split(":", 1)[0] in ("file", "data", "blob", "about"):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    page.route("**/*", on_route)
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    report: dict = {"slides": [], "problems": []}
    page.goto(deck.resolve().as_uri(), wait_until="load")
    try:
        page.wait_for_function(READY_JS, timeout=60_000)
    except Exception:  # noqa: BLE001 (Playwright's timeout), reported below
        report["problems"].append("reveal.js never became ready")
        page.close()
        return report
    total = page.evaluate("Reveal.getTotalSlides()")
    limits = {
        "width": WIDTH,
        "height": HEIGHT,
        "tolerance": TOLERANCE,
        "minWidth": MIN_FIGURE_WIDTH,
        "minHeight": MIN_FIGURE_HEIGHT,
    }
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        for old in shots.glob("*.png"):
            old.unlink()
    for index in range(total):
        page.evaluate(f"Reveal.slide({index}, 0)")
        page.wait_for_timeout(60)
        info = page.evaluate(SLIDE_JS, limits)
        problems = slide_problems(info)
        report["slides"].append(
            {
                "title": info["title"],
                "problems": problems,
                "figures": info["figures"],
                "used_height": round(info["used"]),
                "estimate": info["estimate"],
                "body_top": round(info["body_top"]),
            }
        )
        if shots is not None:
            page.screenshot(path=str(shots / f"{index + 1:02d}.png"))
    report["problems"] += [f"external request: {u}" for u in sorted(set(external))]
    report["problems"] += [
        f"JavaScript error: {m[:200]}" for m in console if not allowed(m)
    ]
    page.close()
    report["slide_count"] = total
    if pdf is not None:
        report["pdf_pages"] = print_pdf(context, deck, pdf)
        if report["pdf_pages"] != total:
            report["problems"].append(
                f"the PDF has {report['pdf_pages']} pages for {total} slides "
                "(a slide spills onto another page in print)"
            )
    return report


def print_pdf(context, deck: Path, pdf: Path) -> int:
    """Print a deck with reveal.js's print mode; return the PDF's page count."""
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.split(":", 1)[0] in ("file", "data", "blob", "about")
            else route.abort()
        ),
    )
    page.goto(deck.resolve().as_uri() + "?print-pdf", wait_until="load")
    page.wait_for_function(READY_JS, timeout=60_000)
    page.wait_for_function(
        "document.querySelectorAll('.reveal .pdf-page').length > 0", timeout=60_000
    )
    page.wait_for_timeout(300)
    page.pdf(
        path=str(pdf),
        width=f"{WIDTH}px",
        height=f"{HEIGHT}px",
        print_background=True,
        prefer_css_page_size=True,
    )
    page.close()
    return pdf_page_count(pdf.read_bytes())


def missing_decks(html_root: Path) -> list[str]:
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    return [s for s in chapters if not (html_root / "slides" / f"{s}.html").is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument(
        "--screenshots",
        type=Path,
        default=None,
        help="default: <html>/../screenshots/slides",
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--no-pdf", action="store_true", help="skip printing")
    parser.add_argument("decks", nargs="*", help="deck names (default: every chapter)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    html_root = args.html.resolve()
    shots = args.screenshots or html_root.parent / "screenshots" / "slides"
    slides_dir = html_root / "slides"
    names = [Path(d).stem for d in args.decks] or sorted(
        p.stem for p in slides_dir.glob("*.html")
    )
    missing = [] if args.decks else missing_decks(html_root)
    if not names:
        print(f"no decks in {slides_dir}: run tools/make_slides.py", file=sys.stderr)
        return 1
    report, failed = {}, 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_browser(), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        for name in names:
            deck = slides_dir / f"{name}.html"
            if not deck.is_file():
                print(f"FAIL slides/{name}.html: no such deck")
                failed += 1
                continue
            result = check_deck(
                context,
                deck,
                shots / name,
                None if args.no_pdf else slides_dir / f"{name}.pdf",
            )
            report[name] = result
            bad = [
                (i + 1, s["title"], p)
                for i, s in enumerate(result["slides"])
                for p in s["problems"]
            ]
            ok = not bad and not result["problems"]
            failed += not ok
            figures = [f["width"] for s in result["slides"] for f in s["figures"]]
            fill = (
                f", figures {100 * min(figures):.0f}-{100 * max(figures):.0f} % "
                "of the width"
                if figures
                else ""
            )
            pages = result.get("pdf_pages")
            print(
                f"{'ok  ' if ok else 'FAIL'} slides/{name}.html: "
                f"{result.get('slide_count', 0)} slides"
                + (f", PDF {pages} pages" if pages is not None else "")
                + fill
            )
            for problem in result["problems"]:
                print(f"       {problem}")
            for index, title, problem in bad:
                print(f"       slide {index} ({title[:40]}): {problem}")
        browser.close()
    for stem in missing:
        print(f"FAIL slides/{stem}.html: no deck for chapters/{stem} (make slides)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(
        f"{len(names)} decks checked, {failed} failed, {len(missing)} missing; "
        f"screenshots in {shots}"
    )
    return 1 if failed or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
