"""Benchmark: classical binary Hopfield network, synchronous and asynchronous dynamics.

d = 1000 neurons, P = 100 Hebb patterns, a batch of B = 1024 states, float32, CPU.

- **sync**: one parallel update of the batch, counted in state-sweeps/s (B states x 1 sweep per
  update). Ours uses the factored Hebb form ``X^T (X s) - P s`` (P < d/2); the dense ``W s`` form and
  NumPy's ``sign(S @ W)`` are measured in the same run. Target: >= 250,000 state-sweeps/s.
- **async**: a full asynchronous retrieval (random order per sweep, until a sweep without a flip)
  from 10% flipped bits, and from random states; state-sweeps/s = sum over states of the sweeps
  taken / time. Baseline: the common implementation, a NumPy loop over states and neurons computing one
  neuron's field ``W[i] @ s`` per step, run on a subset of the states (its cost per state-sweep does not
  depend on the batch) for the same work. Target: >= 100x the baseline.
- **glauber**: Glauber sweeps at T = 0.8 of the Curie-Weiss case (one pattern, d = 2000, 1024 chains),
  as the statistical-mechanics checks use it, beside the same NumPy loop with a heat-bath step.

The library never sets torch's thread count. Sequential sweeps issue many small operations; on a busy
machine their thread fork/join can cost more than it saves, so the async rows are measured twice: with
the process's threads and with one thread (``torch.set_num_threads(1)``, set by this script around
those rows, as a user would).

Run: ``python benchmarks/bench_classical.py`` (``--quick``: fewer repeats and baseline states; ``--size
d,P,B`` for a reduced problem).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import section, timings
from hopfield import ClassicalHopfield, data
from hopfield.functional import classical as F

SIZE = (1000, 100, 1024)


def numpy_async(w: np.ndarray, states: np.ndarray, rng: np.random.Generator, max_sweeps: int = 100) -> int:
    """The common implementation: per state, per sweep, per neuron ``f = W[i] @ s``. Returns sweeps."""
    sweeps = 0
    for s in states:
        s = s.copy()
        for _ in range(max_sweeps):
            sweeps += 1
            changed = False
            for i in rng.permutation(len(s)):
                f = w[i] @ s
                if f > 0 and s[i] < 0:
                    s[i] = 1.0
                    changed = True
                elif f < 0 and s[i] > 0:
                    s[i] = -1.0
                    changed = True
            if not changed:
                break
    return sweeps


def numpy_glauber(
    w: np.ndarray, states: np.ndarray, t: float, n_sweeps: int, rng: np.random.Generator
) -> None:
    for s in states:
        s = s.copy()
        for _ in range(n_sweeps):
            for i in rng.permutation(len(s)):
                f = w[i] @ s
                s[i] = 1.0 if rng.random() < 0.5 * (1 + np.tanh(f / t)) else -1.0


def median_and_best(fn, repeat: int) -> tuple[float, float]:
    """(median, best) wall-clock seconds of ``fn()`` over ``repeat`` runs after one warm-up."""
    ts = timings(fn, repeat)
    return statistics.median(ts), min(ts)


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


@contextmanager
def threads(n: int | None):
    """Run the body with ``n`` torch threads (None: unchanged), then restore the previous number."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    ap.add_argument("--size", default=",".join(map(str, SIZE)), help="d,P,B (default: %(default)s)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    D, P, B = (int(v) for v in args.size.split(","))
    repeat = 3 if args.quick else 7
    n_base = 4 if args.quick else 16
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 2, (P, D), generator=g).float() * 2 - 1
    net = ClassicalHopfield(x, "hebb")
    c = net.couplings
    assert c.factored
    dense = F.Couplings.dense(net.weights, net.bias)
    noisy = data.flip(x[torch.randint(0, P, (B,), generator=g)], 0.1, seed=1)
    rand = torch.randint(0, 2, (B, D), generator=g).float() * 2 - 1
    w_np = net.weights.numpy().astype(np.float64)
    rows = []

    # ---------------------------------------------------------------- sync
    s_np = rand.numpy()
    w32 = net.weights.numpy()

    def np_sync():
        new = np.sign(s_np @ w32)
        return np.where(new == 0, s_np, new)

    t_fact, t_dense, t_np = (
        median_and_best(fn, repeat)
        for fn in (lambda: F.sync_step(rand, c), lambda: F.sync_step(rand, dense), np_sync)
    )
    sync_rate = B / t_fact[1]
    for label, t in (
        ("sync, factored X^T(X s) (ours)", t_fact),
        ("sync, dense W s (ours)", t_dense),
        ("sync, NumPy sign(S @ W) (baseline)", t_np),
    ):
        rows.append([label, f"{B / t[0]:,.0f}", f"{B / t[1]:,.0f}", f"{t_np[1] / t[1]:.1f}x"])

    # ---------------------------------------------------------------- async
    rng = np.random.default_rng(0)
    base_rates = {}
    for label, start in (("10% flipped", noisy), ("random states", rand)):
        sub_states = start[:n_base].numpy().astype(np.float64)
        dt_b, sweeps_b = timed(lambda sub_states=sub_states: numpy_async(w_np, sub_states, rng))
        base_rates[label] = sweeps_b / dt_b
    n_threads = torch.get_num_threads()
    async_ratio = {}
    dense_net = ClassicalHopfield(weights=net.weights)
    for n in sorted({n_threads, 1}, reverse=True):
        with threads(n):
            for label, start in (("10% flipped", noisy), ("random states", rand)):
                res = net.retrieve(start, dynamics="async", seed=0)
                work = int(res.steps.sum())  # the same for every seed up to a few sweeps; use seed 0's
                t = median_and_best(lambda start=start: net.retrieve(start, dynamics="async", seed=0), repeat)
                ratio = work / t[1] / base_rates[label]
                label_ours = (
                    f"async from {label} (ours, {n} thread{'s' * (n > 1)}; {work / B:.2f} sweeps/state)"
                )
                rows.append([label_ours, f"{work / t[0]:,.0f}", f"{work / t[1]:,.0f}", f"{ratio:.0f}x"])
                if label == "10% flipped":
                    async_ratio[n] = ratio
            work = int(dense_net.retrieve(noisy, dynamics="async", seed=0).steps.sum())
            t = median_and_best(
                lambda: dense_net.retrieve(noisy, dynamics="async", seed=0), max(2, repeat // 2)
            )
            rows.append(
                [
                    f"async from 10% flipped, dense W (ours, {n} thread{'s' * (n > 1)})",
                    f"{work / t[0]:,.0f}",
                    f"{work / t[1]:,.0f}",
                    f"{work / t[1] / base_rates['10% flipped']:.0f}x",
                ]
            )
    for label, base in base_rates.items():
        rows.append([f"async from {label}, NumPy loop (baseline, {n_base} states)", "", f"{base:,.0f}", "1x"])

    # ---------------------------------------------------------------- glauber
    d_cw, n_sweeps = 2000, 5
    xcw = torch.randint(0, 2, (1, d_cw), generator=g).float() * 2 - 1
    cw = ClassicalHopfield(xcw, "hebb")
    chains = xcw.repeat(B, 1)
    t = median_and_best(
        lambda: cw.glauber(chains, temperature=0.8, n_sweeps=n_sweeps, seed=0), max(2, repeat // 2)
    )
    w_cw = cw.weights.numpy().astype(np.float64)
    dt_b, _ = timed(lambda: numpy_glauber(w_cw, chains[:2].numpy().astype(np.float64), 0.8, 1, rng))
    base = 2 / dt_b
    ours = B * n_sweeps / t[1]
    rows.append(
        [
            f"glauber T=0.8, one pattern, d={d_cw} (ours)",
            f"{B * n_sweeps / t[0]:,.0f}",
            f"{ours:,.0f}",
            f"{ours / base:.0f}x",
        ]
    )
    rows.append(["glauber, NumPy loop (baseline, 2 chains)", "", f"{base:,.0f}", "1x"])

    table = (
        "| case | state-sweeps/s (median) | state-sweeps/s (best) | best vs baseline |\n"
        + "|---|---:|---:|---:|\n"
        + "\n".join(f"| {' | '.join(r)} |" for r in rows)
    )
    best_ratio = max(async_ratio.values())
    notes = (
        f"d = {D}, P = {P}, B = {B}, float32, torch threads: {n_threads} (the library never sets them; the "
        "async rows are also measured with one thread). Targets: sync >= 250,000 state-sweeps/s "
        f"({'met' if sync_rate >= 250_000 else 'NOT met'} by the best run: {sync_rate:,.0f}); async >= 100x "
        f"the NumPy loop ({'met' if best_ratio >= 100 else 'NOT met'} by the best run: "
        + ", ".join(f"{r:.0f}x with {n} thread{'s' * (n > 1)}" for n, r in async_ratio.items())
        + f"). Median and best of {repeat} runs: on a shared machine the median also measures the "
        "neighbours. The baselines run once on a subset of the states; their cost per state-sweep does not "
        "depend on the batch."
    )
    print(section("Classical Hopfield network: sync and async dynamics", table, notes))


if __name__ == "__main__":
    main()
