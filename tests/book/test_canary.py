"""tools/canary.py: the report it writes reads nbval's results right."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from conftest import load_tool


def test_parse_junit_finds_the_failing_cell_and_its_error(tmp_path):
    canary = load_tool("canary")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("assert x == 2, 'boom'"),
    ]
    nbformat.write(nb, tmp_path / "bad_nb.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "good_nb.ipynb")
    junit = tmp_path / "j.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junitxml={junit}",
            "bad_nb.ipynb",
            "good_nb.ipynb",
        ],
        cwd=tmp_path,
        capture_output=True,
    )
    failures = canary.parse_junit(junit, ["bad_nb", "good_nb"])
    assert failures == {"bad_nb": ["Cell 1: AssertionError: boom"], "good_nb": []}


def test_report_marks_moved_versions_and_failures(tmp_path):
    canary = load_tool("canary")
    out = tmp_path / "canary.md"
    n_fail = canary.write_report(
        {"torch": "2.13.0+cpu", "numpy": "9.0.0"},
        {"torch": "2.13.0", "numpy": "2.4.6"},
        {"01_a": [], "02_b": ["Cell 3: ValueError: x | y"]},
        "1 failed",
        out,
    )
    text = out.read_text(encoding="utf-8")
    assert n_fail == 1
    assert "| torch | 2.13.0 | 2.13.0+cpu |" in text  # a local label is no upgrade
    assert "| numpy | 2.4.6 | 9.0.0 ⬆ |" in text
    assert "| 02_b | **FAIL**: Cell 3: ValueError: x \\| y |" in text
    assert "1 of 2 notebooks passed" in text
