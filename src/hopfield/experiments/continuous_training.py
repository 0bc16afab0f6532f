"""Training a continuous-time Hopfield network (seed 001 §1.2.3-§1.2.5): ``continuous-training``.

Algorithms 2 and 3 (Corollary 10) on 30 binarized digit patterns; the trained patterns become stable
fixed points (§1.2.5); reconstruction from corrupted starts, beside Hebb's rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hopfield import data
from hopfield._table import markdown_table
from hopfield.continuous import ContinuousTimeHopfield
from hopfield.experiments import Context, register
from hopfield.experiments._common import digit_patterns_or_demo
from hopfield.functional import continuous as C
from hopfield.plotting import subplots

__all__ = ["training_compute", "training_plot", "training_summary"]


def _digit_patterns(ctx: Context, side: int) -> tuple[Tensor, str]:
    """30 binarized patterns: the report's digit patterns (average-pooled to side x side) if a data
    folder is set, else 30 of scikit-learn's 8x8 digits (3 per class)."""
    raw, found = digit_patterns_or_demo(ctx.data_dir, 3, ctx.seed)
    if not found:
        return data.binarize(raw), "scikit-learn 8x8 digits (no data folder set), 3 per class"
    img = raw.reshape(-1, 1, 32, 32)
    pooled = torch.nn.functional.adaptive_avg_pool2d(img, side).reshape(raw.shape[0], -1)
    return data.binarize(pooled), f"the 30 digit patterns of 003 §4.2, average-pooled to {side}x{side}"


def _flip(fraction: float) -> Callable[[Tensor, int], Tensor]:
    return lambda x, seed: data.flip(x, fraction, seed=seed)


def _mask(fraction: float) -> Callable[[Tensor, int], Tensor]:
    return lambda x, seed: data.mask(x, fraction, seed=seed)


_CORRUPT: dict[str, Callable[[Tensor, int], Tensor]] = {
    "flip 10%": _flip(0.10),
    "flip 20%": _flip(0.20),
    "flip 30%": _flip(0.30),
    "mask 25%": _mask(0.25),
    "mask 50%": _mask(0.50),
}
#: The corruptions whose starts and relaxed states the figure shows (for Algorithm 2).
_SHOWN = ("flip 20%", "mask 50%")


def _evaluate(
    net: ContinuousTimeHopfield, x: Tensor, seed: int
) -> tuple[dict[str, Any], dict[str, tuple[Tensor, Tensor]]]:
    """Fixed points, stability and reconstruction from each corruption; also (start, relaxed) states."""
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
    }
    states = {}
    for name, fn in _CORRUPT.items():
        q = fn(x, seed)
        r = net.retrieve(q, t_max=200.0, tol=1e-6)
        ok = (data.binarize(r.state) == x).all(dim=-1)
        out["reconstruction"][name] = float(ok.double().mean())
        states[name] = (q, r.state)
    return out, states


def _losses(net: ContinuousTimeHopfield) -> Tensor:
    if net.losses is None:  # from_patterns always trains
        raise RuntimeError("the network was not trained")
    return net.losses


def training_compute(ctx: Context) -> dict[str, Any]:
    """Train with Algorithms 2 and 3 and evaluate both beside Hebb's rule; ``losses`` per epoch and
    ``examples`` (six stored patterns, their corrupted starts and relaxed states) feed the figure."""
    side = 16 if ctx.quick else 32
    x, source = _digit_patterns(ctx, side)
    n, d = x.shape
    # Adam's step moves each a = W x + b by about lr d: lr ~ 1/d keeps tanh out of wrong-sign saturation
    lr = 0.5 / d
    settings: dict[str, dict[str, Any]] = {
        "algorithm2": {"method": "algorithm2", "epochs": 800 if ctx.quick else 3000, "lr": lr},
        "algorithm3": {"method": "algorithm3", "epochs": 500 if ctx.quick else 2000, "lr": lr, "dt": 0.5},
    }
    evals: dict[str, dict[str, Any]] = {}
    losses: dict[str, list[float]] = {}
    shown: dict[str, tuple[Tensor, Tensor]] = {}
    for name, kw in settings.items():
        net = ContinuousTimeHopfield.from_patterns(x, seed=ctx.seed, progress=ctx.progress, **kw)
        loss = _losses(net)
        losses[name] = loss.tolist()
        evals[name], states = _evaluate(net, x, ctx.seed)
        if name == "algorithm2":
            shown = states
        evals[name]["final_loss"] = float(loss[-1])
        evals[name]["diagonal_max"] = float(net.weights.diagonal().abs().max())
        evals[name]["asymmetry_max"] = float((net.weights - net.weights.T).abs().max())
    # baseline: Hebb's rule (no training) with the same tanh dynamics
    hebb = ContinuousTimeHopfield(C.project(2.0 * x.T @ x / n))
    evals["hebb (baseline)"], _ = _evaluate(hebb, x, ctx.seed)
    rows = list(range(0, n, max(1, n // 6)))[:6]
    examples: dict[str, Any] = {"rows": rows, "stored": x[rows].tolist()}
    for name in _SHOWN:
        q, r = shown[name]
        examples[name] = {"start": q[rows].tolist(), "relaxed": r[rows].tolist()}
    return {
        "patterns": source,
        "n_patterns": n,
        "dim": d,
        "settings": settings,
        "results": evals,
        "losses": losses,
        "examples": examples,
    }


def training_plot(data: dict[str, Any]) -> dict[str, Any]:
    """Stored, corrupted and relaxed patterns (Algorithm 2), and the training losses."""
    ex, settings = data["examples"], data["settings"]
    pix = round(math.sqrt(data["dim"]))
    cols = [("stored", ex["stored"])]
    for name in _SHOWN:
        cols += [(name, ex[name]["start"]), ("relaxed", ex[name]["relaxed"])]
    n_rows = len(ex["rows"])
    fig, ax = subplots(n_rows, len(cols) + 1, figsize=(1.6 * (len(cols) + 1), 1.6 * n_rows))
    for i in range(n_rows):
        for j, (title, imgs) in enumerate(cols):
            ax[i, j].imshow(np.asarray(imgs[i]).reshape(pix, pix), cmap="gray_r", vmin=-1, vmax=1)
            ax[i, j].set_xticks([])
            ax[i, j].set_yticks([])
            if i == 0:
                ax[i, j].set_title(title, fontsize=8)
        ax[i, -1].axis("off")
    gs = ax[0, -1].get_gridspec()
    for a in ax[:, -1]:
        a.remove()
    lax = fig.add_subplot(gs[:, -1])
    for name, ls in data["losses"].items():
        scale = settings[name].get("dt", 1.0) ** 2  # Algorithm 3's loss is (dt/tau)^2 Algorithm 2's
        label = name + (" / dt^2" if "dt" in settings[name] else "")
        lax.plot(np.asarray(ls) / scale, label=label, lw=1)
    lax.set(yscale="log", title="training loss", xlabel="epoch")
    lax.legend(fontsize=7)
    fig.tight_layout()
    return {"training": fig}


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


def training_summary(data: dict[str, Any]) -> str:
    evals, n, d = data["results"], data["n_patterns"], data["dim"]
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
    return (
        f"Patterns: {data['patterns']} ({n} patterns, d = {d}), binarized to +-1. tanh, tau = 1; Adam; W"
        " projected onto symmetric zero-diagonal matrices after every step (Corollary 10). A pattern counts"
        " as a fixed point when relaxing from it ends at a state x* with sign(x*) equal to it (a tanh"
        " network cannot reach +-1 exactly), and as stable when every eigenvalue of the Jacobian at x* is"
        " < 0. Reconstruction: fraction of corrupted starts that relax to the right pattern (all signs)."
        f"\n\n{table}\n\n" + _training_verdict(evals, n)
    )


register(
    "continuous-training",
    "Training a continuous-time Hopfield network (Algorithms 2 and 3) on 30 binarized digit patterns",
    "001 §1.2.3 (Corollary 10, Algorithms 2 and 3), §1.2.4, §1.2.5",
    compute=training_compute,
    plot=training_plot,
    summarize=training_summary,
)
