"""Conventions every chapter notebook follows (see CONTRIBUTING.md).

These are fast static checks; executing the chapters is nbval's job
(`make test-notebooks`) and the book build's (`make book`).
"""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from conftest import APPENDIX, CHAPTERS, ROOT, load_tool

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def load(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def sync_macros():
    return load_tool("sync_macros")


def toc_files():
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks under chapters/"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_valid_and_outputs_cleared(path):
    nb = load(path)
    nbformat.validate(nb)
    for cell in code_cells(nb):
        assert cell.outputs == [], f"{path.name}: commit notebooks with outputs cleared"
        assert cell.execution_count is None


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_macro_cell_matches_config(path):
    first = load(path).cells[0]
    assert first.cell_type == "markdown"
    assert first.source == sync_macros().macro_cell_source(), (
        "run: python tools/sync_macros.py"
    )
    assert "remove-cell" in first.metadata.get("tags", [])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_installs_on_colab_only(path):
    first = code_cells(load(path))[0]
    url = CONFIG["repository"]["url"]
    assert first.source == sync_macros().colab_cell_source(), (
        "the Colab cell is generated: run python tools/sync_macros.py"
    )
    assert 'if "google.colab" in sys.modules' in first.source
    urls = re.findall(r"git\+(https://[^\s\"']+)", first.source)
    tag = f"{url}@v{sync_macros().book_version()}"  # the release, not main
    assert urls == [tag], f"Colab cell installs from {urls}, expected {tag}"
    assert "remove-cell" in first.metadata.get("tags", []), (
        "hide the Colab cell in the book"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_set_up_cell_calls_setup(path):
    second = code_cells(load(path))[1]
    assert re.search(r"^SEED = setup\(\)$", second.source, flags=re.M), (
        f"{path.name}: the cell after the Colab cell must run SEED = setup()"
    )
    rest = "\n".join(c.source for c in code_cells(load(path))[2:])
    for old in ("seed_everything(", "use_style(", "SEED = "):
        assert old not in rest, f"{path.name}: {old!r} after the set-up cell"


# A seed written as a number: manual_seed(3), default_rng(12345), seed=777,
# RandomState(0), random_state=1. Every draw must derive from SEED.
LITERAL_SEED = re.compile(
    r"(manual_seed|default_rng|RandomState|random\.seed)\(\s*\d"
    r"|\b(seed|random_state)\s*=\s*\d"
)


@pytest.mark.parametrize("path", CHAPTERS + APPENDIX, ids=lambda p: p.name)
def test_no_literal_seeds(path):
    for cell in code_cells(load(path)):
        for line in cell.source.splitlines():
            assert not LITERAL_SEED.search(line), (
                f"{path.name}: literal seed in {line.strip()!r}; derive it from SEED"
            )


def test_literal_seed_pattern_catches_the_usual_forms():
    for bad in (
        "g = torch.Generator().manual_seed(777)",
        "rng = np.random.default_rng(2024)",
        "run = train(x, seed=12345)",
        "torch.manual_seed(0)",
    ):
        assert LITERAL_SEED.search(bad), bad
    for good in (
        "g = torch.Generator().manual_seed(SEED + 2)",
        "rng = np.random.default_rng(SEED)",
        "run = train(x, seed=SEED + r)",
        "n_seeds = 5",
    ):
        assert not LITERAL_SEED.search(good), good


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_claims_are_checked_with_assert(path):
    source = "\n".join(c.source for c in code_cells(load(path)))
    assert len(re.findall(r"^\s*assert ", source, flags=re.M)) >= 5


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_figures_have_alt_text(path):
    for cell in code_cells(load(path)):
        if (
            "plt.show()" in cell.source
            or "interactive_figure(" in cell.source.split("def ")[-1]
        ):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, (
                f"{path.name}: figure cell without alt text:\n{cell.source[:200]}"
            )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_bare_interact(path):
    for cell in code_cells(load(path)):
        assert not re.search(r"\binteract\(", cell.source), (
            "use gentheory_utils.widgets.interactive_figure"
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_exercises_have_dropdown_solutions(path):
    text = "\n".join(c.source for c in load(path).cells if c.cell_type == "markdown")
    exercises = re.findall(r"\{exercise-start\}\n:label: ([\w-]+)", text)
    solutions = re.findall(r"\{solution-start\} ([\w-]+)\n:class: dropdown", text)
    assert len(exercises) >= 3, "each chapter ends with at least three exercises"
    assert sorted(exercises) == sorted(solutions), (
        "every exercise needs a dropdown solution"
    )
    assert text.count("{exercise-end}") == len(exercises) and text.count(
        "{solution-end}"
    ) == len(solutions)


EXERCISE_HEAD = re.compile(
    r"\{exercise-start\}\n:label: ([\w-]+)\n````\n\n\*\*[^*]+\*\* "
    r"\*\((★{1,3}), (proof|code|proof and code)\)\*"
)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_six_marked_exercises_two_of_them_proofs(path):
    """Each exercise says its difficulty and kind: '**Title.** *(★★, proof)*'."""
    text = "\n".join(c.source for c in load(path).cells if c.cell_type == "markdown")
    labels = re.findall(r"\{exercise-start\}\n:label: ([\w-]+)", text)
    marked = EXERCISE_HEAD.findall(text)
    assert [m[0] for m in marked] == labels, (
        f"{path.name}: unmarked exercises "
        f"{sorted(set(labels) - {m[0] for m in marked})}; start each with "
        "'**Title.** *(★, proof)*' (★ or ★★; proof, code, or proof and code)"
    )
    assert len(labels) >= 6, f"{path.name}: {len(labels)} exercises, at least 6"
    proofs = [label for label, _, kind in marked if "proof" in kind]
    assert len(proofs) >= 2, f"{path.name}: {len(proofs)} proofs, at least 2"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_learning_goals_link_every_exercise(path):
    cells = load(path).cells
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    labels = set(re.findall(r"\{exercise-start\}\n:label: ([\w-]+)", text))
    overview = cells[1].source
    goals = overview[overview.index("**Learning goals") : overview.index("**Prereq")]
    linked = set(re.findall(r"\{ref\}`([\w-]+)`", goals))
    assert labels <= linked, (
        f"{path.name}: learning goals do not link {sorted(labels - linked)}"
    )
    assert linked <= labels, f"{path.name}: goals link unknown {linked - labels}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_rhythm(path):
    headings = [
        line
        for c in load(path).cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("#")
    ]
    titles = [h.lstrip("#").strip().lower() for h in headings]
    for needed in ("overview", "summary", "exercises"):
        assert needed in titles, f"{path.name}: missing a '{needed}' section"
    assert headings[0].startswith("# "), "the chapter opens with its title"


# That every chapter is in the TOC, the runtime table, the course guide and (by its
# modules) the API page is checked by test_chapter_registry.py.
def test_every_toc_entry_exists():
    for entry in toc_files():
        assert (ROOT / f"{entry}.ipynb").exists() or (ROOT / f"{entry}.md").exists(), (
            entry
        )


def test_citations_exist_in_bibliography():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    sources = [p.read_text(encoding="utf-8") for p in CHAPTERS] + [
        (ROOT / "intro.md").read_text(encoding="utf-8")
    ]
    cited = {
        k.strip()
        for s in sources
        for group in re.findall(r"\{cite[pt]?\}`([^`]+)`", s)
        for k in group.split(",")
    }
    assert cited, "no citations found"
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_config_executes_notebooks_strictly():
    ex = CONFIG["execute"]
    # "cache" re-executes everything because `make book` starts from an empty _build;
    # the cache only lets `make pdf` reuse those runs.
    assert ex["execute_notebooks"] in ("force", "cache")
    if ex["execute_notebooks"] == "cache":
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        recipe = makefile.split("\nbook:", 1)[1].split("\n\n", 1)[0]
        assert "rm -rf _build" in recipe.splitlines()[1], (
            "make book must start from an empty _build"
        )
    assert ex["allow_errors"] is False
    assert ex["timeout"] > 0
    exts = CONFIG["sphinx"]["extra_extensions"]
    assert "sphinx_proof" in exts and "sphinx_exercise" in exts
    assert CONFIG["launch_buttons"]["colab_url"].startswith(
        "https://colab.research.google.com"
    )
