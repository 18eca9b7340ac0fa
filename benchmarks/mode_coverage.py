"""Mode coverage of GAN recipes on the ring and the grid, PacGAN protocol.

For each method and data set, trains one GAN per seed (seeds 0..4 by default)
on 100,000 training points drawn with that seed, then scores 2,500 generator
samples with :func:`gentheory_utils.metrics.mode_coverage` (modes captured,
high-quality fraction, reverse KL). Writes the mean ± standard error over seeds
and the seconds per run next to the published PacGAN-protocol rows (Lin et al.,
2018), and a sweep over the discriminator's width (seed 0).

Outputs (package data, so chapters find them on Colab too):
``gentheory_utils/_results/mode_coverage.json`` and ``mode_coverage.md``.

Usage: python benchmarks/mode_coverage.py [--seeds 5] [--threads 1] [--jobs 2]
(`make bench-gan`: two runs at once, one thread each). About 20 min on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gentheory_utils import data, gan, metrics, seeding  # noqa: E402

OUT = ROOT / "gentheory_utils" / "_results"

# The recipes live in the package, so chapter 3 trains exactly what is benchmarked.
METHODS: dict[str, gan.GANConfig] = dict(gan.RECIPES)
BEST = gan.BEST_RECIPE
WIDTHS = [16, 32, 64, 128]
DATASETS = {"ring": data.ring(), "grid": data.grid()}

# Published rows, PacGAN protocol (Lin et al., 2018, Table 1 as reproduced in
# shared/design/BENCHMARKS.md): (modes, HQ %, reverse KL) as "mean ± s.e." strings.
PUBLISHED = {
    "GAN": (
        "6.3 ± 0.5",
        "98.2 ± 0.2",
        "0.45 ± 0.09",
        "17.3 ± 0.8",
        "94.8 ± 0.7",
        "0.70 ± 0.07",
    ),
    "ALI": (
        "6.6 ± 0.3",
        "97.6 ± 0.4",
        "0.36 ± 0.04",
        "24.1 ± 0.4",
        "95.7 ± 0.6",
        "0.14 ± 0.03",
    ),
    "PacGAN2": (
        "7.9 ± 0.1",
        "95.6 ± 2.0",
        "0.07 ± 0.03",
        "23.8 ± 0.7",
        "91.3 ± 0.8",
        "0.13 ± 0.04",
    ),
    "PacGAN3": (
        "7.8 ± 0.1",
        "97.7 ± 0.3",
        "0.10 ± 0.02",
        "24.6 ± 0.4",
        "94.2 ± 0.4",
        "0.06 ± 0.02",
    ),
    "PacGAN4": (
        "7.8 ± 0.1",
        "95.9 ± 1.4",
        "0.07 ± 0.02",
        "24.8 ± 0.2",
        "93.6 ± 0.6",
        "0.04 ± 0.01",
    ),
}


def one_run(name: str, config: gan.GANConfig, seed: int, keep_samples: int = 0) -> dict:
    mixture = DATASETS[name]
    x = mixture.sample(100_000, seed)
    run = gan.train_gan(x, config, seed=seed, progress=False)
    samples = run.sample(2500, seed=10_000 + seed)
    score = metrics.mode_coverage(samples, mixture)
    out = {
        "seed": seed,
        "seconds": run.seconds,
        **{k: score[k] for k in ("modes", "hq_fraction", "reverse_kl")},
    }
    if keep_samples:
        out["samples"] = [
            [round(v, 4) for v in row] for row in samples[:keep_samples].tolist()
        ]
    return out


def split_settings(configs: dict[str, gan.GANConfig]) -> tuple[dict, dict]:
    """The settings all recipes share, and each recipe's others (JSON-ready)."""
    fields = {name: dataclasses.asdict(c) for name, c in configs.items()}
    first = next(iter(fields.values()))
    common = {k: v for k, v in first.items() if all(f[k] == v for f in fields.values())}
    methods = {
        name: {k: v for k, v in f.items() if k not in common}
        for name, f in fields.items()
    }
    return common, methods


def mean_se(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(var / n)


def fmt(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    finite = [v * scale for v in values if math.isfinite(v)]
    if not finite:
        return "n/a"
    m, s = mean_se(finite)
    note = (
        "" if len(finite) == len(values) else f" ({len(finite)} of {len(values)} runs)"
    )
    return f"{m:.{digits}f} ± {s:.{digits}f}{note}"


def table(runs: dict) -> str:
    head = (
        "| method | ring modes /8 | ring HQ % | ring rev. KL "
        "| grid modes /25 | grid HQ % | grid rev. KL "
        "| seconds per run (ring / grid) |"
    )
    lines = [head, "|" + "---|" * 8]
    for method in METHODS:
        r, g = runs[method]["ring"], runs[method]["grid"]
        cells = []
        for rs in (r, g):
            cells += [
                fmt([x["modes"] for x in rs], digits=1),
                fmt([x["hq_fraction"] for x in rs], 100, 1),
                fmt([x["reverse_kl"] for x in rs], digits=3),
            ]
        secs_r, secs_g = (mean_se([x["seconds"] for x in rs])[0] for rs in (r, g))
        secs = f"{secs_r:.0f} / {secs_g:.0f}"
        lines.append(f"| **ours:** {method} | " + " | ".join(cells) + f" | {secs} |")
    for method, cells in PUBLISHED.items():
        lines.append(
            f"| published: {method} | " + " | ".join(cells) + " | GPU, 400 epochs |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads per run (1 leaves a core free)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1/20 of the steps: checks the plumbing, not the numbers",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="runs at once, one process each (2 on 2 cores with --threads 1)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    methods = dict(METHODS)
    if args.quick:
        methods = {
            m: dataclasses.replace(c, steps=max(1, c.steps // 20))
            for m, c in methods.items()
        }
    tasks = [
        (name, config, seed, 1000 if seed == 0 else 0)
        for seed in range(args.seeds)
        for config in methods.values()
        for name in ("ring", "grid")
    ]
    tasks += [
        (name, dataclasses.replace(methods[BEST], d_width=width), 0, 1000)
        for width in WIDTHS
        for name in ("ring", "grid")
    ]
    with ProcessPoolExecutor(
        args.jobs, initializer=torch.set_num_threads, initargs=(args.threads,)
    ) as pool:
        results = list(pool.map(one_run, *zip(*tasks, strict=True)))
    runs: dict = {m: {"ring": [], "grid": []} for m in methods}
    width_sweep: dict = {"ring": [], "grid": []}
    n_main = len(tasks) - 2 * len(WIDTHS)
    by_config = {id(c): m for m, c in methods.items()}
    for (name, config, seed, _), res in zip(tasks, results, strict=True):
        label = by_config.get(id(config))
        if label is not None:
            runs[label][name].append(res)
        else:
            width_sweep[name].append({"d_width": config.d_width, **res})
        print(
            f"{label or f'width {config.d_width}':>26} {name} seed {seed}: "
            f"modes {res['modes']}, HQ {100 * res['hq_fraction']:.1f} %, "
            f"rev. KL {res['reverse_kl']:.3f}, {res['seconds']:.1f} s",
            flush=True,
        )
    assert sum(len(v) for r in runs.values() for v in r.values()) == n_main
    common, settings = split_settings(methods)
    info = ("QUICK PLUMBING RUN, NOT RESULTS. " if args.quick else "") + (
        f"Measured by `benchmarks/mode_coverage.py` on {dt.date.today().isoformat()}: "
        f"{args.seeds} seeds per cell, {seeding.cpu_model()}, "
        f"{os.cpu_count()} CPU cores with "
        f"{args.threads} torch thread(s) per run, no GPU, "
        f"Python {platform.python_version()}, torch {torch.__version__}. "
        f"Common settings: {common}; "
        + "; ".join(f"{m}: {c}" for m, c in settings.items())
        + "."
    )
    OUT.mkdir(parents=True, exist_ok=True)
    payload = {
        "info": info,
        "common": common,
        "methods": settings,
        "runs": runs,
        "width_sweep": width_sweep,
        "best": BEST,
        "published": PUBLISHED,
    }
    (OUT / "mode_coverage.json").write_text(json.dumps(payload), encoding="utf-8")
    (OUT / "mode_coverage.md").write_text(
        table(runs) + "\n\n" + info + "\n", encoding="utf-8"
    )
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
