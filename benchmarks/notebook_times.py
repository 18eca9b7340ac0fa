"""Execute every chapter and record its wall-clock time and peak memory.

Writes ``benchmarks/results/notebook_times.md`` (shown on the intro page) and
``notebook_times.csv``. Each chapter runs in a fresh Python process with a fresh
kernel, from the ``chapters/`` folder, as the book build runs it; "peak memory"
is the largest resident set size of that process and its kernel.

Every kernel computes with one math thread (``GENTHEORY_THREADS=1``,
``OMP_NUM_THREADS=1``), as a Colab reader's does (two vCPUs are one physical
core), and the chapters run one after another, so nothing else competes.

Usage: python benchmarks/notebook_times.py [chapters/01_manifolds.ipynb ...]
(``make times`` runs it over every chapter).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"

RUNNER = r"""
import json, resource, sys, time
import nbformat, nbclient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute()
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kernel = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "kernel_mib": kernel / 1024,
                  "runner_mib": own / 1024}))
"""


def time_notebook(path: Path) -> dict:
    env = {
        **os.environ,
        "GENTHEORY_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, path.name],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{path} failed to execute:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def title_of(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def main(argv: list[str]) -> int:
    all_chapters = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "appendix").glob("*.ipynb")
    )
    paths = [Path(p).resolve() for p in argv] or all_chapters
    # Keep earlier measurements of chapters not re-run now (when paths are given).
    previous = {}
    if argv and (OUT / "notebook_times.csv").exists():
        with open(OUT / "notebook_times.csv", encoding="utf-8") as fh:
            previous = {
                r["chapter"]: {
                    **r,
                    **{k: float(r[k]) for k in ("seconds", "kernel_mib", "runner_mib")},
                }
                for r in csv.DictReader(fh)
            }
    for path in paths:
        res = time_notebook(path)
        previous[path.name] = {"chapter": path.name, "title": title_of(path), **res}
        print(
            f"{path.name}: {res['seconds']:.1f} s, "
            f"kernel peak {res['kernel_mib']:.0f} MiB",
            flush=True,
        )
    names = {p.name for p in all_chapters}
    rows = [previous[name] for name in sorted(previous) if name in names]
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "notebook_times.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["chapter", "title", "seconds", "kernel_mib", "runner_mib"]
        )
        writer.writeheader()
        writer.writerows(rows)
    import torch  # only for the version string

    total = sum(r["seconds"] for r in rows)
    lines = [
        "| chapter | seconds | peak memory of the kernel (MiB) |",
        "|---|---|---|",
        *[
            f"| {r['title']} | {r['seconds']:.1f} | {r['kernel_mib']:.0f} |"
            for r in rows
        ],
        f"| **whole book** | **{total:.1f}** | |",
        "",
        f"Measured by `benchmarks/notebook_times.py` on {dt.date.today().isoformat()}: "
        f"{os.cpu_count()} CPU cores, no GPU, Python {platform.python_version()}, "
        f"torch {torch.__version__}, CPU capability "
        f"{torch.backends.cpu.get_cpu_capability()}. Each chapter (and the errata "
        "appendix) runs top to bottom in a fresh kernel with **one math thread** "
        "(`GENTHEORY_THREADS=1`, as on Colab, whose two vCPUs are one physical "
        "core), one chapter at a time, default seed.",
    ]
    (OUT / "notebook_times.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'notebook_times.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
