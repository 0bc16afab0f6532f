"""Storage capacity: Theorems B5, B6, B7 and B10 of 004, and the classical references of §B4.1.2.

Random patterns lie uniformly on the sphere of radius ``M = K sqrt(d - 1)``; with probability ``1 - p``
at least ``N = sqrt(p) c^{(d-1)/4}`` of them are stored (Definition B4), for the base ``c`` below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import lambertw

from hopfield._validate import check_int, check_nonnegative, check_positive, check_probability

__all__ = [
    "CapacityB5",
    "DimensionB6",
    "capacity_b5",
    "capacity_b7",
    "capacity_b7_best",
    "classical_capacity",
    "dense_capacity",
    "dense_capacity_alpha",
    "dimension_b6",
    "min_dimension_b7",
]

#: The omega constant W_0(1) (004 eq. (343)).
OMEGA = 0.5671432904097838


@dataclass(frozen=True)
class CapacityB5:
    """Result of :func:`capacity_b5`.

    Attributes
    ----------
    a, b:
        ``a = 2/(d-1) (1 + ln(2 beta K^2 p (d-1)))`` and ``b = 2 K^2 beta / 5`` (eq. (322)).
    c:
        ``b / W_0(exp(a + ln b))`` (eq. (322)).
    c_corollary:
        The Lambert-free lower bound of Corollary 1 (eq. (338)).
    n_patterns:
        ``sqrt(p) c^{(d-1)/4}`` (eq. (324)): the number of random patterns stored with probability 1 - p.
    valid:
        Whether the assumption ``c >= (2 / sqrt(p))^{4/(d-1)}`` (eq. (323)) holds.
    """

    a: float
    b: float
    c: float
    c_corollary: float
    n_patterns: float
    valid: bool


def capacity_b5(beta: float, K: float, d: int, p: float) -> CapacityB5:
    """Theorem B5 of 004: exponential storage capacity of random patterns, eqs. (322)-(324).

    Parameters
    ----------
    beta:
        Inverse temperature (> 0).
    K:
        Radius factor, ``M = K sqrt(d - 1)`` (> 0).
    d:
        Dimension, an integer >= 2.
    p:
        Failure probability in (0, 1].

    Examples
    --------
    >>> round(capacity_b5(1.0, 3.0, 20, 0.001).c, 4), round(capacity_b5(1.0, 1.0, 75, 0.001).c, 4)
    (3.1546, 1.3719)
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    d = check_int(d, "d", minimum=2)
    p = check_probability(p, "p")
    a = 2.0 / (d - 1) * (1.0 + math.log(2.0 * beta * K * K * p * (d - 1)))
    b = 2.0 * K * K * beta / 5.0
    u = a + math.log(b)
    c = b / float(lambertw(math.exp(u), 0).real) if u < 700 else b / _w0_exp_large(u)
    # Corollary 1, eq. (338): upper bounds on W_0(exp(u)) (eqs. (344), (346)).
    w_up = math.log((OMEGA * math.exp(u) + 1.0) / (OMEGA * (1.0 + OMEGA))) if u <= 0 else u ** (u / (u + 1.0))
    n = math.sqrt(p) * c ** ((d - 1) / 4.0)
    valid = c >= (2.0 / math.sqrt(p)) ** (4.0 / (d - 1))
    return CapacityB5(a, b, c, b / w_up, n, valid)


def _w0_exp_large(u: float) -> float:
    # W_0(e^u) for large u: solve w + ln w = u by Newton from w = u - ln u.
    w = u - math.log(u)
    for _ in range(50):
        step = (w + math.log(w) - u) / (1.0 + 1.0 / w)
        w -= step
        if abs(step) <= 1e-15 * w:
            break
    return w


@dataclass(frozen=True)
class DimensionB6:
    """Result of :func:`dimension_b6`.

    ``d``: the root ``1 + W(a e^{-b}) / a`` of eq. (362) (``1 + e^{-b}`` for ``a = 0``); ``branch``: 0 or -1;
    ``a``, ``b``: eq. (360); ``holds_above``: True when inequality (361) holds for every dimension above
    ``d`` (``a < 0``), False when it holds below ``d`` (``a > 0``).

    Corollary 2 (``a < 0`` and ``u = b - ln(-a) - 1 > 0``, else nan): ``d_corollary`` is the corrected
    Lambert-free sufficient dimension ``1 + e/(e-1) (b - ln(-a)) / (-a)``, an upper bound on ``d`` by
    eq. (370); ``d_corollary_seed`` is eq. (366) as printed, ``1 + (b - ln(-a)) / a``: with ``a < 0`` the
    sign of the fraction is wrong, so it is a (vacuous, often negative) lower bound on ``d``.
    """

    d: float
    branch: int
    a: float
    b: float
    holds_above: bool
    d_corollary: float = math.nan
    d_corollary_seed: float = math.nan


def dimension_b6(beta: float, K: float, c: float, p: float) -> DimensionB6:
    """Theorem B6 of 004: the dimension at which base ``c`` is reached, eq. (348).

    ``a = ln(c)/2 - K^2 beta / (5 c)``, ``b = 1 + ln(2 p beta K^2)``, ``d = 1 + W(a e^{-b}) / a`` with
    ``W_0`` for ``a > 0`` and ``W_{-1}`` for ``a < 0``. Raises ``ValueError`` when ``a e^{-b} < -1/e``
    (the theorem's assumption (349) fails: then inequality (361) holds in every dimension).
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    c = check_positive(c, "c")
    p = check_probability(p, "p")
    a = math.log(c) / 2.0 - K * K * beta / (5.0 * c)
    b = 1.0 + math.log(2.0 * p * beta * K * K)
    if a == 0.0:
        return DimensionB6(1.0 + math.exp(-b), 0, a, b, False)
    z = a * math.exp(-b)
    if z < -1.0 / math.e:
        raise ValueError(
            f"c must give a exp(-b) >= -1/e (assumption (349) of Theorem B6), got a exp(-b) = {z!r} "
            f"(a = {a!r}, b = {b!r}); inequality (361) then holds for every d"
        )
    branch = 0 if a > 0 else -1
    d = 1.0 + float(lambertw(z, branch).real) / a
    if a < 0 and b - math.log(-a) - 1.0 > 0:
        top = b - math.log(-a)
        return DimensionB6(d, branch, a, b, True, 1.0 + math.e / (math.e - 1.0) * top / -a, 1.0 + top / a)
    return DimensionB6(d, branch, a, b, a < 0)


def capacity_b7(beta: float, K: float, c: float, d: int) -> tuple[bool, float]:
    """Theorem B7 of 004 (expected separation): whether inequality (376) holds, and ``N = c^{(d-1)/4}``.

    (376): ``(d-1) K^2 / (5 c) (1 - ln(d-1)/(d-1))^2 >= 2 / (beta c^{(d-1)/4})
    + ln(2 c^{(d-1)/2} beta (d-1) K^2) / beta``.
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    c = check_positive(c, "c")
    d = check_int(d, "d", minimum=2)
    if c < 1:
        raise ValueError(f"c must be >= 1 (Theorem B7), got {c!r}")
    e = d - 1
    lhs = e * K * K / (5.0 * c) * (1.0 - math.log(e) / e) ** 2
    rhs = (
        2.0 * math.exp(-e / 4.0 * math.log(c)) / beta
        + (math.log(2.0 * beta * e * K * K) + e / 2.0 * math.log(c)) / beta
    )
    return lhs >= rhs, math.exp(min(e / 4.0 * math.log(c), 709.0))


def min_dimension_b7(beta: float, K: float, c: float, d_max: int = 10_000) -> int:
    """Smallest ``d >= 2`` from which inequality (376) of Theorem B7 holds for every larger ``d`` up to
    ``d_max``; 0 if it does not hold at ``d_max``.

    004 says (376) "is fulfilled with beta = 1, K = 3, c = 2 and d >= 17"; it first holds at d = 21.
    """
    d_max = check_int(d_max, "d_max", minimum=2)
    last_fail = 1
    for d in range(2, d_max + 1):
        if not capacity_b7(beta, K, c, d)[0]:
            last_fail = d
    return 0 if last_fail == d_max else last_fail + 1


def capacity_b7_best(beta: float, K: float, d: int) -> float:
    """The largest ``N = c^{(d-1)/4}`` that Theorem B7 guarantees in dimension ``d`` (0 if none, c >= 1).

    Bisection on ``c`` between 1 and the first ``c`` (doubling) where inequality (376) fails.
    """
    if not capacity_b7(beta, K, 1.0, d)[0]:
        return 0.0
    lo, hi = 1.0, 2.0
    while capacity_b7(beta, K, hi, d)[0]:
        lo, hi = hi, 2 * hi
        if hi > 1e300:
            return math.inf
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if capacity_b7(beta, K, mid, d)[0] else (lo, mid)
        if hi - lo <= 1e-13 * hi:
            break
    return capacity_b7(beta, K, lo, d)[1]


def classical_capacity(d: int) -> dict[str, float]:
    """Capacities of the classical Hopfield network in dimension ``d`` (004 §B4.1.2).

    ``"hebb_error_tolerant"``: ``0.138 d`` (small retrieval errors allowed, Amit et al.);
    ``"one_pattern_stable"``: ``d / (2 ln d)`` (a fixed pattern is stable, McEliece et al.);
    ``"all_patterns_stable"``: ``d / (4 ln d)`` (all patterns stable).
    """
    d = check_int(d, "d", minimum=2)
    return {
        "hebb_error_tolerant": 0.138 * d,
        "one_pattern_stable": d / (2.0 * math.log(d)),
        "all_patterns_stable": d / (4.0 * math.log(d)),
    }


def dense_capacity_alpha(rho: float) -> float:
    """Theorem B10 of 004 (Demircigil et al.): the largest exponent ``alpha < I(1 - 2 rho) / 2``.

    ``I(a) = ((1 + a) ln(1 + a) + (1 - a) ln(1 - a)) / 2``; ``rho`` in [0, 1/2) is the fraction of flipped
    bits that one update still corrects. ``rho = 0`` gives ``ln(2) / 2``.
    """
    rho = check_nonnegative(rho, "rho")
    if rho >= 0.5:
        raise ValueError(f"rho must be in [0, 1/2), got {rho!r}")
    a = 1.0 - 2.0 * rho
    plus = (1.0 + a) * math.log1p(a)
    minus = 0.0 if a == 1.0 else (1.0 - a) * math.log1p(-a)
    return (plus + minus) / 4.0


def dense_capacity(d: int, rho: float = 0.0) -> float:
    """``N = exp(alpha d) + 1`` at the bound ``alpha = I(1 - 2 rho)/2`` of Theorem B10 (the supremum)."""
    d = check_int(d, "d", minimum=2)
    return math.exp(dense_capacity_alpha(rho) * d) + 1.0
