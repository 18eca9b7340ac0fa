"""Adding a chapter touches few places, and this test names the one that is missing.

A chapter ``chapters/NN_name.ipynb`` is registered in

* ``_toc.yml``: the table of contents (``- file: chapters/NN_name``);
* ``benchmarks/results/notebook_times.md``: a row of the runtime table, by the
  chapter's title (its first ``# `` heading), written by ``make times``;
* ``course.md``: the course guide's schedule links it (``chapters/NN_name``);
* ``api.md``: every module of ``gentheory_utils`` that names the chapter (its
  docstring says "(chapter N)" or "Introduced in chapter N", or one of its
  functions says "Taught in Chapter N") has an ``automodule`` directive there,
  and so does every other public module.

Each failure message names the chapter (or module) and the file to edit. The
modules are read as source, not imported, so a broken import elsewhere does not
hide a missing registration.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import CHAPTERS, ROOT

PACKAGE = ROOT / "gentheory_utils"
MODULES = sorted(p for p in PACKAGE.glob("*.py") if not p.name.startswith("_"))


def title(path: Path) -> str:
    """The chapter's title: its first ``# `` heading."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{path.name} has no '# Title' heading")


def toc_files() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.add(str(node["file"]).removesuffix(".ipynb").removesuffix(".md"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    return found


def chapters_named_by(module: Path) -> set[int]:
    """Chapter numbers a module's docstrings say it is introduced or taught in."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    numbers: set[int] = set()
    doc = ast.get_docstring(tree) or ""
    for match in re.finditer(r"\(chapter (\d+)\)|[Ii]ntroduced in chapter (\d+)", doc):
        numbers.add(int(match.group(1) or match.group(2)))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for number in re.findall(
                r"Taught in Chapter (\d+)", ast.get_docstring(node) or ""
            ):
                numbers.add(int(number))
    return numbers


def api_modules() -> set[str]:
    text = (ROOT / "api.md").read_text(encoding="utf-8")
    return set(
        re.findall(r"^\s*\.\. automodule:: gentheory_utils\.(\w+)\s*$", text, re.M)
    )


IDS = [p.name for p in CHAPTERS]


def test_there_are_chapters():
    assert CHAPTERS, "no chapters/*.ipynb found"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_is_in_the_toc(path):
    assert f"chapters/{path.stem}" in toc_files(), (
        f"{path.name} is missing from _toc.yml: add '- file: chapters/{path.stem}' "
        "to the chapters of its part"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_has_a_row_in_the_runtime_table(path):
    table = (ROOT / "benchmarks" / "results" / "notebook_times.md").read_text(
        encoding="utf-8"
    )
    rows = {
        line.split("|")[1].strip()
        for line in table.splitlines()
        if line.startswith("|")
    }
    assert title(path) in rows, (
        f"{path.name} ({title(path)!r}) has no row in "
        "benchmarks/results/notebook_times.md: run `make times`"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_is_in_the_course_guide(path):
    text = (ROOT / "course.md").read_text(encoding="utf-8")
    assert re.search(rf"chapters/{re.escape(path.stem)}(?![\w/])", text), (
        f"{path.name} is missing from course.md: link it as "
        f"{{doc}}`chapters/{path.stem}` in the schedule"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_modules_the_chapter_teaches_are_in_the_api_page(path):
    number = int(path.name[:2])
    documented = api_modules()
    taught = [m.stem for m in MODULES if number in chapters_named_by(m)]
    missing = [name for name in taught if name not in documented]
    assert not missing, (
        f"{path.name} teaches modules missing from api.md: "
        + "; ".join(
            f"gentheory_utils.{name} (add '.. automodule:: gentheory_utils.{name}' "
            "with ':members:')"
            for name in missing
        )
    )


@pytest.mark.parametrize("module", MODULES, ids=[m.stem for m in MODULES])
def test_every_public_module_is_in_the_api_page(module):
    assert module.stem in api_modules(), (
        f"gentheory_utils.{module.stem} is missing from api.md: add a section with "
        f"'.. automodule:: gentheory_utils.{module.stem}' and ':members:'"
    )
