"""Choosing beta so that every pattern has its own fixed point (003 §3.3 remark and §4.4, 004 eq. (289)).

The condition of 003 Proposition 3.4 (004 Lemma 7, eq. (289)) for all patterns at once is

    Delta_min >= 2 / (beta N) + ln(2 (N - 1) N beta M^2) / beta.

With ``u = beta Delta_min`` it reads ``u - ln u >= a``, ``a = 2/N + ln(2 (N - 1) N M^2 / Delta_min)``
(003 §4.4). ``u - ln u`` has its minimum 1 at ``u = 1``: for ``a <= 1`` every beta works; otherwise the
condition holds for ``beta <= beta_-`` and ``beta >= beta_+`` with ``u_-< 1 < u_+`` the two roots of
``u - ln u = a``. By Lambert W (004 Definition B10): ``u e^{-u} = e^{-a}``, so
``u_- = -W_0(-e^{-a})`` and ``u_+ = -W_{-1}(-e^{-a})``. The seed's fixed-point iteration
``u_{k+1} = a + ln u_k`` from ``u_0 = 2 a`` converges to ``u_+`` (its derivative ``1/u`` is below 1
there); ``u_{k+1} = exp(u_k - a)`` from ``u_0 = 0`` converges to ``u_-``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy.special import lambertw

from hopfield._validate import check_int, check_positive
from hopfield.theory._separation import _patterns, max_norm, separation

__all__ = ["BetaSelection", "select_beta", "select_beta_from"]

# Beyond this a, exp(-a) underflows in float64; Newton on u - ln u = a replaces Lambert W there.
_LAMBERT_MAX_A = 700.0


@dataclass(frozen=True)
class BetaSelection:
    """Result of :func:`select_beta_from`.

    Attributes
    ----------
    beta_plus, beta_minus:
        The separation condition holds exactly for ``beta <= beta_minus`` or ``beta >= beta_plus``
        (Lambert W values). ``beta_plus`` is the smallest beta useful for retrieval; ``beta_minus`` lies
        in the regime of the single global fixed point (003 Proposition 3.3). When ``a <= 1`` the
        condition holds for every beta: ``beta_plus = 0`` and ``beta_minus = inf``.
    beta_plus_iteration, beta_minus_iteration:
        The same two values by the seed's fixed-point iteration (003 §4.4); they agree with the
        Lambert W values to ``tol``.
    iterations:
        Fixed-point iterations used for ``beta_plus_iteration``.
    a:
        ``2/N + ln(2 (N - 1) N M^2 / Delta_min)``.
    delta_min, max_norm, n_patterns:
        The inputs.
    """

    beta_plus: float
    beta_minus: float
    beta_plus_iteration: float
    beta_minus_iteration: float
    iterations: int
    a: float
    delta_min: float
    max_norm: float
    n_patterns: int

    @property
    def always_holds(self) -> bool:
        """True when ``a <= 1``: every beta satisfies the condition."""
        return self.a <= 1.0

    def margin(self, beta: float) -> float:
        """``Delta_min - 2/(beta N) - ln(2 (N-1) N beta M^2)/beta``: >= 0 where the condition holds."""
        beta = check_positive(beta, "beta")
        n, m = self.n_patterns, self.max_norm
        return self.delta_min - 2.0 / (beta * n) - math.log(2.0 * (n - 1) * n * beta * m * m) / beta

    def holds(self, beta: float) -> bool:
        """Whether ``beta`` satisfies the separation condition (up to rounding at the two roots)."""
        return self.margin(beta) >= -1e-12 * max(1.0, self.delta_min)


def _newton_u(a: float, u: float) -> float:
    for _ in range(100):
        step = (u - math.log(u) - a) / (1.0 - 1.0 / u)
        u -= step
        if abs(step) <= 1e-15 * u:
            break
    return u


def _roots_lambert(a: float) -> tuple[float, float]:
    if a > _LAMBERT_MAX_A:  # exp(-a) underflows: u_- = e^{-a} to all digits, u_+ by Newton
        return math.exp(-a), _newton_u(a, a + math.log(a))
    z = -math.exp(-a)
    u_minus = -float(lambertw(z, 0).real)
    u_plus = -float(lambertw(z, -1).real)
    return u_minus, u_plus


def _roots_iteration(a: float, tol: float, max_iter: int) -> tuple[float, float, int]:
    u, k = 2.0 * a, 0  # the seed's start (003 §4.4)
    for k in range(1, max_iter + 1):  # noqa: B007
        new = a + math.log(u)
        done = abs(new - u) <= tol * new
        u = new
        if done:
            break
    v = 0.0
    for _ in range(max_iter):
        new = math.exp(v - a)
        done = abs(new - v) <= tol * new
        v = new
        if done:
            break
    return v, u, k


def select_beta_from(
    delta_min: float,
    max_norm: float,
    n_patterns: int,
    *,
    tol: float = 1e-14,
    max_iter: int = 10_000,
) -> BetaSelection:
    """``beta_+`` and ``beta_-`` from ``(Delta_min, M, N)``: 003 §3.3 remark and §4.4, 004 eq. (289).

    Parameters
    ----------
    delta_min:
        Smallest separation ``min_i Delta_i`` (> 0: the patterns must be separated).
    max_norm:
        ``M``, the largest pattern norm (> 0).
    n_patterns:
        ``N >= 2``.
    tol, max_iter:
        Relative stopping tolerance and iteration cap of the fixed-point iteration.

    Returns
    -------
    BetaSelection
        Both roots by Lambert W and by the seed's fixed-point iteration.

    Examples
    --------
    >>> s = select_beta_from(35.19, 31.3933, 30)
    >>> round(s.beta_plus, 3), s.holds(s.beta_plus), s.holds(0.0727)
    (0.383, True, False)
    """
    delta_min = check_positive(delta_min, "delta_min")
    m = check_positive(max_norm, "max_norm")
    n = check_int(n_patterns, "n_patterns", minimum=2)
    check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter")
    a = 2.0 / n + math.log(2.0 * (n - 1) * n * m * m / delta_min)
    if a <= 1.0:
        return BetaSelection(0.0, math.inf, 0.0, math.inf, 0, a, delta_min, m, n)
    u_minus, u_plus = _roots_lambert(a)
    v_minus, v_plus, k = _roots_iteration(a, tol, max_iter)
    return BetaSelection(
        beta_plus=u_plus / delta_min,
        beta_minus=u_minus / delta_min,
        beta_plus_iteration=v_plus / delta_min,
        beta_minus_iteration=v_minus / delta_min,
        iterations=k,
        a=a,
        delta_min=delta_min,
        max_norm=m,
        n_patterns=n,
    )


def select_beta(patterns: Any, **kwargs: Any) -> BetaSelection:
    """:func:`select_beta_from` with ``Delta_min``, ``M`` and ``N`` computed from ``patterns`` (N >= 2).

    Raises ``ValueError`` if some pattern is not separated (``Delta_min <= 0``): then no beta gives every
    pattern its own fixed point.
    """
    x = _patterns(patterns, min_rows=2, why=" to define a separation")
    delta = float(separation(x).min())
    if delta <= 0:
        raise ValueError(
            f"patterns must be separated (Delta_min > 0, eq. (286) of 004) to select beta, got "
            f"Delta_min = {delta!r}"
        )
    return select_beta_from(delta, max_norm(x), x.shape[0], **kwargs)
