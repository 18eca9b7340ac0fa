"""Copy the book's MathJax macros from _config.yml into every chapter.

The rendered book takes its notation from ``_config.yml``
(``sphinx.config.mathjax3_config.tex.macros``). Jupyter and Colab do not read
that file, so each chapter starts with a hidden Markdown cell that defines the
same macros with ``\\newcommand``. This script writes that cell (``--check``
only reports whether every chapter is in sync; tests/book/test_chapters.py runs the
same comparison).

Usage: python tools/sync_macros.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- notation macros: generated from _config.yml by tools/sync_macros.py -->"


def config_macros() -> dict[str, str]:
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return cfg["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def macro_cell_source() -> str:
    defs = "".join(
        f"\\newcommand{{\\{name}}}{{{body}}}" for name, body in config_macros().items()
    )
    return f"{MARKER}\n${defs}$"


def sync(path: Path, check: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    want = macro_cell_source()
    first = nb.cells[0] if nb.cells else None
    if (
        first is not None
        and first.cell_type == "markdown"
        and first.source.startswith(MARKER)
    ):
        if first.source == want:
            return True
        if not check:
            first.source = want
    elif not check:
        cell = nbformat.v4.new_markdown_cell(want)
        cell.metadata["tags"] = ["remove-cell"]
        nb.cells.insert(0, cell)
    if check:
        return False
    nbformat.write(nb, path)
    return True


def main() -> int:
    check = "--check" in sys.argv[1:]
    ok = True
    for path in sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "appendix").glob("*.ipynb")
    ):
        in_sync = sync(path, check)
        ok &= in_sync
        print(
            f"{path.relative_to(ROOT)}: {'in sync' if in_sync else 'OUT OF SYNC'}"
            if check
            else f"{path.relative_to(ROOT)}: written"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
