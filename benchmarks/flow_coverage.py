"""Mode coverage of learned flow-matching velocities on the ring and the grid.

Chapter 8's counterpart of ``benchmarks/mode_coverage.py`` (GANs) and
``benchmarks/diffusion_coverage.py`` (the learned score), with the same
protocol: per seed (0..4 by default), 100,000 training points drawn with that
seed, a :class:`~gentheory_utils.flows.VelocityNet` trained with
``flows.RECIPES["2-D"]``, and 2,500 samples scored with
:func:`gentheory_utils.metrics.mode_coverage`, with the model's 20 Heun steps
and with each step count of ``metrics.STEP_SWEEP``. Two variants: training
times drawn uniformly (flow matching's usual choice) and drawn as chapter 7's
noise levels (``time_sampling="levels"``). Seconds are the wall time of
one-thread training runs, two at a time.

Outputs (package data, so the chapter finds them on Colab too):
``gentheory_utils/_results/flow_coverage.json`` and ``.md``.

Usage: python benchmarks/flow_coverage.py [--seeds 5] [--jobs 2]
(`make bench-flows`). About 4 min on 2 cores.
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
from gentheory_utils import data, flows, metrics, seeding  # noqa: E402

OUT = ROOT / "gentheory_utils" / "_results"
DATASETS = {"ring": data.ring, "grid": data.grid}
VARIANTS = {
    "flow matching, uniform t": "uniform",
    "flow matching, t from the noise levels": "levels",
}


def run(job: tuple[str, str, int]) -> dict:
    variant, name, seed = job
    torch.set_num_threads(1)
    mix = DATASETS[name]()
    x = mix.sample(100_000, seed=seed)
    res = flows.train_velocity_net(
        x,
        **flows.RECIPES["2-D"],
        time_sampling=VARIANTS[variant],
        seed=seed,
        progress=False,
    )
    cov = metrics.mode_coverage(res.sample(2500, seed=seed + 1000), mix)
    cov.pop("counts")
    by_steps = metrics.coverage_by_steps(
        res.model, mix, metrics.STEP_SWEEP, seed=seed + 1000
    )
    return {
        "variant": variant,
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
    jobs = [
        (v, name, s) for v in VARIANTS for name in DATASETS for s in range(args.seeds)
    ]
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(run, jobs))
    info = (
        f"Measured by `benchmarks/flow_coverage.py` on {dt.date.today()}: "
        f"{args.seeds} seeds per cell, {args.jobs} runs at once with 1 torch "
        f"thread each, {seeding.cpu_model()}, no GPU, Python "
        f"{platform.python_version()}, torch "
        f"{torch.__version__}. Recipe: {flows.RECIPES['2-D']}."
    )
    out = {"info": info, "recipe": flows.RECIPES["2-D"], "runs": runs}
    (OUT / "flow_coverage.json").write_text(json.dumps(out, indent=1) + "\n")
    table = [
        "| model | ring modes /8 | ring HQ % | ring s | grid modes /25 | grid HQ % "
        "| grid s |",
        "|---|---|---|---|---|---|---|",
    ]
    for variant in VARIANTS:
        cells = []
        for name in DATASETS:
            rows = [r for r in runs if r["data"] == name and r["variant"] == variant]
            modes = mean_se([r["modes"] for r in rows])
            hq = mean_se([100 * r["hq_fraction"] for r in rows])
            secs = sum(r["seconds"] for r in rows) / len(rows)
            cells += [f"{modes[0]:.1f} ± {modes[1]:.1f}", f"{hq[0]:.1f} ± {hq[1]:.1f}"]
            cells.append(f"{secs:.0f}")
        table.append(f"| {variant} | " + " | ".join(cells) + " |")
    table += ["", info]
    (OUT / "flow_coverage.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
