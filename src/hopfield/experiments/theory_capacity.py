"""Storage capacity of the modern network against the theorems (004 Theorems B5, B7, B10, §B4.1.2):
``theory-capacity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hopfield import theory
from hopfield._table import markdown_table
from hopfield.experiments import Context, register
from hopfield.plotting import subplots

__all__ = ["capacity_compute", "capacity_plot", "capacity_summary"]


def _measured_capacity(d: int, k: float, beta: float, trials: int, p: float, seed: int, n_max: int) -> int:
    """Largest N on a x1.5 grid such that all N random patterns are stored in >= (1 - p) of the trials."""
    radius = k * math.sqrt(d - 1)
    best, n = 0, 2
    while n <= n_max:
        ok = 0
        for t in range(trials):
            x = theory.sphere_patterns(n, d, radius, seed=seed + 1009 * t + 7 * n + d)
            ok += theory.stored_patterns(x, beta, seed=seed + t).all_stored
        if ok >= math.ceil((1 - p) * trials):
            best = n
        elif best and n > 4 * best:
            break
        n = math.ceil(n * 1.5)
    return best


def capacity_compute(ctx: Context) -> dict[str, Any]:
    """Theorem B5 (and Corollary 1), Theorem B7, Theorem B10 and the classical references against d,
    with the capacity of the modern network measured by simulation (Definition B4), beta = 1, K = 3."""
    beta, k = 1.0, 3.0
    trials, p = (4, 0.25) if ctx.quick else (10, 0.2)
    dims = [4, 6, 8, 10] if ctx.quick else [4, 6, 8, 10, 12, 14, 16]
    n_max = 400 if ctx.quick else 6000
    res = []
    for d in ctx.progress(dims, desc="dimension"):
        b5 = theory.capacity_b5(beta, k, d, p)
        res.append(
            {
                "d": d,
                "measured": _measured_capacity(d, k, beta, trials, p, ctx.seed, n_max),
                "b5": b5.n_patterns if b5.valid else None,
                "b5_c": b5.c,
                "corollary1": math.sqrt(p) * b5.c_corollary ** ((d - 1) / 4) if b5.valid else None,
                "b7": theory.capacity_b7_best(beta, k, d),
                "b10_binary": theory.dense_capacity(d),
                **theory.classical_capacity(d),
            }
        )
    ex1, ex2 = theory.capacity_b5(1, 3, 20, 0.001), theory.capacity_b5(1, 1, 75, 0.001)
    return {
        "beta": beta,
        "K": k,
        "p": p,
        "trials": trials,
        "by_dimension": res,
        "b5_examples": {
            "d20_K3": ex1.c,
            "d75_K1": ex2.c,
            "seed": [3.1546, 1.3718],
            "d20_K3_corollary1": ex1.c_corollary,
            "d75_K1_corollary1": ex2.c_corollary,
        },
        "b7_min_dimension": theory.min_dimension_b7(1, 3, 2),
    }


def capacity_plot(data: dict[str, Any]) -> dict[str, Any]:
    """Measured capacity and every bound against d (log scale)."""
    res, p = data["by_dimension"], data["p"]
    fig, ax = subplots(figsize=(6.5, 4.5))
    ds = np.array([r["d"] for r in res])
    ax.plot(ds, [r["measured"] for r in res], "ko-", label="measured, modern network")
    ax.plot(ds, [r["b5"] if r["b5"] else np.nan for r in res], "s-", label=f"Theorem B5 (p={p})")
    ax.plot(ds, [r["corollary1"] if r["corollary1"] else np.nan for r in res], "^--", label="Corollary 1")
    ax.plot(ds, [r["b7"] if r["b7"] else np.nan for r in res], "v-", label="Theorem B7 (expected)")
    ax.plot(ds, [r["b10_binary"] for r in res], ":", label="Theorem B10 sup (binary dense)")
    ax.plot(ds, [r["hebb_error_tolerant"] for r in res], "--", label="0.138 d (classical)")
    ax.plot(ds, [r["one_pattern_stable"] for r in res], "--", label="d/(2 ln d)")
    ax.plot(ds, [r["all_patterns_stable"] for r in res], "--", label="d/(4 ln d)")
    ax.set_yscale("log")
    ax.set_xlabel("dimension d")
    ax.set_ylabel("number of patterns N")
    ax.set_title(f"Storage capacity, beta={data['beta']}, K={data['K']}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return {"capacity": fig}


def capacity_summary(data: dict[str, Any]) -> str:
    k, beta, p, trials, ex = data["K"], data["beta"], data["p"], data["trials"], data["b5_examples"]
    rows = [
        [
            r["d"],
            r["measured"],
            f"{r['b5']:.3g}" if r["b5"] is not None else "(23) fails",
            f"{r['b7']:.3g}",
            f"{r['b10_binary']:.3g}",
            f"{r['hebb_error_tolerant']:.3g}",
            f"{r['one_pattern_stable']:.3g}",
            f"{r['all_patterns_stable']:.3g}",
        ]
        for r in data["by_dimension"]
    ]
    return (
        f"Random patterns on the sphere of radius K sqrt(d-1), K = {k}, beta = {beta}; measured: largest N"
        f" (x1.5 grid) such that every pattern is stored (004 Definition B4, checked by simulation) in at"
        f" least {1 - p:.0%} of {trials} trials; Theorem B5 at the same failure probability p = {p}.\n\n"
        + markdown_table(
            ["d", "measured", "B5", "B7", "B10 (binary, rho=0)", "0.138 d", "d/(2 ln d)", "d/(4 ln d)"], rows
        )
        + "\n\nThe theorems are lower bounds and hold (measured >= B5 wherever B5's assumption (323) holds)."
        " The classical columns are the binary Hebbian network's capacities (004 §B4.1.2) and B10 is the"
        " binary dense network's (exp(alpha d) + 1 with alpha -> ln(2)/2): other networks, for reference.\n\n"
        + markdown_table(
            ["example after Theorem B5", "ours", "seed"],
            [
                ["c, beta=1, K=3, d=20, p=0.001", f"{ex['d20_K3']:.5f}", ">= 3.1546"],
                ["c, beta=1, K=1, d=75, p=0.001", f"{ex['d75_K1']:.5f}", ">= 1.3718"],
                ["Corollary 1, K=3, d=20", f"{ex['d20_K3_corollary1']:.5f}", ">= 3.1444"],
                ["Corollary 1, K=1, d=75", f"{ex['d75_K1_corollary1']:.5f}", ">= 1.2585"],
                [
                    "Theorem B7, beta=1, K=3, c=2: (376) holds from d =",
                    data["b7_min_dimension"],
                    "17",
                ],
            ],
        )
        + "\n\nWhere the seed is wrong: Theorem B7's example says (376) holds for d >= 17; it first holds at"
        " d = 21. Corollary 2 (eq. (366)) has the sign of its fraction wrong (it is a lower bound on the"
        " dimension of Theorem B6, not a sufficient one) and its example (beta=1, K=3, c=2, p=0.001) violates"
        " its own assumption a exp(-b) >= -1/e."
    )


register(
    "theory-capacity",
    "Storage capacity bounds against the dimension, beside measured capacities of the modern network",
    "004 Theorems B5, B7, B10, §B4.1.2",
    compute=capacity_compute,
    plot=capacity_plot,
    summarize=capacity_summary,
)
