"""Benchmark: 1024 continuous-time Hopfield trajectories, d = 256, to t = 10 with dopri5 (issue 5, item 8).

Ours: one batched torchdiffeq solve (``ContinuousTimeHopfield.simulate``), error held per trajectory.
Baseline, measured in the same run: ``scipy.integrate.solve_ivp(method="RK45")`` (Dormand-Prince 5(4),
the same method) called once per trajectory with a NumPy right-hand side, the common approach. It is
timed on a subset of the trajectories and extrapolated linearly to 1024 (the calls are independent).
Also shown: a single ``solve_ivp`` call on the whole stacked ``(1024 * 256,)`` system, which is fast
but controls the error over all trajectories together (RMS), not per trajectory.

Run: ``python benchmarks/bench_continuous.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np
import torch
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median_time, section
from hopfield import ContinuousTimeHopfield
from hopfield._table import markdown_table
from hopfield.functional.continuous import project


def bench(b: int, d: int, t_end: float, subset: int, repeat: int, device: str) -> tuple[list, dict]:
    """Time one configuration; returns table rows and facts for the notes."""
    rtol, atol = 1e-7, 1e-9
    g = torch.Generator().manual_seed(0)
    a = torch.randn(d, d, generator=g, dtype=torch.float64)
    w = project(2.0 * (a + a.T) / math.sqrt(2 * d))
    bias = 0.1 * torch.randn(d, generator=g, dtype=torch.float64)
    x0 = torch.rand(b, d, generator=g, dtype=torch.float64) * 2 - 1
    net = ContinuousTimeHopfield(w.to(device), bias.to(device))
    t = torch.tensor([0.0, t_end], dtype=torch.float64)

    def ours(dtype: torch.dtype) -> torch.Tensor:
        x = x0.to(device=device, dtype=dtype)
        f64 = dtype == torch.float64
        with torch.no_grad():
            out = net.simulate(x, t.to(dtype), rtol=rtol if f64 else 1e-5, atol=atol if f64 else 1e-7)
        if device != "cpu":
            torch.cuda.synchronize()
        return out

    t_ours = median_time(lambda: ours(torch.float64), repeat=repeat)
    t_ours32 = median_time(lambda: ours(torch.float32), repeat=repeat)
    final = ours(torch.float64)[-1].cpu().numpy()
    wn, bn = w.numpy(), bias.numpy()

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        return -y + np.tanh(wn @ y + bn)

    t0 = time.perf_counter()
    sols = [
        solve_ivp(rhs, (0.0, t_end), x0[i].numpy(), method="RK45", rtol=rtol, atol=atol)
        for i in range(subset)
    ]
    t_sub = time.perf_counter() - t0
    t_scipy = t_sub * b / subset
    err = float(np.abs(np.stack([s.y[:, -1] for s in sols]) - final[:subset]).max())

    def rhs_stacked(_t: float, y: np.ndarray) -> np.ndarray:
        yy = y.reshape(b, d)
        return (-yy + np.tanh(yy @ wn.T + bn)).reshape(-1)

    t0 = time.perf_counter()
    stacked = solve_ivp(
        rhs_stacked, (0.0, t_end), x0.numpy().reshape(-1), method="RK45", rtol=rtol, atol=atol
    )
    t_stacked = time.perf_counter() - t0
    err_stacked = float(np.abs(stacked.y[:, -1].reshape(b, d) - final).max())
    cfg = f"B={b}, d={d}"
    rows = [
        (cfg, "hopfield simulate, dopri5, float64 (batched)", t_ours, t_scipy / t_ours),
        (cfg, "hopfield simulate, dopri5, float32 (batched)", t_ours32, t_scipy / t_ours32),
        (cfg, f"solve_ivp RK45 per trajectory (timed on {subset}, x{b / subset:g})", t_scipy, 1.0),
        (
            cfg,
            "solve_ivp RK45, stacked system, one call (RMS error over all)",
            t_stacked,
            t_scipy / t_stacked,
        ),
    ]
    facts = {
        "cfg": cfg,
        "t_sub": t_sub,
        "subset": subset,
        "err": err,
        "err_stacked": err_stacked,
        "nfev": float(np.mean([s.nfev for s in sols])),
    }
    return rows, facts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller scipy subset and one repeat")
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--dims", type=int, nargs="+", default=[256, 32], help="the issue's d = 256 first")
    p.add_argument("--t-end", type=float, default=10.0)
    p.add_argument("--subset", type=int, default=None, help="trajectories timed with solve_ivp")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    subset = args.subset or (8 if args.quick else 64)
    repeat = 1 if args.quick else 3
    rows, facts = [], []
    for d in args.dims:
        r, f = bench(args.batch, d, args.t_end, subset, repeat, args.device)
        rows += r
        facts.append(f)
    table = markdown_table(("config", "method", "time (s)", "speedup vs solve_ivp per trajectory"), rows)
    measured = "; ".join(
        f"{f['cfg']}: solve_ivp on {f['subset']} trajectories took {f['t_sub']:.2f} s ({f['nfev']:.0f} "
        f"evaluations each), final states differ from ours by {f['err']:.1e} "
        f"(stacked: {f['err_stacked']:.1e})"
        for f in facts
    )
    notes = (
        f"tanh, tau = 1, random symmetric W (gain 2, zero diagonal), t in [0, {args.t_end:g}], "
        f"rtol = 1e-7, atol = 1e-9 (float32 rows: 1e-5 / 1e-7), device {args.device}. The per-trajectory "
        f"solve_ivp time is measured on a subset and scaled to {args.batch} (independent calls). {measured}. "
        f"Target (issue 5): >= 20x at d = 256. Median of {repeat} run(s) for ours."
    )
    print(section("Continuous-time Hopfield: batched dopri5 vs solve_ivp per trajectory", table, notes))


if __name__ == "__main__":
    main()
