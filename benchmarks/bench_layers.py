"""Benchmark: the Hopfield layer against hflayers (same weights) and nn.MultiheadAttention (the floor).

Rows (issue 11, item 6), CPU, float32, forward (``torch.no_grad``, eval mode) and forward+backward:

- ``self-8k``: B = 1, L = S = 8192, d = 256, 4 heads (targets: >= 1.8x hflayers forward, >= 1.5x
  forward+backward, <= 1/8 of its extra memory, >= 0.95x the speed of MultiheadAttention);
- ``batch-2k``: B = 4, L = S = 2048, d = 512, 8 heads (>= 1.3x hflayers, <= 1/3 of its extra memory,
  >= 0.95x MultiheadAttention);
- ``static``: one-step retrieval, B = 1024 queries, N = 65,536 stored patterns, d = 64, no projection,
  forward only: ``Hopfield`` with every pattern static against a bare ``scaled_dot_product_attention``
  call at the same shape (>= 0.95x).

All three layers run the MultiheadAttention-equivalent configuration (no LayerNorms, one update) with
the same weights. Every case runs in a fresh process: after a warm-up call the resident-set high-water
mark is reset, and the peak extra memory of the timed calls over the process's baseline is reported
with the median time. hflayers is imported from ``../shared/anchors`` when present (else its rows are
skipped); the library never imports it.

Run: ``python benchmarks/bench_layers.py [--small] [--rows self-8k,batch-2k,static] [--repeat 5]
[--json out.json]``; prints one markdown section. ``--small`` shrinks every size (a smoke test).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import section, status_kib

ANCHORS = Path(__file__).resolve().parents[1].parent / "shared" / "anchors"
ROWS = {  # name: (B, L, S, d, heads)
    "self-8k": (1, 8192, 8192, 256, 4),
    "batch-2k": (4, 2048, 2048, 512, 8),
    "static": (1024, 1024, 65536, 64, 1),
}
SMALL = {"self-8k": (1, 256, 256, 32, 4), "batch-2k": (2, 128, 128, 64, 8), "static": (64, 64, 2048, 16, 1)}
IMPLS = {"self-8k": ("hopfield.nn", "hflayers", "MultiheadAttention"), "static": ("hopfield.nn", "bare SDPA")}
IMPLS["batch-2k"] = IMPLS["self-8k"]


def _mha_pair(d: int, heads: int) -> tuple[torch.nn.Module, Any]:
    g = torch.Generator().manual_seed(0)
    mha = torch.nn.MultiheadAttention(d, heads, batch_first=True).eval()
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(torch.randn(p.shape, generator=g) / p.shape[-1] ** 0.5)
    return mha, mha.state_dict()


def _layer(impl: str, d: int, heads: int) -> tuple[Any, bool]:
    """The module of ``impl`` with MultiheadAttention's weights; whether it takes (q, k, v)."""
    mha, sd = _mha_pair(d, heads)
    if impl == "MultiheadAttention":
        return mha, True
    off = {
        f"normalize_{w}{a}": False
        for w in ("stored_pattern", "state_pattern", "pattern_projection")
        for a in ("", "_affine")
    }
    hf_sd = {
        "association_core.in_proj_weight": sd["in_proj_weight"],
        "association_core.in_proj_bias": sd["in_proj_bias"],
        "association_core.out_proj.weight": sd["out_proj.weight"],
        "association_core.out_proj.bias": sd["out_proj.bias"],
    }
    if impl == "hflayers":
        sys.path.insert(0, str(ANCHORS))
        import hflayers

        m = hflayers.Hopfield(input_size=d, num_heads=heads, **off)
        m.load_state_dict(hf_sd)
        return m.eval(), False
    from hopfield.nn import Hopfield, load_hflayers_state_dict

    m = Hopfield(input_size=d, num_heads=heads, **off)
    load_hflayers_state_dict(m, hf_sd)
    return m.eval(), False


def _static_call(impl: str, b: int, n: int, d: int) -> Any:
    g = torch.Generator().manual_seed(0)
    q, x, beta = torch.randn(b, d, generator=g), torch.randn(n, d, generator=g), d**-0.5
    if impl == "bare SDPA":
        q4, x4 = q[None, None], x[None, None]
        return lambda: torch.nn.functional.scaled_dot_product_attention(q4, x4, x4, scale=beta)
    from hopfield.nn import Hopfield

    layer = Hopfield(
        scaling=beta,
        stored_pattern_as_static=True,
        state_pattern_as_static=True,
        pattern_projection_as_static=True,
        disable_out_projection=True,
        normalize_stored_pattern=False,
        normalize_state_pattern=False,
        normalize_pattern_projection=False,
    ).eval()
    return lambda: layer((x, q, x))


def child(row: str, impl: str, mode: str, small: bool, repeat: int) -> None:
    """Measure one case in this (fresh) process; print a JSON line."""
    b, length, s, d, heads = (SMALL if small else ROWS)[row]
    if row == "static":
        fn = _static_call(impl, b, s, d)
    else:
        layer, qkv = _layer(impl, d, heads)
        x = torch.randn(
            b, length, d, generator=torch.Generator().manual_seed(1), requires_grad=mode != "forward"
        )

        def fn() -> Any:
            out = layer(x, x, x, need_weights=False)[0] if qkv else layer(x)
            if mode != "forward":
                out.sum().backward()
                layer.zero_grad(set_to_none=True)
                x.grad = None
            return out

    with torch.set_grad_enabled(mode != "forward"):
        fn()  # warm-up at full size
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        base = status_kib("VmRSS")
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        peak = (status_kib("VmHWM") - base) / 1024
    print(json.dumps({"seconds": statistics.median(times), "extra_mib": peak}))


def measure(row: str, impl: str, mode: str, small: bool, repeat: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", row, impl, mode, "--repeat", str(repeat)] + (
        ["--small"] if small else []
    )
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--small", action="store_true", help="tiny sizes (a smoke test)")
    p.add_argument("--rows", default=",".join(ROWS), help="comma-separated subset of " + ", ".join(ROWS))
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", help="also write the measurements here")
    p.add_argument("--child", nargs=3, metavar=("ROW", "IMPL", "MODE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(*args.child, args.small, args.repeat)
        return
    have_hf = (ANCHORS / "hflayers").is_dir()
    records, lines = [], []
    for row in args.rows.split(","):
        modes = ("forward",) if row == "static" else ("forward", "forward+backward")
        for mode in modes:
            res = {}
            for impl in IMPLS[row]:
                if impl == "hflayers" and not have_hf:
                    continue
                res[impl] = measure(row, impl, mode, args.small, args.repeat)
                records.append({"row": row, "impl": impl, "mode": mode, **res[impl]})
            ours = res["hopfield.nn"]
            for impl, r in res.items():
                speed = r["seconds"] / ours["seconds"] if impl != "hopfield.nn" else 1.0
                mem = ours["extra_mib"] / r["extra_mib"] if r["extra_mib"] > 0 else float("nan")
                lines.append(
                    f"| {row} | {mode} | {impl} | {r['seconds'] * 1e3:.1f} | {r['extra_mib']:.0f} | "
                    f"{speed:.2f}x | {mem:.3f} |"
                )
    header = (
        "| row | mode | implementation | ms (median) | extra MiB | ours faster by | our memory / its |\n"
        "|---|---|---|---|---|---|---|"
    )
    sizes = ", ".join(
        f"{r}: B, L, S, d, heads = {(SMALL if args.small else ROWS)[r]}" for r in args.rows.split(",")
    )
    print(
        section(
            "Hopfield layers vs hflayers and nn.MultiheadAttention (CPU, float32)",
            header + "\n" + "\n".join(lines),
            sizes,
        )
    )
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
