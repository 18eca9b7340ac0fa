"""Stored benchmark results: loading, errors, and that they ship in the wheel.

Colab installs the wheel, so the results must be inside it.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from gentheory_utils import results

from conftest import ROOT


def test_available_lists_the_gan_benchmark():
    assert "mode_coverage" in results.available()


def test_load_json_and_markdown_agree():
    payload = results.load_json("mode_coverage")
    table = results.load_markdown("mode_coverage")
    assert set(payload["runs"]) == set(payload["methods"])
    for method in payload["methods"]:
        assert method in table
    assert payload["info"].split(" ")[0] in table


@pytest.mark.parametrize(
    ("name", "exc", "match"),
    [
        ("nope", ValueError, "no stored result 'nope'"),
        ("", TypeError, "non-empty string"),
        (3, TypeError, "non-empty string"),
    ],
)
def test_bad_names(name, exc, match):
    with pytest.raises(exc, match=match):
        results.load_json(name)


def test_results_ship_in_the_wheel(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("gentheory_utils-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gentheory_utils/_results/mode_coverage.json" in names
    assert "gentheory_utils/_results/mode_coverage.md" in names
