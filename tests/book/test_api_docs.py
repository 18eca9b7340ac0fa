"""The API reference: every public function and class names the chapter that teaches it.

Also checks that the pinned web assets are exact versions with a lock file, and
that api.md documents every module of the package.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re

import nbformat
import pytest

import gentheory_utils

from conftest import CHAPTERS, ROOT, load_tool

MODULES = sorted(
    m.name
    for m in pkgutil.iter_modules(gentheory_utils.__path__)
    if not m.name.startswith("_")
)


def public_objects():
    for name in MODULES:
        module = importlib.import_module(f"gentheory_utils.{name}")
        names = getattr(module, "__all__", None) or [
            n
            for n, o in vars(module).items()
            if not n.startswith("_")
            and (inspect.isfunction(o) or inspect.isclass(o))
            and o.__module__ == module.__name__
        ]
        for n in names:
            obj = getattr(module, n)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{name}.{n}", obj


def chapter_titles() -> dict[int, str]:
    titles = {}
    for path in CHAPTERS:
        number = int(path.name[:2])
        first = next(
            c.source
            for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "markdown" and c.source.startswith("# ")
        )
        titles[number] = first.splitlines()[0][2:].strip()
    return titles


OBJECTS = list(public_objects())


def test_there_are_public_objects():
    assert len(OBJECTS) > 40


@pytest.mark.parametrize(("name", "obj"), OBJECTS, ids=[n for n, _ in OBJECTS])
def test_docstring_names_the_teaching_chapter(name, obj):
    doc = inspect.getdoc(obj) or ""
    found = re.findall(r"Taught in Chapter (\d+), \*([^*]+)\*\.", doc)
    assert len(found) == 1, (
        f"{name}: add 'Taught in Chapter N, *Title*.' to its docstring"
    )
    number, title = int(found[0][0]), found[0][1]
    titles = chapter_titles()
    assert number in titles, f"{name} names chapter {number}, which does not exist"
    assert title == titles[number], (
        f"{name}: chapter {number} is titled {titles[number]!r}"
    )


def test_api_page_documents_every_module():
    text = (ROOT / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"automodule:: gentheory_utils\.(\w+)", text))
    assert documented == set(MODULES)


def test_web_assets_are_pinned_with_a_lock_file():
    package = json.loads((ROOT / "web" / "package.json").read_text())
    deps = package["dependencies"]
    assert set(deps) == {
        "mathjax",
        "requirejs",
        "@jupyter-widgets/html-manager",
        "reveal.js",
    }
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in deps.values()), (
        "pin exact versions"
    )
    assert deps["mathjax"].startswith("3.")
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())
    for name, version in deps.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_vendor_check_reports_missing_assets(tmp_path):
    module = load_tool("vendor_assets")
    assert not module.complete(tmp_path)
    for rel in module.REQUIRED:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert module.complete(tmp_path)
