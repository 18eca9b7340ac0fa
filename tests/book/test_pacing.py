"""Pacing: each chapter states its reading and run time, in step with the facts.

A chapter's overview says "**Time.** About N minutes to read; the code runs in
about S s on one CPU core". N is the chapter's prose at 100 words a minute,
rounded to 5 minutes; S must be within 5 s or 15 % of the chapter's row in the
runtime table (``make times``). The course guide's pacing table repeats both
numbers. When a chapter grows or ``make times`` moves, this test names the
sentence to update.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from test_chapter_registry import title

from conftest import CHAPTERS, ROOT

TIME = re.compile(
    r"\*\*Time\.\*\* About (\d+) minutes to read; the code runs in about (\d+) s on"
    r"\s+one\s+CPU core"
)
WORDS_PER_MINUTE = 100


def stated(path) -> tuple[int, int]:
    overview = nbformat.read(path, as_version=4).cells[1].source
    found = TIME.findall(overview)
    assert len(found) == 1, f"{path.name}: the overview needs one '**Time.** ...' line"
    return int(found[0][0]), int(found[0][1])


def reading_minutes(path) -> int:
    cells = nbformat.read(path, as_version=4).cells[1:]  # without the macro cell
    words = sum(len(c.source.split()) for c in cells if c.cell_type == "markdown")
    return max(5, 5 * round(words / WORDS_PER_MINUTE / 5))


def measured_seconds(path) -> float:
    table = (ROOT / "benchmarks" / "results" / "notebook_times.md").read_text(
        encoding="utf-8"
    )
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1] == title(path):
            return float(cells[2])
    raise AssertionError(f"{path.name} has no row in the runtime table")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_overview_states_reading_and_run_time(path):
    minutes, seconds = stated(path)
    assert minutes == reading_minutes(path), (
        f"{path.name}: says {minutes} minutes to read, the prose is "
        f"{reading_minutes(path)} minutes at {WORDS_PER_MINUTE} words a minute"
    )
    measured = measured_seconds(path)
    assert abs(seconds - measured) <= max(5.0, 0.15 * measured), (
        f"{path.name}: says {seconds} s, the runtime table says {measured:.1f} s"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_course_guide_pacing_row_matches_the_chapter(path):
    text = (ROOT / "course.md").read_text(encoding="utf-8")
    rows = re.findall(
        rf"^\| {{doc}}`chapters/{path.stem}` \| [^|]+ \| about (\d+) min \| "
        rf"about (\d+) s \|$",
        text,
        re.M,
    )
    assert rows == [tuple(str(n) for n in stated(path))], (
        f"course.md's pacing table: the row of {path.stem} must say "
        f"'about {stated(path)[0]} min' and 'about {stated(path)[1]} s'"
    )


def test_chapter_three_gets_two_lectures_and_there_is_a_review():
    text = (ROOT / "course.md").read_text(encoding="utf-8")
    schedule = text[text.index("## Schedule") : text.index("## Pacing")]
    lectures = re.findall(r"^\| (\d+) \| (.+?) \|", schedule, re.M)
    ch3 = [n for n, what in lectures if "chapters/03_gans" in what]
    assert len(ch3) >= 2, "chapter 3 needs two lectures"
    assert any("chapters/07_diffusion" in what for _, what in lectures)
    assert "Review" in lectures[-1][1], "the last lecture is a review"
