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

Everything is computed from logarithms (``a``) and from patterns divided by a power of two (exact), so
any finite input works; a ``beta`` beyond the float range comes back as ``inf``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hopfield._errors import input_error
from hopfield._validate import check_int, check_positive
from hopfield.functional import modern as F
from hopfield.theory._inputs import patterns64, pow2_scale, row_norms
from hopfield.theory._numeric import check_count, ln, u_roots

__all__ = ["BetaSelection", "scaled_margin", "select_beta", "select_beta_from"]


def scaled_margin(beta: float, delta: float, n: int, m: float) -> float:
    """``beta`` times the margin of condition (289) of 004 for a pattern of separation ``delta``:
    ``beta Delta - 2/N - ln(2 (N - 1) N beta M^2)`` (>= 0 where the condition holds).

    Multiplied by ``beta`` so that no term overflows against another (no ``inf - inf``).
    """
    log_term = math.log(2.0 * n) + math.log(n - 1.0) + math.log(beta) + 2.0 * ln(m) if n > 1 else -math.inf
    return beta * delta - 2.0 / n - log_term


@dataclass(frozen=True)
class BetaSelection:
    """Result of :func:`select_beta_from` and :func:`select_beta`.

    Attributes
    ----------
    beta_plus, beta_minus:
        The separation condition holds exactly for ``beta <= beta_minus`` or ``beta >= beta_plus``
        (Lambert W values). ``beta_plus`` is the smallest beta useful for retrieval; ``beta_minus`` lies
        in the regime of the single global fixed point (003 Proposition 3.3). When ``a <= 1`` the
        condition holds for every beta: ``beta_plus = 0`` and ``beta_minus = inf``.
    beta_plus_iteration, beta_minus_iteration:
        The same two values by the seed's fixed-point iteration (003 §4.4); they agree with the
        Lambert W values to ``tol`` when ``converged``.
    iterations:
        Fixed-point iterations used for ``beta_plus_iteration``.
    a:
        ``2/N + ln(2 (N - 1) N M^2 / Delta_min)``.
    delta_min, max_norm, n_patterns:
        The inputs.
    converged:
        Whether both fixed-point iterations met ``tol`` within ``max_iter`` steps (they slow down as
        ``a -> 1``, where the two roots meet).
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
    converged: bool = True

    @property
    def always_holds(self) -> bool:
        """True when ``a <= 1``: every beta satisfies the condition."""
        return self.a <= 1.0

    def margin(self, beta: float) -> float:
        """``Delta_min - 2/(beta N) - ln(2 (N-1) N beta M^2)/beta``: >= 0 where the condition holds."""
        beta = check_positive(beta, "beta")
        return scaled_margin(beta, self.delta_min, self.n_patterns, self.max_norm) / beta

    def holds(self, beta: float) -> bool:
        """Whether ``beta`` satisfies the separation condition (up to rounding at the two roots)."""
        beta = check_positive(beta, "beta")
        slack = _HOLDS_RTOL * max(1.0, self.delta_min) * beta
        return scaled_margin(beta, self.delta_min, self.n_patterns, self.max_norm) >= -slack


#: Relative slack of :meth:`BetaSelection.holds` at the two roots (float64 rounding of the margin).
_HOLDS_RTOL = 1e-12


def _roots_iteration(a: float, tol: float, max_iter: int) -> tuple[float, float, int, bool]:
    u, k, done_plus = 2.0 * a, 0, False  # the seed's start (003 §4.4)
    for k in range(1, max_iter + 1):  # noqa: B007
        new = a + math.log(u)
        done_plus = abs(new - u) <= tol * new
        u = new
        if done_plus:
            break
    v, done_minus = 0.0, False
    for _ in range(max_iter):
        new = math.exp(v - a)
        done_minus = abs(new - v) <= tol * new
        v = new
        if done_minus:
            break
    return v, u, k, done_plus and done_minus


def _selection(delta: float, m: float, n: int, tol: float, max_iter: int, scale: float) -> BetaSelection:
    """Both roots for ``Delta_min = delta scale^2`` and ``M = m scale`` (``scale`` a power of two)."""
    a = 2.0 / n + math.log(2.0 * n) + math.log(n - 1.0) + 2.0 * math.log(m) - math.log(delta)
    true_delta, true_m = delta * scale * scale, m * scale
    if a <= 1.0:
        return BetaSelection(0.0, math.inf, 0.0, math.inf, 0, a, true_delta, true_m, n)
    u_minus, u_plus = u_roots(a)
    v_minus, v_plus, k, converged = _roots_iteration(a, tol, max_iter)

    def beta(u: float) -> float:
        return u / delta / scale / scale

    return BetaSelection(
        beta_plus=beta(u_plus),
        beta_minus=beta(u_minus),
        beta_plus_iteration=beta(v_plus),
        beta_minus_iteration=beta(v_minus),
        iterations=k,
        a=a,
        delta_min=true_delta,
        max_norm=true_m,
        n_patterns=n,
        converged=converged,
    )


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
        ``N``, an integer in ``[2, 2**53]``.
    tol, max_iter:
        Relative stopping tolerance (in (0, 1)) and iteration budget of the fixed-point iteration
        (``converged`` says whether it was met).

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
    n = check_count(n_patterns, "n_patterns", minimum=2)
    tol = check_positive(tol, "tol", maximum=0.5)
    max_iter = check_int(max_iter, "max_iter")
    return _selection(delta_min, m, n, tol, max_iter, 1.0)


def select_beta(patterns: Any, *, tol: float = 1e-14, max_iter: int = 10_000) -> BetaSelection:
    """:func:`select_beta_from` with ``Delta_min``, ``M`` and ``N`` computed from ``patterns`` (N >= 2).

    ``patterns``: ``(N, d)``, a floating dtype (torch or NumPy), computed in float64 after an exact
    rescaling by a power of two (so float32 patterns of norm ``1e30`` work). Raises
    :class:`~hopfield.HopfieldInputError` naming ``patterns`` if some pattern is not separated
    (``Delta_min <= 0``): then no beta gives every pattern its own fixed point.
    """
    x = patterns64(patterns, min_rows=2, bounded=False, why=" to define a separation")
    tol = check_positive(tol, "tol", maximum=0.5)
    max_iter = check_int(max_iter, "max_iter")
    s = pow2_scale(x.t)
    y = x.t / s
    delta = float(F.separation(y).min())
    if delta <= 0:
        raise input_error(
            "patterns",
            "separated (Delta_min > 0, eq. (286) of 004) to select beta",
            f"Delta_min = {delta * s * s!r}",
            verb="be",
        )
    return _selection(delta, float(row_norms(y).amax()), int(x.t.shape[0]), tol, max_iter, s)
