"""Storage capacity: Theorems B5, B6 and B10 of 004, the classical references of §B4.1.2 and the
polynomial dense memory's signal-to-noise estimate (§B4.2, Krotov and Hopfield's ``alpha_n d^(n-1)``).

Random patterns lie uniformly on the sphere of radius ``M = K sqrt(d - 1)``; with probability ``1 - p``
at least ``N = sqrt(p) c^{(d-1)/4}`` of them are stored (Definition B4), for the base ``c`` below.
Theorem B7 is in :mod:`hopfield.theory._b7`.

The formulas are evaluated from logarithms, so every positive finite argument works: a count beyond
the float range comes back as ``inf`` (with its logarithm where the result has a field for it).
Dimensions are integers up to ``2**53``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from hopfield._errors import input_error
from hopfield._validate import check_int, check_positive, check_probability, check_real
from hopfield.theory._numeric import check_count, exp_or_inf, u_roots, w0_exp

__all__ = [
    "CapacityB5",
    "DimensionB6",
    "capacity_b5",
    "classical_capacity",
    "dense_capacity",
    "dense_capacity_alpha",
    "dimension_b6",
    "double_factorial",
    "poly_capacity_theory",
    "rate_function",
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
        ``sqrt(p) c^{(d-1)/4}`` (eq. (324)): the number of random patterns stored with probability 1 - p
        (``inf`` beyond the float range).
    valid:
        Whether the assumption ``c >= (2 / sqrt(p))^{4/(d-1)}`` (eq. (323)) holds.
    log_n_patterns:
        ``ln n_patterns``, finite where ``n_patterns`` overflows.
    """

    a: float
    b: float
    c: float
    c_corollary: float
    n_patterns: float
    valid: bool
    log_n_patterns: float = math.nan


def capacity_b5(beta: float, K: float, d: int, p: float) -> CapacityB5:
    """Theorem B5 of 004: exponential storage capacity of random patterns, eqs. (322)-(324).

    Parameters
    ----------
    beta:
        Inverse temperature (> 0).
    K:
        Radius factor, ``M = K sqrt(d - 1)`` (> 0).
    d:
        Dimension, an integer in ``[2, 2**53]``.
    p:
        Failure probability in (0, 1].

    ``c`` is computed as ``exp(W_0(e^u) - a)`` with ``u = a + ln b`` (the same number as
    ``b / W_0(e^u)``, since ``W e^W = b e^a``) where ``b`` or ``W`` leave the float range.

    Examples
    --------
    >>> round(capacity_b5(1.0, 3.0, 20, 0.001).c, 4), round(capacity_b5(1.0, 1.0, 75, 0.001).c, 4)
    (3.1546, 1.3719)
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    d = check_count(d, "d", minimum=2)
    p = check_probability(p, "p")
    e = d - 1.0
    log_k2 = 2.0 * math.log(K)
    a = 2.0 / e * (1.0 + math.log(2.0) + math.log(beta) + log_k2 + math.log(p) + math.log(e))
    log_b = math.log(2.0 / 5.0) + log_k2 + math.log(beta)
    b = exp_or_inf(log_b)
    u = a + log_b
    w = w0_exp(u)
    log_c = w - a
    c = b / w if 0.0 < b < math.inf and w > 0.0 else exp_or_inf(log_c)
    if 0.0 < c < math.inf:
        log_c = math.log(c)
    # Corollary 1, eq. (338): upper bounds on W_0(exp(u)) (eqs. (344), (346)).
    w_up = math.log((OMEGA * math.exp(u) + 1.0) / (OMEGA * (1.0 + OMEGA))) if u <= 0 else u ** (u / (u + 1.0))
    log_n = 0.5 * math.log(p) + e / 4.0 * log_c
    valid = log_c >= 4.0 / e * (math.log(2.0) - 0.5 * math.log(p))  # eq. (323), in logarithms
    return CapacityB5(a, b, c, exp_or_inf(log_b - math.log(w_up)), exp_or_inf(log_n), valid, log_n)


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
    ``W_0`` for ``a > 0`` and ``W_{-1}`` for ``a < 0`` (evaluated from ``ln |a e^{-b}|``). Raises
    :class:`~hopfield.HopfieldInputError` naming ``c`` when ``a e^{-b} < -1/e`` (the theorem's assumption
    (349) fails: then inequality (361) holds in every dimension).
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    c = check_positive(c, "c")
    p = check_probability(p, "p")
    log_k2b = 2.0 * math.log(K) + math.log(beta)
    a = math.log(c) / 2.0 - exp_or_inf(log_k2b - math.log(5.0) - math.log(c))
    b = 1.0 + math.log(2.0 * p) + log_k2b
    if a == 0.0:
        return DimensionB6(1.0 + exp_or_inf(-b), 0, a, b, False)
    log_z = math.log(abs(a)) - b  # ln |a e^{-b}|
    if a < 0 and log_z > -1.0:
        raise input_error(
            "c",
            "a base for which a exp(-b) >= -1/e (assumption (349) of Theorem B6; otherwise inequality "
            "(361) holds for every d)",
            f"c = {c!r}, giving a = {a!r}, b = {b!r}",
        )
    if a > 0:
        return DimensionB6(1.0 + w0_exp(log_z) / a, 0, a, b, False)
    d = 1.0 + u_roots(-log_z)[1] / -a  # W_{-1}(-e^t) = -u_+(-t)
    if b - math.log(-a) - 1.0 > 0:
        top = b - math.log(-a)
        return DimensionB6(d, -1, a, b, True, 1.0 + math.e / (math.e - 1.0) * top / -a, 1.0 + top / a)
    return DimensionB6(d, -1, a, b, True)


def classical_capacity(d: int) -> dict[str, float]:
    """Capacities of the classical Hopfield network in dimension ``d`` (004 §B4.1.2), ``2 <= d <= 2**53``.

    ``"hebb_error_tolerant"``: ``0.138 d`` (small retrieval errors allowed, Amit et al.);
    ``"one_pattern_stable"``: ``d / (2 ln d)`` (a fixed pattern is stable, McEliece et al.);
    ``"all_patterns_stable"``: ``d / (4 ln d)`` (all patterns stable).
    """
    d = check_count(d, "d", minimum=2)
    return {
        "hebb_error_tolerant": 0.138 * d,
        "one_pattern_stable": d / (2.0 * math.log(d)),
        "all_patterns_stable": d / (4.0 * math.log(d)),
    }


def dense_capacity_alpha(rho: float) -> float:
    """Theorem B10 of 004 (Demircigil et al.): the largest exponent ``alpha < I(1 - 2 rho) / 2``.

    ``I(a) = ((1 + a) ln(1 + a) + (1 - a) ln(1 - a)) / 2``; ``rho`` in [0, 1/2) is the fraction of flipped
    bits that one update still corrects. ``rho = 0`` gives ``ln(2) / 2``. Near ``rho = 1/2`` the series
    ``I(a) = a^2/2 + a^4/12 + a^6/30 + ...`` replaces the cancelling logarithms.
    """
    rho = check_real(rho, "rho", low=0.0, high=0.5, high_open=True)
    a = 1.0 - 2.0 * rho
    if a < 1e-3:  # the next term, a^8/56, is below 1e-19 of the first
        a2 = a * a
        return a2 * (0.5 + a2 * (1.0 / 12.0 + a2 / 30.0)) / 2.0
    return rate_function(a) / 2.0


def rate_function(a: float) -> float:
    """``I(a) = ((1 + a) ln(1 + a) + (1 - a) ln(1 - a)) / 2`` of Theorem B10 (004), ``a`` in [-1, 1].

    The Cramér rate function of the mean of fair ±1 coins: ``P(x^T y >= a d) ~ exp(-d I(a))`` for
    independent random ``x, y``; ``I(-a) = I(a)``, ``I(0) = 0``, ``I(1) = ln 2``.
    """
    a = abs(check_real(a, "a", low=-1.0, high=1.0))
    minus = 0.0 if a == 1.0 else (1.0 - a) * math.log1p(-a)
    return 0.5 * ((1.0 + a) * math.log1p(a) + minus)


def double_factorial(k: int) -> int:
    """``k!! = k (k - 2) (k - 4) ...`` for an integer ``k >= -1`` (1 for ``k <= 0``)."""
    k = check_int(k, "k", minimum=-1)
    return math.prod(range(k, 0, -2)) if k > 0 else 1


def poly_capacity_theory(n: int, d: int, error: float) -> float:
    """Signal-to-noise estimate of the patterns stored by ``F(a) = a^n`` (004 §B4.2, eqs. (530)-(531))
    at one-step bit error ``error`` in (0, 1/2); ``n >= 2``, ``d >= 1`` integers.

    For a stored pattern the margin of a bit is ``2n d^(n-1)`` plus, from each of the ``P - 1`` other
    patterns, a centred term of variance ``(2n)^2 (2n-3)!! d^(n-1)``; a Gaussian tail gives
    ``P - 1 = d^(n-1) / ((2n - 3)!! z^2)`` with ``z = Phi^-1(1 - error)`` (``n = 2``: ``d / z^2``);
    ``inf`` beyond the float range.
    """
    n, d = check_count(n, "n", minimum=2), check_count(d, "d")
    error = check_real(error, "error", low=0.0, high=0.5, low_open=True, high_open=True)
    z = NormalDist().inv_cdf(1 - error)
    power: int = d ** (n - 1)
    try:
        return 1 + power / (double_factorial(2 * n - 3) * z * z)
    except OverflowError:  # an int beyond the float range: from logarithms
        log_df = math.lgamma(2 * n - 1) - (n - 1) * math.log(2.0) - math.lgamma(n)  # ln (2n-3)!!
        return 1 + exp_or_inf((n - 1) * math.log(d) - log_df - 2 * math.log(z))


def dense_capacity(d: int, rho: float = 0.0) -> float:
    """``N = exp(alpha d) + 1`` at the bound ``alpha = I(1 - 2 rho)/2`` of Theorem B10 (the supremum).

    ``d``: an integer in ``[2, 2**53]``; ``inf`` where ``N`` exceeds the float range (``d >= 2049`` at
    ``rho = 0``).
    """
    d = check_count(d, "d", minimum=2)
    return exp_or_inf(dense_capacity_alpha(rho) * d) + 1.0
