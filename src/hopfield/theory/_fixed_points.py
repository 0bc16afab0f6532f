"""The three kinds of fixed points of the modern Hopfield update (004 §B2.4, Figure B1).

a) a single pattern ``x_i`` (§B2.4.3): the softmax puts almost all weight on ``i``;
b) a metastable state over a set of similar patterns (§B2.4.4): the weight sits on a proper subset
   ``S`` of the patterns and the state is near their mean;
c) the global fixed point near the mean of all patterns (§B2.4.2): the weight is spread over all of them.

Computed in float64 with the softmax shifted before beta multiplies, so every positive finite beta works.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from hopfield._validate import check_positive, check_probability
from hopfield.functional import modern as F
from hopfield.functional.lse import softmax
from hopfield.theory._beta import scaled_margin
from hopfield.theory._inputs import patterns64, row_norms, states64
from hopfield.theory._jacobian import jac_norm

__all__ = ["FixedPointClass", "classify_fixed_point"]


@dataclass(frozen=True)
class FixedPointClass:
    """Result of :func:`classify_fixed_point` for one state.

    Attributes
    ----------
    kind:
        ``"pattern"``, ``"metastable"`` or ``"global"``.
    indices:
        The support: the fewest patterns whose softmax weights sum to at least ``1 - tol``, by
        decreasing weight (one index for ``"pattern"``, all ``N`` for ``"global"``).
    mass:
        Total softmax weight on ``indices``.
    evidence:
        The numbers behind the verdict: ``weights`` (of ``indices``), ``residual`` ``||f(xi) - xi||``
        (small at a fixed point), ``is_fixed_point``, ``jacobian_norm`` ``||J(xi)||_2`` (< 1: attracting),
        ``distance`` to the support's mean (the pattern itself for ``"pattern"``), and per kind:
        ``"pattern"``: ``sphere_radius`` ``1/(beta N M)`` (eq. (288)), ``in_sphere``, ``separation``
        ``Delta_i`` and ``separated`` (eq. (289) holds for ``i``); ``"metastable"``: ``spread``
        ``m_max`` of the support and ``spread_condition`` ``beta m_max^2 <= 1`` (eq. (229));
        ``"global"``: ``spread`` ``m_max`` of all patterns, ``contraction`` ``beta m_max^2 < 1``
        (Lemma 3) and ``uniformity`` ``N max_i |p_i - 1/N|``.
    """

    kind: str
    indices: list[int]
    mass: float
    evidence: dict[str, Any] = field(default_factory=dict)


def classify_fixed_point(
    state: Any, patterns: Any, beta: float, *, tol: float = 0.05, residual_tol: float = 1e-6
) -> FixedPointClass | list[FixedPointClass]:
    """Classify (fixed-point) states as single pattern, metastable over a set, or global (004 §B2.4).

    Parameters
    ----------
    state:
        ``(d,)`` or ``(B, d)`` states, usually the result of a retrieval (a floating dtype, torch or
        NumPy; computed in float64).
    patterns:
        ``(N, d)`` stored patterns, ``N >= 2``.
    beta:
        Inverse temperature (> 0).
    tol:
        Softmax weight allowed outside the support, in (0, 1].
    residual_tol:
        ``is_fixed_point`` is ``||f(xi) - xi|| <= residual_tol max(1, M)`` (the default suits float64
        retrievals; a float32 retrieval stops near ``1e-5 max(1, M)`` per coordinate: raise it there).

    Returns
    -------
    One :class:`FixedPointClass` for a ``(d,)`` state, a list for ``(B, d)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[4.0, 0.0], [0.0, 4.0]])
    >>> classify_fixed_point(x[0], x, beta=2.0).kind, classify_fixed_point(x.mean(0), x, beta=0.01).kind
    ('pattern', 'global')
    """
    beta = check_positive(beta, "beta")
    tol = check_probability(tol, "tol")
    residual_tol = check_positive(residual_tol, "residual_tol")
    xp = patterns64(patterns, min_rows=2, why=" to define a separation")
    xs = states64(state, xp)
    x, xi = xp.t, xs.t
    n, m = x.shape[0], float(row_norms(x).amax())
    p = softmax(beta, xi @ x.T)  # (B, N)
    residual = torch.linalg.vector_norm(p @ x - xi, dim=-1)
    jac = jac_norm(xi, x, beta)
    order = p.argsort(dim=-1, descending=True)
    sorted_p = p.gather(-1, order)
    size = ((sorted_p.cumsum(-1) < 1 - tol).sum(-1) + 1).clamp(max=n)  # (B,)
    delta = F.separation(x)
    radius = math.inf if m == 0 else 1.0 / beta / n / m
    results = []
    for b in range(xi.shape[0]):
        k = int(size[b])
        idx = order[b, :k].tolist()
        mass = float(sorted_p[b, :k].sum())
        support = x[idx]
        center = support.mean(dim=0)
        dist = float(torch.linalg.vector_norm(xi[b] - center))
        ev: dict[str, Any] = {
            "weights": sorted_p[b, :k].tolist(),
            "residual": float(residual[b]),
            "is_fixed_point": bool(residual[b] <= residual_tol * max(1.0, m)),
            "jacobian_norm": float(jac[b]),
            "distance": dist,
        }
        if k == 1:
            kind = "pattern"
            i = idx[0]
            ev.update(
                sphere_radius=radius,
                in_sphere=dist <= radius,
                separation=float(delta[i]),
                separated=scaled_margin(beta, float(delta[i]), n, m) >= 0,
            )
        else:
            spread = float(torch.linalg.vector_norm(support - center, dim=-1).amax())
            if k == n:
                kind = "global"
                ev.update(
                    spread=spread,
                    contraction=spread * spread * beta < 1.0,
                    uniformity=float(n * (p[b] - 1.0 / n).abs().amax()),
                )
            else:
                kind = "metastable"
                ev.update(spread=spread, spread_condition=spread * spread * beta <= 1.0)
        results.append(FixedPointClass(kind, idx, mass, ev))
    return results[0] if xs.out.squeeze else results
