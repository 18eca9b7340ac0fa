"""Write student versions of the chapters: exercises kept, worked solutions removed.

Each chapter's exercises are gated sphinx-exercise directives: a solution runs
from a ``solution-start`` fence to the matching ``solution-end`` fence and may
span several cells, code included. A student copy keeps everything else, turns
the exercise fences into plain headings (the copy is read in Jupyter or Colab,
not in the book), and puts one clearly marked answer cell pair (a Markdown cell
and an empty code cell tagged ``student-answer``) where each solution was.

The copies are committed in ``student/`` (``make student``), so a student can
open them on Colab from the repository; ``tests/book/test_student.py`` fails
when a committed copy differs from what this tool makes of its chapter.

Usage: ``python tools/make_student.py [--out _build/html/student] [chapters ...]``
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(
    r"````\{(exercise-start|exercise-end|solution-start|solution-end)\}"
    r"([^\n]*)\n(.*?)````\n?",
    re.S,
)
BANNER = (
    "> **Student version.** The worked solutions are removed. Write yours in the "
    "cells marked **Your answer here**; the rest of the chapter runs as in the book."
)
ANSWER_TAG = "student-answer"


def _answer_cells(label: str) -> list:
    return [
        nbformat.v4.new_markdown_cell(
            f"**Your answer here** (exercise `{label}`): derivation in this cell, "
            "code in the next.",
            metadata={"tags": [ANSWER_TAG]},
        ),
        nbformat.v4.new_code_cell(
            "# Your answer here\n", metadata={"tags": [ANSWER_TAG]}
        ),
    ]


def student_version(
    nb: nbformat.NotebookNode,
) -> tuple[nbformat.NotebookNode, list[str]]:
    """The student copy of ``nb``, and the exercises whose solutions it removed.

    Returns the copy and the labels of those exercises, in order.
    """
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    cells: list = []
    removed: list[str] = []
    in_solution = False
    counter = 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            if not in_solution:
                cells.append(cell)
            continue
        text, kept, pos = cell.source, [], 0
        for m in FENCE.finditer(text):
            kind, arg, body = m.group(1), m.group(2).strip(), m.group(3)
            if not in_solution:
                kept.append(text[pos : m.start()])
            pos = m.end()
            if kind == "exercise-start":
                counter += 1
                label = re.search(r":label:\s*(\S+)", body)
                kept.append(
                    f"### Exercise {counter}"
                    + (f" (`{label.group(1)}`)" if label else "")
                    + "\n\n"
                )
            elif kind == "solution-start":
                in_solution = True
                removed.append(arg)
            elif kind == "solution-end":
                in_solution = False
                cells.extend(_answer_cells(removed[-1]))
        if not in_solution:
            kept.append(text[pos:])
        source = "".join(kept).strip()
        if source:
            new = nbformat.v4.new_markdown_cell(source, metadata=cell.metadata)
            cells.append(new)
    if in_solution:
        raise ValueError("a solution-start fence has no matching solution-end")
    # The banner goes right after the title cell.
    title = next(
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")
    )
    cells.insert(title + 1, nbformat.v4.new_markdown_cell(BANNER))
    out.cells = cells
    for i, c in enumerate(out.cells):
        c.id = f"student-{i:03d}"  # deterministic, so the committed copy can be checked
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    return out, removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "html" / "student"
    )
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in chapters:
        student, removed = student_version(nbformat.read(path, as_version=4))
        nbformat.validate(student)
        nbformat.write(student, args.out / path.name)
        print(
            f"{path.name}: {len(removed)} solutions removed -> {args.out / path.name}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
