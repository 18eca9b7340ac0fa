"""Student notebooks (tools/make_student.py): solutions out, exercises in, marked.

That the student copies execute is checked by nbval in `make test-notebooks`,
which runs them next to the chapters.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import CHAPTERS, ROOT, load_tool

make_student = load_tool("make_student")


def solution_code(nb) -> list[str]:
    """Sources of the code cells inside solution fences of a chapter."""
    inside, found = False, []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for kind in re.findall(
                r"````\{(solution-start|solution-end)\}", cell.source
            ):
                inside = kind == "solution-start"
        elif inside:
            found.append(cell.source)
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_copy_has_no_solution_and_an_answer_cell_per_exercise(path):
    nb = nbformat.read(path, as_version=4)
    student, removed = make_student.student_version(nb)
    nbformat.validate(student)
    text = "\n".join(c.source for c in student.cells)
    labels = re.findall(
        r":label: (\S+)",
        "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"),
    )
    exercises = [lab for lab in labels if "-ex-" in lab]
    assert removed == exercises and len(exercises) >= 3
    code = solution_code(nb)
    assert code, "the chapter's solutions should contain code"
    student_code = {c.source for c in student.cells if c.cell_type == "code"}
    assert not student_code & set(code), "solution code leaked into the student copy"
    assert (
        "solution-start" not in text
        and "solution-end" not in text
        and "exercise-start" not in text
    )
    answers = [
        c
        for c in student.cells
        if make_student.ANSWER_TAG in c.metadata.get("tags", [])
    ]
    assert len(answers) == 2 * len(exercises)
    for label in exercises:
        assert f"(`{label}`)" in text and f"exercise `{label}`" in text
    assert "Student version" in text
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    # Everything outside the solutions is kept: every non-solution code cell, in order.
    kept = [
        c.source for c in nb.cells if c.cell_type == "code" and c.source not in code
    ]
    assert [
        c.source
        for c in student.cells
        if c.cell_type == "code" and c.source != "# Your answer here\n"
    ] == kept


def test_unterminated_solution_is_an_error():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T"),
        nbformat.v4.new_markdown_cell(
            "````{solution-start} ex\n:class: dropdown\n````\nworked"
        ),
    ]
    with pytest.raises(ValueError, match="no matching solution-end"):
        make_student.student_version(nb)


def test_course_guide_links_every_student_copy():
    text = (ROOT / "course.md").read_text(encoding="utf-8")
    assert set(re.findall(r'href="student/([\w.]+\.ipynb)"', text)) == {
        p.name for p in CHAPTERS
    }


# ------------------------------------------------------------ committed copies

sync_macros = load_tool("sync_macros")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_committed_student_copy_is_up_to_date(path):
    committed = ROOT / "student" / path.name
    assert committed.is_file(), f"student/{path.name} is missing: run `make student`"
    fresh, _ = make_student.student_version(nbformat.read(path, as_version=4))
    assert committed.read_text(encoding="utf-8") == nbformat.writes(fresh) + "\n", (
        f"student/{path.name} is out of date with chapters/{path.name}: "
        "run `make student` and commit student/"
    )


def test_no_stray_student_copies():
    assert {p.name for p in (ROOT / "student").glob("*.ipynb")} == {
        p.name for p in CHAPTERS
    }


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_overview_links_its_student_copy_on_colab(path):
    overview = nbformat.read(path, as_version=4).cells[1].source
    line = sync_macros.student_copy_line(path.stem)
    assert line in overview, (
        f"{path.name}: the overview must end with the student-copy line; run "
        "`python tools/sync_macros.py`"
    )
    version = sync_macros.book_version()
    assert f"/blob/v{version}/student/{path.name})" in line
    assert f"(https://github.com/gentheory/gentheory/blob/v{version}/student/" in line


def test_course_guide_opens_every_student_copy_on_colab():
    text = (ROOT / "course.md").read_text(encoding="utf-8")
    version = sync_macros.book_version()
    found = set(
        re.findall(
            rf"https://colab\.research\.google\.com/github/gentheory/gentheory/blob/"
            rf"v{re.escape(version)}/student/([\w.]+\.ipynb)",
            text,
        )
    )
    assert found == {p.name for p in CHAPTERS}
