"""Benchmark: one modern-Hopfield update, chunked online-lse merge vs the materialized formula.

B = 1024 queries, d = 64, N = 65,536 and 1,000,000 stored patterns, float32, CPU. Reports GFLOP/s
counting 4 B N d (two matrix products), the same run's dense GEMM rate (2048^3 ``torch.matmul``) as the
ceiling, and the peak extra memory of one update (resident-set high-water mark above the inputs,
measured in a fresh process per case). Baseline: the materialized formula ``softmax(beta Q X^T) X``,
which is what the most used Hopfield-layer package computes.

Run: ``python benchmarks/bench_modern.py`` (``--quick`` for N = 65,536 only).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import median_time, min_time, section, status_kib

B, D, BETA = 1024, 64, 1.0 / 8.0
BACKENDS = {
    "auto (ours, default)": "auto",
    "chunked (ours)": "chunked",
    "sdpa 4-d (fused kernel)": "sdpa",
    "materialized (baseline)": "materialized",
}


def _inputs(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(B, D, generator=g), torch.randn(n, D, generator=g)


def child(backend: str, n: int) -> None:
    """Print the peak extra memory (MiB) of one update, in a fresh process."""
    from hopfield.functional.modern import update

    q, x = _inputs(n)
    update(q[:2], x[:16], BETA, None, backend)  # load kernels with a tiny call
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the high-water mark
    base = status_kib("VmRSS")
    update(q, x, BETA, None, backend)
    print((status_kib("VmHWM") - base) / 1024)


def peak_extra_mib(backend: str, n: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--child", backend, str(n)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from hopfield.functional.modern import update

    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--child", nargs=2)
    args = p.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    gemm = 2 * 2048**3 / min_time(lambda: a @ b, repeat=10) / 1e9
    rows = []
    for n in (65_536,) if args.quick else (65_536, 1_000_000):
        q, x = _inputs(n)
        flops = 4 * B * n * D
        rates = {}
        for label, backend in BACKENDS.items():
            t = median_time(
                lambda b=backend, q=q, x=x: update(q, x, BETA, None, b),
                repeat=3 if n > 100_000 else 7,
                warmup=2,
            )
            rates[label] = flops / t / 1e9
            rows.append((n, label, t * 1e3, rates[label], rates[label] / gemm, peak_extra_mib(backend, n)))
        base = rates["materialized (baseline)"]
        rows = [(*r, r[3] / base) if r[0] == n and len(r) == 6 else r for r in rows]
    table = [
        "| N | method | time (ms) | GFLOP/s | / GEMM rate | peak extra memory (MiB) | speed-up vs baseline |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {n:,} | {m} | {t:.1f} | {r:.1f} | {f:.2f} | {mem:.0f} | {s:.2f}x |"
            for n, m, t, r, f, mem, s in rows
        ),
    ]
    notes = (
        f"Dense GEMM ceiling measured in the same run: {gemm:.1f} GFLOP/s (2048^3 float32 `torch.matmul`).\n"
        f"B = {B}, d = {D}, beta = {BETA}, float32, CPU; FLOPs counted as 4 B N d."
    )
    print(section("Modern Hopfield update (issue 2)", "\n".join(table), notes))


if __name__ == "__main__":
    main()
