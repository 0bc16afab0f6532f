"""Retrieval-error bounds of the modern Hopfield update (004 §B2.5: Lemma 4, Theorems B8 and B9;
003 Lemma 3.3.2).

The update is ``f(xi) = X softmax(beta X^T xi)`` (eq. (46) of 004). Everything is computed in float64;
exponents are formed before they are exponentiated, so every positive finite beta gives finite
numbers or an honest ``inf`` (a bound beyond the float range), never NaN. Per-pattern results come back
in the patterns' form and dtype, per-query results in the state's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from hopfield._errors import input_error
from hopfield._validate import as_indices, check_int, check_positive
from hopfield.functional import modern as F
from hopfield.theory._inputs import patterns64, row_norms, states64
from hopfield.theory._numeric import ln

__all__ = [
    "OneStepBound",
    "RetrievalErrorBounds",
    "UpdateBound",
    "one_step_bound",
    "retrieval_error_bounds",
    "update_bound",
]

_TWO_ROWS = " to define a separation"

#: Stopping threshold of the fixed-point iteration of :func:`retrieval_error_bounds`, relative to
#: ``max(1, M)`` (float64; the bounds are compared with errors far above it).
FIXED_POINT_TOL = 1e-13


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
    state ``(d,)`` or ``(B, d)``; patterns ``(N, d)`` with ``N >= 2``; results per query.
    """
    beta = check_positive(beta, "beta")
    x = patterns64(patterns, min_rows=2, why=_TWO_ROWS)
    xi = states64(state, x)
    n, m = x.t.shape[0], float(row_norms(x.t).amax())
    top = (xi.t @ x.t.T).topk(2, dim=-1)
    gap = top.values[:, 0] - top.values[:, 1]
    idx = top.indices[:, 0]
    eps = torch.exp(-beta * gap) * (n - 1)
    error = torch.linalg.vector_norm(x.t[idx] - F.update(xi.t, x.t, beta, backend="materialized"), dim=-1)
    return OneStepBound(xi.back(idx), xi.back(gap), xi.back(eps), xi.back(eps * (2 * m)), xi.back(error))


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
    patterns:
        ``(N, d)`` stored patterns, ``N >= 2``.
    beta:
        Inverse temperature, a positive finite number.
    fixed_point:
        The fixed point ``x*_i`` for each query, same shape as ``state``.
    index:
        The pattern index ``i`` for each query: an integer, or ``B`` integers (NumPy or torch).
    """
    beta = check_positive(beta, "beta")
    x = patterns64(patterns, min_rows=2, why=_TWO_ROWS)
    xi = states64(state, x)
    fp = states64(fixed_point, x, "fixed_point").t
    if fp.shape != xi.t.shape:
        raise input_error(
            "fixed_point", f"the shape of state {tuple(xi.t.shape)}", f"shape {tuple(fp.shape)}", verb="have"
        )
    n, b = x.t.shape[0], xi.t.shape[0]
    idx = as_indices(index, "index", n).to(x.t.device)
    if idx.numel() not in (1, b):
        raise input_error("index", f"one index or {b} (one per query)", f"{idx.numel()} indices", verb="hold")
    idx = idx.expand(b)
    m = float(row_norms(x.t).amax())
    delta = F.separation(x.t)[idx]
    x_i = x.t[idx]
    r = torch.maximum(
        torch.linalg.vector_norm(xi.t - x_i, dim=-1), torch.linalg.vector_norm(fp - x_i, dim=-1)
    )
    # ln of 2 beta N M^2 (N - 1) exp(...), summed before exponentiating; M = 0 gives 0, not 0 * inf
    log_lip = math.log(2.0 * n * (n - 1)) + math.log(beta) + 2.0 * ln(m) - beta * (delta - 2 * r * m)
    lip = torch.exp(log_lip)
    start = torch.linalg.vector_norm(xi.t - fp, dim=-1)
    bound = torch.where(start == 0, torch.zeros_like(lip), lip * start)
    error = torch.linalg.vector_norm(F.update(xi.t, x.t, beta, backend="materialized") - fp, dim=-1)
    return UpdateBound(xi.back(lip), xi.back(bound), xi.back(error), xi.back(start))


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
    converged:
        Whether the iteration that found each ``x*_i`` met its tolerance within ``max_steps`` (``None``
        when ``fixed_points`` were given).
    """

    error: Any
    bound: Any
    bound_simple: Any
    bound_seed: Any
    applies: Any
    separation: Any
    fixed_points: Any
    converged: Any = None


def retrieval_error_bounds(
    patterns: Any, beta: float, fixed_points: Any = None, *, max_steps: int = 1000
) -> RetrievalErrorBounds:
    """Theorem B9 of 004 (exponentially small retrieval error), eqs. (390)-(391), for every pattern.

    Without ``fixed_points`` the fixed point ``x*_i`` is found by iterating the update from ``x_i``
    (float64, to ``1e-13 max(1, M)``, at most ``max_steps`` updates; ``converged`` says which met the
    tolerance). Eq. (390) holds at every fixed point; (391) where ``||x_i - x*_i|| <= 1/(2 beta M)``,
    with the factor 2 the seed's (391) drops. patterns ``(N, d)``, ``N >= 2``; fixed_points ``(N, d)``.
    """
    beta = check_positive(beta, "beta")
    max_steps = check_int(max_steps, "max_steps")
    x = patterns64(patterns, min_rows=2, why=_TWO_ROWS)
    n, m = x.t.shape[0], float(row_norms(x.t).amax())
    converged = None
    if fixed_points is None:
        raw = F.retrieve(x.t.clone(), x.t, beta, max_steps=max_steps, tol=FIXED_POINT_TOL * max(1.0, m))
        fp, converged = raw.state, x.back(raw.converged, batch_axis=False)
    else:
        fp = states64(fixed_points, x, "fixed_points").t
        if fp.shape != x.t.shape:
            raise input_error(
                "fixed_points",
                f"shape {tuple(x.t.shape)} (one per pattern)",
                f"shape {tuple(fp.shape)}",
                verb="have",
            )
    delta = F.separation(x.t)
    err = torch.linalg.vector_norm(x.t - fp, dim=-1)
    bound = torch.exp(-beta * (delta - 2 * err * m)) * (2 * (n - 1) * m)
    seed = torch.exp(-beta * delta) * (math.e * (n - 1) * m)
    reach = math.inf if m == 0 else 1.0 / beta / 2.0 / m

    def back(t: torch.Tensor) -> Any:
        return x.back(t, batch_axis=False)

    return RetrievalErrorBounds(
        error=back(err),
        bound=back(bound),
        bound_simple=back(2 * seed),
        bound_seed=back(seed),
        applies=back(err <= reach),
        separation=back(delta),
        fixed_points=back(fp),
        converged=converged,
    )
