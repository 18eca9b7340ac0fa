"""Write the generated cells of every chapter: the macro cell and the Colab cell.

The rendered book takes its notation from ``_config.yml``
(``sphinx.config.mathjax3_config.tex.macros``). Jupyter and Colab do not read
that file, so each chapter starts with a hidden Markdown cell that defines the
same macros with ``\\newcommand``. This script writes that cell (``--check``
only reports whether every chapter is in sync; tests/book/test_chapters.py runs the
same comparison).

The first code cell of every notebook installs the helper package on Colab
only; it is generated here too, from ``repository.url`` in ``_config.yml``, so
the install line has one home.

Usage: python tools/sync_macros.py [--check]
"""

from __future__ import annotations

import re
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


COLAB_MARKER = (
    "# On Colab, install the book's helper package (the book hides this cell)."
)


def book_version() -> str:
    """The book's one version number, read from the package without importing it."""
    text = (ROOT / "gentheory_utils" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "(\d+\.\d+\.\d+)"$', text, re.M)
    if match is None:
        raise ValueError('gentheory_utils/__init__.py has no __version__ = "X.Y.Z"')
    return match.group(1)


def colab_cell_source() -> str:
    """The Colab cell: install the package at this version's release tag."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = f"{cfg['repository']['url']}@v{book_version()}"
    return (
        f"{COLAB_MARKER}\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    package = "gentheory-utils @ git+{url}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package])\n'
    ).rstrip("\n")


STUDENT_LINE = re.compile(r"^\*\*Student copy\.\*\* .*$", re.M)


def student_copy_line(stem: str) -> str:
    """The overview's link to a chapter's student copy, at this release's tag.

    Absolute links: a relative one would be a missing document to the book build,
    and the book publishes the copies under ``student/`` besides.
    """
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = cfg["repository"]["url"].removeprefix("https://github.com/")
    path = f"{repo}/blob/v{book_version()}/student/{stem}.ipynb"
    return (
        "**Student copy.** The exercises without their solutions: "
        f"[on GitHub](https://github.com/{path}) or "
        f"[open in Colab](https://colab.research.google.com/github/{path})."
    )


def sync_student_link(nb, stem: str, check: bool) -> bool:
    """Put the student-copy line at the end of the overview cell (cell 1)."""
    overview = nb.cells[1]
    want = student_copy_line(stem)
    if STUDENT_LINE.findall(overview.source) == [want]:
        return True
    if check:
        return False
    text = STUDENT_LINE.sub("", overview.source).rstrip("\n")
    overview.source = f"{text}\n\n{want}"
    return False


def sync_colab(nb, check: bool) -> bool:
    """Make the first code cell the generated Colab cell; return whether it was."""
    want = colab_cell_source()
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0] if code else None
    if first is not None and first.source == want:
        return True
    if check:
        return False
    if first is not None and 'if "google.colab" in sys.modules' in first.source:
        first.source = want
    else:
        cell = nbformat.v4.new_code_cell(want)
        index = nb.cells.index(first) if first is not None else len(nb.cells)
        nb.cells.insert(index, cell)
        first = cell
    first.metadata["tags"] = ["remove-cell"]
    return False


def sync(path: Path, check: bool) -> bool:
    """Write (or with ``check``, compare) the generated parts; True if in sync.

    The macro cell, the Colab cell and, in a chapter, the overview's line that
    links the student copy.
    """
    nb = nbformat.read(path, as_version=4)
    want = macro_cell_source()
    first = nb.cells[0] if nb.cells else None
    has_macros = (
        first is not None
        and first.cell_type == "markdown"
        and first.source.startswith(MARKER)
    )
    macros_ok = has_macros and first.source == want
    if not check and not macros_ok:
        if has_macros:
            first.source = want
        else:
            cell = nbformat.v4.new_markdown_cell(want)
            cell.metadata["tags"] = ["remove-cell"]
            nb.cells.insert(0, cell)
    colab_ok = sync_colab(nb, check)
    # chapters (not the appendix) link their student copy from the overview
    student_ok = path.parent.name != "chapters" or sync_student_link(
        nb, path.stem, check
    )
    if macros_ok and colab_ok and student_ok:
        return True
    if not check:
        nbformat.write(nb, path)
    return False


def main() -> int:
    check = "--check" in sys.argv[1:]
    ok = True
    for path in sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "appendix").glob("*.ipynb")
    ):
        in_sync = sync(path, check)
        ok &= in_sync or not check
        print(
            f"{path.relative_to(ROOT)}: {'in sync' if in_sync else 'OUT OF SYNC'}"
            if check
            else f"{path.relative_to(ROOT)}: written"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
