"""Jacobian and retrieval-error bounds of the modern Hopfield update (004 §B2.4-B2.5, 003 §3.3).

The update is ``f(xi) = X softmax(beta X^T xi)`` (eq. (46) of 004). Its Jacobian is
``J = beta X (diag(p) - p p^T) X^T = beta Var_p[x]`` (eqs. (48), (67)). Everything here is computed in
float64; per-pattern / per-query arrays come back as NumPy for NumPy input, as tensors otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output, is_numpy
from hopfield._validate import as_states, check_int, check_positive
from hopfield.functional import modern as F
from hopfield.theory._separation import _patterns

__all__ = [
    "JacobianBound",
    "OneStepBound",
    "RetrievalErrorBounds",
    "UpdateBound",
    "global_convergence_beta",
    "jacobian_bound",
    "jacobian_norm",
    "one_step_bound",
    "retrieval_error_bounds",
    "update_bound",
]


def _x64(patterns: Any, min_rows: int = 1) -> Tensor:
    return _patterns(patterns, min_rows=min_rows, why=" to define a separation").to(torch.float64)


def _states64(state: Any, x: Tensor, name: str = "state") -> tuple[Tensor, Output]:
    xi, out = as_states(state, x.shape[1], name)
    return xi.to(device=x.device, dtype=torch.float64), out


def _spread(x: Tensor) -> float:
    return float(torch.linalg.vector_norm(x - x.mean(dim=0), dim=-1).amax())


def jacobian_norm(state: Any, patterns: Any, beta: float) -> Any:
    """Exact spectral norm ``||J(xi)||_2`` of the update's Jacobian, eq. (48) of 004, per query.

    ``J = beta sum_i p_i (x_i - xbar)(x_i - xbar)^T`` with ``xbar = X p`` (eq. (70)), so
    ``||J||_2 = beta s_max(Y)^2`` for the ``(N, d)`` matrix ``Y`` with rows ``sqrt(p_i) (x_i - xbar)``.
    state: ``(d,)`` or ``(B, d)``; returns a float per query. Materializes ``(B, N, d)``: for analysis.
    """
    beta = check_positive(beta, "beta")
    x = _x64(patterns)
    xi, out = _states64(state, x)
    return out(_jac_norm(xi, x, beta))


def _jac_norm(xi: Tensor, x: Tensor, beta: float) -> Tensor:
    p = torch.softmax(beta * xi @ x.T, dim=-1)  # (B, N)
    mean = p @ x  # (B, d)
    y = p.sqrt()[..., None] * (x[None] - mean[:, None])  # (B, N, d)
    return beta * torch.linalg.matrix_norm(y, ord=2) ** 2


def global_convergence_beta(patterns: Any) -> float:
    """``1 / m_max^2``: below this beta every query converges to the single fixed point near the mean.

    Lemma 3 of 004 (003 Proposition 3.3): ``||J||_2 <= beta m_max^2`` everywhere, so for
    ``beta m_max^2 < 1`` the update is a contraction and has one fixed point, close to the center
    ``m_x`` (§B2.4.2). ``m_max = max_i ||x_i - m_x||``. Infinite when all patterns coincide.
    """
    spread = _spread(_x64(patterns))
    return math.inf if spread == 0 else 1.0 / spread**2


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
        Exact ``||J(xi)||_2`` per query (``None`` without ``state``).
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

    Examples
    --------
    >>> import numpy as np
    >>> jb = jacobian_bound(np.array([[1.0, 0.0], [-1.0, 0.0]]), beta=0.5, state=np.zeros(2))
    >>> jb.bound, jb.contraction, round(float(jb.norm), 12)
    (0.5, True, 0.5)
    """
    beta = check_positive(beta, "beta")
    x = _x64(patterns)
    spread = _spread(x)
    x_norm2 = float(torch.linalg.matrix_norm(x, ord=2)) ** 2
    bound = beta * spread**2
    norm = lemma2 = None
    if state is not None:
        xi, out = _states64(state, x)
        p = torch.softmax(beta * xi @ x.T, dim=-1)
        norm = out(_jac_norm(xi, x, beta))
        lemma2 = out(2.0 * beta * x_norm2 * (p * (1 - p)).amax(dim=-1))
    beta_global = math.inf if spread == 0 else 1.0 / spread**2
    return JacobianBound(bound, beta * x_norm2 / 2.0, bound < 1.0, beta_global, norm, lemma2)


@dataclass(frozen=True)
class OneStepBound:
    """Result of :func:`one_step_bound` (per query).

    ``index``: the pattern ``i = argmax_k min_{j != k} (xi^T x_k - xi^T x_j)`` (eq. (119));
    ``gap``: ``c`` of eq. (120); ``epsilon``: ``(N - 1) exp(-beta c)`` (eq. (123));
    ``bound``: ``2 epsilon M`` (eq. (121)); ``error``: the measured ``||x_i - f(xi)||``.
    """

    index: Any
    gap: Any
    epsilon: Any
    bound: Any
    error: Any


def one_step_bound(state: Any, patterns: Any, beta: float) -> OneStepBound:
    """003 Lemma 3.3.2 / 004 Lemma 4: ``||x_i - f(xi)|| <= 2 (N - 1) exp(-beta c) M`` after one update.

    ``i`` is the pattern with the largest score ``xi^T x_i`` and ``c`` its margin over the second largest.
    Needs ``N >= 2``.
    """
    beta = check_positive(beta, "beta")
    x = _x64(patterns, min_rows=2)
    xi, out = _states64(state, x)
    n, m = x.shape[0], float(F.max_norm(x))
    top = (xi @ x.T).topk(2, dim=-1)
    gap = top.values[:, 0] - top.values[:, 1]
    idx = top.indices[:, 0]
    eps = (n - 1) * torch.exp(-beta * gap)
    error = torch.linalg.vector_norm(x[idx] - F.update(xi, x, beta, backend="materialized"), dim=-1)
    return OneStepBound(out(idx), out(gap), out(eps), out(2 * eps * m), out(error))


@dataclass(frozen=True)
class UpdateBound:
    """Result of :func:`update_bound` (per query).

    ``lipschitz``: the bound (383) on ``||J^m||_2``; ``bound``: ``lipschitz ||xi - x*||`` (382);
    ``error``: the measured ``||f(xi) - x*||``; ``start``: ``||xi - x*||``.
    """

    lipschitz: Any
    bound: Any
    error: Any
    start: Any


def update_bound(state: Any, patterns: Any, beta: float, fixed_point: Any, index: Any) -> UpdateBound:
    """Theorem B8 of 004 (convergence after one update), eqs. (382)-(383), per query.

    ``||f(xi) - x*_i|| <= ||J^m||_2 ||xi - x*_i||`` with
    ``||J^m||_2 <= 2 beta N M^2 (N - 1) exp(-beta (Delta_i - 2 max{||xi - x_i||, ||x*_i - x_i||} M))``.

    Parameters
    ----------
    state:
        Queries ``(d,)`` or ``(B, d)``.
    fixed_point:
        The fixed point ``x*_i`` for each query, same shape as ``state``.
    index:
        The pattern index ``i`` for each query (an int, or ``(B,)`` ints).
    """
    beta = check_positive(beta, "beta")
    x = _x64(patterns, min_rows=2)
    xi, out = _states64(state, x)
    fp, _ = _states64(fixed_point, x, "fixed_point")
    if fp.shape != xi.shape:
        raise ValueError(f"fixed_point must have the shape of state {tuple(xi.shape)}, got {tuple(fp.shape)}")
    idx = torch.as_tensor(index, dtype=torch.long).reshape(-1).expand(xi.shape[0])
    n = x.shape[0]
    if bool(((idx < 0) | (idx >= n)).any()):
        raise ValueError(f"index must hold pattern indices in [0, {n}), got {idx.tolist()}")
    m = float(F.max_norm(x))
    delta = F.separation(x)[idx]
    xi_i = x[idx]
    r = torch.maximum(
        torch.linalg.vector_norm(xi - xi_i, dim=-1), torch.linalg.vector_norm(fp - xi_i, dim=-1)
    )
    lip = 2 * beta * n * m * m * (n - 1) * torch.exp(-beta * (delta - 2 * r * m))
    start = torch.linalg.vector_norm(xi - fp, dim=-1)
    error = torch.linalg.vector_norm(F.update(xi, x, beta, backend="materialized") - fp, dim=-1)
    return UpdateBound(out(lip), out(lip * start), out(error), out(start))


@dataclass(frozen=True)
class RetrievalErrorBounds:
    """Result of :func:`retrieval_error_bounds`, one entry per stored pattern.

    Attributes
    ----------
    error:
        Measured retrieval error ``||x_i - x*_i||`` (Definition B4).
    bound:
        Eq. (390): ``2 (N - 1) exp(-beta (Delta_i - 2 ||x*_i - x_i|| M)) M``.
    bound_simple:
        The corrected eq. (391): ``2 e (N - 1) M exp(-beta Delta_i)``, valid where ``applies``.
    bound_seed:
        Eq. (391) as printed in 004: ``e (N - 1) M exp(-beta Delta_i)``; it drops the factor 2 of
        (390) and fails on some instances (two antipodal patterns, ``beta M^2 = 1.5``).
    applies:
        ``||x_i - x*_i|| <= 1 / (2 beta M)``, the condition of (391).
    separation:
        ``Delta_i``.
    fixed_points:
        ``(N, d)`` the fixed points ``x*_i`` used.
    """

    error: Any
    bound: Any
    bound_simple: Any
    bound_seed: Any
    applies: Any
    separation: Any
    fixed_points: Any


def retrieval_error_bounds(
    patterns: Any, beta: float, fixed_points: Any = None, *, max_steps: int = 1000
) -> RetrievalErrorBounds:
    """Theorem B9 of 004 (exponentially small retrieval error), eqs. (390)-(391), for every pattern.

    Without ``fixed_points`` the fixed point ``x*_i`` is found by iterating the update from ``x_i``
    (float64, to ``1e-13 max(1, M)``). Eq. (390) holds at every fixed point; (391) where
    ``||x_i - x*_i|| <= 1/(2 beta M)``, with the factor 2 the seed's (391) drops.
    """
    beta = check_positive(beta, "beta")
    max_steps = check_int(max_steps, "max_steps")
    x = _x64(patterns, min_rows=2)
    numpy = is_numpy(patterns)
    n, m = x.shape[0], float(F.max_norm(x))
    if fixed_points is None:
        fp = F.retrieve(x.clone(), x, beta, max_steps=max_steps, tol=1e-13 * max(1.0, m)).state
    else:
        fp, _ = _states64(fixed_points, x, "fixed_points")
        if fp.shape != x.shape:
            raise ValueError(f"fixed_points must have shape {tuple(x.shape)}, got {tuple(fp.shape)}")
    delta = F.separation(x)
    err = torch.linalg.vector_norm(x - fp, dim=-1)
    bound = 2 * (n - 1) * torch.exp(-beta * (delta - 2 * err * m)) * m
    seed = math.e * (n - 1) * m * torch.exp(-beta * delta)
    out = Output(numpy=numpy)
    return RetrievalErrorBounds(
        error=out(err, batch_axis=False),
        bound=out(bound, batch_axis=False),
        bound_simple=out(2 * seed, batch_axis=False),
        bound_seed=out(seed, batch_axis=False),
        applies=out(err <= 1.0 / (2 * beta * m), batch_axis=False),
        separation=out(delta, batch_axis=False),
        fixed_points=out(fp, batch_axis=False),
    )
