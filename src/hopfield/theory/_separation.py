"""Separation, largest norm, sphere radius and spread of a pattern set (004 §B2.4-B2.5, 003 §3.3).

Validated wrappers over :mod:`hopfield.functional.modern` (``separation``, ``max_norm``) plus the small
quantities every bound of the seeds is written in.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output, is_numpy
from hopfield._validate import as_patterns, check_int, check_positive
from hopfield.functional import modern as F

__all__ = ["max_norm", "pattern_spread", "separation", "sphere_radius"]


def _patterns(patterns: Any, *, min_rows: int = 1, why: str = "") -> Tensor:
    x = as_patterns(patterns, "patterns")
    if x.shape[0] < min_rows:
        raise ValueError(f"patterns must have at least {min_rows} rows{why}, got shape {tuple(x.shape)}")
    return x


def separation(patterns: Any) -> Any:
    """Separation of every pattern, Definition B1 / eq. (286) of 004 (003 Definition 3.3.2).

    ``Delta_i = x_i^T x_i - max_{j != i} x_i^T x_j``; pattern ``i`` is separated from the others when
    ``Delta_i > 0``. For patterns of equal norm ``Delta_i = 1/2 min_j ||x_i - x_j||^2`` (eq. (287)).

    Parameters
    ----------
    patterns:
        ``(N, d)`` with ``N >= 2`` (torch or NumPy; NumPy in gives NumPy out).

    Returns
    -------
    ``(N,)`` separations, in the patterns' dtype.

    Examples
    --------
    >>> import numpy as np
    >>> separation(np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    array([2., 0., 0.])
    """
    x = _patterns(patterns, min_rows=2, why=" to define a separation")
    return Output(numpy=is_numpy(patterns))(F.separation(x), batch_axis=False)


def max_norm(patterns: Any) -> float:
    """``M = max_i ||x_i||``, the largest pattern norm (004 eq. (2)), as a float."""
    return float(F.max_norm(_patterns(patterns)))


def sphere_radius(beta: float, n_patterns: int, max_norm: float) -> float:
    """Radius ``1 / (beta N M)`` of the sphere ``S_i`` around each pattern, eq. (288) of 004.

    Definition B2 of 004, Definition 3.3.3 of 003. Two spheres are disjoint when
    ``1 < 2 (N - 1) N beta M^2`` (eq. (294)).
    """
    beta = check_positive(beta, "beta")
    n = check_int(n_patterns, "n_patterns")
    m = check_positive(max_norm, "max_norm")
    return 1.0 / (beta * n * m)


def pattern_spread(patterns: Any) -> tuple[Any, float]:
    """Center ``m_x`` (eq. (68)) and largest distance ``m_max = max_i ||x_i - m_x||`` (eq. (69)) of 004.

    003 Definition 3.3.1 writes ``m_max^2``. Returns ``(m_x (d,), m_max)``; ``m_x`` is NumPy for NumPy
    input.
    """
    x = _patterns(patterns)
    center = x.mean(dim=0)
    spread = float(torch.linalg.vector_norm(x - center, dim=-1).amax())
    return Output(numpy=is_numpy(patterns))(center, batch_axis=False), spread
