"""Benchmark results that ship with the package.

Benchmark scripts under ``benchmarks/`` write their outputs to
``gentheory_utils/_results/`` so that a chapter can show them wherever it runs
(locally, in the book build, on Colab after ``pip install``), without
re-running a half-hour benchmark. Each result names the script that made it.
"""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["available", "load_json", "load_markdown"]


def _folder():
    return resources.files("gentheory_utils") / "_results"


def available() -> list[str]:
    """Names of the stored results (file names without extension).

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    return sorted(
        {
            p.name.rsplit(".", 1)[0]
            for p in _folder().iterdir()
            if p.name.endswith((".json", ".md"))
        }
    )


def _file(name: str, suffix: str):
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    path = _folder() / f"{name}{suffix}"
    if not path.is_file():
        raise ValueError(f"no stored result {name!r}{suffix}; available: {available()}")
    return path


def load_json(name: str) -> dict:
    """The stored JSON result ``name`` (for example ``"mode_coverage"``).

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    return json.loads(_file(name, ".json").read_text(encoding="utf-8"))


def load_markdown(name: str) -> str:
    """The stored Markdown table ``name``, as text.

    Taught in Chapter 3, *GANs and mode collapse*.
    """
    return _file(name, ".md").read_text(encoding="utf-8")
