"""GPU benchmark of the one-step retrieval ``softmax(beta Q X^T) X``: our path against the formula.

For any CUDA machine, in bfloat16, under 3 minutes. Prints, measured in the same run, the card's bf16
GEMM rate (8192^3 ``torch.matmul``) and its copy bandwidth (a 2 GiB device-to-device copy), then for
each shape our path (:func:`hopfield.nn.functional.hopfield_update`: the fused kernel, with split-KV
when few query blocks would leave the GPU idle) and the materialized formula:

- B = 4096 queries, N = 65,536 stored patterns, d = 64 and d = 128: FLOP rate (``4 B N d`` per
  update) against the GEMM rate (target: >= 50% at d = 128);
- B = 16, N = 4,194,304, d = 128: the patterns are read once (``N d`` bf16), bandwidth against the copy
  bandwidth (target: >= 70%; split-KV with the shared log-sum-exp merge).

``--small`` runs tiny shapes on the CPU (float32; a smoke test for CI). Run:
``python benchmarks/gpu_layers.py [--small] [--json out.json]``; record the card's name with the numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import section
from hopfield.nn.functional import hopfield_update

FULL = [(4096, 65536, 64), (4096, 65536, 128), (16, 4_194_304, 128)]
SMALL = [(64, 4096, 16), (64, 4096, 32), (4, 65536, 32)]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], Any], device: torch.device, repeat: int = 10) -> float:
    """Median seconds of ``fn()`` after two warm-up calls (synchronized)."""
    for _ in range(2):
        fn()
    _sync(device)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def gemm_rate(device: torch.device, dtype: torch.dtype, n: int) -> float:
    """FLOP/s of an ``n^3`` matrix product."""
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    return 2 * n**3 / timed(lambda: a @ b, device)


def copy_bandwidth(device: torch.device, nbytes: int) -> float:
    """Bytes/s of a device-to-device copy (read + write counted)."""
    src = torch.empty(nbytes, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    return 2 * nbytes / timed(lambda: dst.copy_(src), device)


def materialized(q: torch.Tensor, x: torch.Tensor, beta: float) -> torch.Tensor:
    """The formula with the ``(B, N)`` matrix: ``softmax(beta Q X^T) X``."""
    return torch.softmax(beta * (q @ x.T), dim=-1) @ x


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--small", action="store_true", help="tiny shapes on the CPU (smoke test)")
    p.add_argument("--json", help="also write the measurements here")
    args = p.parse_args()
    if not args.small and not torch.cuda.is_available():
        raise SystemExit("gpu_layers.py needs a CUDA device (or --small for the CPU smoke test)")
    device = torch.device("cpu" if args.small else "cuda")
    dtype = torch.float32 if args.small else torch.bfloat16
    card = "CPU (--small)" if args.small else torch.cuda.get_device_name(device)
    gemm = gemm_rate(device, dtype, 256 if args.small else 8192)
    bw = copy_bandwidth(device, (16 << 20) if args.small else (2 << 30))
    rows, records = [], []
    for b, n, d in SMALL if args.small else FULL:
        g = torch.Generator(device=device).manual_seed(0)
        q = torch.randn(b, d, device=device, dtype=dtype, generator=g)
        x = torch.randn(n, d, device=device, dtype=dtype, generator=g) / d**0.25
        beta = d**-0.5
        with torch.no_grad():
            ours = timed(lambda q=q, x=x, beta=beta: hopfield_update(q, x, x, beta), device)
            try:
                formula: float | None = timed(lambda q=q, x=x, beta=beta: materialized(q, x, beta), device)
            except torch.OutOfMemoryError:
                formula = None
        flops, nbytes = 4 * b * n * d, n * d * x.element_size()
        rec = {
            "B": b,
            "N": n,
            "d": d,
            "ours_s": ours,
            "formula_s": formula,
            "ours_flops": flops / ours,
            "ours_bytes_per_s": nbytes / ours,
        }
        records.append(rec)
        rows.append(
            f"| {b} | {n} | {d} | {ours * 1e3:.3f} | {'-' if formula is None else f'{formula * 1e3:.3f}'} | "
            f"{flops / ours / 1e12:.1f} ({flops / ours / gemm:.0%}) | "
            f"{nbytes / ours / 1e9:.0f} ({nbytes / ours / bw:.0%}) |"
        )
    header = (
        f"- card: {card}; {dtype}; GEMM rate {gemm / 1e12:.1f} TFLOP/s, "
        f"copy bandwidth {bw / 1e9:.0f} GB/s\n\n"
        "| B | N | d | ours ms | formula ms | ours TFLOP/s (of GEMM) | ours GB/s of patterns (of copy) |\n"
        "|---|---|---|---|---|---|---|"
    )
    print(
        section(
            "One-step retrieval on the GPU: fused + split-KV against the formula",
            header + "\n" + "\n".join(rows),
        )
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"card": card, "gemm_flops": gemm, "copy_bytes_per_s": bw, "rows": records}, indent=1)
        )


if __name__ == "__main__":
    main()
