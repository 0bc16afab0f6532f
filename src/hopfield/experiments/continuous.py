"""Experiments for the continuous-time networks of seed 001 (§1.2 and §2.1).

- ``continuous-trajectories``: trajectories and the Lyapunov energy against time (Lemma 7, Theorem 9,
  Remark 8, Theorem 12), and a non-symmetric counterexample with a limit cycle.
- ``continuous-basins``: basins of attraction of two stored patterns in the plane they span.

``continuous-training`` (Algorithms 2 and 3) is in :mod:`hopfield.experiments.continuous_training`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hopfield import data
from hopfield._random import make_generator
from hopfield._table import markdown_table
from hopfield.continuous import ContinuousTimeHopfield
from hopfield.continuous_dense import ContinuousDenseMemory
from hopfield.experiments import Context, register
from hopfield.functional import continuous as C
from hopfield.plotting import subplots

__all__ = [
    "basins_compute",
    "basins_plot",
    "basins_summary",
    "trajectories_compute",
    "trajectories_plot",
    "trajectories_summary",
]

#: Every PLANE_STEP-th time point of the d = 2 trajectories is kept for the figure.
PLANE_STEP = 4
#: The dense memory of the basins: rows p_i / sqrt(d), inverse temperature BASIN_BETA sqrt(d).
BASIN_BETA = 1.0
ATTRACTORS = ("+p1", "-p1", "+p2", "-p2", "other")


def _random_symmetric(d: int, gain: float, g: torch.Generator, zero_diagonal: bool) -> Tensor:
    a = torch.randn(d, d, generator=g, dtype=torch.float64)
    w = gain * (a + a.T) / math.sqrt(2 * d)
    return C.project(w, zero_diagonal) if zero_diagonal else w


def _max_increase(e: Tensor) -> float:
    """Largest increase of the energy between consecutive time points, over all trajectories. e: (T, B)."""
    return float((e[1:] - e[:-1]).max())


# ------------------------------------------------------------------------------------------ trajectories
def trajectories_compute(ctx: Context) -> dict[str, Any]:
    """Trajectories of two random symmetric networks (zero and nonzero diagonal) and of a dense memory
    from the same starts: energy increases, the closed-form dE/dt against autograd, the final speed;
    and a non-symmetric 2 x 2 network with a limit cycle. ``curves`` holds what the figure draws."""
    d, b, n_t, t_end = (16, 6, 201, 15.0) if ctx.quick else (64, 16, 601, 30.0)
    g = make_generator(ctx.seed)
    t = torch.linspace(0.0, t_end, n_t, dtype=torch.float64)
    x0 = torch.rand(b, d, generator=g, dtype=torch.float64) * 2 - 1
    cases: dict[str, dict[str, Any]] = {}
    curves: dict[str, Any] = {"t": t.tolist(), "excess": {}}
    for label, zero_diag in (("zero diagonal", True), ("nonzero diagonal (Remark 8)", False)):
        net = ContinuousTimeHopfield(_random_symmetric(d, 2.0, g, zero_diag), tau=1.0)
        traj = net.simulate(x0, t)  # (T, B, d)
        e = net.lyapunov(traj.reshape(-1, d)).reshape(n_t, b)
        rate = net.energy_rate(traj.reshape(-1, d)).reshape(n_t, b)
        # the closed form -tau sum f'(a) (da/dt)^2 against the chain rule grad E . dx/dt (autograd)
        flat = traj.reshape(-1, d).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(C.lyapunov(flat, net.weights, net.bias, net.activation).sum(), flat)
        chain = (grad * net.velocity(flat.detach())).sum(dim=-1).reshape(n_t, b)
        scale = rate.abs().max()
        e_star = net.retrieve(traj[-1], tol=1e-10, t_max=1000.0).energy  # E at the fixed point reached
        if zero_diag:
            curves["x_first"] = traj[:, 0, : min(d, 12)].tolist()
        curves["excess"][label] = (e - e_star).tolist()
        cases[label] = {
            "max_increase": _max_increase(e),
            "max_rate": float(rate.max()),
            "rate_rel_error": float((chain - rate).abs().max() / scale),
            "final_speed": float(net.velocity(traj[-1]).abs().max()),
        }
    n_mem = 4
    mem_w = torch.nn.functional.normalize(torch.randn(n_mem, d, generator=g, dtype=torch.float64), dim=-1)
    mem = ContinuousDenseMemory(mem_w, beta=8.0)
    traj_m = mem.simulate(x0, t)
    e_m = mem.energy(traj_m.reshape(-1, d)).reshape(n_t, b)
    curves["dense_energy"] = e_m.tolist()
    cases["dense memory, lse (Theorem 12)"] = {
        "max_increase": _max_increase(e_m),
        "max_rate": float("nan"),
        "rate_rel_error": float("nan"),
        "final_speed": float(mem.velocity(traj_m[-1]).abs().max()),
    }
    # Definition 5 requires W = W^T; without it a limit cycle appears (Theorem 9's "limit circle").
    t2 = torch.linspace(0.0, 40.0, 2001, dtype=torch.float64)
    cyc_w = torch.tensor([[2.0, -3.0], [3.0, 2.0]], dtype=torch.float64)
    cyc = ContinuousTimeHopfield(cyc_w).simulate(
        torch.tensor([[0.05, 0.0], [0.9, -0.9]], dtype=torch.float64), t2
    )
    sym = ContinuousTimeHopfield(torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=torch.float64))
    grid = torch.linspace(-0.9, 0.9, 5, dtype=torch.float64)
    starts = torch.cartesian_prod(grid, grid)
    sym_traj = sym.simulate(starts, t2)
    tail = cyc[-400:]
    amplitude = float(tail.norm(dim=-1).min())
    cyc_speed = float((cyc[-1] @ cyc_w.T).tanh().sub(cyc[-1]).abs().max())
    curves["plane_symmetric"] = sym_traj[::PLANE_STEP].tolist()  # (T', 25, 2)
    curves["plane_nonsymmetric"] = cyc[::PLANE_STEP].tolist()  # (T', 2, 2)
    return {
        "dim": d,
        "trajectories": b,
        "t_end": t_end,
        "time_points": n_t,
        "cases": cases,
        "nonsymmetric_limit_cycle": {"min_radius_on_tail": amplitude, "final_speed": cyc_speed},
        "curves": curves,
    }


def trajectories_plot(data: dict[str, Any]) -> dict[str, Any]:
    """x_a(t), E(t) - E(x*), the dense memory's E(t) and the d = 2 phase plane."""
    c = data["curves"]
    t = np.asarray(c["t"])
    fig, ax = subplots(2, 2, figsize=(11, 8))
    ax[0, 0].plot(t, np.asarray(c["x_first"]), lw=1)
    ax[0, 0].set(title="x_a(t), one trajectory (tanh, zero diagonal)", xlabel="t", ylabel="x_a")
    for label, style in (("zero diagonal", "-"), ("nonzero diagonal (Remark 8)", "--")):
        ax[0, 1].plot(t, np.maximum(np.asarray(c["excess"][label]), 1e-16), style, lw=1)
    ax[0, 1].set(yscale="log", title="E(t) - E(x*): solid zero diagonal, dashed nonzero", xlabel="t")
    ax[1, 0].plot(t, np.asarray(c["dense_energy"]), lw=1)
    ax[1, 0].set(title="dense memory (lse, beta=8): E(t) of Theorem 12", xlabel="t", ylabel="E")
    for traj, color in ((c["plane_symmetric"], "tab:blue"), (c["plane_nonsymmetric"], "tab:red")):
        arr = np.asarray(traj)
        for k in range(arr.shape[1]):
            ax[1, 1].plot(arr[:, k, 0], arr[:, k, 1], color=color, lw=0.8)
    ax[1, 1].set(title="d=2: symmetric W (blue) vs W=[[2,-3],[3,2]] (red)", xlabel="x1", ylabel="x2")
    ax[1, 1].set_aspect("equal")
    fig.tight_layout()
    return {"trajectories": fig}


def trajectories_summary(data: dict[str, Any]) -> str:
    cases = data["cases"]
    rows = [
        (k, "<= 0", v["max_increase"], v["max_rate"], v["rate_rel_error"], v["final_speed"])
        for k, v in cases.items()
    ]
    table = markdown_table(
        (
            "network",
            "seed: dE/dt",
            "max E increase",
            "max closed-form dE/dt",
            "rel. err. vs grad E . dx/dt",
            "final max |dx/dt|",
        ),
        rows,
    )
    worst = max(v["max_increase"] for v in cases.values())
    verdict = (
        "The energy never increases beyond solver rounding"
        if worst <= 1e-8
        else f"The energy increased by up to {worst:.3g} (beyond solver rounding: look at it)"
    )
    cycle = data["nonsymmetric_limit_cycle"]
    return (
        f"{data['trajectories']} trajectories from uniform starts in [-1, 1]^{data['dim']}, random symmetric"
        f" W (gain 2), tanh, dopri5 (rtol 1e-7, atol 1e-9), {data['time_points']} time points to"
        f" t = {data['t_end']:g}.\n\n{table}\n\n"
        f"{verdict} (Lemma 7; Remark 8: also with a nonzero "
        "diagonal), and the closed form dE/dt = -tau sum f'(a)(da/dt)^2 of the proof matches the chain "
        "rule grad E . dx/dt (autograd) to rounding. With a non-symmetric W = [[2,-3],[3,2]], "
        "excluded by Definition 5, the "
        f"trajectory settles on a limit cycle (radius >= {cycle['min_radius_on_tail']:.3f} on the last 20%"
        f" of t, speed {cycle['final_speed']:.3f} at the end): the 'limit circle' of Theorem 9 needs an"
        " asymmetric W. With W "
        "symmetric, E is a strict Lyapunov function and every trajectory tends to a fixed point, so "
        "the limit-cycle alternative of Theorem 9 never occurs."
    )


# ------------------------------------------------------------------------------------------ basins
def _classify(final: Tensor, p1: Tensor, p2: Tensor, binary: bool) -> Tensor:
    """Label each final state: 0 = +p1, 1 = -p1, 2 = +p2, 3 = -p2, 4 = other (mixture, origin)."""
    s = data.binarize(final) if binary else final
    targets = torch.stack([p1, -p1, p2, -p2])
    if binary:
        hit = (s[:, None, :] == targets[None]).all(dim=-1)  # (B, 4)
    else:
        hit = (s[:, None, :] - targets[None]).norm(dim=-1) < 0.1 * p1.norm()
    lab = torch.full((final.shape[0],), 4, dtype=torch.long)
    for k in range(4):
        lab[hit[:, k] & (lab == 4)] = k
    return lab


def basins_compute(ctx: Context) -> dict[str, Any]:
    """Relax a grid of starts c1 p1 + c2 p2 in both networks and label the attractor each one reaches
    (``labels``: one per start, c1 the slow index, codes as in :data:`ATTRACTORS`)."""
    d, side = (32, 31) if ctx.quick else (64, 101)
    g = make_generator(ctx.seed)
    p = data.binarize(torch.randn(2, d, generator=g, dtype=torch.float64))
    p1, p2 = p[0], p[1]
    s = torch.linspace(-1.0, 1.0, side, dtype=torch.float64)
    coef = torch.cartesian_prod(s, s)  # (side^2, 2): (c1, c2)
    x0 = coef @ p  # c1 p1 + c2 p2
    w_hebb = C.project(1.5 * p.T @ p / d)
    net = ContinuousTimeHopfield(w_hebb)
    res_h = net.retrieve(x0, t_max=100.0, tol=1e-6)
    lab_h = _classify(res_h.state, p1, p2, binary=True)
    mem = ContinuousDenseMemory(p / math.sqrt(d), beta=BASIN_BETA * math.sqrt(d))
    res_m = mem.retrieve(x0 / math.sqrt(d), t_max=100.0, tol=1e-6)
    lab_m = _classify(res_m.state * math.sqrt(d), p1, p2, binary=False)
    # the pattern each start overlaps most (the "nearest-pattern" partition of the plane)
    ov = x0 @ torch.stack([p1, -p1, p2, -p2]).T
    nearest = ov.argmax(dim=-1)
    frac_h = [float((lab_h == k).double().mean()) for k in range(5)]
    frac_m = [float((lab_m == k).double().mean()) for k in range(5)]
    return {
        "dim": d,
        "grid": side,
        "overlap_p1_p2": float(p1 @ p2 / d),
        "hopfield_fractions": dict(zip(ATTRACTORS, frac_h, strict=True)),
        "dense_fractions": dict(zip(ATTRACTORS, frac_m, strict=True)),
        "hopfield_converged": float(res_h.converged.double().mean()),
        "dense_converged": float(res_m.converged.double().mean()),
        "hopfield_agrees_with_nearest_pattern": float((lab_h == nearest).double().mean()),
        "dense_agrees_with_nearest_stored_pattern": float(
            (lab_m == nearest)[nearest % 2 == 0].double().mean()
        ),
        "hopfield_median_time": float(res_h.extras["time"].median()),
        "labels": {"hopfield": lab_h.tolist(), "dense": lab_m.tolist()},
    }


def basins_plot(data: dict[str, Any]) -> dict[str, Any]:
    """The two label maps over the (c1, c2) square."""
    from matplotlib.colors import ListedColormap

    side = data["grid"]
    cmap = ListedColormap(["tab:blue", "tab:cyan", "tab:red", "tab:orange", "lightgrey"])
    fig, ax = subplots(1, 2, figsize=(11, 5))
    for a, key, title in (
        (ax[0], "hopfield", "continuous Hopfield, tanh,\nHebb W = 1.5 P^T P / d"),
        (
            ax[1],
            "dense",
            f"dense memory, lse (Example 14),\nrows p_i / sqrt(d), beta = {BASIN_BETA:g} sqrt(d)",
        ),
    ):
        im = a.imshow(
            np.asarray(data["labels"][key]).reshape(side, side).T,
            origin="lower",
            extent=(-1, 1, -1, 1),
            cmap=cmap,
            vmin=0,
            vmax=4,
        )
        a.set(title=title, xlabel="c1 (start = c1 p1 + c2 p2)", ylabel="c2")
    cb = fig.colorbar(im, ax=ax, ticks=range(5))
    cb.ax.set_yticklabels(list(ATTRACTORS))
    return {"basins": fig}


def basins_summary(data: dict[str, Any]) -> str:
    d, side = data["dim"], data["grid"]
    rows = [(n, data["hopfield_fractions"][n], data["dense_fractions"][n]) for n in ATTRACTORS]
    agree_h = data["hopfield_agrees_with_nearest_pattern"]
    agree_m = data["dense_agrees_with_nearest_stored_pattern"]
    return (
        f"Two random patterns p1, p2 in {{-1, 1}}^{d} (overlap {data['overlap_p1_p2']:.3f}); a "
        f"{side}x{side} grid of starts c1 p1 + c2 p2, c in [-1, 1], each relaxed until max |dx/dt| < 1e-6."
        "\n\nFraction of the grid ending at each attractor:\n\n"
        + markdown_table(("attractor", "continuous Hopfield", "dense memory (lse)"), rows)
        + f"\n\nThe continuous Hopfield network stores each pattern with its negative (E is even in x for "
        f"b = 0), and its basins are the four quadrant wedges around the diagonals: {agree_h:.1%} of starts "
        "end at the pattern they overlap most. The lse dense memory stores +p1 and +p2 only: starts "
        f"nearest -p1 or -p2 fall to the other stored pattern or to a mixture; {agree_m:.1%} of starts "
        "whose nearest pattern is stored end at it. The seed draws no basins; this is our picture of "
        "Theorem 9 at work."
    )


register(
    "continuous-trajectories",
    "Continuous-time Hopfield and dense-memory trajectories, and their energies against time",
    "001 §1.2.2 (Lemma 7, Remark 8, Theorem 9), §2.1 (Theorem 12)",
    compute=trajectories_compute,
    plot=trajectories_plot,
    summarize=trajectories_summary,
)
register(
    "continuous-basins",
    "Basins of attraction of two stored patterns in the plane they span",
    "001 §1.2 (Definition 5, Theorem 9), §2.1 (Example 14)",
    compute=basins_compute,
    plot=basins_plot,
    summarize=basins_summary,
)
