"""The appendix notebooks (the errata check) follow the chapters' basic conventions.

nbval runs them in `make test-notebooks`; this checks what can be checked statically.
"""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from conftest import APPENDIX, ROOT, load_tool

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def sync_macros():
    return load_tool("sync_macros")


def test_errata_appendix_exists_and_is_in_the_toc():
    assert [p.name for p in APPENDIX] == ["errata.ipynb"]
    files = [
        entry["file"] for part in TOC["parts"] for entry in part.get("chapters", [])
    ]
    assert "appendix/errata" in files


@pytest.mark.parametrize("path", APPENDIX, ids=lambda p: p.name)
def test_appendix_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].source == sync_macros().macro_cell_source(), (
        "run: python tools/sync_macros.py"
    )
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code), (
        "commit with outputs cleared"
    )
    assert code[0].source == sync_macros().colab_cell_source(), (
        "run: python tools/sync_macros.py"
    )
    assert re.search(r"^SEED = setup\(\)$", code[1].source, re.M)
    asserts = sum(len(re.findall(r"^\s*assert\b", c.source, re.M)) for c in code)
    assert asserts >= 24, "every erratum is checked with asserts"


def test_errata_appendix_covers_every_errata_item():
    nb = nbformat.read(ROOT / "appendix" / "errata.ipynb", as_version=4)
    headings = [
        m
        for c in nb.cells
        if c.cell_type == "markdown"
        for m in re.findall(r"^## (\d+)\.", c.source, re.M)
    ]
    assert [int(h) for h in headings] == list(range(1, 13))
