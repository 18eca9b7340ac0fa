"""The figure pack: every chapter figure as SVG and 300-dpi PNG, and its page.

* Before any notebook runs (HTML builds only), ``GENTHEORY_FIGURE_DIR`` is set
  to ``<build>/figure-files`` unless already set; the kernels inherit it and
  ``setup()`` saves every displayed figure there
  (:func:`gentheory_utils.plotting.export_figures`).
* The figure page (``appendix/figures``) is read after every other page, so
  every notebook has run; its marker line ``<!-- figure-list -->`` becomes a
  table per notebook (name, alt text, links to both files).
* When the HTML build has finished, ``tools/export_figures.py`` copies the files
  to ``_build/html/figures/<chapter>/<name>.{svg,png}`` and zips them; a figure
  without its files is a warning, so the ``-W`` build fails. ``make book``
  checks the result again (``tools/export_figures.py --check``).

The logic (names, export, check, the table) lives in ``tools/export_figures.py``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

PAGE = "appendix/figures"
MARKER = "<!-- figure-list -->"
VARIABLE = "GENTHEORY_FIGURE_DIR"


def _tool():
    name = "export_figures"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "tools" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _build_dir(app: Sphinx) -> Path:
    return Path(app.outdir).parent


def _set_directory(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    raw = _build_dir(app) / _tool().RAW_DIR
    os.environ.setdefault(VARIABLE, str(raw.resolve()))


def _read_page_last(app: Sphinx, env, docnames: list[str]) -> None:
    if PAGE in docnames:
        docnames.remove(PAGE)
        docnames.append(PAGE)


def _always_reread(app: Sphinx, env, added, changed, removed) -> list[str]:
    # The page reflects the notebooks' outputs, which Sphinx does not track.
    return [PAGE] if PAGE in env.found_docs else []


def _notebooks(app: Sphinx) -> list[str]:
    env = app.env
    docs = [d for d in env.found_docs if str(env.doc2path(d)).endswith(".ipynb")]
    return sorted(docs)


def _fill_page(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname != PAGE:
        return
    if MARKER not in source[0]:
        logger.warning(f"{PAGE}: the marker {MARKER} is missing", location=docname)
        return
    tool = _tool()
    try:
        figures = tool.collect(_build_dir(app), _notebooks(app))
    except (FileNotFoundError, ValueError) as exc:
        logger.warning(f"figure pack: {exc}", location=docname)
        figures = []
    titles = {d: app.env.titles[d].astext() for d in app.env.titles}
    prefix = "../" * docname.count("/")
    source[0] = source[0].replace(MARKER, tool.page_markdown(figures, titles, prefix))


def _export(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    tool = _tool()
    figures = tool.collect(_build_dir(app), _notebooks(app))
    problems = tool.export(_build_dir(app), figures)
    problems += tool.check(_build_dir(app), figures)
    for problem in problems:
        logger.warning(f"figure pack: {problem}")
    logger.info(f"figure pack: {len(figures)} figures in {app.outdir}/figures")


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _set_directory)
    app.connect("env-get-outdated", _always_reread)
    app.connect("env-before-read-docs", _read_page_last)
    app.connect("source-read", _fill_page)
    app.connect("build-finished", _export)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
