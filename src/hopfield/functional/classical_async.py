"""One sequential (asynchronous) sweep of the classical binary network, for a batch of states at once.

A sweep visits every neuron once in a given order; neuron ``i`` becomes ``decide(phi_i - noise_i)``
given every earlier update of the sweep (003 Definition 2.1.2; with the logistic threshold noise of
:func:`logistic_noise`, the Glauber dynamics of 003 Definition 2.1.5). See
:mod:`hopfield.functional.classical_couplings` for the fields and the zero field rule.

**How a sweep is computed.** The exact sequential result is produced block by block (``block``
neurons at a time, all ``B`` states together, states stored neuron-major ``(d, B)`` so that a block
reads and writes contiguous rows). Inside a block the fields depend on the earlier flips of the same
block through a strictly triangular system, solved by the fixed-point iteration
``new <- decide(f0 + L (new - s0))`` where ``L`` holds the block's couplings below the diagonal
(earlier neuron -> later neuron): every iteration confirms at least one more position of every state,
so it ends after at most ``block + 1`` iterations, and usually after one or two because few flips change
a later decision. After the block, the cached fields of all neurons are updated with one
``(B, block) @ (block, d)`` product, so a flip costs ``O(d)`` (``O(P)`` in the factored Hebb form of
:class:`~hopfield.functional.classical_couplings.Couplings`). The result is identical to the
neuron-by-neuron loop (tests compare them neuron by neuron).

**Threads.** Nothing here sets torch's thread count. A sweep issues many small operations; for small
batches each runs on the calling thread: element-wise operations on at most ``block x B`` entries (below
torch's grain size of 32768 entries), the Glauber noise turned into logistic noise block by block
(:class:`UniformNoise`; ``torch.logit`` forks at any size), the triangle masked with ``torch.where``
(``torch.tril`` always forks), and products that BLAS would thread computed element-wise
(:func:`~hopfield.functional.classical_couplings.matmul`). Large batches use torch's threads where the
BLAS and element-wise kernels find them worthwhile.

Shapes: states ``(B, d)`` with entries ±1 in a floating dtype. Nothing here validates its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from hopfield.functional.classical_couplings import Couplings, addmm, addmm_, decide, matmul

__all__ = [
    "DEFAULT_BLOCK",
    "REFRESH_SWEEPS",
    "UniformNoise",
    "async_sweep",
    "logistic",
    "logistic_noise",
    "neuron_major",
    "sweep_order",
    "sweep_t",
]

#: Neurons per block of an asynchronous sweep.
DEFAULT_BLOCK = 64
#: Dense fields cached by asynchronous sweeps are recomputed from scratch every this many sweeps, so
#: rounding errors of the incremental updates cannot accumulate (integer Hebb fields have none).
REFRESH_SWEEPS = 16


def logistic(u: Tensor, temperature: float) -> Tensor:
    """``T/2 logit(u)``: logistic noise ``T z`` from uniform ``u`` (see :func:`logistic_noise`).

    Written ``log(u / (1 - u))``, the formula of ``torch.logit`` (the same values), whose CPU kernel
    forks torch's thread pool at any size."""
    return torch.log(u / (1 - u)).mul_(0.5 * temperature)


def logistic_noise(
    shape: tuple[int, ...], temperature: float, generator: torch.Generator, like: Tensor
) -> Tensor:
    """``T z`` with ``z`` logistic, ``P(z < a) = (1 + tanh a)/2``: the threshold noise of 003 §2.1.2.

    ``sgn(phi - T z)`` is +1 with probability ``P(z < beta phi) = (1 + tanh(beta phi))/2`` (003 Lemma
    2.1.3). Drawn as ``T/2 logit(u)``, u uniform, in the dtype and on the device of ``like``.
    """
    u = torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)
    return logistic(u, temperature)


@dataclass(frozen=True)
class UniformNoise:
    """The threshold noise of a sweep given by its uniform draws ``uniform_t`` (d, B) (sweep order) and
    ``temperature``; :func:`sweep_t` turns the rows of each block into :func:`logistic` noise as it
    reaches them (small element-wise operations that stay on the calling thread)."""

    uniform_t: Tensor
    temperature: float

    def rows(self, start: int, stop: int) -> Tensor:
        """The noise ``T z`` of rows ``start:stop``, (stop - start, B)."""
        return logistic(self.uniform_t[start:stop], self.temperature)


def sweep_order(d: int, order: str, generator: torch.Generator, device: torch.device) -> Tensor:
    """The neuron order of one sweep, (d,) long: ``0..d-1`` (``"fixed"``) or a random permutation."""
    if order == "fixed":
        return torch.arange(d, device=device)
    return torch.randperm(d, generator=generator, device=device)


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
    :meth:`Couplings.cache` of ``states`` and stays consistent with it.

    states: (B, d); cache: (B, d) or (B, P); order: (d,) long; noise: (B, d) in sweep order or None.
    Returns which states changed during the sweep, (B,) bool, and the number of flips. (The work is
    done by :func:`sweep_t` on the transposed, neuron-major layout.)
    """
    st, ct = neuron_major(states), neuron_major(cache)
    changed = sweep_t(st, ct, couplings, order, None if noise is None else noise.T, block)
    flips = int((st.T != states).sum())
    states.copy_(st.T)
    cache.copy_(ct.T)
    return changed, flips


def _changed_columns(new: Tensor, old: Tensor) -> Tensor:
    """Indices of the columns where ``new`` and ``old`` differ, (n,) long."""
    # (float reductions are much cheaper than bool ones)
    return ((new - old).abs().sum(dim=0) > 0).nonzero().squeeze(1)


def _lower(src: Tensor, idx: Tensor, below: Tensor, factored: bool) -> Tensor:
    """The block's couplings from earlier to later neurons, in units of ``scale``, (k, k): ``L[b, a]`` is
    the effect of ``s_a`` on the field of ``b`` for ``a < b``, 0 otherwise. ``src`` (k, P) or (k, d): the
    block's rows of ``X^T`` or ``K^T``; ``idx`` (k,) the block's neurons; ``below`` (k, k) the strictly
    lower triangle (``torch.where`` with it, unlike ``torch.tril``, does not fork threads)."""
    if factored:  # K[b, a] = x_b . x_a (the diagonal, -P, is masked)
        g = matmul(src, src.T)
    else:
        g = src.index_select(1, idx).T  # g[b, a] = K^T[a, b] = K[b, a]
    return torch.where(below, g, 0.0)


def sweep_t(
    st: Tensor,
    ct: Tensor,
    couplings: Couplings,
    order: Tensor,
    noise_t: Tensor | UniformNoise | None = None,
    block: int = DEFAULT_BLOCK,
) -> Tensor:
    """:func:`async_sweep` on the neuron-major layout, in place: ``st`` (d, B), ``ct`` (P or d, B) the
    cached ``X s`` or ``K s``, ``noise_t`` the noise (d, B) in sweep order, or its :class:`UniformNoise`
    draws. A block then reads and writes whole rows (contiguous), not columns. Returns which states
    changed, (B,) bool."""
    d, b = st.shape
    c = couplings
    scale = c.scale
    changed = torch.zeros(b, dtype=torch.bool, device=st.device)
    factored = c.factors_t is not None
    # Gather once per sweep what every block needs, so that blocks take slices.
    src_all = (c.factors_t if factored else c.matrix_t).index_select(0, order)  # type: ignore[union-attr]
    bias_all = c.bias.index_select(0, order)[:, None]
    p = src_all.shape[1]
    k_max = min(block, d)
    ar = torch.arange(k_max, device=st.device)
    below = ar[:, None] > ar[None, :]  # (k, k) strictly lower triangle: earlier a -> later b
    for start in range(0, d, block):
        idx = order[start : start + block]
        k = idx.shape[0]
        src = src_all[start : start + block]  # (k, P) or (k, d): effect of s_j on the cache
        s0 = st.index_select(0, idx)  # (k, B)
        raw0 = addmm(s0, src, ct, beta=-p) if factored else ct.index_select(0, idx)
        # Fields in units of `scale` (K s + h / scale): same signs, and exact integers for integer K with
        # zero bias, so that a zero field stays exactly zero through the block's triangular update.
        f0 = torch.add(raw0, bias_all[start : start + block], alpha=1.0 / scale)
        if noise_t is not None:
            z = (
                noise_t.rows(start, start + k)
                if isinstance(noise_t, UniformNoise)
                else noise_t[start : start + k]
            )
            f0 -= z / scale
        new = decide(f0, s0)
        delta = new - s0
        moved = delta.abs().sum(dim=0) > 0
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
        lower = _lower(src, idx, below[:k, :k], factored)
        nxt = decide(addmm(f0, lower, delta), s0r)
        busy = _changed_columns(nxt, new)
        if busy.numel():
            nxt = nxt.index_select(1, busy)
        # Each column (state) is its own triangular system: iterate only the columns still changing.
        while busy.numel():
            new.index_copy_(1, busy, nxt)
            d_busy = nxt - s0r.index_select(1, busy)
            delta.index_copy_(1, busy, d_busy)
            nxt = decide(addmm(f0.index_select(1, busy), lower, d_busy), s0r.index_select(1, busy))
            keep = _changed_columns(nxt, new.index_select(1, busy))
            nxt, busy = nxt.index_select(1, keep), busy.index_select(0, keep)
        if part:
            s0.index_copy_(1, cols, new)
            st.index_copy_(0, idx, s0)
            ct.index_add_(1, cols, matmul(src.T, delta))
        else:
            st.index_copy_(0, idx, new)
            addmm_(ct, src.T, delta)
    return changed
