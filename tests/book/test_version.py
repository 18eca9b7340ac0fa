"""One version number: the package, the Colab cells, the footer, the changelog, CFF.

The number lives in ``gentheory_utils/__init__.py`` (pyproject.toml reads it from
there). Everything that shows or installs a version must agree with it, so a
release is a bump in one place plus the changelog (CONTRIBUTING.md, "Cutting a
release"), and this test names whatever was forgotten.
"""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

import gentheory_utils

from conftest import CHAPTERS, ROOT, load_tool

VERSION = gentheory_utils.__version__


def test_version_is_semantic():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION


def test_pyproject_takes_the_version_from_the_package():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text
    assert 'version = { attr = "gentheory_utils.__version__" }' in text
    assert not re.search(r'^version = "', text, re.M), "no second version number"


def test_sync_tool_reads_the_same_version():
    assert load_tool("sync_macros").book_version() == VERSION


@pytest.mark.parametrize(
    "path",
    CHAPTERS + sorted((ROOT / "appendix").glob("*.ipynb")),
    ids=lambda p: p.name,
)
def test_colab_cell_installs_this_release(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    tags = re.findall(r"git\+https://\S+?@v([\d.]+)\"", first.source)
    assert tags == [VERSION], f"{path.name}: installs {tags}, package is {VERSION}"


def test_footer_shows_the_version():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    footer = config["html"]["extra_footer"]
    assert re.findall(r"gentheory (\d+\.\d+\.\d+)", footer) == [VERSION]


def test_changelog_top_release_is_this_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)
    assert releases, "CHANGELOG.md has no '## [X.Y.Z] - YYYY-MM-DD' release heading"
    assert releases[0][0] == VERSION, (
        f"CHANGELOG.md's newest release is {releases[0][0]}, the package is {VERSION}"
    )


def test_citation_file_has_this_version():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    cff = yaml.safe_load(text)
    assert cff["cff-version"] == "1.2.0"
    assert str(cff["version"]) == VERSION
    assert cff["license"] == ["CC-BY-4.0", "MIT"]


def test_intro_says_how_to_cite_with_this_version():
    text = (ROOT / "intro.md").read_text(encoding="utf-8")
    assert "## How to cite" in text
    assert f"version = {{{VERSION}}}" in text
    assert re.findall(r"This is version\s+\*\*(\d+\.\d+\.\d+)\*\*", text) == [VERSION]
    assert f"(`v{VERSION}`)" in text


def test_licence_names_both_licences_and_what_they_cover():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0" in text and "MIT License" in text
    assert "gentheory_utils/" in text and "chapters/" in text
