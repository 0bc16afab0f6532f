"""Dense associative memories on binary states as pure torch functions (004 §B4.2, 003 §3.1).

Krotov and Hopfield's polynomial network and Demircigil et al.'s exponential network store patterns
``x_i`` in {-1, +1}^d (rows of ``patterns``, the seed's ``X = patterns.T``, eq. (529) of 004) and have
the energy (530) of 004, ``E(xi) = -sum_i F(x_i^T xi)``, with an interaction function ``F``.

**The update (531).** Neuron ``j`` of a state ``xi`` becomes
``T_j(xi) = sgn[sum_i F(x_ij + a_ij) - F(-x_ij + a_ij)]`` with ``a_ij = sum_{l != j} x_il xi_l``; the
bracket ``Delta_j`` is ``E(xi_j = -1) - E(xi_j = +1)``, so the neuron takes the value of lower energy;
``Delta_j = 0`` keeps the current value (the rule of the classical network for a zero field).

**How it is computed.** With the overlaps ``s_i = x_i^T xi`` and ``x_ij xi_j = +-1`` we have
``a_ij = s_i - x_ij xi_j`` and, exactly,

    Delta_j = sum_i x_ij h(s_i) + xi_j k,   h(s) = [F(s+2) - F(s-2)] / 2,
                                            k = sum_i c(s_i),  c(s) = F(s) - [F(s+2) + F(s-2)] / 2,

so the *margin* ``xi_j Delta_j = xi_j (h^T X)_j + k`` is negative exactly when flipping neuron ``j``
lowers the energy. ``h`` and ``k`` depend on the state only through ``s``. Asynchronous dynamics keep
``s``, ``h`` and ``k`` of every state up to date: one neuron costs a matrix-vector product ``O(B N)``
for a batch of ``B`` states, a flip ``O(N)`` per flipped state, a sweep ``O(B N d)``. Synchronous
dynamics compute all margins with one ``(B, N) @ (N, d)`` product, chunk by chunk over the patterns; the
blocks' coefficients merge as parts of a log-sum-exp (:class:`~hopfield.functional.lse.LsePartial`).

For ``F(a) = exp(beta a)`` the pair ``(h, c)`` is ``sinh(2 beta) e^{beta s} (1, -tanh beta)``; it is kept
divided by ``sinh(2 beta) e^{beta max s}`` (a positive factor per state, so no sign changes), so no
``exp`` ever sees an unbounded argument. The rule becomes: keep ``xi_j`` iff
``xi_j [X softmax(beta X^T xi)]_j >= tanh(beta)``. (Equivalently, the softmax form (532) of 004 holds
with ``v = 0``: ``T_j = sgn[X softmax(beta X^T xi(xi_j = 0))]_j``.)

**Ties.** A margin counts as negative only below ``-tol``, ``tol = tie_tolerance(dtype, N) * size``,
where ``size = sum |h| + sum |c|`` bounds the terms' magnitudes; margins within rounding of zero keep the
state. For integer-valued ``F`` (``"poly"``) every quantity is an integer, exact in float64 while below
2^53, and ``tol < 1`` up to ``size ~ 1e13``: ties are then decided exactly.

The code is split by concept: :mod:`~hopfield.functional.dense_interactions` (the interactions and
their coefficients), :mod:`~hopfield.functional.dense_energy` (energy, log-energy, margins, the
synchronous step) and :mod:`~hopfield.functional.dense_dynamics` (the async and sync loops, on the
iteration kernel :func:`hopfield._iterate.run_until_fixed`); this module gathers them.

Shapes: ``patterns`` (N, d), ``state`` (B, d), both ±1 in one floating dtype. No validation here; the
class :class:`hopfield.DenseAssociativeMemory` does it.
"""

from __future__ import annotations

from hopfield.functional.dense_dynamics import (
    DYNAMICS,
    SMALL_MATVEC,
    async_sweeper,
    retrieve,
    retrieve_async,
    retrieve_sync,
)
from hopfield.functional.dense_energy import (
    energy,
    log_energy,
    margins,
    pattern_chunks,
    sync_update,
    tie_tolerance,
)
from hopfield.functional.dense_interactions import (
    INTERACTIONS,
    Coefficients,
    Interaction,
    callable_interaction,
    exp_interaction,
    make_interaction,
    poly_interaction,
    rectified_poly_interaction,
)

__all__ = [
    "DYNAMICS",
    "INTERACTIONS",
    "SMALL_MATVEC",
    "Coefficients",
    "Interaction",
    "async_sweeper",
    "callable_interaction",
    "energy",
    "exp_interaction",
    "log_energy",
    "make_interaction",
    "margins",
    "pattern_chunks",
    "poly_interaction",
    "rectified_poly_interaction",
    "retrieve",
    "retrieve_async",
    "retrieve_sync",
    "sync_update",
    "tie_tolerance",
]
