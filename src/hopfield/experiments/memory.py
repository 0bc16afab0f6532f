"""Experiments of the sequential memory (004 §B2.7): forgetting (eqs. (442)-(449)) and the infinite
memory's growth (eqs. (429)-(441)), both with :class:`hopfield.Memory`."""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import torch

from hopfield._table import markdown_table
from hopfield.experiments import Context, register
from hopfield.memory import Memory
from hopfield.plotting import subplots

__all__ = ["forgetting_compute", "forgetting_plot", "growth_compute", "growth_plot"]

D, BETA, NOISE = 32, 20.0, 0.3
AGE_BINS = [0, 10, 30, 100, 300, 1000, 3000]


def _stream(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random unit patterns and a noisy query of each (noise of norm ~NOISE)."""
    x = torch.randn(n, D, generator=g)
    x /= torch.linalg.vector_norm(x, dim=1, keepdim=True)
    return x, x + NOISE * torch.randn(n, D, generator=g) / math.sqrt(D)


# ----------------------------------------------------------------------------------------- forgetting
def forgetting_compute(ctx: Context) -> dict[str, Any]:
    """Stream T patterns (one per time step) into memories with several gamma; query a noisy copy of
    every pattern and count it recalled when the retrieval's largest weight is on it. By eq. (446)
    pattern j loses to a recent rival once ``gamma (t - j) > beta Delta_j`` (``Delta_j`` its margin
    over the others): the age ``beta mean(Delta) / gamma`` is drawn beside the measurement."""
    g = torch.Generator().manual_seed(ctx.seed)
    t_len = 600 if ctx.quick else 3000
    x, q = _stream(t_len, g)
    scores = q @ x.T  # (T, T), small
    own = scores.diagonal().clone()
    scores.fill_diagonal_(-math.inf)
    margin = own - scores.amax(dim=1)  # Delta_j
    ages = (t_len - 1 - torch.arange(t_len)).numpy()
    gammas = [0.0, 0.005, 0.02, 0.1]
    curves = {}
    for gamma in ctx.progress(gammas, desc="gamma"):
        mem = Memory(D, BETA, gamma)
        for a in range(0, t_len, 100):  # arriving over time
            mem.add(x[a : a + 100])
        recalled = (mem.retrieve(q, topk=1).topk_indices[:, 0] == torch.arange(t_len)).numpy()
        bins = [(a, b) for a, b in itertools.pairwise(AGE_BINS) if a < t_len]
        curves[str(gamma)] = {
            "bins": bins,
            "recall": [float(recalled[(ages >= a) & (ages < b)].mean()) for a, b in bins],
            "predicted_age": BETA * float(margin.mean()) / gamma if gamma > 0 else None,
        }
    return {
        "T": t_len,
        "dim": D,
        "beta": BETA,
        "noise": NOISE,
        "mean_margin": float(margin.mean()),
        "gamma": curves,
    }


def forgetting_plot(data: dict[str, Any]) -> dict[str, Any]:
    fig, ax = subplots(figsize=(6, 4))
    for i, (gamma, c) in enumerate(data["gamma"].items()):
        mid = [math.sqrt(max(a, 1) * b) for a, b in c["bins"]]
        ax.plot(mid, c["recall"], "o-", color=f"C{i}", label=f"gamma = {gamma}")
        if c["predicted_age"] is not None and c["predicted_age"] < data["T"]:
            ax.axvline(c["predicted_age"], color=f"C{i}", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("age t - i of the queried pattern (time steps)")
    ax.set_ylabel("recall (largest weight on the pattern)")
    ax.set_title(f"Forgetting memory, eq. (446): T={data['T']}, d={data['dim']}, beta={data['beta']}")
    ax.legend(fontsize=7, title="dashed: age beta mean(Delta) / gamma", title_fontsize=7)
    return {"forgetting-recall": fig}


def forgetting_summary(data: dict[str, Any]) -> str:
    first = next(iter(data["gamma"].values()))
    headers = ["gamma"] + [f"age {a}-{b - 1}" for a, b in first["bins"]] + ["beta mean(Delta) / gamma"]
    rows = [
        [
            g,
            *(f"{r:.2f}" for r in c["recall"]),
            "inf" if c["predicted_age"] is None else f"{c['predicted_age']:.0f}",
        ]
        for g, c in data["gamma"].items()
    ]
    return (
        f"Recall of a noisy pattern by its age after a stream of {data['T']} patterns "
        f"(d={data['dim']}, beta={data['beta']}, mean margin Delta={data['mean_margin']:.3f}).\n\n"
        + markdown_table(headers, rows)
        + "\n\nSeed (004 §B2.7.2): old patterns are forgotten at rate gamma. Ours: recall falls around"
        " the age where gamma (t - i) reaches beta Delta, the margin of a pattern's logit over a recent"
        " rival's in eq. (446); gamma = 0 (the infinite memory) forgets nothing. Note on the seed:"
        " eq. (444)'s lse(beta, X^T xi - gamma a) would multiply gamma by beta; eqs. (445)-(446)"
        " (used here) do not; eqs. (447) and (449) drop"
        " the forgetting term from p_t, contradicting eq. (446) (docs/memory.md)."
    )


# ------------------------------------------------------------------------------------------- growth
def growth_compute(ctx: Context) -> dict[str, Any]:
    """Grow one infinite memory (gamma = 0, §B2.7.1) and, at each size N, query noisy copies of 200
    stored patterns (the first one included): recall, the largest competing overlap (which grows like
    sqrt(2 ln N / d) for random patterns, Gaussian extreme values) and the time of one retrieval."""
    g = torch.Generator().manual_seed(ctx.seed)
    sizes = [100, 1000, 10_000] + ([] if ctx.quick else [100_000, 300_000])
    x, q = _stream(sizes[-1], g)
    mem = Memory(D, BETA)
    rows = []
    for n in ctx.progress(sizes, desc="N"):
        mem.add(x[mem.count : n])
        pick = torch.cat([torch.zeros(1, dtype=torch.long), torch.randint(1, n, (199,), generator=g)])
        t0 = time.perf_counter()
        res = mem.retrieve(q[pick], topk=2)
        elapsed = time.perf_counter() - t0
        hit = res.topk_indices[:, 0] == pick
        own = (q[pick] * x[pick]).sum(1)
        rival = torch.where(hit, res.topk_indices[:, 1], res.topk_indices[:, 0])
        overlap = (q[pick] * x[rival]).sum(1)
        rows.append(
            {
                "N": n,
                "recall": float(hit.float().mean()),
                "first_recalled": bool(hit[0]),
                "mean_own_overlap": float(own.mean()),
                "mean_max_rival_overlap": float(overlap.mean()),
                "extreme_value_prediction": math.sqrt(2 * math.log(n) / D),
                "seconds_per_retrieval": elapsed,
            }
        )
    return {"dim": D, "beta": BETA, "noise": NOISE, "rows": rows}


def growth_plot(data: dict[str, Any]) -> dict[str, Any]:
    fig, (a, b) = subplots(1, 2, figsize=(9, 3.6))
    n = [r["N"] for r in data["rows"]]
    a.plot(n, [r["recall"] for r in data["rows"]], "o-")
    a.set_xscale("log")
    a.set_ylim(-0.05, 1.05)
    a.set_xlabel("stored patterns N")
    a.set_ylabel("recall")
    a.set_title("Infinite memory (gamma = 0): recall")
    b.plot(n, [r["mean_max_rival_overlap"] for r in data["rows"]], "o-", label="largest rival overlap")
    b.plot(
        n,
        [r["extreme_value_prediction"] for r in data["rows"]],
        "k--",
        label="sqrt(2 ln N / d), leading order",
    )
    b.plot(n, [r["mean_own_overlap"] for r in data["rows"]], "s:", label="own overlap")
    b.set_xscale("log")
    b.set_xlabel("stored patterns N")
    b.legend(fontsize=7)
    b.set_title("Overlaps with the query")
    return {"infinite-growth": fig}


def growth_summary(data: dict[str, Any]) -> str:
    rows = [
        [
            r["N"],
            f"{r['recall']:.3f}",
            "yes" if r["first_recalled"] else "no",
            f"{r['mean_max_rival_overlap']:.3f}",
            f"{r['extreme_value_prediction']:.3f}",
            f"{r['seconds_per_retrieval']:.3g}",
        ]
        for r in data["rows"]
    ]
    headers = ["N", "recall", "first pattern", "rival overlap", "sqrt(2 ln N/d)", "s / 200 queries"]
    return (
        f"An infinite memory growing to N patterns (d={data['dim']}, beta={data['beta']}).\n\n"
        + markdown_table(headers, rows)
        + "\n\nSeed (004 §B2.7.1): the pattern matrix grows without bound and nothing is forgotten. Ours:"
        " nothing is forgotten (the first pattern is recalled as long as any is), but recall falls once"
        " the largest rival overlap, which grows like sqrt(2 ln N / d), approaches the query's own"
        " overlap: the capacity of random patterns, exponential in d, not the memory, is the limit."
    )


register(
    "memory-forgetting",
    "Recall of old against recent patterns in a stream, as the forgetting rate gamma varies",
    "004 §B2.7.2, eqs. (442)-(449)",
    compute=forgetting_compute,
    plot=forgetting_plot,
    summarize=forgetting_summary,
)
register(
    "memory-infinite",
    "The infinite memory's growth: recall and rival overlaps as N grows, nothing forgotten",
    "004 §B2.7.1, eqs. (429)-(441)",
    compute=growth_compute,
    plot=growth_plot,
    summarize=growth_summary,
)
