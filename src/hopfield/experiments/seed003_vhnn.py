"""VHNN dynamics over the 30 digit patterns (003 §4.4 "A Simple Experiment"): ``seed003-vhnn``.

A VHNN (1 channel, 30 features, 1,024 neurons; 003 Listing 4.3) stores the 30 digit patterns (frozen),
beta = 0.063 and noise eta = 0.3 (the seed's values). Chains start from random states ``U(-1, 1)^1024``
and run 4,096 noisy steps ``xi <- X S``, ``S = p + diag(sqrt(p (1 - p))) eps`` (float64). After every
step we record

- which sphere ``S_i`` (radius ``R = 1 / (beta N M)``, N = 30 patterns, M the largest pattern norm;
  003 Prop. 3.4) holds the state, or none (:meth:`hopfield.nn.VHNN.sphere_index`);
- the nearest pattern and the distance to it (the state's Voronoi cell: the pattern it hovers around).

With the seed's beta the radius is R = 0.0169 while the noisy state stays several units away from every
pattern, so the sphere track is empty; the hopping the seed describes is seen in the nearest-pattern
track, and reported as such. The chains run in blocks of 256 steps with a checkpoint after each block
(state, generator, tracks) in ``ctx.work_dir``, resumed after an interruption.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from hopfield import data
from hopfield._table import markdown_table
from hopfield.experiments import Context, register
from hopfield.experiments._seed003_train import load_checkpoint, save_checkpoint
from hopfield.plotting import subplots

__all__ = ["BETA", "ETA", "compute", "plot", "summarize"]

BETA, ETA = 0.063, 0.3
BLOCK = 256


def _switches(track: torch.Tensor) -> int:
    """How often the track moves from one pattern to another (entries -1, 'in no sphere', skipped)."""
    seen = track[track >= 0]
    return int((seen[1:] != seen[:-1]).sum())


def compute(ctx: Context) -> dict[str, Any]:
    """Sphere and nearest-pattern tracks of ``chains`` VHNN chains of ``steps`` steps."""
    from hopfield.nn import VHNN

    cfg: dict[str, Any] = {
        "steps": 512 if ctx.quick else 4096,
        "chains": 2 if ctx.quick else 8,
        "beta": BETA,
        "eta": ETA,
        "start": "U(-1, 1)^1024 from the seed",
        "seed": ctx.seed,
    }
    patterns, names = data.load_digit_patterns(ctx.data_dir)
    vhnn = VHNN(
        1,
        30,
        1024,
        beta=BETA,
        eta=ETA,
        patterns=patterns.unsqueeze(0),
        train_beta=False,
        train_eta=False,
        train_patterns=False,
        dtype=torch.float64,
    )
    radius = float(1.0 / (BETA * 30 * torch.linalg.vector_norm(patterns, dim=-1).max()))
    state = load_checkpoint(ctx, "seed003-vhnn", cfg)
    g = torch.Generator().manual_seed(ctx.seed)
    t0 = time.perf_counter()
    if state is None:
        xi = (2 * torch.rand(cfg["chains"], 1, 1024, generator=g, dtype=torch.float64) - 1).contiguous()
        sphere, nearest, dist = [], [], []
        done, spent = 0, 0.0
    else:
        xi, done, spent = state["xi"], int(state["done"]), float(state["seconds"])
        g.set_state(state["generator"])
        sphere, nearest, dist = list(state["sphere"]), list(state["nearest"]), list(state["dist"])
    n_blocks = -(-cfg["steps"] // BLOCK)
    blocks = range(done // BLOCK, n_blocks)
    for b in ctx.progress(blocks, desc="seed003-vhnn", initial=done // BLOCK, total=n_blocks):
        n = min(BLOCK, cfg["steps"] - b * BLOCK)
        traj = vhnn.trajectory(xi, n, generator=g)  # (n, chains, 1, 1024)
        xi = traj[-1].clone()
        sphere.append(vhnn.sphere_index(traj)[..., 0])
        d = torch.cdist(traj[:, :, 0].reshape(-1, 1024), patterns).reshape(n, -1, 30)
        best, which = d.min(dim=-1)
        nearest.append(which)
        dist.append(best.float().mul(1e4).round().div(1e4))
        save_checkpoint(
            ctx,
            "seed003-vhnn",
            {
                "config": cfg,
                "xi": xi,
                "done": b * BLOCK + n,
                "generator": g.get_state(),
                "sphere": sphere,
                "nearest": nearest,
                "dist": dist,
                "seconds": spent + time.perf_counter() - t0,
            },
        )
    s_track, n_track, d_track = torch.cat(sphere).T, torch.cat(nearest).T, torch.cat(dist).T  # (chains, T)
    chains = []
    for c in range(cfg["chains"]):
        visits = torch.bincount(n_track[c], minlength=30)
        order = visits.argsort(descending=True)
        chains.append(
            {
                "steps_in_a_sphere": int((s_track[c] >= 0).sum()),
                "sphere_switches": _switches(s_track[c]),
                "nearest_switches": _switches(n_track[c]),
                "nearest_visits": visits.tolist(),
                "main_patterns": [names[int(i)] for i in order[:4] if visits[i] > 0],
                "main_share": float(visits[order[:2]].sum()) / n_track.shape[1],
                "median_distance": float(d_track[c].median()),
                "min_distance": float(d_track[c].min()),
            }
        )
    return {
        "config": cfg,
        "radius": radius,
        "pattern_names": names,
        "chains": chains,
        "sphere_track": s_track.tolist(),
        "nearest_track": n_track.tolist(),
        "distance_track": d_track.tolist(),
        "seconds": spent + time.perf_counter() - t0,
        "threads": torch.get_num_threads(),
    }


def plot(r: dict[str, Any]) -> dict[str, Any]:
    """The nearest pattern of each chain per step (dots in a sphere S_i marked), and the distances."""
    near = torch.tensor(r["nearest_track"])
    sphere = torch.tensor(r["sphere_track"])
    dist = torch.tensor(r["distance_track"])
    n_chains, steps = near.shape
    shown = min(n_chains, 4)
    fig, axes = subplots(shown + 1, 1, figsize=(10, 2.0 * (shown + 1)), sharex=True, squeeze=False)
    t = torch.arange(1, steps + 1)
    for c in range(shown):
        ax = axes[c, 0]
        ax.plot(t, near[c], lw=0.4, color="C0", label="nearest pattern")
        inside = sphere[c] >= 0
        if bool(inside.any()):
            ax.plot(t[inside], sphere[c][inside], ".", ms=2, color="C3", label="in sphere S_i")
        ax.set_yticks(
            range(0, 30, 3), [r["pattern_names"][i].removeprefix("pattern") for i in range(0, 30, 3)]
        )
        ax.set_ylabel(f"chain {c}")
        ax.set_ylim(-0.5, 29.5)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    axes[0, 0].set_title(
        f"VHNN, beta = {r['config']['beta']}, eta = {r['config']['eta']}: pattern visited at each step"
    )
    ax = axes[shown, 0]
    for c in range(shown):
        ax.plot(t, dist[c], lw=0.4)
    ax.axhline(r["radius"], color="k", ls="--", lw=1, label=f"sphere radius 1/(beta N M) = {r['radius']:.4f}")
    ax.set(xlabel="step", ylabel="distance to nearest", yscale="log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    visits = torch.tensor([c["nearest_visits"] for c in r["chains"]]).sum(0)
    fig2, ax2 = subplots(1, 1, figsize=(10, 3))
    ax2.bar(range(30), visits.numpy())
    ax2.set_xticks(
        range(30), [n.removeprefix("pattern") for n in r["pattern_names"]], rotation=90, fontsize=7
    )
    ax2.set(ylabel="steps nearest (all chains)", title="time spent near each pattern")
    fig2.tight_layout()
    return {"hopping": fig, "visits": fig2}


def _sphere_verdict(r: dict[str, Any]) -> str:
    inside = sum(c["steps_in_a_sphere"] for c in r["chains"])
    closest = min(c["min_distance"] for c in r["chains"]) / r["radius"]
    if inside == 0:
        return (
            f"The state is never within R of a pattern (closest approach: {closest:.0f} radii), so the"
            " sphere criterion is empty here; the hopping shows in the nearest pattern."
        )
    total = len(r["chains"]) * r["config"]["steps"]
    return f"The state is in some sphere S_i at {inside} of {total} steps."


def summarize(r: dict[str, Any]) -> str:
    """Per chain: steps in a sphere, switches, the patterns it hovers around."""
    rows = [
        [
            i,
            c["steps_in_a_sphere"],
            c["nearest_switches"],
            ", ".join(n.removeprefix("pattern") for n in c["main_patterns"]),
            f"{c['main_share']:.2f}",
            f"{c['median_distance']:.2f}",
            f"{c['min_distance']:.2f}",
        ]
        for i, c in enumerate(r["chains"])
    ]
    cfg = r["config"]
    return (
        markdown_table(
            [
                "chain",
                "steps in a sphere S_i",
                "switches of nearest pattern",
                "main patterns (digit_k)",
                "share of the top 2",
                "median distance",
                "min distance",
            ],
            rows,
        )
        + f"\n\n{cfg['chains']} chains x {cfg['steps']} steps from {cfg['start']} {cfg['seed']}; beta ="
        f" {cfg['beta']}, eta = {cfg['eta']} (the seed's values; the seed's text calls the noise 'beta ="
        f" 0.3'). Sphere radius 1/(beta N M) = {r['radius']:.4f} with N = 30 patterns. The seed: 'the VHNN"
        " works over 4 different states: for two patterns the noise does not allow an easy exit ..., while"
        " for two patterns the state jumps from one to the other'. "
        + _sphere_verdict(r)
        + " The condition of the seed (with our"
        " Delta_min = 35.19) gives beta = 0.383, not 0.0727 (see `hopfield reproduce theory-separation`)."
        f" {r['seconds']:.1f} s on {r['threads']} thread(s)."
    )


register(
    "seed003-vhnn",
    "VHNN dynamics with the 30 digit patterns: which sphere S_i / pattern the state visits",
    "003 §4.4",
    compute=compute,
    plot=plot,
    summarize=summarize,
)
