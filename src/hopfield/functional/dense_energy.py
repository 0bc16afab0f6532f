"""Energy (530), log-energy and the exact margins of the update (531) of the dense associative memory.

Shapes: ``state`` (B, d), ``patterns`` (N, d), both ±1 in one floating dtype. Blocks of patterns are
reduced with the library's one log-sum-exp merge (:mod:`hopfield.functional.lse`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import torch
from torch import Tensor

from hopfield._tolerances import tolerances
from hopfield.functional.dense_interactions import Interaction
from hopfield.functional.lse import LsePartial, OnlineSoftmax, default_chunk_size, finite_beta, merge

__all__ = ["energy", "log_energy", "margins", "pattern_chunks", "sync_update", "tie_tolerance"]


def pattern_chunks(patterns: Tensor, batch: int, chunk_size: int | None = None) -> tuple[Tensor, ...]:
    """Split ``patterns`` (N, d) into row blocks of ``chunk_size`` rows (default: about
    :data:`~hopfield.functional.lse.CHUNK_ELEMENTS` ``/ batch`` rows, so that a ``(batch, C)`` block
    of overlaps holds about 2^20 entries)."""
    c = chunk_size or default_chunk_size(batch, patterns.shape[0])
    return torch.split(patterns, c)


def energy(
    state: Tensor, patterns: Tensor, interaction: Interaction, chunk_size: int | None = None
) -> Tensor:
    """Energy (530) of 004, ``E = -sum_i F(x_i^T xi)``. state (B, d), patterns (N, d); returns (B,).

    For ``"exp"`` it is ``-exp(log_energy)``: ``-inf`` only where ``|E|`` itself exceeds the dtype's
    range (e.g. ``beta x^T xi > 709`` in float64); :func:`log_energy` stays finite.
    """
    if interaction.beta is not None:
        return -torch.exp(log_energy(state, patterns, interaction, chunk_size))
    total = state.new_zeros(state.shape[0])
    for xc in pattern_chunks(patterns, state.shape[0], chunk_size):
        total = total + interaction.f(state @ xc.T).sum(dim=-1)
    return -total


def log_energy(
    state: Tensor, patterns: Tensor, interaction: Interaction, chunk_size: int | None = None
) -> Tensor:
    """``ln(-E) = ln sum_i F(x_i^T xi)``, shape (B,).

    For ``"exp"`` this is ``ln sum_i exp(beta x_i^T xi) = beta lse(beta, X^T xi)`` (lse of 004 eq. (2)),
    merged block by block with :class:`~hopfield.functional.lse.OnlineSoftmax`: ``beta m + ln l`` with
    ``m`` the largest overlap, finite whenever ``beta d`` is. For other interactions it is ``ln(-E)``,
    defined only where ``-E > 0`` (NaN where ``-E < 0``, ``-inf`` where ``E = 0``):
    :meth:`hopfield.DenseAssociativeMemory.log_energy` refuses those states.
    """
    if interaction.beta is None:
        return torch.log(-energy(state, patterns, interaction, chunk_size))
    acc = OnlineSoftmax(state.shape[0], None, state, interaction.beta)
    for xc in pattern_chunks(patterns, state.shape[0], chunk_size):
        acc.add(state @ xc.T)
    return acc.part.log_sum()


def tie_tolerance(dtype: torch.dtype, n_patterns: int) -> float:
    """Relative size below which a margin counts as zero: ``16 eps log2(N + 1)`` (blocked-sum rounding;
    ``eps`` from the tolerance table :mod:`hopfield._tolerances`)."""
    return 16.0 * tolerances(dtype).eps * max(1.0, math.log2(n_patterns + 1))


def _parts(
    state: Tensor, chunks: Iterable[Tensor], interaction: Interaction, beta: float
) -> Iterator[LsePartial]:
    """One :class:`LsePartial` per block: shift ``max s`` (exp) or 0, terms ``(h^T X, k, size)``."""
    for xc in chunks:
        co = interaction.coefficients(state @ xc.T)
        yield LsePartial(co.shift, (co.h @ xc, co.k, co.size), beta, count=xc.shape[0])


def margins(state: Tensor, chunks: Iterable[Tensor], interaction: Interaction) -> tuple[Tensor, Tensor]:
    """Margins ``xi_j Delta_j`` of every neuron (eq. (531) of 004) and their tie tolerance.

    ``chunks`` yields blocks of patterns ``(C, d)`` (e.g. :func:`pattern_chunks`, or patterns generated
    on the fly). Each block's coefficients ``(h^T X, k, size)`` (up to ``exp(beta shift)``, see
    :class:`~hopfield.functional.dense_interactions.Coefficients`) are one
    :class:`~hopfield.functional.lse.LsePartial`, merged with :func:`~hopfield.functional.lse.merge`,
    so ``O(B C)`` extra memory suffices. Returns ``margin`` (B, d), in units of a positive factor per
    state, and ``tol`` (B, 1) in the same units: neuron ``j`` flips iff ``margin < -tol``.
    """
    b, d = state.shape
    beta = 1.0 if interaction.beta is None else float(finite_beta(interaction.beta, state.dtype))
    acc = LsePartial.empty([(b, d), (b,), (b,)], state, beta)
    for part in _parts(state, chunks, interaction, beta):
        acc = merge(acc, part)
    u, k, size = acc.terms
    return state * u + k[:, None], (tie_tolerance(state.dtype, acc.count) * size)[:, None]


def sync_update(state: Tensor, chunks: Iterable[Tensor], interaction: Interaction) -> Tensor:
    """One synchronous step ``xi_j <- T_j(xi)`` for every ``j`` at once (eq. (531) of 004 from one state).

    This is the "one update" of Theorem B10 of 004. state (B, d); returns (B, d).
    """
    m, tol = margins(state, chunks, interaction)
    return torch.where(m < -tol, -state, state)
