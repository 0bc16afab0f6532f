"""Asynchronous and synchronous dynamics of the dense associative memory (eq. (531) of 004).

Both loops run on the library's one iteration kernel, :func:`hopfield._iterate.run_until_fixed`: one
kernel step is one sweep (async: every neuron once, in order; sync: every neuron at once), a state stops
at an exact fixed point (async, sync) or a 2-cycle (sync), and only the states still moving are computed.
Shapes: ``state`` (B, d), ``patterns`` (N, d), both ±1 in one floating dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from hopfield._deprecation import renamed_arguments
from hopfield._iterate import RawRetrieval, run_until_fixed
from hopfield._registry import Registry
from hopfield.functional.dense_energy import pattern_chunks, sync_update, tie_tolerance
from hopfield.functional.dense_interactions import Interaction

__all__ = ["DYNAMICS", "SMALL_MATVEC", "async_sweeper", "retrieve", "retrieve_async", "retrieve_sync"]

#: Below this many entries a matrix-vector product runs as one ATen reduction: BLAS gemv would start its
#: thread pool for a few microseconds of work, which costs milliseconds when the cores are shared.
SMALL_MATVEC = 1 << 15


def _matvec(m: Tensor, v: Tensor) -> Tensor:
    """``m @ v`` for ``m`` (A, N) and ``v`` (N,)."""
    if m.numel() < SMALL_MATVEC and m.device.type == "cpu":
        return (m * v).sum(dim=-1)
    return m @ v


class _Tracker:
    """Overlaps ``s`` (A, N) and coefficients ``h, k, size`` of the active states, kept up to date."""

    def __init__(self, interaction: Interaction, s: Tensor) -> None:
        self.interaction, self.s = interaction, s
        co = interaction.coefficients(s)
        self.h, self.k, self.size = co.h, co.k, co.size

    def margins(self, v: Tensor, col: Tensor) -> tuple[Tensor, Tensor]:
        """Margins ``xi_j Delta_j`` (A,) of the neuron with pattern column ``col`` and their scale (A,)."""
        return v * _matvec(self.h, col) + self.k, self.size

    def flip(self, rows: list[int], signs: list[float], col: Tensor) -> None:
        """Flip the neuron of column ``col`` (old values ``signs``) in ``rows``: ``s -= 2 xi_j col``, O(N).

        Row by row and in place: no (flips, N) temporaries (their allocation dominates on CPU).
        """
        for r, v in zip(rows, signs, strict=True):
            self.s[r].add_(col, alpha=-2.0 * v)
            co = self.interaction.coefficients(self.s[r : r + 1])
            self.h[r].copy_(co.h[0])
            self.k[r] = co.k[0]
            self.size[r] = co.size[0]

    def keep(self, mask: Tensor) -> None:
        """Drop the states where ``mask`` is False."""
        self.s, self.h, self.k, self.size = self.s[mask], self.h[mask], self.k[mask], self.size[mask]


class _ExpTracker(_Tracker):
    """``F(a) = exp(beta a)``: ``w = exp(beta (s - top))`` per state, margins ``v (w^T col) - tanh(beta) W``.

    ``w`` and ``W = sum w`` are the interaction's coefficients ``h`` and ``-k / tanh(beta)``, kept for
    each state relative to its own shift (no merge across states or blocks happens here). A flip
    multiplies ``w`` by ``exp(-2 beta xi_j col)`` (one pass); every ``every`` flips of a state ``w``
    is recomputed exactly from the integer overlaps, in place, by the interaction's ``weights``, so
    rounding never accumulates, no entry grows beyond ``exp(20)`` (float32; ``exp(150)`` in float64),
    and entries that underflowed stay below ``exp(-40)`` (float32; ``exp(-400)`` in float64) of the
    largest.
    """

    def __init__(
        self, interaction: Interaction, s: Tensor, weights: Callable[[Tensor, Tensor | None], Tensor]
    ) -> None:
        self.interaction, self.s, self.weights = interaction, s, weights
        self.beta = float(interaction.beta or 1.0)
        self.t = math.tanh(self.beta)
        self.w = weights(s, None)
        self.total = self.w.sum(dim=-1)
        limit = 40.0 if s.dtype == torch.float32 else 300.0  # half the exponent range, rounded down
        self.every = int(limit // (4.0 * self.beta))
        self.since = [0] * s.shape[0]

    def margins(self, v: Tensor, col: Tensor) -> tuple[Tensor, Tensor]:
        return v * _matvec(self.w, col) - self.t * self.total, (1.0 + self.t) * self.total

    def flip(self, rows: list[int], signs: list[float], col: Tensor) -> None:
        factors: dict[float, Tensor] = {}
        for r, v in zip(rows, signs, strict=True):
            self.s[r].add_(col, alpha=-2.0 * v)
            w = self.w[r]
            if self.since[r] < self.every:
                if v not in factors:
                    factors[v] = torch.exp((-2.0 * self.beta * v) * col)
                w.mul_(factors[v])
                self.since[r] += 1
            else:
                self.weights(self.s[r], w)
                self.since[r] = 0
            self.total[r] = w.sum()

    def keep(self, mask: Tensor) -> None:
        self.s, self.w, self.total = self.s[mask], self.w[mask], self.total[mask]
        self.since = [self.since[i] for i in mask.nonzero().squeeze(1).tolist()]


def async_sweeper(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    order: str = "random",
    generator: torch.Generator | None = None,
    patterns_t: Tensor | None = None,
) -> tuple[Callable[[Tensor], Tensor], Callable[[Tensor], None]]:
    """The ``(step, keep)`` pair of asynchronous dynamics for :func:`~hopfield._iterate.run_until_fixed`.

    ``step`` is one sweep of eq. (531) over the neurons of the active states (a new tensor; its input is
    not modified); ``keep`` prunes the tracked overlaps and coefficients of the states that stopped.
    ``state`` (B, d) is the initial state, from which the overlaps ``s = X^T xi`` are computed once.
    """
    d = state.shape[1]
    xt = patterns.T.contiguous() if patterns_t is None else patterns_t
    eps = tie_tolerance(state.dtype, patterns.shape[0])
    s = state @ patterns.T  # (B, N) overlaps
    weights = interaction.weights
    tracker = _Tracker(interaction, s) if weights is None else _ExpTracker(interaction, s, weights)

    def step(cur: Tensor) -> Tensor:
        x = cur.clone()
        if order == "fixed":
            neurons: list[int] | range = range(d)
        else:
            gen_dev = generator.device if generator is not None else "cpu"
            neurons = torch.randperm(d, generator=generator, device=gen_dev).tolist()
        for j in neurons:
            col = xt[j]  # (N,)
            v = x[:, j]
            margin, size = tracker.margins(v, col)
            idx = (margin < -eps * size).nonzero().squeeze(1)
            if idx.numel() == 0:
                continue
            vf = v[idx]
            tracker.flip(idx.tolist(), vf.tolist(), col)
            x[idx, j] = -vf
        return x

    return step, tracker.keep


@renamed_arguments(max_sweeps="max_steps")
def retrieve_async(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    max_steps: int = 100,
    order: str = "random",
    generator: torch.Generator | None = None,
    patterns_t: Tensor | None = None,
) -> RawRetrieval:
    """Asynchronous dynamics (531) of 004: sweeps over the neurons, each set to ``T_j`` of the current state.

    ``order="fixed"`` visits neurons ``0, ..., d-1``; ``"random"`` draws one permutation per sweep from
    ``generator``, shared by the whole batch (so one neuron index at a time: a matrix-vector product).
    The overlaps ``s = X^T xi`` and the coefficients ``h, k`` of each state are kept up to date: a flip
    changes ``s`` by ``-2 xi_j x_{:, j}`` (exact: integers) and updates that state's coefficients in
    ``O(N)``. The energy (530) never increases (every flip lowers it; ties keep the state), so every
    trajectory reaches a fixed point. A state stops once a whole sweep flips nothing (``converged``);
    ``steps`` counts its sweeps, that last one included; ``cycle`` is all False.

    patterns_t: ``patterns.T`` contiguous (d, N), if the caller caches it.
    """
    step, keep = async_sweeper(state, patterns, interaction, order, generator, patterns_t)
    return run_until_fixed(step, state, max_steps, keep=keep)


@renamed_arguments(max_sweeps="max_steps")
def retrieve_sync(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    max_steps: int = 100,
    chunk_size: int | None = None,
) -> RawRetrieval:
    """Synchronous dynamics: ``xi <- T(xi)`` with every ``T_j`` of (531) evaluated at the same state.

    The energy may increase and 2-cycles occur (as for the classical network); a state stops at a fixed
    point (``converged``) or when it returns to the state of two steps before (``cycle``; the newest
    state is returned).
    """

    def step(cur: Tensor) -> Tensor:
        return sync_update(cur, pattern_chunks(patterns, cur.shape[0], chunk_size), interaction)

    return run_until_fixed(step, state, max_steps, cycles=True)


DYNAMICS: Registry[Callable[..., RawRetrieval]] = Registry("dynamics", "dynamics")


@DYNAMICS.register("async")
def _async(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    max_steps: int,
    *,
    order: str,
    generator: torch.Generator | None,
    chunk_size: int | None,
    patterns_t: Tensor | None,
) -> RawRetrieval:
    return retrieve_async(state, patterns, interaction, max_steps, order, generator, patterns_t)


@DYNAMICS.register("sync")
def _sync(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    max_steps: int,
    *,
    order: str,
    generator: torch.Generator | None,
    chunk_size: int | None,
    patterns_t: Tensor | None,
) -> RawRetrieval:
    return retrieve_sync(state, patterns, interaction, max_steps, chunk_size)


@renamed_arguments(max_sweeps="max_steps")
def retrieve(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    dynamics: str = "async",
    max_steps: int = 100,
    order: str = "random",
    generator: torch.Generator | None = None,
    chunk_size: int | None = None,
    patterns_t: Tensor | None = None,
) -> RawRetrieval:
    """Run ``dynamics`` (``"async"`` or ``"sync"``, :data:`DYNAMICS`) for at most ``max_steps`` sweeps.

    Returns a :class:`~hopfield._iterate.RawRetrieval`: ``state`` (B, d), ``steps`` (B,) sweeps,
    ``converged`` (B,), ``cycle`` (B,) (sync 2-cycles; all False for async).
    """
    return DYNAMICS.get(dynamics)(
        state,
        patterns,
        interaction,
        max_steps,
        order=order,
        generator=generator,
        chunk_size=chunk_size,
        patterns_t=patterns_t,
    )
