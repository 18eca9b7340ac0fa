"""Serve MathJax, require.js and the widget manager from the book itself.

When ``_webassets/`` is complete (``make book`` fills it: ``npm ci --prefix web``
then ``tools/vendor_assets.py``), its contents are copied into the build's
``_static/`` and ``mathjax_path`` and myst-nb's ``nb_ipywidgets_js`` point
there, so ``_build/html`` works without a network (from a USB stick, say).
Otherwise the build keeps the CDN defaults and says so in its log.

The folder must not be called ``_static``: Jupyter Book adds every ``.js``
under a source ``_static/`` to every page, and MathJax would load twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)
FOLDER = "_webassets"
REQUIRED = [
    "mathjax/tex-mml-chtml.js",
    "requirejs/require.js",
    "html-manager/embed-amd.js",
    "html-manager/widgets-offline.js",
    "VERSIONS.json",
]


def _configure(app: Sphinx, config: Config) -> None:
    assets = Path(app.srcdir) / FOLDER
    if not all((assets / rel).is_file() for rel in REQUIRED):
        logger.info(
            "offline_assets: %s/ not found, so MathJax, require.js and the widget "
            "manager load from CDNs (the book needs a network). Run `make book` "
            "with npm installed to serve them locally.",
            FOLDER,
        )
        app.config.gentheory_offline = False
        return
    versions = json.loads((assets / "VERSIONS.json").read_text())
    config.html_static_path = list(config.html_static_path) + [FOLDER]
    config.mathjax_path = "mathjax/tex-mml-chtml.js"  # Sphinx prefixes _static/
    config.nb_ipywidgets_js = {  # loaded in this order
        "requirejs/require.js": {},
        # web/widgets-offline.js: where the manager finds its fonts, and MathJax 3
        # for its labels.
        "html-manager/widgets-offline.js": {},
        # Core widgets are built into the bundle, so it never needs its CDN fallback.
        "html-manager/embed-amd.js": {},
    }
    app.config.gentheory_offline = True
    logger.info(
        "offline_assets: serving %s from the book (no CDN)",
        ", ".join(f"{name} {version}" for name, version in versions.items()),
    )


def setup(app: Sphinx) -> dict:
    app.add_config_value("gentheory_offline", False, "html")
    app.connect("config-inited", _configure, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
