"""Separation, largest norm, sphere radius and spread of a pattern set (004 §B2.4-B2.5, 003 §3.3).

Validated wrappers over :mod:`hopfield.functional.modern` (``separation``) plus the small quantities
every bound of the seeds is written in. Computed in float64 on patterns divided by a power of two near
their largest entry (an exact rescaling), so any finite input works: a value beyond the float range
comes back as ``inf``, one below it as 0.
"""

from __future__ import annotations

from typing import Any

from hopfield._validate import check_positive
from hopfield.functional import modern as F
from hopfield.theory._inputs import patterns64, pow2_scale, row_norms
from hopfield.theory._numeric import check_count

__all__ = ["max_norm", "pattern_spread", "separation", "sphere_radius"]

_TWO_ROWS = " to define a separation"


def separation(patterns: Any) -> Any:
    """Separation of every pattern, Definition B1 / eq. (286) of 004 (003 Definition 3.3.2).

    ``Delta_i = x_i^T x_i - max_{j != i} x_i^T x_j``; pattern ``i`` is separated from the others when
    ``Delta_i > 0``. For patterns of equal norm ``Delta_i = 1/2 min_j ||x_i - x_j||^2`` (eq. (287)).

    Parameters
    ----------
    patterns:
        ``(N, d)`` with ``N >= 2``, a floating dtype (torch or NumPy).

    Returns
    -------
    ``(N,)`` separations in the patterns' dtype and form (NumPy for NumPy input), computed in float64.

    Examples
    --------
    >>> import numpy as np
    >>> separation(np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    array([2., 0., 0.])
    """
    x = patterns64(patterns, min_rows=2, bounded=False, why=_TWO_ROWS)
    s = pow2_scale(x.t)
    return x.back(F.separation(x.t / s) * s * s, batch_axis=False)


def max_norm(patterns: Any) -> float:
    """``M = max_i ||x_i||``, the largest pattern norm (004 eq. (2)), as a float (computed in float64)."""
    return float(row_norms(patterns64(patterns, bounded=False).t).amax())


def sphere_radius(beta: float, n_patterns: int, max_norm: float) -> float:
    """Radius ``1 / (beta N M)`` of the sphere ``S_i`` around each pattern, eq. (288) of 004.

    Definition B2 of 004, Definition 3.3.3 of 003. Two spheres are disjoint when
    ``1 < 2 (N - 1) N beta M^2`` (eq. (294)). ``inf`` where ``beta N M`` underflows.
    """
    beta = check_positive(beta, "beta")
    n = check_count(n_patterns, "n_patterns")
    m = check_positive(max_norm, "max_norm")
    return 1.0 / beta / n / m


def pattern_spread(patterns: Any) -> tuple[Any, float]:
    """Center ``m_x`` (eq. (68)) and largest distance ``m_max = max_i ||x_i - m_x||`` (eq. (69)) of 004.

    003 Definition 3.3.1 writes ``m_max^2``. Returns ``(m_x (d,), m_max)``; ``m_x`` in the patterns'
    dtype and form (NumPy for NumPy input).
    """
    x = patterns64(patterns, bounded=False)
    s = pow2_scale(x.t)
    return x.back((x.t / s).mean(dim=0) * s, batch_axis=False), spread(x.t)


def spread(x: Any) -> float:
    """``m_max`` of float64 patterns (a tensor), without overflow (for the bounds)."""
    s = pow2_scale(x)
    y = x / s
    return float(row_norms(y - y.mean(dim=0)).amax()) * s
