"""Mode coverage of GAN recipes on the ring and the grid, PacGAN protocol.

For each method and data set, trains one GAN per seed (seeds 0..4 by default)
on 100,000 training points drawn with that seed, then scores 2,500 generator
samples with :func:`gentheory_utils.metrics.mode_coverage` (modes captured,
high-quality fraction, reverse KL). Writes the mean ± standard error over seeds
and the seconds per run next to the published PacGAN-protocol rows (Lin et al.,
2018), and a sweep over the discriminator's width (seed 0).

Outputs (package data, so chapters find them on Colab too):
``gentheory_utils/_results/mode_coverage.json`` and ``mode_coverage.md``.

Usage: python benchmarks/mode_coverage.py [--seeds 5] [--threads 1]
(`make bench-gan`). Takes about half an hour on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gentheory_utils import data, gan, metrics  # noqa: E402

OUT = ROOT / "gentheory_utils" / "_results"

COMMON = dict(batch_size=256, z_dim=2, g_width=128, d_width=128, depth=3, lr=1e-3, betas=(0.5, 0.9))
METHODS = {
    "GAN (constant lr)": dict(method="gan", steps=8000, r1=0.0, lr_decay=False),
    "GAN + R1 + lr decay": dict(method="gan", steps=8000, r1=0.1, lr_decay=True),
    "PacGAN2 + R1 + lr decay": dict(method="gan", steps=8000, r1=0.1, lr_decay=True, pack_size=2),
    "WGAN-GP + lr decay": dict(method="wgan-gp", steps=4000, gp_weight=1.0, n_critic=2, lr_decay=True),
}
BEST = "GAN + R1 + lr decay"
WIDTHS = [16, 32, 64, 128]

# Published rows, PacGAN protocol (Lin et al., 2018, Table 1 as reproduced in
# shared/design/BENCHMARKS.md): (modes, HQ %, reverse KL) as "mean ± s.e." strings.
PUBLISHED = {
    "GAN": ("6.3 ± 0.5", "98.2 ± 0.2", "0.45 ± 0.09", "17.3 ± 0.8", "94.8 ± 0.7", "0.70 ± 0.07"),
    "ALI": ("6.6 ± 0.3", "97.6 ± 0.4", "0.36 ± 0.04", "24.1 ± 0.4", "95.7 ± 0.6", "0.14 ± 0.03"),
    "PacGAN2": ("7.9 ± 0.1", "95.6 ± 2.0", "0.07 ± 0.03", "23.8 ± 0.7", "91.3 ± 0.8", "0.13 ± 0.04"),
    "PacGAN3": ("7.8 ± 0.1", "97.7 ± 0.3", "0.10 ± 0.02", "24.6 ± 0.4", "94.2 ± 0.4", "0.06 ± 0.02"),
    "PacGAN4": ("7.8 ± 0.1", "95.9 ± 1.4", "0.07 ± 0.02", "24.8 ± 0.2", "93.6 ± 0.6", "0.04 ± 0.01"),
}


def dataset(name: str, seed: int):
    if name == "ring":
        return data.ring(100_000, seed=seed), data.ring_centers(), data.RING_STD
    return data.grid(100_000, seed=seed), data.grid_centers(), data.GRID_STD


def one_run(name: str, config: dict, seed: int, keep_samples: int = 0) -> dict:
    x, centers, std = dataset(name, seed)
    run = gan.train_gan(x, seed=seed, progress=False, **{**COMMON, **config})
    samples = run.sample(2500, seed=10_000 + seed)
    score = metrics.mode_coverage(samples, centers, std)
    out = {"seed": seed, "seconds": run.seconds, **{k: score[k] for k in ("modes", "hq_fraction", "reverse_kl")}}
    if keep_samples:
        out["samples"] = [[round(v, 4) for v in row] for row in samples[:keep_samples].tolist()]
    return out


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
    note = "" if len(finite) == len(values) else f" ({len(finite)} of {len(values)} runs)"
    return f"{m:.{digits}f} ± {s:.{digits}f}{note}"


def table(runs: dict) -> str:
    head = ("| method | ring modes /8 | ring HQ % | ring rev. KL | grid modes /25 | grid HQ % | grid rev. KL "
            "| seconds per run (ring / grid) |")
    lines = [head, "|" + "---|" * 8]
    for method in METHODS:
        r, g = runs[method]["ring"], runs[method]["grid"]
        cells = []
        for rs in (r, g):
            cells += [fmt([x["modes"] for x in rs], digits=1), fmt([x["hq_fraction"] for x in rs], 100, 1),
                      fmt([x["reverse_kl"] for x in rs], digits=3)]
        secs = f"{mean_se([x['seconds'] for x in r])[0]:.0f} / {mean_se([x['seconds'] for x in g])[0]:.0f}"
        lines.append(f"| **ours:** {method} | " + " | ".join(cells) + f" | {secs} |")
    for method, cells in PUBLISHED.items():
        lines.append(f"| published: {method} | " + " | ".join(cells) + " | GPU, 400 epochs |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run (1 leaves a core free)")
    parser.add_argument("--quick", action="store_true", help="1/20 of the steps: checks the plumbing, not the numbers")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:
        for config in METHODS.values():
            config["steps"] //= 20
    runs: dict = {m: {"ring": [], "grid": []} for m in METHODS}
    for seed in range(args.seeds):
        for method, config in METHODS.items():
            for name in ("ring", "grid"):
                res = one_run(name, config, seed, keep_samples=1000 if seed == 0 else 0)
                runs[method][name].append(res)
                print(f"{method:>26} {name} seed {seed}: modes {res['modes']}, HQ {100 * res['hq_fraction']:.1f} %, "
                      f"rev. KL {res['reverse_kl']:.3f}, {res['seconds']:.1f} s", flush=True)
    width_sweep = {"ring": [], "grid": []}
    for width in WIDTHS:
        for name in ("ring", "grid"):
            res = one_run(name, {**METHODS[BEST], "d_width": width}, 0, keep_samples=1000)
            width_sweep[name].append({"d_width": width, **res})
            print(f"width sweep d_width={width} {name}: modes {res['modes']}, HQ {100 * res['hq_fraction']:.1f} %", flush=True)
    info = ("QUICK PLUMBING RUN, NOT RESULTS. " if args.quick else "") + (f"Measured by `benchmarks/mode_coverage.py` on {dt.date.today().isoformat()}: {args.seeds} seeds per cell, "
            f"{os.cpu_count()} CPU cores with {args.threads} torch thread(s) per run, no GPU, "
            f"Python {platform.python_version()}, torch {torch.__version__}. Common settings: {COMMON}; "
            + "; ".join(f"{m}: {c}" for m, c in METHODS.items()) + ".")
    OUT.mkdir(parents=True, exist_ok=True)
    payload = {"info": info, "common": COMMON, "methods": {m: {k: (list(v) if isinstance(v, tuple) else v) for k, v in c.items()} for m, c in METHODS.items()},
               "runs": runs, "width_sweep": width_sweep, "best": BEST, "published": PUBLISHED}
    (OUT / "mode_coverage.json").write_text(json.dumps(payload), encoding="utf-8")
    (OUT / "mode_coverage.md").write_text(table(runs) + "\n\n" + info + "\n", encoding="utf-8")
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
