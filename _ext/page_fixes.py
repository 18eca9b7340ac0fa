"""Two small fixes to the pages the theme writes, so the browser checks stay strict.

* sphinx-thebe's configuration script reaches every page twice (once with the
  file name ``None``, once with ``''``); the second copy redeclares a ``const``
  and throws "Identifier 'THEBE_JS_URL' has already been declared". Inline
  scripts with the same body are kept once.
* The page template starts from an empty colour mode and the theme logs "Got
  invalid theme mode" as a console error; ``auto`` (follow the reader's system
  setting, light or dark) is what it falls back to anyway.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _fix_page(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    if not context.get("default_mode"):
        context["default_mode"] = "auto"
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        attributes = getattr(js, "attributes", {}) or {}
        key = (
            getattr(js, "filename", None) or "",
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            kept.append(js)
    context["script_files"] = kept


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _fix_page, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
