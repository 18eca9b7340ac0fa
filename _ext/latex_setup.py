"""The PDF (``jupyter-book build . --builder pdflatex``): notation and fonts.

The book's macros are defined once, in ``_config.yml`` under
``mathjax3_config.tex.macros``; this extension turns the same table into
``\\newcommand`` lines for the LaTeX preamble, so the PDF and the HTML cannot
disagree. XeLaTeX with the FreeFont family (Debian's ``fonts-freefont-otf``)
typesets the Greek letters, arrows and mathematical symbols that appear in the
prose.

It also gives every exercise a second LaTeX label, ``<docname>:<label>``:
sphinx-exercise labels an exercise ``exercise:<label>`` only, but a ``{ref}``
from another page (the course guide's objectives table, a chapter's learning
goals) is written as ``\\hyperref[<docname>:<label>]``, so without the second
label every such link was an unresolved reference in the PDF.
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
        # FreeSerif has no star: the exercises' difficulty marks use the math one
        + "\\usepackage{newunicodechar}\n\\newunicodechar{★}{\\ensuremath{\\star}}\n"
        + latex_macros(macros)
    )
    config.latex_elements = elements


def _with_ref_label(visit):
    """Wrap an exercise visitor so the node also gets Sphinx's own label form."""

    def visit_and_label(self, node) -> None:
        visit(self, node)
        label = node.get("label")
        if label:  # hypertarget() prefixes the current docname
            self.body.append(self.hypertarget(label, anchor=True))

    return visit_and_label


def _label_exercises(app: Sphinx) -> None:
    if app.builder.format != "latex":
        return
    from sphinx_exercise import nodes as exercise_nodes

    for node, visit, depart in (
        (
            exercise_nodes.exercise_node,
            exercise_nodes.visit_exercise_node,
            exercise_nodes.depart_exercise_node,
        ),
        (
            exercise_nodes.exercise_enumerable_node,
            exercise_nodes.visit_exercise_enumerable_node,
            exercise_nodes.depart_exercise_enumerable_node,
        ),
    ):
        app.registry.add_translation_handlers(
            node, latex=(_with_ref_label(visit), depart)
        )


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure, priority=800)
    app.connect("builder-inited", _label_exercises)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
