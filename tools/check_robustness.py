"""Robustness sweep: every chapter under nbval across what differs between machines.

A claim checked by an ``assert`` must hold on any reader's machine, for any
seed. Floating-point results differ from one machine to the next in more than
the seed: torch picks vectorised kernels by CPU, Intel MKL (torch's BLAS) picks
its code path by CPU model, and the thread count changes reduction orders. This
script runs each notebook under nbval in a grid of configurations over four axes:

* the seed (``GENTHEORY_SEED``, read by ``gentheory_utils.setup``);
* torch's CPU kernels: *native* (``ATEN_CPU_CAPABILITY`` unset: what this CPU
  picks), ``avx2``, or ``default`` (torch's scalar kernels);
* MKL's BLAS path: *native* (unset), ``compatible`` (``MKL_CBWR=COMPATIBLE``:
  MKL's conditional-reproducibility path, other rounding on every CPU) or
  ``avx2`` (``MKL_ENABLE_INSTRUCTIONS=AVX2``: caps MKL at AVX2, which changes the
  path on CPUs with AVX-512);
* math threads per kernel (``GENTHEORY_THREADS`` = 1 or 2: other reduction orders).

It writes ``benchmarks/results/robustness.md`` (a table, with the CPU model and
MKL's path in its footer) and ``robustness.json`` beside it (the same results,
machine-readable: the ledger of checked claims reads it).

The default is a documented subset of the full 5 x 3 x 3 x 2 grid, ``SUBSET``:
six configurations, one per seed 0-5, in which each CPU-kernel setting and each
BLAS path appears twice and two configurations use two threads. ``--full`` runs
all of it for seeds 0-4 (90 configurations). Configurations with one thread run
two at a time (one per core); two-thread configurations run alone, so kernels
never fight over the cores.

Usage: python tools/check_robustness.py [--full] [--seeds 0 1] [NOTEBOOK ...]
(``make robustness``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from threading import Semaphore

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "robustness.md"
CORES = int(os.environ.get("ROBUSTNESS_CORES", "2"))

#: torch's CPU kernels: the setting's name -> ATEN_CPU_CAPABILITY (None: unset).
CAPABILITIES = {"native": None, "avx2": "avx2", "default": "default"}
#: MKL's BLAS path: the setting's name -> the environment variables it sets.
BLAS_PATHS = {
    "native": {},
    "compatible": {"MKL_CBWR": "COMPATIBLE"},
    "avx2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2"},
}
#: Every variable an axis sets; removed from the environment first.
AXIS_VARIABLES = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS")


@dataclass(frozen=True)
class Config:
    seed: int
    capability: str  # a key of CAPABILITIES
    blas: str  # a key of BLAS_PATHS
    threads: int

    def __post_init__(self) -> None:
        if self.capability not in CAPABILITIES:
            raise ValueError(f"capability must be one of {list(CAPABILITIES)}")
        if self.blas not in BLAS_PATHS:
            raise ValueError(f"blas must be one of {list(BLAS_PATHS)}")

    @property
    def label(self) -> str:
        return (
            f"seed {self.seed}, kernels {self.capability}, "
            f"BLAS {self.blas}, {self.threads} thr"
        )

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in AXIS_VARIABLES:
            env.pop(name, None)
        if CAPABILITIES[self.capability] is not None:
            env["ATEN_CPU_CAPABILITY"] = CAPABILITIES[self.capability]
        env.update(BLAS_PATHS[self.blas])
        env["GENTHEORY_SEED"] = str(self.seed)
        env["GENTHEORY_THREADS"] = str(self.threads)
        env["OMP_NUM_THREADS"] = str(self.threads)
        env["MKL_NUM_THREADS"] = str(self.threads)
        # Idle OpenMP threads sleep instead of spinning: on a loaded machine,
        # spinning 2-thread kernels run 10x slower (numbers are unchanged).
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        return env


#: The default subset: one configuration per seed 0-5; each CPU-kernel setting
#: and each BLAS path twice, two of them with two threads.
SUBSET = [
    Config(0, "native", "native", 1),
    Config(1, "avx2", "compatible", 2),
    Config(2, "default", "avx2", 1),
    Config(3, "native", "compatible", 1),
    Config(4, "avx2", "avx2", 1),
    Config(5, "default", "native", 2),
]


def full_grid(seeds: list[int]) -> list[Config]:
    return [
        Config(s, c, b, t)
        for s in seeds
        for c in CAPABILITIES
        for b in BLAS_PATHS
        for t in (1, 2)
    ]


def mkl_path() -> str:
    """What MKL reports for this CPU (``MKL_VERBOSE``'s processor description)."""
    code = "import torch; torch.ones(64, 64) @ torch.ones(64, 64)"
    env = {k: v for k, v in os.environ.items() if k not in AXIS_VARIABLES}
    env["MKL_VERBOSE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    for line in proc.stdout.splitlines():
        match = re.search(r"architecture (.+?), Lnx", line)
        if line.startswith("MKL_VERBOSE") and match:
            return match.group(1)
    return "not reported (MKL_VERBOSE printed nothing)"


def has_avx512() -> bool:
    """Whether the CPU has AVX-512 (the ``avx512f`` flag in /proc/cpuinfo)."""
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def notebooks(paths: list[str]) -> list[Path]:
    if paths:
        return [Path(p).resolve() for p in paths]
    return sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "appendix").glob("*.ipynb")
    )


def run_one(path: Path, config: Config, timeout: int) -> tuple[bool, str, float]:
    """Run one notebook under nbval; return (passed, failing cells, seconds)."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-current-env",
        "-p",
        "no:cacheprovider",
        "-q",
        "-x",
        str(path),
    ]
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            cwd=path.parent,
            env=config.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, f"timeout after {timeout} s", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if proc.returncode == 0:
        return True, "", seconds
    failed = re.findall(r"FAILED \S*::(Cell \d+)", proc.stdout)
    detail = ", ".join(failed) or proc.stdout.strip().splitlines()[-1:][0]
    return False, detail, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: chapters + appendix")
    parser.add_argument("--full", action="store_true", help="all 90 configurations")
    parser.add_argument("--seeds", type=int, nargs="*", help="restrict to these seeds")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per run")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    configs = full_grid(list(range(5))) if args.full else list(SUBSET)
    if args.seeds is not None:
        configs = [c for c in configs if c.seed in args.seeds]
    paths = notebooks(args.notebooks)
    cores = Semaphore(CORES)
    results: dict[tuple[Path, Config], tuple[bool, str, float]] = {}

    def job(item: tuple[Path, Config]) -> None:
        path, config = item
        need = min(config.threads, CORES)
        for _ in range(need):
            cores.acquire()
        try:
            results[item] = run_one(path, config, args.timeout)
        finally:
            for _ in range(need):
                cores.release()
        ok, detail, secs = results[item]
        status = "pass" if ok else f"FAIL ({detail})"
        print(f"{path.name:32s} {config.label:50s} {status} {secs:.0f} s", flush=True)

    # Two-thread jobs first, so they are not starved behind one-thread ones.
    items = [(p, c) for c in configs for p in paths]
    items.sort(key=lambda it: -it[1].threads)
    with ThreadPoolExecutor(max_workers=CORES) as pool:
        list(pool.map(job, items))

    lines = [
        "| notebook | " + " | ".join(c.label for c in configs) + " |",
        "|---|" + "---|" * len(configs),
    ]
    for path in paths:
        cells = []
        for c in configs:
            ok, detail, secs = results[path, c]
            cells.append(f"pass ({secs:.0f} s)" if ok else f"**FAIL**: {detail}")
        lines.append(f"| {path.stem} | " + " | ".join(cells) + " |")
    n_fail = sum(not ok for ok, _, _ in results.values())
    import torch

    from gentheory_utils import seeding

    lines += [
        "",
        f"{len(results) - n_fail} of {len(results)} runs passed. Run by "
        f"`tools/check_robustness.py`{' --full' if args.full else ''} on "
        f"{dt.date.today().isoformat()}: {seeding.cpu_model()}, "
        f"{os.cpu_count()} CPU cores "
        f"(AVX-512: {'yes' if has_avx512() else 'no'}), Python "
        f"{platform.python_version()}, torch {torch.__version__}, native CPU "
        f"kernels {torch.backends.cpu.get_cpu_capability()}; MKL's native path: "
        f"{mkl_path()}. Each run is one notebook under nbval in a fresh kernel, "
        "with `GENTHEORY_SEED`, `GENTHEORY_THREADS`, `ATEN_CPU_CAPABILITY` (unset "
        "for *native*, `default` for torch's scalar kernels) and MKL's path "
        "(*compatible*: `MKL_CBWR=COMPATIBLE`; *avx2*: "
        "`MKL_ENABLE_INSTRUCTIONS=AVX2`; *native*: neither) set; the seconds "
        "include kernel start-up and, for one-thread runs, a second notebook "
        "running beside it.",
    ]
    record = {
        "date": dt.date.today().isoformat(),
        "cpu": seeding.cpu_model(),
        "configs": [asdict(c) | {"label": c.label} for c in configs],
        "runs": [
            {
                "notebook": path.stem,
                "config": c.label,
                "passed": results[path, c][0],
                "failed_cells": results[path, c][1],
                "seconds": round(results[path, c][2], 1),
            }
            for path in paths
            for c in configs
        ],
    }
    args.out.with_suffix(".json").write_text(
        json.dumps(record, indent=1) + "\n", encoding="utf-8"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if n_fail == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
