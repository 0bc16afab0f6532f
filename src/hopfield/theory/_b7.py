"""Theorem B7 of 004 (expected separation of random patterns): inequality (376) and its dimension search.

(376): ``(d-1) K^2 / (5 c) (1 - ln(d-1)/(d-1))^2 >= 2 / (beta c^{(d-1)/4})
+ ln(2 c^{(d-1)/2} beta (d-1) K^2) / beta``, and then ``N = c^{(d-1)/4}`` random patterns are separated
on average. Evaluated as ``beta (lhs - rhs)`` in the logarithm ``t = ln c`` (no term overflows against
another), vectorized over dimensions.

With ``e = d - 1`` and ``A = beta K^2 / (5 c)`` the gap is
``G(e) = S e - B ln e + A (ln e)^2 / e - ln(2 beta K^2) - 2 c^{-e/4}``, ``S = A - t/2``, ``B = 2 A + 1``;
its derivative ``G'(e) = S - B/e + A (2 ln e - ln^2 e)/e^2 + (t/2) c^{-e/4}`` has the sign of ``S`` for
every ``e >= E1`` (computed below), so past ``E1`` the inequality changes at most once and bisection
finds where. :func:`min_dimension_b7` checks the dimensions below ``E1`` one by one, within a budget.
"""

from __future__ import annotations

import math

import numpy as np

from hopfield._errors import HopfieldBudgetError, input_error
from hopfield._validate import check_int, check_positive, check_real
from hopfield.theory._numeric import check_count, exp_or_inf

__all__ = ["capacity_b7", "capacity_b7_best", "min_dimension_b7"]

_CHUNK = 1 << 20  # dimensions per vectorized block of the scan
_MAX_DOUBLINGS = 64  # of t = ln c in capacity_b7_best (it stops near t ~ 2**13 at the latest)


def _gap(beta: float, K: float, t: float, e: np.ndarray) -> np.ndarray:
    """``beta (lhs - rhs)`` of (376) at ``c = e^t`` for dimensions ``d = e + 1`` (float64 array)."""
    log_a = math.log(beta) + 2.0 * math.log(K) - math.log(5.0) - t  # ln(beta K^2 / (5 c))
    le = np.log(e)
    with np.errstate(over="ignore"):
        lhs = exp_or_inf(log_a) * e * (1.0 - le / e) ** 2
    rhs = 2.0 * np.exp(-e / 4.0 * t) + math.log(2.0) + math.log(beta) + 2.0 * math.log(K) + le + e / 2.0 * t
    return np.asarray(lhs - rhs, dtype=np.float64)


def _holds(beta: float, K: float, t: float, e: float) -> bool:
    return bool(_gap(beta, K, t, np.array([e]))[0] >= 0)


def capacity_b7(beta: float, K: float, c: float, d: int) -> tuple[bool, float]:
    """Theorem B7 of 004 (expected separation): whether inequality (376) holds, and ``N = c^{(d-1)/4}``.

    ``beta``, ``K`` > 0; ``c >= 1``; ``d`` an integer in ``[2, 2**53]``. ``N`` is ``inf`` beyond the float
    range.
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    c = check_real(c, "c", low=1.0)
    d = check_count(d, "d", minimum=2)
    t = math.log(c)
    return _holds(beta, K, t, d - 1.0), exp_or_inf((d - 1.0) / 4.0 * t)


def _monotone_from(beta: float, K: float, t: float, e_max: float) -> tuple[float, float]:
    """``(E1, S)``: past ``E1`` (>= 16) the gap is increasing (``S > 0``) or decreasing (``S <= 0``).

    ``S <= 0``: for ``e >= 16`` the ``(ln e)^2/e`` term's slope is negative and ``(t/2) e c^{-e/4} <=
    2/e_Euler < 1 <= B``, so ``G' < 0`` from 16 on. ``S > 0``: ``B/e + A (ln^2 e - 2 ln e)/e^2`` decreases
    from 16 on; ``E1`` doubles until it is below ``S`` (or passes ``e_max``).
    """
    a = exp_or_inf(math.log(beta) + 2.0 * math.log(K) - math.log(5.0) - t)
    s = a - t / 2.0
    if math.isinf(a):  # the left side of (376) is inf: it holds in every dimension
        return 1.0, s
    e1 = 16.0
    if s > 0:
        b = 2.0 * a + 1.0
        while e1 < e_max:
            le = math.log(e1)
            if b / e1 + a * (le * le - 2.0 * le) / (e1 * e1) < s:
                break
            e1 *= 2.0
    return e1, s


def min_dimension_b7(beta: float, K: float, c: float, d_max: int = 10_000, *, max_evals: int = 10**7) -> int:
    """Smallest ``d >= 2`` from which inequality (376) of Theorem B7 holds for every larger ``d`` up to
    ``d_max``; 0 if it does not hold at ``d_max``.

    004 says (376) "is fulfilled with beta = 1, K = 3, c = 2 and d >= 17"; it first holds at d = 21.

    Parameters
    ----------
    beta, K:
        Positive finite numbers.
    c:
        The base, ``c >= 1``.
    d_max:
        Largest dimension considered, an integer in ``[2, 2**53]``.
    max_evals:
        Budget of dimensions checked one by one (those below the point ``E1`` past which the gap is
        monotone; beyond it bisection takes over). Raises :class:`~hopfield.HopfieldBudgetError` if
        more are needed (only when ``beta K^2 / (5 c)`` is within a hair of ``ln(c) / 2``).
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    c = check_real(c, "c", low=1.0)
    d_max = check_count(d_max, "d_max", minimum=2)
    max_evals = check_int(max_evals, "max_evals")
    t, e_max = math.log(c), float(d_max - 1)
    if not _holds(beta, K, t, e_max):
        return 0
    e1, s = _monotone_from(beta, K, t, e_max)
    n_scan = int(min(math.ceil(e1), e_max))
    if n_scan > max_evals:
        raise input_error(
            "max_evals",
            f">= {n_scan} (the dimensions below the point where inequality (376) turns monotone), or a "
            "smaller d_max",
            max_evals,
            cls=HopfieldBudgetError,
        )
    last_fail = 0.0  # e = d - 1 of the last failing dimension; 0: none
    for start in range(1, n_scan + 1, _CHUNK):
        e = np.arange(start, min(start + _CHUNK, n_scan + 1), dtype=np.float64)
        fails = np.flatnonzero(_gap(beta, K, t, e) < 0)
        if fails.size:
            last_fail = float(e[fails[-1]])
    if s > 0 and n_scan < e_max and not _holds(beta, K, t, n_scan + 1.0):
        lo, hi = n_scan + 1.0, e_max  # increasing past E1: fails at lo, holds at hi; bisect the switch
        while hi - lo > 1:
            mid = math.floor((lo + hi) / 2)
            lo, hi = (mid, hi) if not _holds(beta, K, t, mid) else (lo, mid)
        last_fail = lo
    return int(last_fail) + 2 if last_fail else 2


def capacity_b7_best(beta: float, K: float, d: int) -> float:
    """The largest ``N = c^{(d-1)/4}`` that Theorem B7 guarantees in dimension ``d`` (0 if none, c >= 1).

    Bisection on ``t = ln c`` between 0 and the first ``t`` (doubling) where inequality (376) fails: the
    right side grows like ``(d-1) t / 2`` while the left side decays like ``e^{-t}``, so it fails for every
    ``t`` above a few thousand whatever the (finite) arguments, and the search is bounded. ``inf`` where
    ``N`` exceeds the float range.
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    d = check_count(d, "d", minimum=2)
    e = d - 1.0
    if not _holds(beta, K, 0.0, e):
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(_MAX_DOUBLINGS):
        if not _holds(beta, K, hi, e):
            break
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _holds(beta, K, mid, e) else (lo, mid)
        if hi - lo <= 1e-15 * hi:
            break
    return exp_or_inf(e / 4.0 * lo)
