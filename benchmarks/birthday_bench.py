"""Speed and memory of ``birthday.closest_pairs`` against its floor and baselines.

For each batch size s and dimension d, on random float32 data with a few planted
duplicates, measures in the same run:

* ``closest_pairs(x, k=20)``: seconds and peak extra memory (tracemalloc cannot
  see torch's allocator, so peak resident memory of a fresh subprocess is used);
* the floor: one ``s x s x d`` float32 matrix product ``x @ x.T``, seconds
  (in blocks of 8,192 rows when the s x s result would exceed 4 GiB);
* ``scipy.spatial.distance.pdist`` + ``argpartition`` (where it finishes within
  a minute, judged from a smaller size);
* a plain pairwise loop with a heap of the 20 closest, as in the public
  reference implementation (only for the smallest sizes).

Writes ``benchmarks/results/birthday_bench.md`` (and ``.json``; a run with a
subset of sizes replaces those rows and keeps the others). Usage:
``python benchmarks/birthday_bench.py [--sizes 1024 4096 16384 65536]
[--dims 64 784 3072]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"

WORKER = r"""
import json, resource, sys, time
import numpy as np, torch
sys.path.insert(0, sys.argv[1])
from gentheory_utils.birthday import closest_pairs
what, s, d = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
g = torch.Generator().manual_seed(0)
x = torch.randn(s, d, generator=g)
x[s // 2] = x[1]  # planted duplicates
x[s - 1] = x[7] + 1e-3
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if what == "ours":
    i, j, dist = closest_pairs(x, k=20)
    assert dist[0] == 0 and {(int(i[0]), int(j[0]))} == {(1, s // 2)}
elif what == "matmul":
    if s * s * 4 <= 2**32:
        y = x @ x.T
    else:  # the full product would not fit: the same flops in row blocks
        for a in range(0, s, 8192):
            y = x[a:a + 8192] @ x.T
            del y
elif what == "pdist":
    from scipy.spatial.distance import pdist
    dd = pdist(x.numpy())
    idx = np.argpartition(dd, 20)[:20]
elif what == "loop":
    import heapq
    xs = x.numpy()
    heap = []
    for a in range(s):
        for b in range(a + 1, s):
            dab = float(np.sqrt(((xs[a] - xs[b]) ** 2).sum()))
            if len(heap) < 20:
                heapq.heappush(heap, (-dab, a, b))
            elif -heap[0][0] > dab:
                heapq.heapreplace(heap, (-dab, a, b))
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
extra = (peak - base) / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak / 1024, "extra_mib": extra}))
"""


def measure(what: str, s: int, d: int, timeout: float) -> dict | None:
    try:
        out = subprocess.run(
            [sys.executable, "-c", WORKER, str(ROOT), what, str(s), str(d)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1024, 4096, 16384, 65536]
    )
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 784, 3072])
    parser.add_argument(
        "--baseline-limit",
        type=float,
        default=60.0,
        help="seconds allowed to a baseline run",
    )
    parser.add_argument(
        "--keep-baselines",
        action="store_true",
        help="re-measure ours and the floor only; keep the stored baselines of the row",
    )
    args = parser.parse_args()
    # Rows from earlier runs, so that one row can be re-measured.
    store = OUT / "birthday_bench.json"
    rows = (
        {(r["s"], r["d"]): r for r in json.loads(store.read_text())}
        if store.exists()
        else {}
    )
    for d in args.dims:
        slow = {"pdist": False, "loop": False}
        for s in args.sizes:
            ours = measure("ours", s, d, timeout=3600)
            floor = measure("matmul", s, d, timeout=3600)
            row = {
                "s": s,
                "d": d,
                "ours_s": ours["seconds"],
                "ours_peak_mib": ours["peak_mib"],
                "floor_s": floor["seconds"],
                "ratio": ours["seconds"] / floor["seconds"],
                "date": dt.date.today().isoformat(),
            }
            for base in ("pdist", "loop"):
                if args.keep_baselines and (s, d) in rows:
                    row[f"{base}_s"] = rows[s, d].get(f"{base}_s")
                    continue
                res = (
                    None
                    if slow[base]
                    else measure(base, s, d, timeout=args.baseline_limit)
                )
                slow[base] = slow[base] or res is None
                row[f"{base}_s"] = None if res is None else res["seconds"]
            rows[s, d] = row
            print(row, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    store.write_text(
        json.dumps(sorted(rows.values(), key=lambda r: (r["d"], r["s"])), indent=1)
        + "\n"
    )
    rows = sorted(rows.values(), key=lambda r: (r["d"], r["s"]))

    def fmt(v: float | None) -> str:
        return "> limit" if v is None else f"{v:.2f}"

    lines = [
        "| s | d | closest_pairs (s) | matrix-product floor (s) | ratio "
        "| peak memory (MiB) | pdist + argpartition (s) | pairwise loop + heap (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['s']:,} | {r['d']} | {r['ours_s']:.2f} | {r['floor_s']:.2f} "
            f"| {r['ratio']:.2f} | {r['ours_peak_mib']:.0f} | {fmt(r['pdist_s'])} "
            f"| {fmt(r['loop_s'])} |"
        )
    import torch

    lines += [
        "",
        f"Measured by `benchmarks/birthday_bench.py` on {dt.date.today().isoformat()}: "
        f"{os.cpu_count()} CPU cores, {torch.get_num_threads()} torch thread(s), "
        f"Python {platform.python_version()}, "
        f"torch {torch.__version__}, float32 data. Peak memory is the whole "
        "process's resident set (data included); the floor is computed in blocks "
        "of 8,192 rows when the s x s result would exceed 4 GiB (s = 65,536). "
        "'> limit': a baseline skipped after it exceeded "
        f"{args.baseline_limit:.0f} s at a smaller size or timed out.",
    ]
    (OUT / "birthday_bench.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
