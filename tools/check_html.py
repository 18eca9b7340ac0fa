"""Open every page of the built book in headless Chromium and check it.

For each HTML page under the build folder (default ``_build/html``), opened as
a ``file://`` URL as a reader with a USB stick would:

* **no request leaves the book**: any request that is not ``file:``, ``data:``
  or ``blob:`` is blocked and reported;
* **no uncaught JavaScript error**: page errors and console errors fail the
  page, except the messages in ``ALLOWED_CONSOLE`` (each with its reason);
* **math is rendered**: every ``.math`` element holds an ``<mjx-container>``
  after MathJax ran, and no formula shows a TeX error (``<mjx-merror>``, for
  example an undefined macro);
* **widgets show their default state**: every embedded widget view is drawn,
  and every slider or dropdown shows the value stored in the page's widget
  state;
* **figures have alt text**: every ``<img>`` in the page body has a non-empty
  ``alt``;
* **code fits its column**: no code block or cell output (``pre``,
  ``div.highlight``, ``.cell_output``) scrolls sideways at 1280 px
  (``scrollWidth > clientWidth``); the book's CSS (``_ext/static/gentheory.css``)
  widens the column and wraps printed output so 88-column code fits;
* **downloads**: every chapter page links to its ``.ipynb`` source, and the
  file is in the build;
* **dark mode**: every PNG figure in ``_images/`` is opaque (a transparent
  figure would show dark text on the dark theme's background).

A full-page screenshot of each chapter goes to ``_build/screenshots/``, and a
screenshot of its first screen in dark mode next to it.
Exit status 1 when any page fails. Usage:
``python tools/check_html.py [--html _build/html] [--screenshots _build/screenshots]
[--pages GLOB ...]``
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Console messages that are known and harmless: (regex, reason) pairs. Empty on
# purpose: with _ext/page_fixes.py (a duplicated theme script, an empty colour
# mode) and web/widgets-offline.js (widget fonts, MathJax 3 for widget labels),
# no page of the book logs an error. Add an entry only for a message that is
# understood and harmless, with the reason; never to silence a real failure.
ALLOWED_CONSOLE: list[tuple[str, str]] = []

BROWSER_CANDIDATES = ["chromium", "chromium-browser", "google-chrome"]

# Code must fit its column by a wider column, not by unreadably small type.
MIN_CODE_FONT_PX = 12.5

WAIT_JS = """
async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  // Widget views are drawn asynchronously by the widget manager.
  const viewSel = 'script[type="application/vnd.jupyter.widget-view+json"]';
  const views = document.querySelectorAll(viewSel);
  for (let t = 0; t < 100; t++) {
    const drawn = document.querySelectorAll('.jupyter-widgets').length;
    if (views.length === 0 || drawn >= views.length) break;
    await sleep(100);
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  return true;
}
"""

INSPECT_JS = """
() => {
  const out = {};
  const maths = Array.from(document.querySelectorAll('.math'));
  out.math = maths.length;
  out.math_unrendered = maths.filter((m) => !m.querySelector('mjx-container'))
    .map((m) => m.textContent.slice(0, 80));
  const errorSel = 'mjx-merror, mjx-mtext[style*="color: red"], '
    + 'mjx-mtext[style*="color:red"]';
  out.math_errors = Array.from(document.querySelectorAll(errorSel))
    .map((m) => m.getAttribute('data-mjx-error') || m.textContent.slice(0, 80));
  out.mathjax_loaded = !!(window.MathJax && MathJax.version);
  const viewSel = 'script[type="application/vnd.jupyter.widget-view+json"]';
  out.views = Array.from(document.querySelectorAll(viewSel))
    .map((s) => JSON.parse(s.textContent).model_id);
  out.drawn = document.querySelectorAll('.jupyter-widgets').length;
  const stateSel = 'script[type="application/vnd.jupyter.widget-state+json"]';
  const state = document.querySelector(stateSel);
  out.state = state ? JSON.parse(state.textContent) : null;
  out.readouts = Array.from(document.querySelectorAll('.widget-readout'))
    .map((r) => r.textContent.trim());
  out.selects = Array.from(document.querySelectorAll('.widget-dropdown select'))
    .map((s) => s.options[s.selectedIndex]
      ? s.options[s.selectedIndex].text.replace(/\u00a0/g, ' ') : null);
  const main = document.querySelector('main') || document.body;
  out.images_without_alt = Array.from(main.querySelectorAll('img'))
    .filter((i) => !(i.getAttribute('alt') || '').trim())
    .map((i) => i.getAttribute('src'));
  out.images = main.querySelectorAll('img').length;
  const blockSel = 'pre, div.highlight, div.cell_input, div.cell_output, '
    + 'div.cell_output div.output';
  const blocks = Array.from(main.querySelectorAll(blockSel))
    .filter((el) => el.clientWidth > 0);
  out.code_blocks = blocks.filter((el) => el.tagName === 'PRE').length;
  out.wide_blocks = blocks
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .filter((el) => !blocks.some((inner) => inner !== el && el.contains(inner)
      && inner.scrollWidth > inner.clientWidth + 1))  // report the innermost
    .map((el) => el.tagName.toLowerCase() + ' "'
      + (el.textContent || '').trim().split('\\n')[0].slice(0, 60) + '" ('
      + el.scrollWidth + ' px in ' + el.clientWidth + ' px)');
  const codeFont = main.querySelector('div.highlight pre');
  out.code_font_px = codeFont ? parseFloat(getComputedStyle(codeFont).fontSize) : null;
  out.ipynb_links = Array.from(document.querySelectorAll('a[href$=".ipynb"]'))
    .map((a) => a.getAttribute('href'));
  return out;
}
"""


def find_browser() -> str:
    for name in BROWSER_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit(
        "no Chromium found: install Debian's `chromium` (make browser-deps does)"
    )


def allowed(message: str) -> bool:
    return any(re.search(pattern, message) for pattern, _ in ALLOWED_CONSOLE)


def expected_widget_values(state: dict | None) -> tuple[list[str], list[str]]:
    """Default values of the sliders and dropdowns stored in the page's widget state."""
    sliders, dropdowns = [], []
    if not state:
        return sliders, dropdowns
    for model in state.get("state", {}).values():
        name, s = model.get("model_name"), model.get("state", {})
        if name in ("IntSliderModel", "FloatSliderModel"):
            sliders.append(s.get("value"))
        elif name == "DropdownModel":
            labels = s.get("_options_labels", [])
            index = s.get("index")
            dropdowns.append(
                labels[index] if index is not None and index < len(labels) else None
            )
    return sliders, dropdowns


def check_page(page, path: Path, html_root: Path, shots: Path | None) -> list[str]:
    problems: list[str] = []
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
    page.on(
        "requestfailed",
        lambda r: (
            console.append(f"failed to load {r.url} ({r.failure})")
            if r.url.startswith("file:")
            else None
        ),
    )
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.evaluate(WAIT_JS)
    page.wait_for_timeout(300)
    info = page.evaluate(INSPECT_JS)

    problems += [f"external request: {u}" for u in sorted(set(external))]
    problems += [f"JavaScript error: {m[:200]}" for m in console if not allowed(m)]
    info["allowed_console"] = [m[:200] for m in console if allowed(m)]
    if info["math"] and not info["mathjax_loaded"]:
        problems.append(f"{info['math']} formulas but MathJax did not load")
    problems += [f"formula not rendered: {t!r}" for t in info["math_unrendered"][:5]]
    problems += [f"TeX error in a formula: {t!r}" for t in info["math_errors"][:5]]
    if info["views"]:
        if info["drawn"] < len(info["views"]):
            problems.append(
                f"{len(info['views'])} widget views but {info['drawn']} drawn"
            )
        sliders, dropdowns = expected_widget_values(info["state"])
        readouts = list(info["readouts"])
        for value in sliders:
            shown = [r for r in readouts if _same_number(r, value)]
            if not shown:
                problems.append(
                    f"no slider shows its default value {value} (readouts: {readouts})"
                )
            else:
                readouts.remove(shown[0])
        for label in dropdowns:
            if label not in info["selects"]:
                problems.append(
                    f"no dropdown shows its default {label!r} "
                    f"(shown: {info['selects']})"
                )
    problems += [f"image without alt text: {s}" for s in info["images_without_alt"]]
    problems += [
        f"code or output block scrolls sideways: {b}" for b in info["wide_blocks"]
    ]
    if info["code_font_px"] is not None and info["code_font_px"] < MIN_CODE_FONT_PX:
        problems.append(
            f"code font {info['code_font_px']} px, below {MIN_CODE_FONT_PX} px"
        )
    rel = path.relative_to(html_root)
    if rel.parts[0] == "chapters":
        links = [
            h
            for h in info["ipynb_links"]
            if h.endswith(path.stem + ".ipynb") and "://" not in h
        ]
        if not links:
            problems.append("no download link to the chapter's .ipynb")
        elif not (path.parent / links[0]).resolve().is_file():
            problems.append(f"download link {links[0]} points to a missing file")
    if shots is not None and rel.parts[0] == "chapters":
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"{path.stem}.png"), full_page=True)
        page.emulate_media(color_scheme="dark")
        page.wait_for_timeout(200)
        page.screenshot(path=str(shots / f"{path.stem}-dark.png"))
        page.emulate_media(color_scheme="light")
    page.unroute("**/*")
    return problems, info


def _same_number(text: str, value) -> bool:
    try:
        return abs(float(text) - float(value)) <= 1e-9 + 1e-6 * abs(float(value))
    except (TypeError, ValueError):
        return False


def transparent_figures(html_root: Path) -> list[str]:
    """PNG figures under ``_images/`` with any pixel that is not fully opaque."""
    from PIL import Image

    bad = []
    for png in sorted((html_root / "_images").glob("*.png")):
        with Image.open(png) as im:
            if im.mode in ("RGBA", "LA") or (
                im.mode == "P" and "transparency" in im.info
            ):
                alpha = im.convert("RGBA").getchannel("A")
                if alpha.getextrema()[0] < 255:
                    bad.append(png.name)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument(
        "--screenshots", type=Path, default=ROOT / "_build" / "screenshots"
    )
    parser.add_argument(
        "--pages", nargs="*", default=None, help="glob patterns relative to --html"
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the per-page report here"
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    html_root = args.html.resolve()
    if not html_root.is_dir():
        print(
            f"{html_root} does not exist: build the book first (make book)",
            file=sys.stderr,
        )
        return 1
    patterns = args.pages or ["**/*.html"]
    pages = sorted(
        {
            p
            for pat in patterns
            for p in html_root.glob(pat)
            if not {"_static", "_sources", "_images"}
            & set(p.relative_to(html_root).parts)
        }
    )
    report, failed = {}, 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_browser(), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        for path in pages:
            rel = str(path.relative_to(html_root))
            if (
                'http-equiv="refresh"'
                in path.read_text(encoding="utf-8", errors="replace")[:2000].lower()
            ):
                print(f"skip {rel}: a redirect page")
                continue
            page = context.new_page()
            problems, info = check_page(page, path, html_root, args.screenshots)
            page.close()
            report[rel] = {
                "problems": problems,
                "formulas": info["math"],
                "code_blocks": info["code_blocks"],
                "wide_blocks": len(info["wide_blocks"]),
                "code_font_px": info["code_font_px"],
                "widget_views": len(info["views"]),
                "images": info["images"],
                "allowed_console": info["allowed_console"],
            }
            status = "ok  " if not problems else "FAIL"
            failed += bool(problems)
            print(
                f"{status} {rel}: {info['math']} formulas, "
                f"{len(info['views'])} widget views, {info['images']} images, "
                f"{info['code_blocks']} code blocks"
            )
            for p in problems:
                print(f"       {p}")
            for m in info["allowed_console"]:
                print(f"       allowed: {m}")
        browser.close()
    see_through = transparent_figures(html_root)
    for name in see_through:
        print(f"FAIL _images/{name}: transparent pixels (illegible in dark mode)")
    report["_images"] = {"transparent": see_through}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    missing_decks = [] if args.pages else missing_slide_decks(html_root)
    for stem in missing_decks:
        print(f"FAIL slides/{stem}.html: no deck for chapters/{stem} (make slides)")
    print(
        f"{len(pages)} pages checked, {failed} failed; "
        f"{len(see_through)} transparent figures; {len(missing_decks)} missing decks"
    )
    return 1 if failed or see_through or missing_decks or not pages else 0


def missing_slide_decks(html_root: Path) -> list[str]:
    """Chapters without a reveal.js deck under ``slides/`` (tools/make_slides.py)."""
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    return [s for s in chapters if not (html_root / "slides" / f"{s}.html").is_file()]


if __name__ == "__main__":
    raise SystemExit(main())
