"""Interaction functions ``F`` of the dense associative memory and the coefficients of its update.

Energy (530) of 004 is ``E(xi) = -sum_i F(x_i^T xi)``. With the overlaps ``s_i = x_i^T xi`` the bracket
of the update (531) is exactly ``Delta_j = sum_i x_ij h(s_i) + xi_j k`` with

    h(s) = [F(s+2) - F(s-2)] / 2,    k = sum_i c(s_i),    c(s) = F(s) - [F(s+2) + F(s-2)] / 2

(see :mod:`hopfield.functional.dense`). An :class:`Interaction` turns a block of overlaps into these
:class:`Coefficients`, up to a positive factor per state that never changes a sign.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from hopfield._registry import Registry
from hopfield.functional.lse import finite_beta

__all__ = [
    "INTERACTIONS",
    "Coefficients",
    "Interaction",
    "callable_interaction",
    "exp_interaction",
    "make_interaction",
    "poly_interaction",
    "rectified_poly_interaction",
]


@dataclass
class Coefficients:
    """The update's coefficients for a block of overlaps ``s`` (B, N), up to a positive factor per state.

    ``h`` (B, N) and ``k`` (B,) give the margins ``xi_j (h^T X)_j + k``; ``size`` (B,) is
    ``sum |h| + sum |c|`` (the scale of the rounding error). The true values are ``exp(beta shift)``
    times these (``shift`` (B,), ``beta`` the interaction's, 1 where it has none), up to one positive
    constant shared by all states and blocks: blocks of patterns merge as the parts of a log-sum-exp
    (:class:`hopfield.functional.lse.LsePartial` with shift ``m = shift``).
    """

    h: Tensor
    k: Tensor
    size: Tensor
    shift: Tensor


@dataclass(frozen=True)
class Interaction:
    """An interaction function ``F`` of eq. (530) of 004 and what the dynamics need from it.

    ``f`` applies ``F`` elementwise; ``coefficients(s)`` returns :class:`Coefficients` for overlaps
    ``s`` (B, N); ``beta`` is set exactly when ``F(a) = exp(beta a)``: the energy is then computed in
    the log domain (a log-sum-exp), and the asynchronous loop updates the coefficients of a flipped
    state by one multiplication instead of recomputing them. ``weights(s, out)`` (exp only) is the ``h``
    of ``coefficients``, ``w = exp(beta (s - max s))`` (B, N), written into ``out`` when given.
    """

    name: str
    f: Callable[[Tensor], Tensor]
    coefficients: Callable[[Tensor], Coefficients]
    beta: float | None = None
    weights: Callable[[Tensor, Tensor | None], Tensor] | None = None


def _difference_coefficients(f: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Coefficients]:
    """``h(s) = [F(s+2) - F(s-2)]/2``, ``c(s) = F(s) - [F(s+2) + F(s-2)]/2`` for any ``F``."""

    def coefficients(s: Tensor) -> Coefficients:
        fp, fm = f(s + 2), f(s - 2)
        h = 0.5 * (fp - fm)
        c = f(s) - 0.5 * (fp + fm)
        size = h.abs().sum(dim=-1) + c.abs().sum(dim=-1)
        return Coefficients(h, c.sum(dim=-1), size, s.new_zeros(s.shape[0]))

    return coefficients


INTERACTIONS: Registry[Callable[[int, float], Interaction]] = Registry("interaction function", "interaction")


@INTERACTIONS.register("poly")
def poly_interaction(degree: int, beta: float = 1.0) -> Interaction:
    """``F(a) = a^n`` (Krotov and Hopfield; 004 §B4.2, ``n = degree``; ``n = 2`` is the classical network).

    ``beta`` is unused (it would only scale the energy).
    """

    def f(a: Tensor) -> Tensor:
        return a.pow(degree)

    return Interaction("poly", f, _difference_coefficients(f))


@INTERACTIONS.register("rectified_poly")
def rectified_poly_interaction(degree: int, beta: float = 1.0) -> Interaction:
    """``F(a) = max(a, 0)^n`` (the rectified polynomial of Krotov and Hopfield). ``beta`` is unused."""

    def f(a: Tensor) -> Tensor:
        return a.clamp(min=0).pow(degree)

    return Interaction("rectified_poly", f, _difference_coefficients(f))


@INTERACTIONS.register("exp")
def exp_interaction(degree: int = 1, beta: float = 1.0) -> Interaction:
    """``F(a) = exp(beta a)`` (Demircigil et al., Theorem B10 of 004). ``degree`` is unused.

    Coefficients ``h = w``, ``c = -tanh(beta) w`` with ``w = exp(beta (s - max s))`` in (0, 1]: the exact
    ones divided by ``sinh(2 beta) exp(beta max s)`` (``shift = max s``). ``beta`` is capped at the
    dtype's largest value (:func:`~hopfield.functional.lse.finite_beta`), so ``beta (s - max s)`` is
    never ``inf * 0``: every beta in ``(0, inf)`` gives finite coefficients.
    """
    t = math.tanh(beta)

    def f(a: Tensor) -> Tensor:
        return torch.exp(finite_beta(beta, a.dtype) * a)

    def weights(s: Tensor, out: Tensor | None = None) -> Tensor:
        top = s.amax(dim=-1, keepdim=True)  # an integer: s - top is exact
        return torch.sub(s, top, out=out).mul_(finite_beta(beta, s.dtype)).exp_()

    def coefficients(s: Tensor) -> Coefficients:
        w = weights(s)
        total = w.sum(dim=-1)
        return Coefficients(w, -t * total, (1.0 + t) * total, s.amax(dim=-1))

    return Interaction("exp", f, coefficients, beta, weights)


def callable_interaction(fn: Callable[[Tensor], Tensor], name: str | None = None) -> Interaction:
    """An interaction from a user function ``F`` applied elementwise to a tensor of overlaps.

    ``fn`` is called as given; :class:`hopfield.DenseAssociativeMemory` wraps it with checks of its
    output (shape, floating dtype, finite values) first.
    """
    return Interaction(name or str(getattr(fn, "__name__", "callable")), fn, _difference_coefficients(fn))


def make_interaction(interaction: str | Callable[[Tensor], Tensor], degree: int, beta: float) -> Interaction:
    """The :class:`Interaction` for a registered name (see :data:`INTERACTIONS`) or a callable ``F``."""
    if callable(interaction):
        return callable_interaction(interaction)
    return INTERACTIONS.get(interaction)(degree, beta)
