"""Mode coverage of a learned score model on the ring and the grid, PacGAN protocol.

Chapter 7's counterpart of ``benchmarks/mode_coverage.py``, with the same
protocol: per seed (0..4 by default), 100,000 training points drawn with that
seed, a :class:`~gentheory_utils.diffusion.ScoreNet` trained with
``diffusion.RECIPES["2-D"]``, and 2,500 samples (probability-flow ODE)
scored with :func:`gentheory_utils.metrics.mode_coverage`, with the model's
40 Heun steps and with each step count of ``metrics.STEP_SWEEP`` (chapter 8
reads the fewest steps that reach a target coverage). Seconds are the wall
time of one-thread training runs, two at a time, as for the GAN rows.

Outputs (package data, so the chapter finds them on Colab too):
``gentheory_utils/_results/diffusion_coverage.json`` and ``.md``.

Usage: python benchmarks/diffusion_coverage.py [--seeds 5] [--jobs 2]
(`make bench-diffusion`). About 2 min on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gentheory_utils import data, diffusion, metrics, seeding  # noqa: E402

OUT = ROOT / "gentheory_utils" / "_results"
DATASETS = {"ring": data.ring, "grid": data.grid}


def run(job: tuple[str, int]) -> dict:
    name, seed = job
    torch.set_num_threads(1)
    mix = DATASETS[name]()
    x = mix.sample(100_000, seed=seed)
    res = diffusion.train_score_net(
        x, **diffusion.RECIPES["2-D"], seed=seed, progress=False
    )
    cov = metrics.mode_coverage(res.sample(2500, seed=seed + 1000), mix)
    cov.pop("counts")
    by_steps = metrics.coverage_by_steps(
        res.model, mix, metrics.STEP_SWEEP, seed=seed + 1000
    )
    return {
        "data": name,
        "seed": seed,
        "seconds": res.seconds,
        **cov,
        "by_steps": by_steps,
    }


def mean_se(values: list[float]) -> tuple[float, float]:
    m = sum(values) / len(values)
    var = sum((v - m) ** 2 for v in values) / max(1, len(values) - 1)
    return m, math.sqrt(var / len(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = [(name, s) for name in DATASETS for s in range(args.seeds)]
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(run, jobs))
    info = (
        f"Measured by `benchmarks/diffusion_coverage.py` on {dt.date.today()}: "
        f"{args.seeds} seeds per cell, {args.jobs} runs at once with 1 torch "
        f"thread each, {seeding.cpu_model()}, no GPU, Python "
        f"{platform.python_version()}, torch "
        f"{torch.__version__}. Recipe: {diffusion.RECIPES['2-D']}."
    )
    out = {"info": info, "recipe": diffusion.RECIPES["2-D"], "runs": runs}
    (OUT / "diffusion_coverage.json").write_text(json.dumps(out, indent=1) + "\n")
    cells = []
    for name in DATASETS:
        rows = [r for r in runs if r["data"] == name]
        modes = mean_se([r["modes"] for r in rows])
        hq = mean_se([100 * r["hq_fraction"] for r in rows])
        secs = sum(r["seconds"] for r in rows) / len(rows)
        cells += [f"{modes[0]:.1f} ± {modes[1]:.1f}", f"{hq[0]:.1f} ± {hq[1]:.1f}"]
        cells.append(f"{secs:.0f}")
        per_seed = ", ".join(f"{100 * r['hq_fraction']:.1f}" for r in rows)
        print(f"{name}: HQ % per seed {per_seed}")
    table = [
        "| model | ring modes /8 | ring HQ % | ring s | grid modes /25 | grid HQ % "
        "| grid s |",
        "|---|---|---|---|---|---|---|",
        "| learned score (ODE) | " + " | ".join(cells) + " |",
        "",
        info,
    ]
    (OUT / "diffusion_coverage.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
