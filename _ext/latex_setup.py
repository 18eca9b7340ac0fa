"""The PDF (``jupyter-book build . --builder pdflatex``): notation and fonts.

The book's macros are defined once, in ``_config.yml`` under
``mathjax3_config.tex.macros``; this extension turns the same table into
``\\newcommand`` lines for the LaTeX preamble, so the PDF and the HTML cannot
disagree. XeLaTeX with the FreeFont family (Debian's ``fonts-freefont-otf``)
typesets the Greek letters, arrows and mathematical symbols that appear in the
prose.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config


def latex_macros(macros: dict[str, str]) -> str:
    lines = []
    for name, body in macros.items():
        if isinstance(body, (list, tuple)):  # MathJax form [body, number of arguments]
            lines.append(f"\\providecommand{{\\{name}}}[{body[1]}]{{{body[0]}}}")
        else:
            lines.append(f"\\providecommand{{\\{name}}}{{{body}}}")
    return "\n".join(lines)


def _configure(app: Sphinx, config: Config) -> None:
    macros = (config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    elements = dict(config.latex_elements or {})
    elements.setdefault(
        "fontpkg",
        "\\setmainfont{FreeSerif}\n\\setsansfont{FreeSans}\n\\setmonofont{FreeMono}",
    )
    elements["preamble"] = (
        elements.get("preamble", "")
        + "\n\\usepackage{amsmath,amssymb}\n"
        + latex_macros(macros)
    )
    config.latex_elements = elements


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure, priority=800)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
