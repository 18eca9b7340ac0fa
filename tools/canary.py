"""Canary: every chapter against the newest release of every dependency.

Readers' most common complaint about executable books is that they break when
Colab upgrades its libraries. This script builds a fresh virtual environment
(``.venv-canary``) with the newest release of every package the chapters need
(the helper package's dependencies and the notebook stack: IPython, ipykernel,
ipywidgets, nbval, pytest), upgraded eagerly so that their own dependencies are
the newest too, except torch, which stays on the book's pinned CPU wheel (an
unpinned torch pulls a multi-GB CUDA build). It installs ``gentheory-utils``
from the repository, runs every chapter and the errata appendix under nbval
from a folder outside the repository, and writes
``benchmarks/results/canary.md``: the versions it got beside the book's pins,
and each notebook's result with the first failing cell and its error.

Its result changes with the world, so it is not part of ``make test``; run it
before a release (``make canary``, about ten minutes on 2 cores).

Usage: python tools/canary.py [--venv .venv-canary] [--keep-venv]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "canary.md"
#: torch stays pinned: the CPU wheel the book is built on.
TORCH_PIN = "torch==2.13.0"
#: The notebook stack a reader's runtime provides beside the package's own
#: dependencies (read from pyproject.toml).
NOTEBOOK_STACK = ["ipykernel", "nbval", "pytest", "pytest-xdist"]
#: Rows of the version table: what the chapters import or run under.
SHOWN = [
    "torch",
    "numpy",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "ipywidgets",
    "ipython",
    "ipykernel",
    "tqdm",
    "nbval",
    "pytest",
    "jupyter-client",
    "nbformat",
]


def package_dependencies() -> list[str]:
    """Names of the helper package's dependencies, from pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    specs = re.findall(r'"([^"]+)"', block)
    return [re.split(r"[<>=!~ \[]", s, maxsplit=1)[0] for s in specs]


def pinned_versions() -> dict[str, str]:
    """The book's pins (requirements.txt), by lower-case package name."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kwargs)


def build_venv(venv: Path) -> Path:
    """A fresh venv with the newest dependencies and torch pinned; its python."""
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    run([*pip, "--upgrade", "pip"])
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(TORCH_PIN + "\n")
        constraints = f.name
    names = [n for n in package_dependencies() if n != "torch"] + NOTEBOOK_STACK
    run([*pip, TORCH_PIN])
    run(
        [
            *pip,
            "--upgrade",
            "--upgrade-strategy",
            "eager",
            "-c",
            constraints,
            *names,
        ]
    )
    run([*pip, "--no-deps", str(ROOT)])
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    return python


def installed_versions(python: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    versions = {}
    for line in out.splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            versions[name.lower().replace("_", "-")] = version
    return versions


def run_notebooks(python: Path, workdir: Path) -> tuple[dict[str, list], str]:
    """nbval over copies of the chapters; per notebook, its failing cells."""
    notebooks = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "appendix").glob("*.ipynb")
    )
    for nb in notebooks:
        shutil.copy(nb, workdir / nb.name)
    junit = workdir / "junit.xml"
    env = dict(os.environ, GENTHEORY_THREADS="1", OMP_NUM_THREADS="1")
    env["MKL_NUM_THREADS"] = "1"
    cmd = [
        str(python),
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-current-env",
        "-n",
        "2",
        "--dist",
        "loadfile",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={junit}",
        ".",
    ]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    summary = (proc.stdout.strip().splitlines() or [""])[-1]
    stems = [nb.stem for nb in notebooks]
    if not junit.exists():
        return {k: ["no result (pytest did not run)"] for k in stems}, summary
    return parse_junit(junit, stems), summary


# Colour codes, raw or as pytest's junit XML escapes them ("#x1B[31m").
ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")


def parse_junit(junit: Path, stems: list[str]) -> dict[str, list[str]]:
    """Per notebook stem, ``"Cell N: <last error line>"`` for each failing cell."""
    failures: dict[str, list[str]] = {stem: [] for stem in stems}
    for case in ET.parse(junit).getroot().iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        classname = case.get("classname", "")
        stem = next((k for k in stems if k in classname), classname)
        message = ANSI.sub("", problem.get("message") or problem.text or "").strip()
        errors = re.findall(r"^\w*(?:Error|Exception|Warning)\b.*$", message, re.M)
        last = errors[-1] if errors else (message.splitlines() or ["?"])[-1]
        failures.setdefault(stem, []).append(f"{case.get('name')}: {last}")
    return failures


def release(version: str) -> str:
    """A version without its local label: ``2.13.0+cpu`` is ``2.13.0``."""
    return version.split("+", 1)[0]


def write_report(versions, pins, failures, summary, out: Path) -> int:
    lines = [
        "| package | the book's pin | newest (canary) |",
        "|---|---|---|",
    ]
    for name in SHOWN:
        new, old = versions.get(name, "–"), pins.get(name, "–")
        mark = "" if release(new) == release(old) else " ⬆"
        lines.append(f"| {name} | {old} | {new}{mark} |")
    lines += ["", "| notebook | result |", "|---|---|"]
    n_fail = 0
    for stem, problems in failures.items():
        if problems:
            n_fail += 1
            text = "; ".join(p.replace("|", "\\|") for p in problems[:3])
            lines.append(f"| {stem} | **FAIL**: {text} |")
        else:
            lines.append(f"| {stem} | pass |")
    lines += [
        "",
        f"{len(failures) - n_fail} of {len(failures)} notebooks passed ({summary}). "
        f"Run by `tools/canary.py` (`make canary`) on {dt.date.today().isoformat()} "
        f"with Python {platform.python_version()}: every dependency at its newest "
        f"release that pip resolves for this Python, torch held at {TORCH_PIN}; "
        "⬆ marks a version newer than the book's pin. Not part of `make test`: "
        "its result changes with the world.",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return n_fail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-canary")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--keep-venv", action="store_true", help="reuse an existing canary venv"
    )
    args = parser.parse_args()
    python = args.venv / "bin" / "python"
    if not (args.keep_venv and python.exists()):
        python = build_venv(args.venv)
    versions = installed_versions(python)
    with tempfile.TemporaryDirectory(prefix="gentheory-canary-") as tmp:
        failures, summary = run_notebooks(python, Path(tmp))
    n_fail = write_report(versions, pinned_versions(), failures, summary, args.out)
    return 1 if n_fail else 0


if __name__ == "__main__":
    raise SystemExit(main())
