"""The commands the documentation gives exist, and the test layers have one list.

README.md, CONTRIBUTING.md and the Makefile describe the same layers of
`make test`, with the same names, in the same order; every `make <target>` that
a page of the repository names is a target of the Makefile; CI runs the test
command README gives; and no page points outside the repository.
"""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
PAGES = sorted(ROOT.glob("*.md"))
NUMBERS = dict(
    enumerate("zero one two three four five six seven eight nine ten".split())
)
LAYER = re.compile(r"^\d+\. \*\*(\w+)\*\* \(`make ([\w-]+)`", re.M)


def make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", MAKEFILE, re.M))


def named_targets(text: str) -> set[str]:
    """Targets in `make a b` spans and in `make ...` lines of code blocks."""
    spans = re.findall(r"`make ([^`]*)`", text)
    spans += re.findall(r"^make ([\w -]+?)\s*(?:#.*)?$", text, re.M)
    return {
        w for span in spans for w in span.split() if re.fullmatch(r"[a-z][\w-]*", w)
    }


def makefile_layers() -> list[tuple[str, str]]:
    """(layer, target) pairs of the table at the top of the Makefile."""
    return re.findall(r"^#   (\w+)\s+make ([\w-]+)\s", MAKEFILE, re.M)


def test_every_target_a_page_names_exists():
    targets = make_targets()
    for path in [*PAGES, ROOT / "Makefile"]:
        missing = named_targets(path.read_text(encoding="utf-8")) - targets
        assert not missing, (
            f"{path.name} names make targets that do not exist: {missing}"
        )


def test_make_test_runs_the_layers_of_the_makefile_table():
    layers = makefile_layers()
    assert len(layers) >= 8, "the Makefile opens with a table of the test layers"
    (prerequisites,) = re.findall(r"^test:([^\n]*)$", MAKEFILE, re.M)
    assert prerequisites.split() == [target for _, target in layers]


@pytest.mark.parametrize("page", ["README.md", "CONTRIBUTING.md"])
def test_pages_list_the_same_layers_as_the_makefile(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert LAYER.findall(text) == makefile_layers(), (
        f"{page}: list the layers of `make test` as '1. **name** (`make target`)', "
        "with the names, targets and order of the table at the top of the Makefile"
    )


@pytest.mark.parametrize("page", ["README.md", "CONTRIBUTING.md", "Makefile"])
def test_pages_count_the_layers_alike(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    counts = re.findall(r"runs (\w+) layers", text)
    assert counts, f"{page}: say how many layers `make test` runs"
    assert set(counts) == {NUMBERS[len(makefile_layers())]}, (
        f"{page} says `make test` runs {counts} layers; "
        f"the Makefile lists {len(makefile_layers())}"
    )


def test_unit_layer_needs_no_browser_tex_or_npm():
    recipe = MAKEFILE.split("\ntest-unit:", 1)[1].split("\n\n", 1)[0]
    prerequisites = recipe.splitlines()[0].split()
    assert not {"browser-deps", "assets", "pdf-deps"} & set(prerequisites)
    assert "tests/package tests/book" in recipe


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make book" in readme
    assert "\nmake test\n" in ci


@pytest.mark.parametrize("path", [*PAGES, ROOT / "Makefile"], ids=lambda p: p.name)
def test_nothing_points_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text and "../seed" not in text, (
        f"{path.name} points outside the repository; say what is needed instead"
    )
