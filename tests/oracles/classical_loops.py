# Frozen copy of src/hopfield/functional/classical_dynamics.py at commit 7fff565: the former loops, kept as
# the oracle of tests/test_classical_oracle.py. Do not edit.
"""Dynamics of the classical binary Hopfield network as pure torch functions (001 §1.1, 003 §2.1).

A network of ``d`` neurons in {-1, +1} has weights ``W`` (d, d) and a bias (threshold) ``h`` (d,). The
**local field** of a state ``s`` is ``phi(s) = W s + h`` (003 Definition 2.1.2; the seeds' ``b`` of
001 Definition 1 is this ``h``), and a neuron updated alone becomes ``sgn(phi_i)`` (003 eq. (2.3)).

**Zero field rule.** ``sgn(0)`` is not defined by the seeds; here a neuron whose field is exactly zero
*keeps its current state*. The energy change of a flip is ``-2 |phi_i| - 2 W_ii`` (see
:func:`energy`), so keeping the state on a zero field is what makes every fixed point strict and the
energy strictly decrease on every flip when ``W_ii >= 0`` and ``phi_i != 0``.

The three dynamics (registry :data:`DYNAMICS`, all batched over ``B`` states):

- ``"sync"`` (parallel, 003 Definition 2.1.2): every neuron at once, ``s <- sgn(W s + h)``. For a
  symmetric ``W`` the trajectory ends in a fixed point or a 2-cycle (001 Theorem 3; Goles); both are
  detected and reported.
- ``"async"`` (sequential, 003 Definition 2.1.2): a sweep visits every neuron once, in a fresh random
  order per sweep (shared by the batch) or in the fixed order ``0..d-1``. A sweep without a flip ends
  the trajectory at a fixed point. Under ``W = W^T`` and ``W_ii >= 0`` the energy (Lyapunov function
  ``L_{J,h}`` of 003 Lemma 2.1.1, ``E`` of 001 Lemma 2) never increases.
- ``"glauber"`` (stochastic sequential dynamics, 003 Definition 2.1.5): neuron ``i`` becomes
  ``sgn(phi_i + T z)`` with logistic noise ``z``, i.e. ``+1`` with probability
  ``(1 + tanh(beta phi_i)) / 2``, ``beta = 1/T`` (003 Lemma 2.1.3); ``T = 0`` is ``"async"``.

**How a sweep is computed.** The exact sequential result is produced block by block (``block``
neurons at a time, all ``B`` states together, states stored neuron-major ``(d, B)`` so that a block
reads and writes contiguous rows). Inside a block the fields depend on the earlier flips of
the same block through a strictly triangular system, solved by the fixed-point iteration
``new <- decide(f0 + (new - s0) U)`` where ``U`` holds the block's couplings above the diagonal: every
iteration confirms at least one more position of every state, so it ends after at most ``block + 1``
iterations, and usually after one or two because few flips change a later decision. After the block,
the cached fields of all neurons are updated with one ``(B, block) @ (block, d)`` product, so a flip
costs ``O(d)`` (``O(P)`` in the factored Hebb form of :class:`Couplings`). The per-neuron Python loop
of the textbook implementation is gone; the result is identical to it (tests compare them neuron by
neuron).

**Couplings** (:mod:`hopfield.functional.classical_couplings`): ``W = scale * K`` with integer ``K`` for
the Hebb rule, kept factored when ``P < d/2``; the zero field rule and exact fields are described there.

**Threads.** A sweep issues many small tensor operations; splitting each over several intra-op threads
costs more in fork/join than it saves (on a loaded 2-core machine, 3x to 30x more), so sequential
sweeps run on one intra-op thread (:func:`one_thread`, restored afterwards). Parallel updates are big
matrix products and keep torch's setting.

Shapes: states ``(B, d)`` with entries ±1 in a floating dtype. Nothing here validates its arguments;
:class:`hopfield.ClassicalHopfield` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor

from hopfield._registry import Registry
from hopfield.functional.classical_couplings import (
    Couplings,
    decide,
    energy,
    is_fixed_point,
    local_field,
    overlaps,
    sync_step,
)

__all__ = [
    "DEFAULT_BLOCK",
    "DYNAMICS",
    "Couplings",
    "GlauberTrace",
    "RetrieveOutput",
    "async_sweep",
    "decide",
    "energy",
    "glauber_sweeps",
    "is_fixed_point",
    "local_field",
    "logistic_noise",
    "overlaps",
    "run_async",
    "run_sync",
    "sync_step",
]

#: Neurons per block of an asynchronous sweep.
DEFAULT_BLOCK = 64
#: Dense fields cached by asynchronous sweeps are recomputed from scratch every this many sweeps, so
#: rounding errors of the incremental updates cannot accumulate (integer Hebb fields have none).
REFRESH_SWEEPS = 16


def logistic_noise(
    shape: tuple[int, ...], temperature: float, generator: torch.Generator, like: Tensor
) -> Tensor:
    """``T z`` with ``z`` logistic, ``P(z < a) = (1 + tanh a)/2``: the threshold noise of 003 §2.1.2.

    ``sgn(phi - T z)`` is +1 with probability ``P(z < beta phi) = (1 + tanh(beta phi))/2`` (003 Lemma
    2.1.3). Drawn as ``T/2 logit(u)``, u uniform.
    """
    u = torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)
    return torch.logit(u).mul_(0.5 * temperature)


def neuron_major(x: Tensor) -> Tensor:
    """A new contiguous (d, B) tensor holding ``x.T`` (never a view of ``x``, also for B = 1)."""
    out = x.new_empty(x.shape[1], x.shape[0])
    out.copy_(x.T)
    return out


def async_sweep(
    states: Tensor,
    cache: Tensor,
    couplings: Couplings,
    order: Tensor,
    noise: Tensor | None = None,
    block: int = DEFAULT_BLOCK,
) -> tuple[Tensor, int]:
    """One sequential sweep over the neurons in ``order``, in place on ``states`` and ``cache``.

    Neuron ``order[t]`` becomes ``decide(phi - noise[:, t])`` given every earlier update of the sweep
    (async for ``noise=None``, Glauber with :func:`logistic_noise`). ``cache`` is
    :meth:`Couplings.cache` of ``states`` and stays consistent with it. See the module docstring for the
    block scheme; it gives exactly the neuron-by-neuron result.

    states: (B, d); cache: (B, d) or (B, P); order: (d,) long; noise: (B, d) in sweep order or None.
    Returns which states changed during the sweep, (B,) bool, and the number of flips. (The loops
    below work on the transposed, neuron-major layout of :func:`sweep_t`.)
    """
    st, ct = neuron_major(states), neuron_major(cache)
    changed = sweep_t(st, ct, couplings, order, None if noise is None else noise.T, block)
    flips = int((st.T != states).sum())
    states.copy_(st.T)
    cache.copy_(ct.T)
    return changed, flips


def sweep_t(
    st: Tensor,
    ct: Tensor,
    couplings: Couplings,
    order: Tensor,
    noise_t: Tensor | None = None,
    block: int = DEFAULT_BLOCK,
) -> Tensor:
    """:func:`async_sweep` on the neuron-major layout: ``st`` (d, B), ``ct`` (P or d, B), ``noise_t``
    (d, B) in sweep order. A block then reads and writes whole rows (contiguous), not columns.
    Returns which states changed, (B,) bool."""
    d, b = st.shape
    c = couplings
    scale = c.scale
    changed = torch.zeros(b, dtype=torch.bool, device=st.device)
    factored = c.factors_t is not None
    # Gather once per sweep what every block needs, so that blocks take slices.
    src_all = (c.factors_t if factored else c.matrix_t).index_select(0, order)  # type: ignore[union-attr]
    bias_all = c.bias.index_select(0, order)[:, None]
    p = src_all.shape[1]
    for start in range(0, d, block):
        idx = order[start : start + block]
        src = src_all[start : start + block]  # (k, P) or (k, d): effect of s_j on the cache
        s0 = st.index_select(0, idx)  # (k, B)
        raw0 = torch.addmm(s0, src, ct, beta=-p) if factored else ct.index_select(0, idx)
        # Fields in units of `scale` (K s + h / scale): same signs, and exact integers for integer K with
        # zero bias, so that a zero field stays exactly zero through the block's triangular update.
        f0 = torch.add(raw0, bias_all[start : start + block], alpha=1.0 / scale)
        if noise_t is not None:
            f0 -= noise_t[start : start + block] / scale
        new = decide(f0, s0)
        delta = new - s0
        moved = delta.abs().sum(dim=0) > 0  # (float reductions are much cheaper than bool ones)
        cols = moved.nonzero().squeeze(1)
        n = cols.numel()
        if n == 0:
            continue
        changed |= moved
        part = 2 * n < b  # few states flip in this block: work on those columns only
        if part:  # (index_select / index_copy_ are several times faster than [:, cols] here)
            s0r, f0 = s0.index_select(1, cols), f0.index_select(1, cols)
            new = decide(f0, s0r)
            delta = new - s0r
        else:
            s0r = s0
        if factored:
            g = src @ src.T
            g.diagonal().sub_(p)
        else:
            g = src.index_select(1, idx)  # g[a, b]: effect of s_a on the field of b
        lower = torch.tril(g.T, diagonal=-1)  # lower[b, a]: earlier a -> later b (units of scale)
        # Each column (state) is its own triangular system: iterate only the columns still changing.
        nxt = decide(torch.addmm(f0, lower, delta), s0r)
        busy = ((nxt - new).abs().sum(dim=0) > 0).nonzero().squeeze(1)
        if busy.numel():
            nxt = nxt.index_select(1, busy)
        while busy.numel():
            new.index_copy_(1, busy, nxt)
            d_busy = nxt - s0r.index_select(1, busy)
            delta.index_copy_(1, busy, d_busy)
            nxt = decide(torch.addmm(f0.index_select(1, busy), lower, d_busy), s0r.index_select(1, busy))
            keep = ((nxt - new.index_select(1, busy)).abs().sum(dim=0) > 0).nonzero().squeeze(1)
            nxt, busy = nxt.index_select(1, keep), busy.index_select(0, keep)
        if part:
            s0.index_copy_(1, cols, new)
            st.index_copy_(0, idx, s0)
            ct.index_add_(1, cols, src.T @ delta)
        else:
            st.index_copy_(0, idx, new)
            ct.addmm_(src.T, delta)
    return changed


#: Parallel runs with fewer multiply-adds per update than this use one intra-op thread.
SMALL_WORK = 1 << 22


@contextmanager
def one_thread(enabled: bool = True) -> Iterator[None]:
    """Run the body with one intra-op torch thread (if ``enabled``), then restore the previous number."""
    n = torch.get_num_threads()
    if n == 1 or not enabled:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _order(d: int, order: str, generator: torch.Generator, device: torch.device) -> Tensor:
    if order == "fixed":
        return torch.arange(d, device=device)
    return torch.randperm(d, generator=generator, device=device)


@dataclass
class RetrieveOutput:
    """Raw output of the run functions: ``state`` (B, d), ``steps`` (B,) long sweeps, ``converged`` and
    ``cycle`` (B,) bool, and ``energy`` (B,) of the final states when the run had it for free."""

    state: Tensor
    steps: Tensor
    converged: Tensor
    cycle: Tensor
    energy: Tensor | None = None


def _energy_t(st: Tensor, ct: Tensor, c: Couplings) -> Tensor:
    """:func:`energy` from the neuron-major states (d, B) and their cache (``X s`` or ``K s``): (B,)."""
    if c.factors is not None:  # s^T K s = |X s|^2 - P |s|^2
        quad = (ct * ct).sum(dim=0) - c.factors.shape[0] * st.shape[0]
    else:
        quad = (st * ct).sum(dim=0)
    return -0.5 * c.scale * quad - c.bias @ st


def _final_energy(st: Tensor, ct: Tensor, c: Couplings) -> Tensor:
    """Energies of finished states: from the cache when it is exact (integer K), else recomputed."""
    return _energy_t(st, ct, c) if c.integral else energy(st.T, c)


def run_sync(states: Tensor, couplings: Couplings, max_sweeps: int) -> RetrieveOutput:
    """Parallel dynamics until a fixed point or a 2-cycle (001 Theorem 3), or ``max_sweeps`` updates.

    A state stops when ``s_{t+1} = s_t`` (fixed point: ``converged``) or ``s_{t+1} = s_{t-1} != s_t``
    (2-cycle: ``cycle``; the returned state is ``s_{t+1}``). ``steps`` counts parallel updates.
    Small problems run on one intra-op thread (see the module docstring).
    """
    b, d = states.shape
    width = 2 * couplings.factors.shape[0] if couplings.factors is not None else d
    with one_thread(b * d * width < SMALL_WORK):
        return _run_sync(states, couplings, max_sweeps)


def _run_sync(states: Tensor, couplings: Couplings, max_sweeps: int) -> RetrieveOutput:
    b = states.shape[0]
    dev = states.device
    out = states.clone()
    steps = torch.zeros(b, dtype=torch.long, device=dev)
    converged = torch.zeros(b, dtype=torch.bool, device=dev)
    cycle = torch.zeros(b, dtype=torch.bool, device=dev)
    active = torch.arange(b, device=dev)
    cur = out
    prev: Tensor | None = None
    for _ in range(max_sweeps):
        new = sync_step(cur, couplings)
        steps[active] += 1
        fixed = (new == cur).all(dim=-1)
        stop = fixed.clone()
        if prev is not None:
            two = (new == prev).all(dim=-1) & ~fixed
            cycle[active[two]] = True
            stop |= two
        converged[active[fixed]] = True
        if bool(stop.all()):
            out[active] = new
            break
        if bool(stop.any()):
            out[active[stop]] = new[stop]
            keep = ~stop
            active, cur, new = active[keep], cur[keep], new[keep]
        prev, cur = cur, new
    else:
        out[active] = cur
    return RetrieveOutput(out, steps, converged, cycle)


def _run_async(
    states: Tensor,
    couplings: Couplings,
    max_sweeps: int,
    generator: torch.Generator,
    order: str = "random",
    temperature: float = 0.0,
    block: int = DEFAULT_BLOCK,
) -> RetrieveOutput:
    b, d = states.shape
    dev = states.device
    out = states.clone()
    steps = torch.zeros(b, dtype=torch.long, device=dev)
    converged = torch.zeros(b, dtype=torch.bool, device=dev)
    energies = states.new_empty(b)
    active = torch.arange(b, device=dev)
    c = couplings
    st = neuron_major(states)  # working copy of the active states
    ct = c.cache_t(st)
    for sweep in range(max_sweeps):
        if sweep and sweep % REFRESH_SWEEPS == 0 and not c.integral:
            ct = c.cache_t(st)
        perm = _order(d, order, generator, dev)
        noise_t = None
        if temperature > 0:
            noise_t = logistic_noise((d, st.shape[1]), temperature, generator, st)
        changed = sweep_t(st, ct, c, perm, noise_t, block)
        steps[active] += 1
        if temperature > 0:
            continue
        if bool(changed.all()):
            continue
        done = (~changed).nonzero().squeeze(1)
        fin = active.index_select(0, done)
        converged[fin] = True
        st_done = st.index_select(1, done)
        out.index_copy_(0, fin, st_done.T)
        energies[fin] = _final_energy(st_done, ct.index_select(1, done), c)
        keep = changed.nonzero().squeeze(1)
        active, st, ct = active.index_select(0, keep), st.index_select(1, keep), ct.index_select(1, keep)
        if active.numel() == 0:
            break
    if active.numel():
        out.index_copy_(0, active, st.T)
        energies[active] = _final_energy(st, ct, c)
    if temperature > 0:
        converged = is_fixed_point(out, couplings)
    return RetrieveOutput(out, steps, converged, torch.zeros_like(converged), energies)


def run_async(
    states: Tensor,
    couplings: Couplings,
    max_sweeps: int,
    generator: torch.Generator,
    order: str = "random",
    temperature: float = 0.0,
    block: int = DEFAULT_BLOCK,
) -> RetrieveOutput:
    """Sequential dynamics, ``max_sweeps`` sweeps at most; Glauber dynamics when ``temperature > 0``.

    Deterministic (``temperature = 0``): a state stops after the first sweep without a flip
    (``converged``). Glauber: every state runs all ``max_sweeps`` sweeps; ``converged`` then says whether
    the final state is a fixed point of the zero-temperature dynamics. ``steps`` counts sweeps.
    """
    with one_thread():
        return _run_async(states, couplings, max_sweeps, generator, order, temperature, block)


DYNAMICS: Registry = Registry("dynamics", "dynamics")


@DYNAMICS.register("sync")
def _sync(states, couplings, max_sweeps, generator, order, temperature, block):
    return run_sync(states, couplings, max_sweeps)


@DYNAMICS.register("async")
def _async(states, couplings, max_sweeps, generator, order, temperature, block):
    return run_async(states, couplings, max_sweeps, generator, order, 0.0, block)


@DYNAMICS.register("glauber")
def _glauber(states, couplings, max_sweeps, generator, order, temperature, block):
    return run_async(states, couplings, max_sweeps, generator, order, temperature, block)


@dataclass
class GlauberTrace:
    """Output of :func:`glauber_sweeps`.

    Attributes
    ----------
    state:
        (B, d) states after the last sweep.
    mean_overlaps:
        (B, P) time average of the Mattis magnetizations over the sweeps after ``burn_in`` (None
        without patterns).
    overlaps:
        (n_sweeps, B, P) magnetizations after each sweep (only with ``record=True`` and patterns).
    energy:
        (n_sweeps, B) energy after each sweep (only with ``record=True``).
    states:
        (n_sweeps, B, d) states after each sweep (only with ``record="states"``).
    """

    state: Tensor
    mean_overlaps: Tensor | None = None
    overlaps: Tensor | None = None
    energy: Tensor | None = None
    states: Tensor | None = None


def glauber_sweeps(
    states: Tensor,
    couplings: Couplings,
    temperature: float,
    n_sweeps: int,
    generator: torch.Generator,
    *,
    patterns: Tensor | None = None,
    burn_in: int = 0,
    record: bool | str = False,
    order: str = "random",
    block: int = DEFAULT_BLOCK,
) -> GlauberTrace:
    """Run ``n_sweeps`` Glauber sweeps (003 Definition 2.1.5) of a batch of chains and observe them.

    Each sweep updates every neuron once (a fresh random order per sweep, shared by the chains), all B
    chains at once. Every single-neuron update leaves the Gibbs distribution ``exp(-H/T)/Z`` invariant
    (003 Theorem 2.1 for symmetric ``W`` with zero diagonal), so the sweeps do too.
    ``temperature = 0`` gives deterministic asynchronous sweeps. With ``patterns`` (P, d) the Mattis
    magnetizations are averaged over the sweeps after ``burn_in`` (for the factored Hebb form with
    ``patterns`` the stored patterns they come for free from the cached ``X s``).
    ``record=True`` keeps per-sweep overlaps and energies; ``record="states"`` also every state.
    """
    with one_thread():
        return _glauber_loop(
            states, couplings, temperature, n_sweeps, generator, patterns, burn_in, record, order, block
        )


def _glauber_loop(
    states: Tensor,
    couplings: Couplings,
    temperature: float,
    n_sweeps: int,
    generator: torch.Generator,
    patterns: Tensor | None,
    burn_in: int,
    record: bool | str,
    order: str,
    block: int,
) -> GlauberTrace:
    b, d = states.shape
    st = neuron_major(states)
    ct = couplings.cache_t(st)
    free = (
        patterns is not None
        and couplings.factors is not None
        and patterns.shape == couplings.factors.shape
        and bool(torch.equal(patterns, couplings.factors))
    )
    n_kept = max(n_sweeps - burn_in, 0)
    mean = None
    if patterns is not None:
        mean = st.new_zeros(b, patterns.shape[0])
    trace_m, trace_e, trace_s = [], [], []
    for t in range(n_sweeps):
        if t and t % REFRESH_SWEEPS == 0 and not couplings.integral:
            ct = couplings.cache_t(st)
        perm = _order(d, order, generator, st.device)
        noise_t = logistic_noise((d, b), temperature, generator, st) if temperature > 0 else None
        sweep_t(st, ct, couplings, perm, noise_t, block)
        m = None
        if patterns is not None:
            m = ct.T / d if free else overlaps(st.T, patterns)
            if t >= burn_in:
                mean += m
        if record:
            if m is not None:
                trace_m.append(m.clone())
            trace_e.append(energy(st.T, couplings))
            if record == "states":
                trace_s.append(st.T.clone())
    if mean is not None and n_kept:
        mean /= n_kept
    return GlauberTrace(
        state=st.T.contiguous(),
        mean_overlaps=mean,
        overlaps=torch.stack(trace_m) if trace_m else None,
        energy=torch.stack(trace_e) if trace_e else None,
        states=torch.stack(trace_s) if trace_s else None,
    )
