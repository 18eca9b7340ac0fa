"""The ledger of checked claims, generated at build time from the checking cells.

* Each code cell whose metadata has ``checks`` (schema: ``tools/make_ledger.py``)
  gets the anchor ``check-<notebook>-<cell id>``, a label ``{ref}`` can link to;
  each identity it defines (``id-...``) becomes a label for the section that
  holds the cell.
* The ledger page (``appendix/ledger``): its marker line
  ``<!-- claim-ledger -->`` becomes a table per chapter (the claim, the cells
  that check it, what they compare, the wrong version shown failing, the status
  in the latest robustness sweep).
* The intro page: its marker ``<!-- ledger-totals -->`` becomes a sentence with
  the totals (claims, claims with a wrong version shown failing).

Links are ``{prf:ref}`` and ``{ref}`` roles, so the nitpicky ``-n`` build fails
when a label in the metadata resolves to nothing. The logic lives in
``tools/make_ledger.py``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

PAGE = "appendix/ledger"
MARKER = "<!-- claim-ledger -->"
TOTALS_MARKER = "<!-- ledger-totals -->"


def _tool():
    name = "make_ledger"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "tools" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _ledger(app: Sphinx):
    # Kept on the application (the environment is pickled between builds).
    if getattr(app, "_gentheory_ledger", None) is None:
        app._gentheory_ledger = _tool().build(Path(app.srcdir))
    return app._gentheory_ledger


def _fresh(app: Sphinx, env, docnames) -> None:
    app._gentheory_ledger = None


def _always_reread(app: Sphinx, env, added, changed, removed) -> list[str]:
    # Both pages show what other pages' metadata says, which Sphinx does not track.
    return [d for d in (PAGE, app.config.root_doc) if d in env.found_docs]


def _fill(app: Sphinx, docname: str, source: list[str]) -> None:
    tool = _tool()
    if docname == PAGE:
        if MARKER not in source[0]:
            logger.warning(f"{PAGE}: the marker {MARKER} is missing", location=docname)
            return
        ledger = _ledger(app)
        record = tool.load_robustness(Path(app.srcdir) / tool.ROBUSTNESS)
        titles = {d: _title(app, d) for d in tool.notebooks(Path(app.srcdir))}
        table = tool.page_markdown(ledger, record, titles)
        source[0] = source[0].replace(MARKER, table)
    elif TOTALS_MARKER in source[0]:
        source[0] = source[0].replace(TOTALS_MARKER, tool.totals_markdown(_ledger(app)))


def _title(app: Sphinx, docname: str) -> str:
    path = Path(app.srcdir) / f"{docname}.ipynb"
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"]) if cell["cell_type"] == "markdown" else ""
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return docname


def _anchor_cells(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    cells = None
    std = app.env.get_domain("std")
    tool = _tool()
    for node in list(doctree.findall(nodes.container)):
        if node.get("nb_element") != "cell_code":
            continue
        spec = (node.get("cell_metadata") or {}).get(tool.KEY)
        if spec is None:
            continue
        if cells is None:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        cell_id = cells[node["cell_index"]].get("id", "")
        label = tool.anchor(docname, cell_id)
        node_id = nodes.make_id(label)
        # A target just before the cell, not an id on the cell's container: the
        # LaTeX writer drops a container's ids, so the PDF's links would dangle.
        node.parent.insert(node.parent.index(node), nodes.target("", "", ids=[node_id]))
        _register(std, label, docname, node_id, f"code cell {cell_id}", node)
        section = next(
            (p for p in _parents(node) if isinstance(p, nodes.section)), None
        )
        identities = spec.get("identities", {}) if isinstance(spec, dict) else {}
        for identity in identities if isinstance(identities, dict) else {}:
            title = section[0].astext() if section is not None else label
            # The section's id, unless it is a solution's shared "solution-content"
            # (sphinx-exercise gives every solution that id; LaTeX has no such
            # label): then the checking cell's own anchor.
            ids = section["ids"] if section is not None else []
            place = ids[0] if ids and ids[0] != "solution-content" else node_id
            _register(std, identity, docname, place, title, node)


def _parents(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def _register(std, label: str, docname: str, node_id: str, title: str, node) -> None:
    if label in std.anonlabels and std.anonlabels[label][0] != docname:
        logger.warning(f"duplicate label {label}", location=node)
        return
    std.anonlabels[label] = (docname, node_id)
    std.labels[label] = (docname, node_id, title)


def setup(app: Sphinx) -> dict:
    app.connect("env-before-read-docs", _fresh)
    app.connect("env-get-outdated", _always_reread)
    app.connect("source-read", _fill)
    app.connect("doctree-read", _anchor_cells)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
