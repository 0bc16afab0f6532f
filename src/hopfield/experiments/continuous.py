"""Experiments for the continuous-time networks of seed 001 (§1.2 and §2.1).

- ``continuous-trajectories``: trajectories and the Lyapunov energy against time (Lemma 7, Theorem 9,
  Remark 8, Theorem 12), and a non-symmetric counterexample with a limit cycle.
- ``continuous-basins``: basins of attraction of two stored patterns in the plane they span.
- ``continuous-training``: Algorithms 2 and 3 (Corollary 10) on 30 binarized digit patterns; the trained
  patterns become stable fixed points (§1.2.5); reconstruction from corrupted starts.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from hopfield import data
from hopfield._random import make_generator
from hopfield._table import markdown_table
from hopfield.continuous import ContinuousTimeHopfield
from hopfield.continuous_dense import ContinuousDenseMemory
from hopfield.experiments import Context, Report, experiment
from hopfield.functional import continuous as C

__all__ = ["basins", "training", "trajectories"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _random_symmetric(d: int, gain: float, g: torch.Generator, zero_diagonal: bool) -> Tensor:
    a = torch.randn(d, d, generator=g, dtype=torch.float64)
    w = gain * (a + a.T) / math.sqrt(2 * d)
    return C.project(w, zero_diagonal) if zero_diagonal else w


def _max_increase(e: Tensor) -> float:
    """Largest increase of the energy between consecutive time points, over all trajectories. e: (T, B)."""
    return float((e[1:] - e[:-1]).max())


# ------------------------------------------------------------------------------------------ trajectories
@experiment(
    "continuous-trajectories",
    "Continuous-time Hopfield and dense-memory trajectories, and their energies against time",
    "001 §1.2.2 (Lemma 7, Remark 8, Theorem 9), §2.1 (Theorem 12)",
)
def trajectories(ctx: Context) -> Report:
    d, b, n_t, t_end = (16, 6, 201, 15.0) if ctx.quick else (64, 16, 601, 30.0)
    g = make_generator(ctx.seed)
    t = torch.linspace(0.0, t_end, n_t, dtype=torch.float64)
    x0 = torch.rand(b, d, generator=g, dtype=torch.float64) * 2 - 1
    cases: dict[str, dict[str, Any]] = {}
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
        cases[label] = {
            "traj": traj,
            "energy": e,
            "excess": e - e_star,
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
    cases["dense memory, lse (Theorem 12)"] = {
        "traj": traj_m,
        "energy": e_m,
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

    plt = _pyplot()
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    first = cases["zero diagonal"]
    ax[0, 0].plot(t.numpy(), first["traj"][:, 0, : min(d, 12)].numpy(), lw=1)
    ax[0, 0].set(title="x_a(t), one trajectory (tanh, zero diagonal)", xlabel="t", ylabel="x_a")
    for label, style in (("zero diagonal", "-"), ("nonzero diagonal (Remark 8)", "--")):
        ax[0, 1].plot(t.numpy(), cases[label]["excess"].clamp(min=1e-16).numpy(), style, lw=1)
    ax[0, 1].set(yscale="log", title="E(t) - E(x*): solid zero diagonal, dashed nonzero", xlabel="t")
    ax[1, 0].plot(t.numpy(), e_m.numpy(), lw=1)
    ax[1, 0].set(title="dense memory (lse, beta=8): E(t) of Theorem 12", xlabel="t", ylabel="E")
    for k in range(sym_traj.shape[1]):
        ax[1, 1].plot(sym_traj[:, k, 0].numpy(), sym_traj[:, k, 1].numpy(), color="tab:blue", lw=0.8)
    for k in range(cyc.shape[1]):
        ax[1, 1].plot(cyc[:, k, 0].numpy(), cyc[:, k, 1].numpy(), color="tab:red", lw=0.8)
    ax[1, 1].set(title="d=2: symmetric W (blue) vs W=[[2,-3],[3,2]] (red)", xlabel="x1", ylabel="x2")
    ax[1, 1].set_aspect("equal")
    fig.tight_layout()

    results = {
        "dim": d,
        "trajectories": b,
        "t_end": t_end,
        "cases": {
            k: {kk: vv for kk, vv in v.items() if kk not in ("traj", "energy", "excess")}
            for k, v in cases.items()
        },
        "nonsymmetric_limit_cycle": {"min_radius_on_tail": amplitude, "final_speed": cyc_speed},
    }
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
    summary = (
        f"{b} trajectories from uniform starts in [-1, 1]^{d}, random symmetric W (gain 2), tanh, dopri5 "
        f"(rtol 1e-7, atol 1e-9), {n_t} time points to t = {t_end:g}.\n\n{table}\n\n"
        f"{verdict} (Lemma 7; Remark 8: also with a nonzero "
        "diagonal), and the closed form dE/dt = -tau sum f'(a)(da/dt)^2 of the proof matches the chain "
        "rule grad E . dx/dt (autograd) to rounding. With a non-symmetric W = [[2,-3],[3,2]], "
        "excluded by Definition 5, the "
        f"trajectory settles on a limit cycle (radius >= {amplitude:.3f} on the last 20% of t, speed "
        f"{cyc_speed:.3f} at the end): the 'limit circle' of Theorem 9 needs an asymmetric W. With W "
        "symmetric, E is a strict Lyapunov function and every trajectory tends to a fixed point, so "
        "the limit-cycle alternative of Theorem 9 never occurs."
    )
    return Report(results=results, summary=summary, figures={"trajectories": fig})


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


@experiment(
    "continuous-basins",
    "Basins of attraction of two stored patterns in the plane they span",
    "001 §1.2 (Definition 5, Theorem 9), §2.1 (Example 14)",
)
def basins(ctx: Context) -> Report:
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
    beta = 1.0
    mem = ContinuousDenseMemory(p / math.sqrt(d), beta=beta * math.sqrt(d))
    res_m = mem.retrieve(x0 / math.sqrt(d), t_max=100.0, tol=1e-6)
    lab_m = _classify(res_m.state * math.sqrt(d), p1, p2, binary=False)
    # the pattern each start overlaps most (the "nearest-pattern" partition of the plane)
    ov = x0 @ torch.stack([p1, -p1, p2, -p2]).T
    nearest = ov.argmax(dim=-1)
    names = ("+p1", "-p1", "+p2", "-p2", "other")
    frac_h = [float((lab_h == k).double().mean()) for k in range(5)]
    frac_m = [float((lab_m == k).double().mean()) for k in range(5)]
    agree_h = float((lab_h == nearest).double().mean())
    agree_m = float((lab_m == nearest)[nearest % 2 == 0].double().mean())

    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap(["tab:blue", "tab:cyan", "tab:red", "tab:orange", "lightgrey"])
    fig, ax = plt.subplots(1, 2, figsize=(11, 5))
    for a, lab, title in (
        (ax[0], lab_h, "continuous Hopfield, tanh,\nHebb W = 1.5 P^T P / d"),
        (ax[1], lab_m, f"dense memory, lse (Example 14),\nrows p_i / sqrt(d), beta = {beta:g} sqrt(d)"),
    ):
        im = a.imshow(
            lab.reshape(side, side).T.numpy(),
            origin="lower",
            extent=(-1, 1, -1, 1),
            cmap=cmap,
            vmin=0,
            vmax=4,
        )
        a.set(title=title, xlabel="c1 (start = c1 p1 + c2 p2)", ylabel="c2")
    cb = fig.colorbar(im, ax=ax, ticks=range(5))
    cb.ax.set_yticklabels(list(names))

    results = {
        "dim": d,
        "grid": side,
        "overlap_p1_p2": float(p1 @ p2 / d),
        "hopfield_fractions": dict(zip(names, frac_h, strict=True)),
        "dense_fractions": dict(zip(names, frac_m, strict=True)),
        "hopfield_converged": float(res_h.converged.double().mean()),
        "dense_converged": float(res_m.converged.double().mean()),
        "hopfield_agrees_with_nearest_pattern": agree_h,
        "dense_agrees_with_nearest_stored_pattern": agree_m,
        "hopfield_median_time": float(res_h.extras["time"].median()),
    }
    rows = [(n, fh, fm) for n, fh, fm in zip(names, frac_h, frac_m, strict=True)]
    summary = (
        f"Two random patterns p1, p2 in {{-1, 1}}^{d} (overlap {results['overlap_p1_p2']:.3f}); a "
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
    return Report(results=results, summary=summary, figures={"basins": fig})


# ------------------------------------------------------------------------------------------ training
def _digit_patterns(ctx: Context, side: int) -> tuple[Tensor, str]:
    """30 binarized patterns: the report's digit patterns (average-pooled to side x side) if a data
    folder is set, else 30 of scikit-learn's 8x8 digits (3 per class)."""
    try:
        raw, _ = data.load_digit_patterns(ctx.data_dir)
    except ValueError:
        demo, _ = data.load_demo_digits(3, ctx.seed)
        return data.binarize(demo), "scikit-learn 8x8 digits (no data folder set), 3 per class"
    img = raw.reshape(-1, 1, 32, 32)
    pooled = torch.nn.functional.adaptive_avg_pool2d(img, side).reshape(raw.shape[0], -1)
    return data.binarize(pooled), f"the 30 digit patterns of 003 §4.2, average-pooled to {side}x{side}"


_CORRUPT = {
    "flip 10%": lambda x, s: data.flip(x, 0.10, s),
    "flip 20%": lambda x, s: data.flip(x, 0.20, s),
    "flip 30%": lambda x, s: data.flip(x, 0.30, s),
    "mask 25%": lambda x, s: data.mask(x, 0.25, s),
    "mask 50%": lambda x, s: data.mask(x, 0.50, s),
}


def _evaluate(net: ContinuousTimeHopfield, x: Tensor, seed: int) -> dict[str, Any]:
    res = net.retrieve(x, t_max=200.0, tol=1e-6)
    fixed = (data.binarize(res.state) == x).all(dim=-1)
    st = net.stability(res.state, tol=1e-6)
    out: dict[str, Any] = {
        "fixed_points": int(fixed.sum()),
        "stable": int((st.stable & fixed).sum()),
        "converged": int(res.converged.sum()),
        "max_eigenvalue": float(st.max_real.max()),
        "min_abs_fixed_point": float(res.state.abs().min()),
        "max_fixed_point_error": float((res.state - x).abs().max()),
        "reconstruction": {},
        "states": {},
    }
    for name, fn in _CORRUPT.items():
        q = fn(x, seed)
        r = net.retrieve(q, t_max=200.0, tol=1e-6)
        ok = (data.binarize(r.state) == x).all(dim=-1)
        out["reconstruction"][name] = float(ok.double().mean())
        out["states"][name] = (q, r.state)
    return out


def _training_verdict(evals: dict[str, dict[str, Any]], n: int) -> str:
    """The summary's prose, written from the numbers."""
    a2, a3, hebb = evals["algorithm2"], evals["algorithm3"], evals["hebb (baseline)"]
    trained = (
        f"Algorithm 2 makes {a2['stable']}/{n} patterns stable fixed points, Algorithm 3 {a3['stable']}/{n}"
    )
    return (
        "The seed gives no numbers. Corollary 10 claims that training makes the patterns fixed points: "
        f"{trained}; Hebb's rule (gain 2) on these correlated patterns stores {hebb['fixed_points']}/{n}. "
        "§1.2.5 argues that eigenvalues approach -1 where a fixed point saturates (|x*| -> 1); the "
        "largest eigenvalue and the least saturated coordinate are in the table (the linearization "
        "argument also needs ||W|| max(1 - x*^2) small, not only x* near +-1). §1.2.5 writes "
        "f' = 1/2 (1 - f^2) for tanh: the Jacobian used here has the correct 1 - f^2 (tested against "
        "autograd). Remark 11 calls Algorithm 3 equivalent to Algorithm 2: its loss is (dt/tau)^2 times "
        "Algorithm 2's to first order in dt (tested; the figure divides it out)."
    )


@experiment(
    "continuous-training",
    "Training a continuous-time Hopfield network (Algorithms 2 and 3) on 30 binarized digit patterns",
    "001 §1.2.3 (Corollary 10, Algorithms 2 and 3), §1.2.4, §1.2.5",
)
def training(ctx: Context) -> Report:
    side = 16 if ctx.quick else 32
    x, source = _digit_patterns(ctx, side)
    n, d = x.shape
    # Adam's step moves each a = W x + b by about lr d: lr ~ 1/d keeps tanh out of wrong-sign saturation
    lr = 0.5 / d
    settings = {
        "algorithm2": {"method": "algorithm2", "epochs": 800 if ctx.quick else 3000, "lr": lr},
        "algorithm3": {"method": "algorithm3", "epochs": 500 if ctx.quick else 2000, "lr": lr, "dt": 0.5},
    }
    evals: dict[str, dict[str, Any]] = {}
    losses: dict[str, Tensor] = {}
    for name, kw in settings.items():
        net = ContinuousTimeHopfield.from_patterns(x, seed=ctx.seed, progress=ctx.progress, **kw)
        losses[name] = net.losses
        evals[name] = _evaluate(net, x, ctx.seed)
        evals[name]["final_loss"] = float(net.losses[-1])
        evals[name]["diagonal_max"] = float(net.weights.diagonal().abs().max())
        evals[name]["asymmetry_max"] = float((net.weights - net.weights.T).abs().max())
    # baseline: Hebb's rule (no training) with the same tanh dynamics
    hebb = ContinuousTimeHopfield(C.project(2.0 * x.T @ x / n))
    evals["hebb (baseline)"] = _evaluate(hebb, x, ctx.seed)

    plt = _pyplot()
    pix = round(math.sqrt(d))
    show = list(range(0, n, max(1, n // 6)))[:6]
    best = "algorithm2"
    q, r = evals[best]["states"]["flip 20%"]
    q2, r2 = evals[best]["states"]["mask 50%"]
    cols = [("stored", x), ("flip 20%", q), ("relaxed", r), ("mask 50%", q2), ("relaxed", r2)]
    fig, ax = plt.subplots(len(show), len(cols) + 1, figsize=(1.6 * (len(cols) + 1), 1.6 * len(show)))
    for i, k in enumerate(show):
        for j, (title, imgs) in enumerate(cols):
            ax[i, j].imshow(imgs[k].reshape(pix, pix).numpy(), cmap="gray_r", vmin=-1, vmax=1)
            ax[i, j].set_xticks([])
            ax[i, j].set_yticks([])
            if i == 0:
                ax[i, j].set_title(title, fontsize=8)
        ax[i, -1].axis("off")
    gs = ax[0, -1].get_gridspec()
    for a in ax[:, -1]:
        a.remove()
    lax = fig.add_subplot(gs[:, -1])
    for name, ls in losses.items():
        scale = settings[name].get("dt", 1.0) ** 2  # Algorithm 3's loss is (dt/tau)^2 Algorithm 2's
        lax.plot((ls / scale).numpy(), label=name + (" / dt^2" if "dt" in settings[name] else ""), lw=1)
    lax.set(yscale="log", title="training loss", xlabel="epoch")
    lax.legend(fontsize=7)
    fig.tight_layout()

    for e in evals.values():
        e.pop("states")
    corr = list(_CORRUPT)
    rows = [
        (
            name,
            f"{e['fixed_points']}/{n}",
            f"{e['stable']}/{n}",
            e["max_eigenvalue"],
            e["min_abs_fixed_point"],
            *(e["reconstruction"][c] for c in corr),
        )
        for name, e in evals.items()
    ]
    table = markdown_table(
        ("W from", "patterns fixed", "and stable", "max Re eig J", "min |x*|", *corr), rows
    )
    summary = (
        f"Patterns: {source} ({n} patterns, d = {d}), binarized to +-1. tanh, tau = 1; Adam; W projected "
        "onto symmetric zero-diagonal matrices after every step (Corollary 10). A pattern counts as a "
        "fixed point when relaxing from it ends at a state x* with sign(x*) equal to it (a tanh network "
        "cannot reach +-1 exactly), and as stable when every eigenvalue of the Jacobian at x* is < 0. "
        "Reconstruction: fraction of corrupted starts that relax to the right pattern (all signs).\n\n"
        f"{table}\n\n" + _training_verdict(evals, n)
    )
    results = {"patterns": source, "n_patterns": n, "dim": d, "settings": settings, "results": evals}
    return Report(results=results, summary=summary, figures={"training": fig})
