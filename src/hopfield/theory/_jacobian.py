"""The Jacobian of the modern Hopfield update and its bounds (004 §B2.4, Lemmas 2 and 3; 003 §3.3).

The update is ``f(xi) = X softmax(beta X^T xi)`` (eq. (46) of 004). Its Jacobian is
``J = beta X (diag(p) - p p^T) X^T = beta Var_p[x]`` (eqs. (48), (67)). Computed in float64 with the
softmax shifted before beta multiplies (:func:`hopfield.functional.lse.softmax`), so every positive
finite beta works; a norm beyond the float range comes back as ``inf``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._validate import check_positive
from hopfield.functional.lse import softmax
from hopfield.theory._inputs import patterns64, pow2_scale, states64
from hopfield.theory._separation import spread

__all__ = ["JacobianBound", "global_convergence_beta", "jacobian_bound", "jacobian_norm"]


def jac_norm(xi: Tensor, x: Tensor, beta: float) -> Tensor:
    """``||J(xi)||_2`` per row of ``xi`` ``(B, d)`` for float64 patterns ``x`` ``(N, d)``: ``(B,)``."""
    p = softmax(beta, xi @ x.T)  # (B, N)
    mean = p @ x  # (B, d)
    y = p.sqrt()[..., None] * (x[None] - mean[:, None])  # (B, N, d)
    top = y.abs().flatten(1).amax(dim=1)  # (B,): rescale each query's Y by a power of two (exact)
    s = torch.where(top > 0, torch.ldexp(torch.ones_like(top), torch.frexp(top)[1]), 1.0)[:, None, None]
    norm: Tensor = torch.linalg.matrix_norm(y / s, ord=2) * s[:, 0, 0]
    return norm**2 * beta


def _inverse_square(v: float) -> float:
    return math.inf if v == 0 else 1.0 / v / v


def jacobian_norm(state: Any, patterns: Any, beta: float) -> Any:
    """Exact spectral norm ``||J(xi)||_2`` of the update's Jacobian, eq. (48) of 004, per query.

    ``J = beta sum_i p_i (x_i - xbar)(x_i - xbar)^T`` with ``xbar = X p`` (eq. (70)), so
    ``||J||_2 = beta s_max(Y)^2`` for the ``(N, d)`` matrix ``Y`` with rows ``sqrt(p_i) (x_i - xbar)``.

    Parameters
    ----------
    state:
        ``(d,)`` or ``(B, d)`` queries, a floating dtype (torch or NumPy).
    patterns:
        ``(N, d)`` stored patterns.
    beta:
        Inverse temperature, a positive finite number.

    Returns
    -------
    One norm per query, ``()`` or ``(B,)``, in the state's form and dtype (computed in float64).
    Materializes ``(B, N, d)``: for analysis.
    """
    beta = check_positive(beta, "beta")
    x = patterns64(patterns)
    xi = states64(state, x)
    return xi.back(jac_norm(xi.t, x.t, beta))


def global_convergence_beta(patterns: Any) -> float:
    """``1 / m_max^2``: below this beta every query converges to the single fixed point near the mean.

    Lemma 3 of 004 (003 Proposition 3.3): ``||J||_2 <= beta m_max^2`` everywhere, so for
    ``beta m_max^2 < 1`` the update is a contraction and has one fixed point, close to the center
    ``m_x`` (§B2.4.2). ``m_max = max_i ||x_i - m_x||``. Infinite when all patterns coincide.
    """
    return _inverse_square(spread(patterns64(patterns, bounded=False).t))


@dataclass(frozen=True)
class JacobianBound:
    """Result of :func:`jacobian_bound`.

    Attributes
    ----------
    bound:
        ``beta m_max^2``, the query-independent bound of 004 Lemma 3 / 003 Proposition 3.3.
    lemma2_bound:
        ``beta ||X||_2^2 / 2``, 004 Lemma 2 (eq. (49)) with its worst case ``max_i p_i (1 - p_i) = 1/4``.
    contraction:
        ``bound < 1``: one global fixed point near the mean.
    beta_global:
        ``1 / m_max^2``: :func:`global_convergence_beta`.
    norm:
        Exact ``||J(xi)||_2`` per query (``None`` without ``state``), in the state's form and dtype.
    lemma2_state:
        ``2 beta ||X||_2^2 max_i p_i (1 - p_i)`` per query, eq. (49) (``None`` without ``state``).
    """

    bound: float
    lemma2_bound: float
    contraction: bool
    beta_global: float
    norm: Any = None
    lemma2_state: Any = None


def jacobian_bound(patterns: Any, beta: float, state: Any = None) -> JacobianBound:
    """Bounds on ``||J||_2`` (004 Lemma 2 and Lemma 3, 003 Proposition 3.3), and exact values at ``state``.

    ``patterns`` ``(N, d)``; ``state`` ``(d,)`` or ``(B, d)`` or None. Computed in float64.

    Examples
    --------
    >>> import numpy as np
    >>> jb = jacobian_bound(np.array([[1.0, 0.0], [-1.0, 0.0]]), beta=0.5, state=np.zeros(2))
    >>> jb.bound, jb.contraction, round(float(jb.norm), 12)
    (0.5, True, 0.5)
    """
    beta = check_positive(beta, "beta")
    x = patterns64(patterns)
    m_max = spread(x.t)
    s = pow2_scale(x.t)
    x_norm = float(torch.linalg.matrix_norm(x.t / s, ord=2)) * s  # ||X||_2, finite; its square may not be
    bound = m_max * m_max * beta
    norm = lemma2 = None
    if state is not None:
        xi = states64(state, x)
        p = softmax(beta, xi.t @ x.t.T)
        norm = xi.back(jac_norm(xi.t, x.t, beta))
        # in this order a zero max p (1 - p) gives 0, never 0 * inf
        lemma2 = xi.back((p * (1 - p)).amax(dim=-1) * (2.0 * x_norm) * x_norm * beta)
    return JacobianBound(
        bound, x_norm * x_norm * beta / 2.0, bound < 1.0, _inverse_square(m_max), norm, lemma2
    )
